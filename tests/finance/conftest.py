"""The books every finance test starts from: the world's two organisations invoiced, part paid
and credited, a draft, and an audit open today for the world's auditor."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finance import services
from finance.models import Audit, CreditNote, Invoice, Payment
from tests.conftest import BuiltOnce, World, build_world
from tests.factories import vat_registered


def make_invoice(
    admin: Any,
    organisation: Any,
    *,
    unit_price: str = "500.00",
    quantity: str = "2",
    tax_rate: str = "20",
    engagement: Any = None,
    issued_on: datetime.date | None = None,
    currency: str = "GBP",
    issue: bool = True,
    description: str = "Coaching sessions",
) -> Invoice:
    draft = services.invoice_create(
        actor=admin,
        organisation=organisation,
        engagement=engagement,
        currency=currency,
        lines=[
            services.LineInput(
                description=description,
                quantity=Decimal(quantity),
                unit_price=Decimal(unit_price),
                tax_rate=Decimal(tax_rate),
            )
        ],
    )
    if not issue:
        return draft
    if Decimal(tax_rate):
        vat_registered()
    return services.invoice_issue(actor=admin, invoice=draft, issued_on=issued_on)


@dataclass
class Books:
    invoice: Invoice  # the world's organisation: 1,200.00, 500.00 paid
    other_invoice: Invoice  # the other organisation: 600.00, 100.00 credited
    draft: Invoice
    payment: Payment
    credit_note: CreditNote
    audit: Audit


@pytest.fixture
def books(world: World) -> Books:
    return make_books(world)


def make_books(world: World) -> Books:
    admin = world.people["admin"]
    today = timezone.localdate()
    invoice = make_invoice(admin, world.organisation, engagement=world.engagement)
    other = make_invoice(admin, world.other_organisation, unit_price="250.00")
    payment = services.payment_record(actor=admin, invoice=invoice, amount=Decimal("500.00"), received_on=today)
    credit = services.credit_note_issue(
        actor=admin, invoice=other, net=Decimal("100.00"), tax=Decimal("0.00"), reason="One session cancelled"
    )
    draft = make_invoice(admin, world.organisation, issue=False)
    audit = services.audit_open(
        actor=admin,
        auditor=world.people["auditor"],
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=30),
        purpose="Annual accounts",
    )
    invoice.refresh_from_db()
    other.refresh_from_db()
    return Books(invoice, other, draft, payment, credit, audit)


class WorldWithBooks(BuiltOnce):
    """The personas' world and its books, built once for a persona grid."""

    @staticmethod
    def build() -> tuple[World, Books]:
        world = build_world()
        return world, make_books(world)

    @pytest.fixture
    def world(self, fresh: tuple[World, Books]) -> World:
        return fresh[0]

    @pytest.fixture
    def books(self, fresh: tuple[World, Books]) -> Books:
        return fresh[1]
