from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from confidentiality.models import User
from finance import selectors
from finance.models import Audit, CreditNote, Invoice, Payment
from tests.conftest import login

# Also run on SQLite (CI's embedded pass): seeding the demo.
pytestmark = pytest.mark.embedded


@pytest.mark.django_db
def test_the_demo_books_are_seeded_once_and_open_to_the_demo_auditor() -> None:
    from django.test import Client as HttpClient

    call_command("seed_demo", stdout=io.StringIO())
    counts = (Invoice.objects.count(), Payment.objects.count(), CreditNote.objects.count(), Audit.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        Invoice.objects.count(),
        Payment.objects.count(),
        CreditNote.objects.count(),
        Audit.objects.count(),
    ) == counts
    # Fourteen months to two organisations and a draft; the private client's: tests/finance/test_private_clients.py.
    assert counts[0] - Invoice.objects.filter(organisation__isnull=True).count() == 29
    assert counts[2] == 1 and counts[3] == 1
    auditor = User.objects.get(email="auditor@audit.example")
    (gbp,) = selectors.summary_for(user=auditor, filters=selectors.FinanceFilter()).currencies
    assert gbp.outstanding == gbp.invoiced - gbp.paid - gbp.credited > 0
    assert any(bucket.outstanding > 0 for bucket in gbp.aged if bucket.key != "current")  # something overdue
    http = login(HttpClient(), auditor)
    assert http.get(reverse("finance:overview")).status_code == 200
