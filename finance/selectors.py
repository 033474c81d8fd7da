"""Reads of the financial records, always through the access policy's querysets.

Lists are keyset-paginated on indexed columns (date, then number), so the hundredth page costs
what the first does and nothing counts the whole table. Every total is computed by the
database (``aggregate``/``annotate``), in whole hundredths (``finance.money``); Python only
subtracts a handful of sums and lays them out.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

import access
from confidentiality.dates import day
from confidentiality.roles import Role
from finance import money
from finance.models import Audit, CreditNote, Invoice, MonthlyTotal, OpenDebt, Payment
from finance.totals import MonthOf

if TYPE_CHECKING:
    from confidentiality.models import User

PAGE_SIZE = 50

STATE_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "Any state"),
    ("open", "Open (something outstanding)"),
    ("overdue", "Overdue"),
    (Invoice.State.UNPAID, Invoice.State.UNPAID.label),
    (Invoice.State.PART_PAID, Invoice.State.PART_PAID.label),
    (Invoice.State.PAID, Invoice.State.PAID.label),
    (Invoice.State.CREDITED, Invoice.State.CREDITED.label),
)


@dataclass(frozen=True)
class FinanceFilter:
    """What a list or summary is narrowed to. Dates are inclusive."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    organisation_id: uuid.UUID | None = None
    state: str = ""

    def invoice_q(self, prefix: str = "", *, today: datetime.date | None = None) -> Q:
        """The filter on invoices: on the invoice itself (prefix "") or through a relation."""
        q = Q()
        if self.date_from:
            q &= Q(**{f"{prefix}issued_on__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{prefix}issued_on__lte": self.date_to})
        if self.organisation_id:
            q &= Q(**{f"{prefix}organisation_id": self.organisation_id})
        return q & self.state_q(prefix, today=today)

    def state_q(self, prefix: str = "", *, today: datetime.date | None = None) -> Q:
        if not self.state:
            return Q()
        if self.state == "open":
            return Q(**{f"{prefix}state__in": Invoice.OPEN_STATES})
        if self.state == "overdue":
            return Q(
                **{f"{prefix}state__in": Invoice.OPEN_STATES, f"{prefix}due_on__lt": today or timezone.localdate()}
            )
        return Q(**{f"{prefix}state": self.state})

    def dated_q(self, date_field: str) -> Q:
        """The period on another date than the invoice's (a payment's, a credit note's)."""
        q = Q()
        if self.date_from:
            q &= Q(**{f"{date_field}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{date_field}__lte": self.date_to})
        if self.organisation_id:
            q &= Q(organisation_id=self.organisation_id)
        return q

    def as_detail(self) -> dict[str, str]:
        """For the audit log: what was looked at, never what was seen."""
        detail = {}
        if self.date_from:
            detail["from"] = self.date_from.isoformat()
        if self.date_to:
            detail["to"] = self.date_to.isoformat()
        if self.organisation_id:
            detail["organisation"] = str(self.organisation_id)
        if self.state:
            detail["state"] = self.state
        return detail

    @property
    def period_label(self) -> str:
        if self.date_from and self.date_to:
            return f"{day(self.date_from)} to {day(self.date_to)}"
        if self.date_from:
            return f"from {day(self.date_from)}"
        if self.date_to:
            return f"up to {day(self.date_to)}"
        return "all dates"


# --- lists ----------------------------------------------------------------------------------


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    first: bool


def _paid_pence(outer: str = "pk") -> Subquery:
    return Subquery(
        Payment.objects.filter(invoice=OuterRef(outer))
        .order_by()
        .values("invoice")
        .annotate(total=money.pence_sum("amount"))
        .values("total"),
        output_field=IntegerField(),
    )


def _credited_pence(outer: str = "pk") -> Subquery:
    return Subquery(
        CreditNote.objects.filter(invoice=OuterRef(outer))
        .order_by()
        .values("invoice")
        .annotate(total=money.pence_sum("gross"))
        .values("total"),
        output_field=IntegerField(),
    )


