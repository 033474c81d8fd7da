"""The monthly totals (``MonthlyTotal``): kept as records are written, recomputed from the records,
and the two compared.

Why they exist: the overview's totals and months summed every record of the period, seconds at
a million records for every click of an auditor. One row a month, organisation and currency
holds the same sums, so the overview reads a few hundred rows whatever the size of the books.

How they stay right:

- ``add`` is called by the services in the transaction that issues, pays or credits, under the
  locks they already hold. It increments with ``F()`` (one UPDATE: on PostgreSQL the row lock it
  takes makes a second payment wait and add to the committed value, so no increment is lost),
  and creates a missing row in a savepoint: if another transaction created it first, the unique
  constraint refuses ours and the increment is applied to theirs.
- The retention sweep deletes records without the services: triggers take them back out of
  the totals (migration 0005), on PostgreSQL and SQLite alike.
- ``recompute`` sums the records as the totals should hold them (the data migration fills the
  table with it); ``differences`` compares, and the nightly reconciliation reports any.

The open debt (``OpenDebt``: what is outstanding on open invoices, by month of issue, due day and
currency) is kept the same way, for the overview's aged debt: ``add_open_debt`` from the services,
delete triggers (migration 0007), ``recompute_open_debt`` and the same ``differences``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Count, F, Model, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from finance import money

Key = tuple[datetime.date, Any, str]  # (month, organisation id, currency)
Counters = dict[str, int]


class MonthOf(TruncMonth):
    """TruncMonth, with SQLite's own ``strftime`` instead of Django's Python function, which is
    called once per row (seconds at a million rows)."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.lhs)
        return f"strftime('%%Y-%%m-01', {sql})", params


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add(*, month: datetime.date, organisation_id: Any, currency: str, amounts: dict[str, int]) -> None:
    """Add ``amounts`` (counter → how much) to one row, in the caller's transaction (see the
    module's docstring)."""
    from finance.models import MonthlyTotal

    key = {"month": month_of(month), "organisation_id": organisation_id, "currency": currency}
    increments = {name: F(name) + value for name, value in amounts.items()}
    if MonthlyTotal.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():
            MonthlyTotal.objects.create(**key, **amounts)
    except IntegrityError:
        # Created meanwhile by another transaction (now committed): add to theirs.
        MonthlyTotal.objects.filter(**key).update(**increments)


def add_open_debt(*, issued_on: datetime.date, due_on: datetime.date, currency: str, amounts: dict[str, int]) -> None:
    """Add ``amounts`` (``open_count``, ``outstanding_pence``) to one row of the open debt, in the
    caller's transaction, as ``add`` does."""
    from finance.models import OpenDebt

    key = {"issued_month": month_of(issued_on), "due_on": due_on, "currency": currency}
    increments = {name: F(name) + value for name, value in amounts.items()}
    if OpenDebt.objects.filter(**key).update(**increments):
        if amounts.get("open_count", 0) < 0:
            # The last open invoice of the row settled: the row goes, so the table holds open debt only.
            OpenDebt.objects.filter(**key, open_count=0, outstanding_pence=0).delete()
        return
    try:
        with transaction.atomic():
            OpenDebt.objects.create(**key, **amounts)
    except IntegrityError:
        OpenDebt.objects.filter(**key).update(**increments)


OPEN_STATES = ("unpaid", "part_paid")  # Invoice.OPEN_STATES, as the data migration's models have no such name
DebtKey = tuple[datetime.date, datetime.date, str]  # (month of issue, due day, currency)


def recompute_open_debt(
    invoice_model: type[Model], payment_model: type[Model], credit_note_model: type[Model]
) -> dict[DebtKey, Counters]:
    """The open debt as the records say it is: one grouped query over the open invoices, each with
    its own balance (what was paid and credited against it)."""

    def against(model: type[Model], amount: str) -> Coalesce:
        total = (
            model._default_manager.filter(invoice=OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(total=money.pence_sum(amount))
            .values("total")
        )
        return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0))

    rows = (
        invoice_model._default_manager.filter(state__in=OPEN_STATES, issued_on__isnull=False)
        .order_by()
        .annotate(
            issued_month=MonthOf("issued_on"),
            outstanding=money.pence("gross") - against(payment_model, "amount") - against(credit_note_model, "gross"),
        )
        .values("issued_month", "due_on", "currency")
        .annotate(open_count=Count("pk"), outstanding_pence=Sum("outstanding"))
    )
    return {
        (_as_date(row["issued_month"]), _as_date(row["due_on"]), row["currency"]): {
            "open_count": int(row["open_count"]),
            "outstanding_pence": int(row["outstanding_pence"] or 0),
        }
        for row in rows
    }


def stored_open_debt(debt_model: type[Model] | None = None) -> dict[DebtKey, Counters]:
    from finance.models import OpenDebt

    model = debt_model or OpenDebt
    return {
        (row["issued_month"], row["due_on"], row["currency"]): {name: row[name] for name in OpenDebt.COUNTERS}
        for row in model._default_manager.values("issued_month", "due_on", "currency", *OpenDebt.COUNTERS)
    }


