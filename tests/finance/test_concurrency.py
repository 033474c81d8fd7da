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
