"""Documents that go out are fit to send (issue: "a practice can start on Monday", item 7), in
Chromium at desktop and phone width: the sponsor downloads an issued invoice from its page and it
is a UK VAT invoice from the practice, as the practice recorded itself, to the organisation; the
sponsor's invoice list shows every column, nothing cut off, the page never scrolling sideways."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from confidentiality.practice import practice_update
from confidentiality.roles import Role
from engagements.models import Organisation
from finance import services as finance
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import sign_in
from tests.factories import OrganisationFactory, UserFactory, vat_registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sponsor_downloads_a_vat_invoice_from_the_practice(live_server: Any, screen: Any, width: str) -> None:
    admin = UserFactory(role=Role.ADMIN)
    practice_update(
        actor=admin,
        name="Lindqvist Coaching Ltd",
        address="4 Mill Lane\nYork YO1 7HH",
        company_number="09876543",
        vat_number="GB123456789",
        payment_details="Sort code 12-34-56, account 12345678",
    )
    organisation = OrganisationFactory(name="Northwind Trading")
    Organisation.objects.filter(pk=organisation.pk).update(address="9 Harbour Road\nLeeds LS1 4AB")
    sponsor = UserFactory(role=Role.SPONSOR, email="omar@example.org", organisation=organisation)
    draft = finance.invoice_create(
        actor=admin,
        organisation=organisation,
        engagement=None,
        lines=[finance.LineInput("Coaching sessions", Decimal(2), Decimal("500.00"), Decimal(20))],
    )
    invoice = finance.invoice_issue(actor=admin, invoice=draft)

    sign_in(screen, live_server.url, sponsor.email)
    screen.goto(f"{live_server.url}/finance/invoices/{invoice.pk}/")
    screen.get_by_role("heading", level=1, name=re.compile(re.escape(invoice.reference))).wait_for()
    assert_accessible(screen, f"invoice-page-sponsor-{width}")
    with screen.expect_download() as download:
        screen.get_by_role("link", name="Download the PDF").click()
    content = Path(download.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages).split())
    for expected in (
        f"VAT invoice {invoice.reference}",
        "Lindqvist Coaching Ltd",
        "4 Mill Lane",
        "VAT number GB123456789",
        "Northwind Trading",
        "9 Harbour Road",
        "Total excluding VAT",
        "Total VAT",
        "Sort code 12-34-56, account 12345678",
    ):
        assert expected in text, expected
    assert "1,200.00" in text  # 2 × 500.00 and 20% VAT


def test_the_sponsors_invoice_list_shows_every_column(live_server: Any, screen: Any, width: str) -> None:
    admin = UserFactory(role=Role.ADMIN)
    vat_registered()
    organisation = OrganisationFactory(name="Northwind Trading")
    sponsor = UserFactory(role=Role.SPONSOR, email="omar@example.org", organisation=organisation)
    draft = finance.invoice_create(
        actor=admin,
        organisation=organisation,
        engagement=None,
        lines=[finance.LineInput("Coaching sessions", Decimal(2), Decimal("500.00"), Decimal(20))],
    )
    invoice = finance.invoice_issue(actor=admin, invoice=draft)

    sign_in(screen, live_server.url, sponsor.email)
    if width == "phone":  # the main navigation is behind the Menu button
        screen.get_by_role("button", name="Menu").click()
    screen.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices", exact=True).click()
    screen.get_by_role("heading", level=1, name="Invoices").wait_for()
    table = screen.get_by_role("region", name="Issued invoices, newest first")
    assert invoice.reference in table.inner_text()
    # The page never scrolls sideways; on a laptop the table does not either.
    assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if width == "desktop":
        assert table.evaluate("(e) => e.scrollWidth <= e.clientWidth"), "the invoice list is wider than the page"
    headers = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    row = table.get_by_role("row").filter(has_text=invoice.reference)
    for column in ("Credited", "Outstanding", "State"):
        shown = [row.locator("th, td").nth(headers.index(column))]
        if width == "desktop":
            shown.append(table.get_by_role("columnheader", name=column))
        for element in shown:  # each can be brought into view whole, within the screen's width
            element.scroll_into_view_if_needed()
            box = element.bounding_box()
            assert element.is_visible() and box is not None, column
            assert box["x"] >= 0 and box["x"] + box["width"] <= screen.viewport_size["width"], f"{column} is cut off"
    assert_accessible(screen, f"invoice-list-sponsor-{width}")