def fill_open_debt(
    debt_model: type[Model], invoice_model: type[Model], payment_model: type[Model], credit_model: Any
) -> int:
    """Write the recomputed open debt into an empty table (the data migration, the benchmark's seed)."""
    recomputed = recompute_open_debt(invoice_model, payment_model, credit_model)
    return _write_rows(debt_model, ("issued_month", "due_on", "currency"), recomputed)


def _write_rows(model: type[Model], key_fields: tuple[str, ...], recomputed: dict[Any, dict[str, Any]]) -> int:
    rows = [model(**dict(zip(key_fields, key, strict=True)), **counters) for key, counters in recomputed.items()]
    model._default_manager.bulk_create(rows, batch_size=1000)
    return len(rows)


def recompute(
    invoice_model: type[Model], payment_model: type[Model], credit_note_model: type[Model]
) -> dict[Key, Counters]:
    """The totals as the records say they are: five grouped queries over every record. The models
    are arguments so that the data migration can pass its historical ones."""
    found: dict[Key, Counters] = defaultdict(lambda: dict.fromkeys(_counters(), 0))
    issued = invoice_model._default_manager.exclude(state="draft").filter(issued_on__isnull=False)
    queries = (
        (issued, "issued_on", {"invoice_count": Count("pk"), "invoiced_pence": money.pence_sum("gross")}),
        (payment_model._default_manager.all(), "invoice__issued_on", {"paid_pence": money.pence_sum("amount")}),
        (credit_note_model._default_manager.all(), "invoice__issued_on", {"credited_pence": money.pence_sum("gross")}),
        (payment_model._default_manager.all(), "received_on", {"received_pence": money.pence_sum("amount")}),
        (credit_note_model._default_manager.all(), "issued_on", {"credit_notes_pence": money.pence_sum("gross")}),
    )
    for records, date_field, sums in queries:
        rows = (
            records.order_by()
            .annotate(month=MonthOf(date_field))
            .values("month", "organisation_id", "currency")
            .annotate(**sums)
        )
        for row in rows:
            counters = found[(_as_date(row["month"]), row["organisation_id"], row["currency"])]
            for name in sums:
                counters[name] += int(row[name] or 0)
    return dict(found)


def stored(total_model: type[Model] | None = None) -> dict[Key, Counters]:
    from finance.models import MonthlyTotal

    model = total_model or MonthlyTotal
    return {
        (row["month"], row["organisation_id"], row["currency"]): {name: row[name] for name in _counters()}
        for row in model._default_manager.values("month", "organisation_id", "currency", *_counters())
    }


@dataclass(frozen=True)
class Difference:
    month: datetime.date
    organisation_id: Any
    currency: str
    counter: str
    kept: int
    recomputed: int
    due_on: datetime.date | None = None  # a row of the open debt

    def __str__(self) -> str:
        due = f" due {self.due_on}" if self.due_on else ""
        return (
            f"{self.month:%Y-%m}{due} {self.currency} {self.counter}: kept {self.kept}, records say {self.recomputed}"
        )


def differences() -> list[Difference]:
    """Every counter where the kept totals (and open debt) and the records disagree (an empty row
    equals no row)."""
    from finance.models import CreditNote, Invoice, OpenDebt, Payment

    with _one_snapshot():
        kept = stored()
        recomputed = recompute(Invoice, Payment, CreditNote)
        kept_debt = stored_open_debt()
        recomputed_debt = recompute_open_debt(Invoice, Payment, CreditNote)
    zero = dict.fromkeys(_counters(), 0)
    found = []
    for key in sorted(set(kept) | set(recomputed), key=lambda k: (k[0], str(k[1]), k[2])):
        mine, theirs = kept.get(key, zero), recomputed.get(key, zero)
        for name in _counters():
            if mine[name] != theirs[name]:
                found.append(Difference(key[0], key[1], key[2], name, mine[name], theirs[name]))
    no_debt = dict.fromkeys(OpenDebt.COUNTERS, 0)
    for month, due_on, currency in sorted(set(kept_debt) | set(recomputed_debt)):
        mine, theirs = (
            kept_debt.get((month, due_on, currency), no_debt),
            recomputed_debt.get((month, due_on, currency), no_debt),
        )
        for name in OpenDebt.COUNTERS:
            if mine[name] != theirs[name]:
                found.append(Difference(month, None, currency, name, mine[name], theirs[name], due_on=due_on))
    return found


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """The totals and the records read as of one moment: a payment committed between the two reads
    would otherwise look like a difference (PostgreSQL's default gives each query its own snapshot)."""
    if connection.in_atomic_block:  # the caller's transaction decides (the tests)
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def fill(total_model: type[Model], invoice_model: type[Model], payment_model: type[Model], credit_model: Any) -> int:
    """Write the recomputed totals into an empty table (the data migration, the benchmark's seed)."""
    recomputed = recompute(invoice_model, payment_model, credit_model)
    return _write_rows(total_model, ("month", "organisation_id", "currency"), recomputed)


def _counters() -> tuple[str, ...]:
    from finance.models import MonthlyTotal

    return MonthlyTotal.COUNTERS


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite hands the month back as text
        return datetime.date.fromisoformat(value[:10])
    return value