def with_balances(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Each invoice with what was paid and credited against it, in hundredths, by the database."""
    return invoices.annotate(
        paid_pence=Coalesce(_paid_pence(), Value(0)),
        credited_pence=Coalesce(_credited_pence(), Value(0)),
    )


def balance_of(invoice: Any) -> tuple[Decimal, Decimal, Decimal]:
    """(paid, credited, outstanding) of an invoice annotated by ``with_balances``."""
    paid = money.from_pence(invoice.paid_pence)
    credited = money.from_pence(invoice.credited_pence)
    return paid, credited, invoice.gross - paid - credited


def _parse_cursor(cursor: str | None, parse_tie: Any) -> tuple[datetime.date, Any] | None:
    if not cursor:
        return None
    try:
        day, tie = cursor.split("_", 1)
        return datetime.date.fromisoformat(day), parse_tie(tie)
    except (ValueError, TypeError):
        raise ValidationError("That page link is not valid.") from None


def _keyset(
    found: QuerySet[Any], *, date_field: str, tie_field: str, cursor: str | None, parse_tie: Any, limit: int
) -> Page:
    """Newest first by (date, tie); the next page starts strictly after the cursor's row.

    ``date <= d AND (date < d OR tie < t)``: the first term bounds the index range, the second
    places the cursor inside a day, so page N reads no more rows than page 1.
    """
    position = _parse_cursor(cursor, parse_tie)
    if position is not None:
        day, tie = position
        found = found.filter(
            Q(**{f"{date_field}__lte": day}), Q(**{f"{date_field}__lt": day}) | Q(**{f"{tie_field}__lt": tie})
        )
    rows = list(found.order_by(f"-{date_field}", f"-{tie_field}")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = f"{getattr(last, date_field).isoformat()}_{_tie_text(getattr(last, tie_field))}"
    return Page(rows=rows, next_cursor=next_cursor, first=position is None)


def _tie_text(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def invoices_for(*, user: User, filters: FinanceFilter) -> QuerySet[Invoice]:
    """Issued invoices the user may see, filtered, each with its balance."""
    found = access.invoices_visible_to(user).exclude(state=Invoice.State.DRAFT).filter(filters.invoice_q())
    return with_balances(found)


def invoice_page_for(*, user: User, filters: FinanceFilter, cursor: str | None, limit: int = PAGE_SIZE) -> Page:
    return _keyset(
        invoices_for(user=user, filters=filters),
        date_field="issued_on",
        tie_field="number",
        cursor=cursor,
        parse_tie=int,
        limit=limit,
    )


def invoices_in_order(*, user: User, filters: FinanceFilter) -> Iterator[Invoice]:
    """Every row of the list, in the list's order, streamed in batches (the CSV export)."""
    return invoices_for(user=user, filters=filters).order_by("-issued_on", "-number").iterator(chunk_size=2000)


def drafts_for(*, user: User) -> QuerySet[Invoice]:
    """Drafts: the administrator's only."""
    if not access.can_write_finance(user):
        return Invoice.objects.none()
    return (
        access.invoices_visible_to(user)
        .filter(state=Invoice.State.DRAFT)
        .select_related("organisation", "engagement")
        .order_by("-created_at")[:PAGE_SIZE]
    )


def payments_for(*, user: User, filters: FinanceFilter) -> QuerySet[Payment]:
    return (
        access.payments_visible_to(user)
        .filter(filters.dated_q("received_on"), filters.state_q("invoice__"))
        .select_related("invoice")
    )


def payment_page_for(*, user: User, filters: FinanceFilter, cursor: str | None, limit: int = PAGE_SIZE) -> Page:
    return _keyset(
        payments_for(user=user, filters=filters),
        date_field="received_on",
        tie_field="id",
        cursor=cursor,
        parse_tie=uuid.UUID,
        limit=limit,
    )


def payments_in_order(*, user: User, filters: FinanceFilter) -> Iterator[Payment]:
    return payments_for(user=user, filters=filters).order_by("-received_on", "-id").iterator(chunk_size=2000)


def credit_notes_for(*, user: User, filters: FinanceFilter) -> QuerySet[CreditNote]:
    return (
        access.credit_notes_visible_to(user)
        .filter(filters.dated_q("issued_on"), filters.state_q("invoice__"))
        .select_related("invoice")
    )


def credit_note_page_for(*, user: User, filters: FinanceFilter, cursor: str | None, limit: int = PAGE_SIZE) -> Page:
    return _keyset(
        credit_notes_for(user=user, filters=filters),
        date_field="issued_on",
        tie_field="number",
        cursor=cursor,
        parse_tie=int,
        limit=limit,
    )


def credit_notes_in_order(*, user: User, filters: FinanceFilter) -> Iterator[CreditNote]:
    return credit_notes_for(user=user, filters=filters).order_by("-issued_on", "-number").iterator(chunk_size=2000)


def _get(found: QuerySet[Any], pk: Any) -> Any:
    try:
        return found.get(pk=pk)
    except (found.model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def invoice_get_for(*, user: User, pk: Any) -> Invoice:
    """One invoice with its balance, or 404 outside the user's need-to-know."""
    return _get(with_balances(access.invoices_visible_to(user)).select_related("organisation", "engagement"), pk)


# --- the summary ------------------------------------------------------------------------------

AGED_BUCKETS: tuple[tuple[str, str], ...] = (
    ("current", "Not yet due"),
    ("days_1_30", "1 to 30 days overdue"),
    ("days_31_60", "31 to 60 days overdue"),
    ("days_61_90", "61 to 90 days overdue"),
    ("days_over_90", "More than 90 days overdue"),
)


def _aged_q(bucket: str, today: datetime.date, prefix: str = "") -> Q:
    """Open invoices whose due date puts them in the bucket, as of ``today``."""
    return Q(**{f"{prefix}state__in": Invoice.OPEN_STATES}) & _due_q(bucket, today, f"{prefix}due_on")


def _due_q(bucket: str, today: datetime.date, due: str) -> Q:
    """The due dates of the bucket, as of ``today``."""

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    by_bucket = {
        "current": Q(**{f"{due}__gte": today}),
        "days_1_30": Q(**{f"{due}__lt": today, f"{due}__gte": ago(30)}),
        "days_31_60": Q(**{f"{due}__lt": ago(30), f"{due}__gte": ago(60)}),
        "days_61_90": Q(**{f"{due}__lt": ago(60), f"{due}__gte": ago(90)}),
        "days_over_90": Q(**{f"{due}__lt": ago(90)}),
    }
    return by_bucket[bucket]


@dataclass
class AgedBucket:
    key: str
    label: str
    count: int
    outstanding: Decimal


@dataclass
class Month:
    month: datetime.date
    invoiced: Decimal = money.ZERO
    received: Decimal = money.ZERO
    credited: Decimal = money.ZERO


@dataclass
class CurrencySummary:
    currency: str
    invoice_count: int = 0
    invoiced: Decimal = money.ZERO
    paid: Decimal = money.ZERO
    credited: Decimal = money.ZERO
    aged: list[AgedBucket] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid - self.credited

    @property
    def aged_total(self) -> Decimal:
        return sum((bucket.outstanding for bucket in self.aged), money.ZERO)


@dataclass
class Summary:
    filters: FinanceFilter
    today: datetime.date
    currencies: list[CurrencySummary]


def summary_for(*, user: User, filters: FinanceFilter, kept_totals: bool = True) -> Summary:
    """Totals that reconcile, aged debt and income by month, in a handful of grouped queries.

    Totals cover the invoices issued in the period (and matching the filters) and everything
    paid or credited against them to date: outstanding = invoiced - paid - credited. The aged
    debt is what is outstanding on the open ones among them, by how long it is overdue today.
    The months show the flows dated in each month: invoices issued, payments received, credits.

    Totals and months come from the monthly totals (``finance.totals``: a few hundred rows,
    whatever the size of the books) when those can answer: whole months or no dates, any
    organisation, no state filter, for someone who reads every record. Otherwise (a period that
    cuts a month, a state, a sponsor) they are summed from the records, as ``kept_totals=False``
    always does (the tests compare the two). The aged debt likewise comes from the kept open debt
    (``OpenDebt``, by due day), but for one organisation, read from its open invoices.
    """
    access.require_finance_read(user)
    today = timezone.localdate()
    invoices = (
        access.invoices_visible_to(user).exclude(state=Invoice.State.DRAFT).filter(filters.invoice_q(today=today))
    )
    by_currency: dict[str, CurrencySummary] = {}

    def summary(currency: str) -> CurrencySummary:
        return by_currency.setdefault(currency, CurrencySummary(currency=currency))

    if kept_totals and _kept_totals_answer(user, filters):
        months = _totals_from_kept(filters, summary)
        # The kept open debt has no organisation: an organisation's aged debt is read from its records.
        aged = _aged_debt(invoices, today) if filters.organisation_id else _aged_debt_from_kept(filters, today)
    else:
        months, aged = _totals_from_records(user, filters, today, invoices, summary)
    for currency, buckets in aged.items():
        summary(currency).aged = [
            AgedBucket(
                key=key,
                label=label,
                count=buckets.get(key, (0, 0))[0],
                outstanding=money.from_pence(buckets.get(key, (0, 0))[1]),
            )
            for key, label in AGED_BUCKETS
        ]

    for currency, entry in by_currency.items():
        found = {month: value for (cur, month), value in months.items() if cur == currency}
        entry.months = [found.get(month) or Month(month=month) for month in _month_range(filters, found)]
        if not entry.aged:
            entry.aged = [
                AgedBucket(key=key, label=label, count=0, outstanding=money.ZERO) for key, label in AGED_BUCKETS
            ]
    return Summary(filters=filters, today=today, currencies=sorted(by_currency.values(), key=lambda s: s.currency))


AgedDebt = dict[str, dict[str, tuple[int, int]]]  # currency → bucket → (open invoices, outstanding pence)


def _aged_bucket(today: datetime.date) -> Case:
    """The aged-debt bucket of an open invoice as of ``today``; NULL for any other."""
    return Case(
        *(When(_aged_q(key, today), then=Value(key)) for key, _label in AGED_BUCKETS),
        default=None,
        output_field=CharField(),
    )


def _outstanding_pence() -> Any:
    """An invoice's outstanding balance, in hundredths: its two balance subqueries, run for it alone."""
    return money.pence("gross") - Coalesce(_paid_pence(), Value(0)) - Coalesce(_credited_pence(), Value(0))


def _aged_debt(invoices: QuerySet[Invoice], today: datetime.date) -> AgedDebt:
    """Aged debt: only open invoices (the state index finds them), each with its own outstanding,
    computed once and summed in its bucket (a sum per bucket, each with its own FILTER, evaluated
    the two balance subqueries five times for every open invoice)."""
    rows = (
        invoices.filter(state__in=Invoice.OPEN_STATES)
        .order_by()
        .annotate(bucket=_aged_bucket(today), outstanding_pence=_outstanding_pence())
        .values("currency", "bucket")
        .annotate(count=Count("id"), outstanding=Sum("outstanding_pence"))
    )
    aged: AgedDebt = {}
    for row in rows:
        aged.setdefault(row["currency"], {})[row["bucket"]] = (row["count"], row["outstanding"] or 0)
    return aged


def _aged_debt_from_kept(filters: FinanceFilter, today: datetime.date) -> AgedDebt:
    """Aged debt from ``OpenDebt``: its rows of the period's months (one a due day and currency),
    each bucket a range of due days; a few thousand rows at most, whatever the size of the books."""
    kept = OpenDebt.objects.order_by().filter(open_count__gt=0)
    if filters.date_from:
        kept = kept.filter(issued_month__gte=filters.date_from)
    if filters.date_to:
        kept = kept.filter(issued_month__lte=filters.date_to)
    bucket = Case(
        *(When(_due_q(key, today, "due_on"), then=Value(key)) for key, _label in AGED_BUCKETS),
        output_field=CharField(),
    )
    rows = (
        kept.annotate(bucket=bucket)
        .values("currency", "bucket")
        .annotate(count=Sum("open_count"), outstanding=Sum("outstanding_pence"))
    )
    aged: AgedDebt = {}
    for row in rows:
        aged.setdefault(row["currency"], {})[row["bucket"]] = (int(row["count"]), int(row["outstanding"] or 0))
    return aged


def _kept_totals_answer(user: User, filters: FinanceFilter) -> bool:
    """Whether the monthly totals hold exactly what the filters ask: whole months (or no dates),
    no state (a state is today's, not the month's), and every record visible to the reader (the
    administrator, an auditor in their window: the access policy's ``invoices_visible_to``
    narrows nothing else for them; a sponsor's own organisation is summed from its records)."""
    if filters.state:
        return False
    if filters.date_from and filters.date_from.day != 1:
        return False
    if filters.date_to and (filters.date_to + datetime.timedelta(days=1)).day != 1:
        return False
    return access.role_of(user) in (Role.ADMIN, Role.AUDITOR)


def _totals_from_kept(filters: FinanceFilter, summary: Any) -> dict[tuple[str, datetime.date], Month]:
    """Totals and months from ``MonthlyTotal``: two grouped queries over its rows in the period."""
    kept = MonthlyTotal.objects.order_by()
    if filters.date_from:
        kept = kept.filter(month__gte=filters.date_from)
    if filters.date_to:
        kept = kept.filter(month__lte=filters.date_to)
    if filters.organisation_id:
        kept = kept.filter(organisation_id=filters.organisation_id)
    # A counter taken back to nothing by the retention sweep is no record: it adds no currency.
    totals = kept.values("currency").annotate(
        count=Sum("invoice_count"),
        invoiced=Sum("invoiced_pence"),
        paid=Sum("paid_pence"),
        credited=Sum("credited_pence"),
    )
    for row in totals:
        if row["count"] or row["paid"] or row["credited"]:
            entry = summary(row["currency"])
            entry.invoice_count = row["count"]
            entry.invoiced = money.from_pence(row["invoiced"])
            entry.paid = money.from_pence(row["paid"])
            entry.credited = money.from_pence(row["credited"])
    months: dict[tuple[str, datetime.date], Month] = {}
    flows = kept.values("currency", "month").annotate(
        invoiced=Sum("invoiced_pence"), received=Sum("received_pence"), credited=Sum("credit_notes_pence")
    )
    for row in flows:
        if row["invoiced"] or row["received"] or row["credited"]:
            month = _as_date(row["month"])
            months[(row["currency"], month)] = Month(
                month=month,
                invoiced=money.from_pence(row["invoiced"]),
                received=money.from_pence(row["received"]),
                credited=money.from_pence(row["credited"]),
            )
            summary(row["currency"])
    return months


def _totals_from_records(
    user: User, filters: FinanceFilter, today: datetime.date, invoices: QuerySet[Invoice], summary: Any
) -> tuple[dict[tuple[str, datetime.date], Month], AgedDebt]:
    """Totals, months and aged debt summed from the records of the period (the totals are what the
    kept totals hold), in three grouped queries: one over the invoices, one over the payments, one
    over the credit notes. A payer's list page shows this beside the list, within its query budget.

    The invoices are grouped by month of issue and aged-debt bucket: the totals are the sum of the
    months, the aged debt the sum of the buckets (an open invoice's balance is computed for it alone).
    Payments and credit notes are read once for both questions asked of them: what was paid against
    the period's invoices (``against``), and what was received in the period (``dated``); each row
    sums each part under its own condition."""
    months: dict[tuple[str, datetime.date], Month] = {}
    aged: AgedDebt = {}
    open_state = Q(state__in=Invoice.OPEN_STATES)
    rows = (
        invoices.order_by()
        .annotate(month=MonthOf("issued_on"), bucket=_aged_bucket(today))
        .values("currency", "month", "bucket")
        .annotate(
            count=Count("id"),
            total=money.pence_sum("gross"),
            outstanding=Sum(
                Case(When(open_state, then=_outstanding_pence()), default=Value(0), output_field=BigIntegerField())
            ),
        )
    )
    for row in rows:
        entry = summary(row["currency"])
        entry.invoice_count += row["count"]
        entry.invoiced += money.from_pence(row["total"])
        month = _as_date(row["month"])
        entry_month = months.setdefault((row["currency"], month), Month(month=month))
        entry_month.invoiced += money.from_pence(row["total"])
        if row["bucket"] is not None:
            buckets = aged.setdefault(row["currency"], {})
            count, outstanding = buckets.get(row["bucket"], (0, 0))
            buckets[row["bucket"]] = (count + row["count"], outstanding + (row["outstanding"] or 0))

    against = filters.invoice_q("invoice__", today=today)
    flows = (
        (access.payments_visible_to(user), "received_on", "amount", "paid", "received"),
        (access.credit_notes_visible_to(user), "issued_on", "gross", "credited", "credited"),
    )
    for source, date_field, amount, settled, flowed in flows:
        dated = filters.dated_q(date_field) & filters.state_q("invoice__", today=today)
        # (An empty Q is dropped from an OR, not read as "all": both are empty, or neither is.)
        either = against | dated if against and dated else Q()
        rows = (
            source.filter(either)
            .order_by()
            .annotate(month=MonthOf(date_field))
            .values("currency", "month")
            .annotate(
                settled_count=Count("id", filter=against),
                settled=money.pence_sum(amount, filter=against),
                flowed_count=Count("id", filter=dated),
                flowed=money.pence_sum(amount, filter=dated),
            )
        )
        for row in rows:
            if row["settled_count"]:
                entry = summary(row["currency"])
                setattr(entry, settled, getattr(entry, settled) + money.from_pence(row["settled"]))
            if row["flowed_count"]:
                month = _as_date(row["month"])
                entry_month = months.setdefault((row["currency"], month), Month(month=month))
                setattr(entry_month, flowed, money.from_pence(row["flowed"]))
                summary(row["currency"])
    return months, aged


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):  # some backends hand a truncated date back as text
        return datetime.date.fromisoformat(value[:10])
    return value


def _month_range(filters: FinanceFilter, found: dict[datetime.date, Month]) -> list[datetime.date]:
    """Every month of the period, the empty ones too, so a chart shows a gap as a gap."""
    first = filters.date_from.replace(day=1) if filters.date_from else min(found, default=None)
    last = filters.date_to.replace(day=1) if filters.date_to else max(found, default=None)
    if first is None or last is None:
        return sorted(found)
    months: list[datetime.date] = []
    month = first
    while month <= last and len(months) < 240:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


# --- audits -----------------------------------------------------------------------------------


def audits_of(*, user: User) -> QuerySet[Audit]:
    """An auditor's own audits, for their dashboard."""
    if access.role_of(user) is None:
        return Audit.objects.none()
    return Audit.objects.filter(auditor=user).order_by("-starts_on")


def audits_for(*, user: User) -> QuerySet[Audit]:
    if not access.can_manage_audits(user):
        raise Http404
    return Audit.objects.select_related("auditor").order_by("-starts_on")


def audit_get_for(*, user: User, pk: Any) -> Audit:
    if not access.can_manage_audits(user):
        raise Http404
    return _get(Audit.objects.all(), pk)


def auditors_for(*, user: User) -> QuerySet[Any]:
    from confidentiality.models import User
    from confidentiality.roles import Role

    if not access.can_manage_audits(user):
        return User.objects.none()
    return User.objects.filter(groups__name=Role.AUDITOR.value, is_active=True).order_by("email")
