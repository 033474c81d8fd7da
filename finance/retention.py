"""Which financial records are past their retention period: the retention sweep asks here.

Policy 000: "We keep our own financial records for five years". A record is kept for
``FINANCE_RETENTION_YEARS`` years after its date (an invoice's ``issued_on``, a payment's
``received_on``, a credit note's ``issued_on``), through the anniversary itself, and is due for
deletion the day after. A record dated 29 February reaches its anniversary on 28 February.

An invoice goes together with everything paid or credited against it, and only once all of it is
past the period: deleting an invoice while a later payment against it is kept would leave books
that no longer reconcile. Legal holds are the sweep's to apply: every queryset here carries
``organisation_id`` (lines through their invoice).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from finance.models import CreditNote, Invoice, InvoiceLine, Payment


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept_until(record_date: datetime.date) -> datetime.date:
    """The last day a record dated ``record_date`` is kept; it is due the day after."""
    return _years_after(record_date, settings.FINANCE_RETENTION_YEARS)


def cutoff(as_of: datetime.date) -> datetime.date:
    """Records dated before this day are past the period on ``as_of``: the first date whose
    ``kept_until`` is ``as_of`` or later. Around 29 February the two calendars do not line up
    one to one, so the year-shifted day is nudged until it agrees exactly with ``kept_until``."""
    day = datetime.timedelta(days=1)
    first = _years_before(as_of, settings.FINANCE_RETENTION_YEARS)
    while kept_until(first) < as_of:
        first += day
    while kept_until(first - day) >= as_of:
        first -= day
    return first


def _invoices_due(as_of: datetime.date) -> Q:
    """Invoices past the period on ``as_of``: issued (or, a draft, made) before the cutoff, and no
    payment or credit note of theirs within it (they protect their invoice)."""
    before = cutoff(as_of)
    still_kept = Q(pk__in=Payment.objects.filter(received_on__gte=before).values("invoice_id")) | Q(
        pk__in=CreditNote.objects.filter(issued_on__gte=before).values("invoice_id")
    )
    return (Q(issued_on__lt=before) | Q(state=Invoice.State.DRAFT, created_at__date__lt=before)) & ~still_kept


def invoices_due_counts(invoices: QuerySet[Any], days: list[datetime.date]) -> list[int]:
    """How many of ``invoices`` are past the period on each of ``days``, in one query: one due on an
    earlier day is due on a later one."""
    counted = invoices.filter(_invoices_due(max(days))).aggregate(
        **{f"on_{i}": Count("pk", filter=_invoices_due(day)) for i, day in enumerate(days)}
    )
    return [counted[f"on_{i}"] for i in range(len(days))]


def due_for_deletion(as_of: datetime.date) -> dict[str, QuerySet[Any]]:
    """The financial records past the period on ``as_of``, in the order to delete them (credit
    notes and payments protect their invoice; lines go with it)."""
    invoices = Invoice.objects.filter(_invoices_due(as_of))
    return {
        "credit_notes": CreditNote.objects.filter(invoice__in=invoices),
        "payments": Payment.objects.filter(invoice__in=invoices),
        "invoice_lines": InvoiceLine.objects.filter(invoice__in=invoices),
        "invoices": invoices,
    }
