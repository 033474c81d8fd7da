"""The auditor reviews a year in a browser: signs in with the second factor, filters last year,
checks the totals reconcile, looks at income by month, exports the view as CSV; and finds
nothing outside finance and nothing to change."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from confidentiality.roles import Role
from finance import services
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def invoice(admin: Any, organisation: Any, price: str, issued_on: datetime.date, engagement: Any = None) -> Any:
    draft = services.invoice_create(
        actor=admin,
        organisation=organisation,
        engagement=engagement,
        lines=[services.LineInput("Coaching sessions", Decimal(2), Decimal(price), Decimal(20))],
    )
    return services.invoice_issue(actor=admin, invoice=draft, issued_on=issued_on)


def test_the_auditor_reviews_a_year_and_exports_it(live_server: Any, page: Any) -> None:
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
    auditor = UserFactory(role=Role.AUDITOR, email="auditor@example.org", display_name="Ravi Auditor")
    secret = generate_totp_secret()
    TOTP.activate(auditor, secret)
    northwind = OrganisationFactory(name="Northwind Trading")
    harbour = OrganisationFactory(name="Harbour Health Trust")
    engagement = EngagementFactory(
        organisation=northwind,
        reference="ENG-AUDIT-001",
        client=ClientFactory(full_name="Samira Quentin-Marsh", user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=northwind)],
    )
    today = timezone.localdate()
    year = today.year - 1
    # Last year: 1,200.00 + 600.00 + 2,400.00 invoiced; 1,200.00 + 300.00 paid; 100.00 credited.
    january = invoice(admin, northwind, "500.00", datetime.date(year, 1, 10), engagement)
    march = invoice(admin, harbour, "250.00", datetime.date(year, 3, 5))
    invoice(admin, northwind, "1000.00", datetime.date(year, 11, 20), engagement)
    services.payment_record(actor=admin, invoice=january, amount="1200.00", received_on=datetime.date(year, 2, 8))
    services.payment_record(actor=admin, invoice=march, amount="300.00", received_on=datetime.date(year, 4, 2))
    services.credit_note_issue(
        actor=admin,
        invoice=march,
        net="100.00",
        tax="0.00",
        reason="Session cancelled",
        issued_on=datetime.date(year, 4, 3),
    )
    this_year = invoice(admin, harbour, "999.00", today)  # not in last year's figures
    services.audit_open(
        actor=admin,
        auditor=auditor,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        purpose=f"Annual accounts {year}",
    )
    base = live_server.url

    sign_in(page, base, auditor.email, secret)
    page.get_by_text("Your audit is open until").wait_for()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Finance").click()

    page.get_by_label("Year").select_option(str(year))
    page.get_by_role("button", name="Show").click()
    page.get_by_text(f"Period: 01 Jan {year} to 31 Dec {year}").wait_for()
    totals = {
        name: page.locator(f'[data-total="{name}"]').inner_text()
        for name in ("invoiced", "paid", "credited", "outstanding")
    }
    assert totals == {"invoiced": "4,200.00", "paid": "1,500.00", "credited": "100.00", "outstanding": "2,600.00"}
    assert "Outstanding = invoiced − paid − credited: 4,200.00 − 1,500.00 − 100.00 = 2,600.00" in page.content()

    chart = page.get_by_role("img", name=re.compile("Income by month"))
    chart.wait_for()
    assert chart.is_visible()
    assert page.locator("figure.chart rect.bar").count() == 12
    february = page.get_by_role("row", name=re.compile(f"February {year}"))
    assert "1,200.00" in february.inner_text()
    assert "Samira Quentin-Marsh" not in page.content()
    assert page.get_by_role("link", name="New invoice").count() == 0
    assert_accessible(page, "auditor-finance-overview")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export this view as CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert ["Totals", "GBP", f"01 Jan {year} to 31 Dec {year}", "3", "4200.00", "1500.00", "100.00", "2600.00"] in rows

    page.get_by_role("link", name="Invoices", exact=True).last.click()
    page.get_by_role("heading", name="Issued invoices").wait_for()
    listed = page.get_by_role("table").inner_text()
    assert "INV-000001" in listed and "INV-000003" in listed and this_year.reference not in listed
    assert_accessible(page, "auditor-invoice-list")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as CSV").click()
    exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row[0] for row in exported[1:]] == ["INV-000003", "INV-000002", "INV-000001"]
    assert download.value.suggested_filename == f"invoices-from-{year}-01-01-to-{year}-12-31.csv"

    # Nothing outside finance, and nothing to change.
    response = page.goto(f"{base}/engagements/{engagement.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{base}/finance/invoices/{january.pk}/payments/new/")
    assert response is not None and response.status == 403
