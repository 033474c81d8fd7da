"""Invoices issued at the same moment take distinct numbers, without gaps.

Apart from the module it tests, because it commits (a transactional test): the other tests of that
module share one persona world, built once and rolled back (tests/conftest.py ``world_of_module``)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from finance import services
from finance.models import Invoice
from tests.conftest import World
from tests.factories import vat_registered
from tests.finance.conftest import make_invoice


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
def test_concurrent_issues_take_distinct_numbers_without_gaps(world: World) -> None:
    admin = world.people["admin"]
    drafts = [make_invoice(admin, world.organisation, issue=False) for _ in range(8)]
    vat_registered()  # they charge VAT
    errors: list[Exception] = []

    def issue(draft: Invoice) -> None:
        try:
            services.invoice_issue(actor=admin, invoice=draft)
        except Exception as exc:  # collected and reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 9))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
def test_concurrent_payments_lose_no_increment_of_the_monthly_totals(world: World) -> None:
    """Eight payments at once against eight invoices of one month and organisation: they all add to
    the same row of the invoices' month, and to a row of this month that none of them finds there
    (the first creates it, the others add to it)."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from finance import totals
    from finance.models import MonthlyTotal

    admin = world.people["admin"]
    issued_on = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    invoices = [make_invoice(admin, world.organisation, tax_rate="0", issued_on=issued_on) for _ in range(8)]
    assert not MonthlyTotal.objects.filter(month=timezone.localdate().replace(day=1)).exists()
    errors: list[Exception] = []
    barrier = threading.Barrier(len(invoices))

    def pay(invoice: Invoice) -> None:
        try:
            barrier.wait()
            services.payment_record(
                actor=admin, invoice=invoice, amount=Decimal("10.00"), received_on=timezone.localdate()
            )
        except Exception as exc:  # collected and reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(invoice,)) for invoice in invoices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert totals.differences() == []
    this_month = MonthlyTotal.objects.get(month=timezone.localdate().replace(day=1), organisation=world.organisation)
    assert this_month.received_pence == 8 * 1000
    invoices_month = MonthlyTotal.objects.get(month=issued_on.replace(day=1), organisation=world.organisation)
    assert (invoices_month.invoice_count, invoices_month.paid_pence) == (8, 8 * 1000)
