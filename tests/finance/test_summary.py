"""Totals computed by the database reconcile: for any set of invoices, payments and credits,
outstanding = invoiced - paid - credited; the aged debt adds up to it; the months add up too."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance import money, selectors, services
from finance.selectors import FinanceFilter
from tests.conftest import World
from tests.factories import vat_registered

lines = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.5"), max_value=Decimal("40"), places=2),  # quantity
        st.decimals(min_value=Decimal("1.00"), max_value=Decimal("9999.99"), places=2),  # unit price
        st.sampled_from([Decimal(0), Decimal(5), Decimal("17.5"), Decimal(20)]),  # tax rate
    ),
    min_size=1,
    max_size=3,
)
# What happens to each invoice afterwards: pay or credit a fraction of what is outstanding.
settlements = st.lists(
    st.tuples(st.sampled_from(["pay", "credit"]), st.fractions(min_value=0, max_value=1)), max_size=4
)
books = st.lists(st.tuples(st.sampled_from(["GBP", "EUR"]), lines, settlements), min_size=1, max_size=6)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=books)
def test_outstanding_is_invoiced_less_paid_less_credited(world: World, plan: list[Any]) -> None:
    vat_registered()
    admin = world.people["admin"]
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: money.ZERO))
    try:
        with transaction.atomic():
            for currency, invoice_lines, steps in plan:
                draft = services.invoice_create(
                    actor=admin,
                    organisation=world.organisation,
                    currency=currency,
                    lines=[services.LineInput("Coaching", q, p, t) for q, p, t in invoice_lines],
                )
                invoice = services.invoice_issue(actor=admin, invoice=draft)
                gross = sum(
                    (
                        money.quantize(q * p) + money.quantize(money.quantize(q * p) * t / 100)
                        for q, p, t in invoice_lines
                    ),
                    money.ZERO,
                )
                assert invoice.gross == gross
                expected[currency]["invoiced"] += gross
                outstanding = gross
                for kind, fraction in steps:
                    amount = money.quantize(outstanding * Decimal(fraction.numerator) / Decimal(fraction.denominator))
                    if amount <= 0:
                        continue
                    if kind == "pay":
                        services.payment_record(
                            actor=admin, invoice=invoice, amount=amount, received_on=invoice.issued_on
                        )
                        expected[currency]["paid"] += amount
                    else:
                        services.credit_note_issue(actor=admin, invoice=invoice, net=amount, tax="0", reason="Credit")
                        expected[currency]["credited"] += amount
                    outstanding -= amount
            summary = selectors.summary_for(user=world.people["auditor"], filters=FinanceFilter())
            found = {entry.currency: entry for entry in summary.currencies}
            assert set(found) == set(expected)
            for currency, entry in found.items():
                want = expected[currency]
                assert (entry.invoiced, entry.paid, entry.credited) == (
                    want["invoiced"],
                    want["paid"],
                    want["credited"],
                )
                assert entry.outstanding == want["invoiced"] - want["paid"] - want["credited"]
                assert entry.aged_total == entry.outstanding
                assert sum((m.invoiced for m in entry.months), money.ZERO) == entry.invoiced
                assert sum((m.received for m in entry.months), money.ZERO) == entry.paid
                assert sum((m.credited for m in entry.months), money.ZERO) == entry.credited
            raise Rollback
    except Rollback:
        pass


@pytest.fixture(autouse=True)
def _audit_open_today(world: World) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    services.audit_open(
        actor=world.people["admin"],
        auditor=world.people["auditor"],
        starts_on=today,
        ends_on=today + datetime.timedelta(days=10),
        purpose="Review",
    )


@pytest.mark.django_db
class TestAgedDebtAndMonths:
    def test_debt_is_aged_by_its_due_date(self, world: World) -> None:
        from django.utils import timezone

        from tests.finance.conftest import make_invoice

        admin = world.people["admin"]
        today = timezone.localdate()
        # 30-day terms: issued 10, 45, 75 and 200 days ago, one paid off.
        for days_ago, unit_price in ((200, "100.00"), (75, "200.00"), (45, "300.00"), (10, "400.00")):
            make_invoice(
                admin,
                world.organisation,
                unit_price=unit_price,
                quantity="1",
                tax_rate="0",
                issued_on=today - datetime.timedelta(days=days_ago),
            )
        paid = make_invoice(admin, world.organisation, unit_price="50.00", quantity="1", tax_rate="0")
        services.payment_record(actor=admin, invoice=paid, amount="50.00", received_on=today)
        (entry,) = selectors.summary_for(user=world.people["auditor"], filters=FinanceFilter()).currencies
        aged = {bucket.key: (bucket.count, bucket.outstanding) for bucket in entry.aged}
        assert aged == {
            "current": (1, Decimal("400.00")),
            "days_1_30": (1, Decimal("300.00")),
            "days_31_60": (1, Decimal("200.00")),
            "days_61_90": (0, Decimal("0.00")),
            "days_over_90": (1, Decimal("100.00")),
        }
        assert entry.aged_total == entry.outstanding == Decimal("1000.00")

    def test_a_year_has_twelve_months_and_only_its_own_records(self, world: World) -> None:
        from tests.finance.conftest import make_invoice

        admin = world.people["admin"]
        for moment, price in (
            (datetime.datetime(2024, 12, 31, 12), "10.00"),
            (datetime.datetime(2025, 3, 5, 12), "20.00"),
        ):
            with time_machine.travel(moment, tick=False):
                make_invoice(admin, world.organisation, unit_price=price, quantity="1", tax_rate="0")
        with time_machine.travel(datetime.datetime(2025, 6, 1, 12), tick=False):
            year = FinanceFilter(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 12, 31))
            (entry,) = selectors.summary_for(user=world.people["admin"], filters=year).currencies
        assert entry.invoiced == Decimal("20.00") and entry.invoice_count == 1
        assert [m.month.month for m in entry.months] == list(range(1, 13))
        assert entry.months[2].invoiced == Decimal("20.00")

    def test_sums_are_exact_where_floating_point_would_drift(self, world: World) -> None:
        """Ten thousand payments of 0.10 (written directly: the services would take minutes, so the
        monthly totals, which the services keep, do not hold them: the sum is read from the records)."""
        from finance.models import Payment
        from tests.finance.conftest import make_invoice

        admin = world.people["admin"]
        invoice = make_invoice(admin, world.organisation, unit_price="1000.00", quantity="1", tax_rate="0")
        Payment.objects.bulk_create(
            Payment(
                invoice=invoice,
                organisation_id=invoice.organisation_id,
                currency="GBP",
                amount=Decimal("0.10"),
                received_on=invoice.issued_on,
                recorded_by=admin,
            )
            for _ in range(10_000)
        )
        (entry,) = selectors.summary_for(user=admin, filters=FinanceFilter(), kept_totals=False).currencies
        assert entry.paid == Decimal("1000.00") and entry.outstanding == Decimal("0.00")
