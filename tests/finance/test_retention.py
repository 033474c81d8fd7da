"""Financial records are kept five years after their date, through the anniversary, and are due
for deletion the day after (policy 000); an invoice goes only with everything against it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from finance import retention, services
from tests.conftest import World
from tests.finance.conftest import make_invoice

# Also run on SQLite (CI's embedded pass): the sweep's SQL on financial records.
pytestmark = pytest.mark.embedded


def on(day: datetime.date) -> Any:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False)


def due(as_of: datetime.date) -> dict[str, set[Any]]:
    return {name: set(found.values_list("pk", flat=True)) for name, found in retention.due_for_deletion(as_of).items()}


@pytest.mark.django_db
class TestTheBoundary:
    @pytest.mark.parametrize(
        ("as_of", "is_due"),
        [
            (datetime.date(2025, 3, 14), False),  # a day before the anniversary
            (datetime.date(2025, 3, 15), False),  # the anniversary: kept five full years
            (datetime.date(2025, 3, 16), True),  # the day after
        ],
    )
    def test_an_invoice_is_due_the_day_after_its_fifth_anniversary(
        self, world: World, as_of: datetime.date, is_due: bool
    ) -> None:
        with on(datetime.date(2020, 3, 15)):
            invoice = make_invoice(world.people["admin"], world.organisation)
        assert (invoice.pk in due(as_of)["invoices"]) is is_due
        assert retention.kept_until(invoice.issued_on) == datetime.date(2025, 3, 15)

    @pytest.mark.parametrize(
        ("as_of", "is_due"),
        [
            (datetime.date(2025, 2, 27), False),
            (datetime.date(2025, 2, 28), False),  # a 29 February reaches its anniversary on the 28th
            (datetime.date(2025, 3, 1), True),
        ],
    )
    def test_a_leap_day(self, world: World, as_of: datetime.date, is_due: bool) -> None:
        with on(datetime.date(2020, 2, 29)):
            invoice = make_invoice(world.people["admin"], world.organisation)
        assert (invoice.pk in due(as_of)["invoices"]) is is_due

    def test_on_a_leap_day_the_day_before_goes(self, world: World) -> None:
        with on(datetime.date(2023, 2, 28)):
            invoice = make_invoice(world.people["admin"], world.organisation)
        assert invoice.pk not in due(datetime.date(2028, 2, 28))["invoices"]
        assert invoice.pk in due(datetime.date(2028, 2, 29))["invoices"]

    def test_the_period_is_a_setting(self, world: World, settings: Any) -> None:
        with on(datetime.date(2020, 3, 15)):
            invoice = make_invoice(world.people["admin"], world.organisation)
        settings.FINANCE_RETENTION_YEARS = 6
        assert invoice.pk not in due(datetime.date(2025, 6, 1))["invoices"]
        assert invoice.pk in due(datetime.date(2026, 3, 16))["invoices"]


@pytest.mark.django_db
def test_an_invoice_waits_for_the_last_record_against_it(world: World) -> None:
    admin = world.people["admin"]
    with on(datetime.date(2019, 12, 20)):
        invoice = make_invoice(admin, world.organisation)
    with on(datetime.date(2020, 1, 20)):
        first = services.payment_record(
            actor=admin, invoice=invoice, amount="100.00", received_on=datetime.date(2020, 1, 20)
        )
    with on(datetime.date(2020, 6, 1)):
        credit = services.credit_note_issue(actor=admin, invoice=invoice, net="50.00", tax="0", reason="Goodwill")
    # On 1 March 2025 the invoice and the first payment are past five years; the credit note is not.
    assert due(datetime.date(2025, 3, 1)) == {
        "credit_notes": set(),
        "payments": set(),
        "invoice_lines": set(),
        "invoices": set(),
    }
    found = due(datetime.date(2025, 6, 2))
    assert (
        found["invoices"] == {invoice.pk} and found["payments"] == {first.pk} and found["credit_notes"] == {credit.pk}
    )
    assert len(found["invoice_lines"]) == 1
    # The sweep deletes in the order given; the append-only triggers allow it.
    for queryset in retention.due_for_deletion(datetime.date(2025, 6, 2)).values():
        queryset.delete()
    assert not invoice.__class__.objects.exists()
