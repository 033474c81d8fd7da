"""The demo practice's books: fourteen months of invoices to both organisations, most paid, one
part paid and overdue, one credited, a draft; a private client's monthly invoices (ENG-2026-006,
Ruth, who pays for her own coaching), paid by card but the last; and an audit open for the demo
auditor today.

Idempotent: the invoices are made once (when none is issued yet); an audit is opened only when
the auditor has none open today. Built through the services, as the administrator would.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from finance import services
from finance.models import Audit, Invoice

if TYPE_CHECKING:
    from confidentiality.models import User

MONTHS = 14
SESSION_PRICE = {"Northwind Trading": Decimal("450.00"), "Harbour Health Trust": Decimal("380.00")}
REFERENCE_OF = {"Northwind Trading": "ENG-2026-001", "Harbour Health Trust": "ENG-2026-002"}
PRIVATE_REFERENCE, PRIVATE_SESSION_PRICE = "ENG-2026-006", Decimal("95.00")


def _month_start(today: datetime.date, months_ago: int) -> datetime.date:
    year, month = today.year, today.month - months_ago
    while month <= 0:
        month += 12
        year -= 1
    return datetime.date(year, month, 1)


def seed_finance(*, people: dict[str, Any], organisations: dict[str, Any], engagements: dict[str, Any]) -> None:
    admin = people["admin"]
    today = timezone.localdate()
    if not Invoice.objects.filter(number__isnull=False).exists():
        _seed_invoices(admin, organisations, engagements, today)
    if not Audit.objects.filter(
        auditor=people["auditor"], starts_on__lte=today, ends_on__gte=today, ended_at__isnull=True
    ).exists():
        services.audit_open(
            actor=admin,
            auditor=people["auditor"],
            starts_on=today - datetime.timedelta(days=7),
            ends_on=today + datetime.timedelta(days=60),
            purpose=f"Annual accounts, year to 31 December {today.year - 1}",
        )


def _seed_invoices(
    admin: User, organisations: dict[str, Any], engagements: dict[str, Any], today: datetime.date
) -> None:
    by_reference = {e.reference: e for e in engagements.values()}
    for months_ago in range(MONTHS - 1, -1, -1):
        issued_on = min(_month_start(today, months_ago) + datetime.timedelta(days=2), today)
        for name in sorted(SESSION_PRICE):
            organisation = organisations[name]
            engagement = by_reference.get(REFERENCE_OF[name])
            if engagement is not None and engagement.starts_on > issued_on:
                engagement = None
            label = f"{issued_on:%B %Y}" + (f" ({engagement.reference})" if engagement else "")
            draft = services.invoice_create(
                actor=admin,
                organisation=organisation,
                engagement=engagement,
                lines=[
                    services.LineInput(
                        description=f"Coaching sessions, {label}",
                        quantity=Decimal(2 + months_ago % 3),
                        unit_price=SESSION_PRICE[name],
                        tax_rate=Decimal(20),
                    ),
                    services.LineInput(
                        description="Preparation and review",
                        quantity=Decimal(1),
                        unit_price=Decimal("120.00"),
                        tax_rate=Decimal(20),
                    ),
                ],
            )
            invoice = services.invoice_issue(actor=admin, invoice=draft, issued_on=issued_on)
            _settle_demo(admin, invoice, name, months_ago, today)
        private = by_reference.get(PRIVATE_REFERENCE)
        next_month = _month_start(today, months_ago - 1) if months_ago else today + datetime.timedelta(days=1)
        if private is not None and private.starts_on < next_month:
            # From the month it started: dated the day it started, or with the others.
            dated = min(max(issued_on, private.starts_on), today)
            _invoice_private_client(admin, private, dated, paid=months_ago > 0, today=today)
    services.invoice_create(
        actor=admin,
        organisation=organisations["Northwind Trading"],
        engagement=by_reference.get("ENG-2026-001"),
        lines=[
            services.LineInput(
                description=f"Coaching sessions, {today:%B %Y} (ENG-2026-001)",
                quantity=Decimal(3),
                unit_price=SESSION_PRICE["Northwind Trading"],
                tax_rate=Decimal(20),
            )
        ],
    )


def _invoice_private_client(
    admin: User, engagement: Any, issued_on: datetime.date, *, paid: bool, today: datetime.date
) -> None:
    """The month's sessions, invoiced to the client herself (no organisation); paid by card a week later."""
    draft = services.invoice_create(
        actor=admin,
        organisation=None,
        engagement=engagement,
        payment_terms_days=14,
        lines=[
            services.LineInput(
                description=f"Coaching sessions, {issued_on:%B %Y} ({engagement.reference})",
                quantity=Decimal(2),
                unit_price=PRIVATE_SESSION_PRICE,
                tax_rate=Decimal(20),
            )
        ],
    )
    invoice = services.invoice_issue(actor=admin, invoice=draft, issued_on=issued_on)
    if paid:
        services.payment_record(
            actor=admin,
            invoice=invoice,
            amount=invoice.gross,
            received_on=min(issued_on + datetime.timedelta(days=7), today),
            method="card",
            reference=f"CARD {invoice.reference}",
        )


def _settle_demo(admin: User, invoice: Invoice, name: str, months_ago: int, today: datetime.date) -> None:
    """Paid a month after issue, except: the last two months open; Harbour's invoice of four
    months ago part paid (so overdue); Northwind's of six months ago credited for a session the
    practice cancelled, and the rest paid."""
    assert invoice.issued_on is not None
    paid_on = min(invoice.issued_on + datetime.timedelta(days=28), today)
    if months_ago < 2:
        return
    if name == "Northwind Trading" and months_ago == 6:
        services.credit_note_issue(
            actor=admin,
            invoice=invoice,
            net=SESSION_PRICE[name],
            tax=SESSION_PRICE[name] / 5,
            reason="One session cancelled by the practice",
            issued_on=invoice.issued_on + datetime.timedelta(days=10),
        )
    balance = services.invoice_balance(invoice)
    amount = balance.outstanding
    if name == "Harbour Health Trust" and months_ago == 4:
        amount = (amount / 2).quantize(Decimal("0.01"))
    services.payment_record(
        actor=admin,
        invoice=invoice,
        amount=amount,
        received_on=paid_on,
        method="bank_transfer",
        reference=f"{invoice.organisation_name[:10].upper()} {invoice.reference}",
    )
