"""The pages as people use them: the CSV holds what the page shows; the administrator's forms."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance import services
from finance.models import Invoice
from tests.conftest import World
from tests.factories import vat_registered
from tests.finance.conftest import make_invoice


def csv_rows(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def table_rows(page: str, caption: str) -> list[list[str]]:
    """The cells of the table with this caption, as text."""
    table = page.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def plain(text: str) -> str:
    """'1,234.50' → '1234.50'; '5 Mar 2025' → '2025-03-05': the page's form of a value, as in the CSV."""
    if re.fullmatch(r"-?[\d,]+\.\d\d", text):
        return text.replace(",", "")
    if re.fullmatch(r"\d\d? \w{3} \d{4}", text):
        return datetime.datetime.strptime(text, "%d %b %Y").date().isoformat()
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text  # the export defuses what a spreadsheet would run as a formula
    return text


@pytest.fixture
def two_years(world: World) -> None:
    """Invoices, payments and a credit note in 2024 and 2025, and an audit open in June 2026."""
    admin = world.people["admin"]
    for moment, organisation, price in (
        (datetime.datetime(2024, 11, 3, 12), world.organisation, "100.00"),
        (datetime.datetime(2025, 2, 3, 12), world.organisation, "250.00"),
        (datetime.datetime(2025, 5, 9, 12), world.other_organisation, "75.50"),
        (datetime.datetime(2025, 11, 20, 12), world.organisation, "1234.56"),
    ):
        with time_machine.travel(moment, tick=False):
            invoice = make_invoice(admin, organisation, unit_price=price, engagement=None)
            services.payment_record(actor=admin, invoice=invoice, amount="50.00", received_on=invoice.issued_on)
            if price == "75.50":
                services.credit_note_issue(actor=admin, invoice=invoice, net="10.00", tax="2.00", reason="=SUM(A1)")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9), tick=False):
        services.audit_open(
            actor=admin,
            auditor=world.people["auditor"],
            starts_on=datetime.date(2026, 6, 1),
            ends_on=datetime.date(2026, 6, 30),
            purpose="Accounts 2025",
        )


@pytest.mark.django_db
class TestTheCsvIsThePage:
    @pytest.mark.parametrize(
        ("url_name", "caption", "organisation"),
        [
            ("finance:invoice_list", "Issued invoices, newest first", "organisation"),
            ("finance:payment_list", "Payments, newest first", "organisation"),
            ("finance:credit_note_list", "Credit notes, newest first", "other_organisation"),
        ],
    )
    def test_a_list_and_its_export_hold_the_same_rows(
        self, world: World, two_years: None, url_name: str, caption: str, organisation: str
    ) -> None:
        with time_machine.travel(datetime.datetime(2026, 6, 10, 9), tick=False):
            http = world.http("auditor")
            params = {"year": "2025", "organisation": str(getattr(world, organisation).pk)}
            page = table_rows(http.get(reverse(url_name), params).content.decode(), caption)
            exported = csv_rows(http.get(reverse(url_name), {**params, "format": "csv"}))
        assert exported[0] == page[0]  # the same columns
        assert [[plain(cell) for cell in row] for row in page[1:]] == exported[1:]
        assert len(exported) > 1
        if url_name == "finance:invoice_list":
            assert [row[0] for row in exported[1:]] == ["INV-000004", "INV-000002"]  # 2025, this organisation

    def test_the_overview_export_holds_its_totals(self, world: World, two_years: None) -> None:
        with time_machine.travel(datetime.datetime(2026, 6, 10, 9), tick=False):
            http = world.http("auditor")
            html = http.get(reverse("finance:overview"), {"year": "2025"}).content.decode()
            exported = csv_rows(http.get(reverse("finance:overview"), {"year": "2025", "format": "csv"}))
        shown = dict(re.findall(r'data-total="(\w+)">([\d,.]+)<', html))
        totals = next(row for row in exported if row[0] == "Totals")
        assert [shown[k].replace(",", "") for k in ("invoiced", "paid", "credited", "outstanding")] == totals[4:8]
        # 2025: two each of 250.00, 75.50 and 1,234.56 with 20% tax (493.824 rounds to 493.82),
        # less 150.00 paid and 12.00 credited.
        assert totals[4:8] == ["3744.14", "150.00", "12.00", "3582.14"]
        months = [row for row in exported if row[0] == "By month"]
        assert [row[2] for row in months] == [f"2025-{m:02d}" for m in range(1, 13)]
        assert Decimal(months[1][5]) == Decimal("50.00")  # February's payment
        assert "<svg" in html and "Income by month (GBP)" in html

    def test_a_formula_typed_into_a_record_is_not_run_by_a_spreadsheet(self, world: World, two_years: None) -> None:
        with time_machine.travel(datetime.datetime(2026, 6, 10, 9), tick=False):
            exported = csv_rows(world.http("auditor").get(reverse("finance:credit_note_list"), {"format": "csv"}))
        assert exported[1][-1] == "'=SUM(A1)"

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"year": "2025", "date_from": "2025-01-01"}, "not both"),
            ({"date_from": "2025-06-01", "date_to": "2025-01-01"}, "after its end"),
            ({"date_from": "yesterday"}, "Enter a valid date"),
            ({"state": "lost"}, "Select a valid choice"),
        ],
    )
    def test_bad_filters_are_explained_and_show_nothing(
        self, world: World, two_years: None, params: dict[str, str], message: str
    ) -> None:
        with time_machine.travel(datetime.datetime(2026, 6, 10, 9), tick=False):
            response = world.http("auditor").get(reverse("finance:invoice_list"), params)
        assert response.status_code == 400 and message in response.content.decode()
        assert "INV-0000" not in response.content.decode()

    def test_the_list_pages_on_by_keyset(self, world: World) -> None:
        from finance import selectors

        admin = world.people["admin"]
        for _ in range(7):
            make_invoice(admin, world.organisation)
        filters = selectors.FinanceFilter()
        seen: list[int] = []
        cursor = None
        while True:
            page = selectors.invoice_page_for(user=admin, filters=filters, cursor=cursor, limit=3)
            seen += [invoice.number for invoice in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == [7, 6, 5, 4, 3, 2, 1]
        response = world.http("admin").get(reverse("finance:invoice_list"), {"after": "nonsense"})
        assert response.status_code == 200 and "not valid" in response.content.decode()


@pytest.mark.django_db
class TestTheAdministratorsForms:
    def test_draft_issue_pay_credit_through_the_pages(self, world: World) -> None:
        vat_registered()
        http = world.http("admin")
        form = {
            "organisation": str(world.organisation.pk),
            "engagement": str(world.engagement.pk),
            "currency": "GBP",
            "payment_terms_days": "14",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "lines-0-description": "Coaching sessions, May",
            "lines-0-quantity": "3",
            "lines-0-unit_price": "450.00",
            "lines-0-tax_rate": "20",
            "lines-1-description": "Workshop",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "",
            "lines-1-tax_rate": "20",
        }
        refused = http.post(reverse("finance:invoice_create"), form)
        assert refused.status_code == 200 and "or leave it empty" in refused.content.decode()
        form["lines-1-unit_price"] = "300.00"
        created = http.post(reverse("finance:invoice_create"), form)
        assert created.status_code == 302
        draft = Invoice.objects.get()
        assert draft.gross == Decimal("1980.00") and draft.number is None
        assert http.get(reverse("finance:invoice_edit", args=[draft.pk])).status_code == 200
        http.post(reverse("finance:invoice_issue", args=[draft.pk]), {"issued_on": str(datetime.date.today())})
        draft.refresh_from_db()
        assert draft.reference == "INV-000001" and draft.engagement_reference == world.engagement.reference
        # Changing an issued invoice is refused with the reason.
        response = http.get(reverse("finance:invoice_edit", args=[draft.pk]), follow=True)
        assert "never changes" in response.content.decode()
        http.post(
            reverse("finance:payment_create", args=[draft.pk]),
            {"amount": "980.00", "received_on": str(draft.issued_on), "method": "bank_transfer", "reference": "X"},
        )
        http.post(
            reverse("finance:credit_note_create", args=[draft.pk]),
            {"net": "1000.00", "tax": "0.00", "reason": "Programme shortened", "issued_on": str(draft.issued_on)},
        )
        draft.refresh_from_db()
        assert draft.state == Invoice.State.PAID
        detail = http.get(reverse("finance:invoice_detail", args=[draft.pk])).content.decode()
        assert "Nothing is outstanding" in detail and "CN-000001" in detail
        pdf = http.get(reverse("finance:invoice_pdf", args=[draft.pk]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert pdf["Content-Disposition"].startswith('attachment; filename="invoice-INV-000001.pdf"')

    def test_an_overpayment_is_refused_on_the_page(self, world: World) -> None:
        invoice = make_invoice(world.people["admin"], world.organisation)
        response = world.http("admin").post(
            reverse("finance:payment_create", args=[invoice.pk]),
            {"amount": "5000.00", "received_on": str(invoice.issued_on), "method": "card"},
        )
        assert response.status_code == 200 and "Only 1,200.00 GBP is outstanding" in response.content.decode()
        assert not invoice.payments.exists()

    def test_the_administrator_opens_and_ends_an_audit(self, world: World) -> None:
        from finance.models import Audit

        http = world.http("admin")
        today = datetime.date.today()
        response = http.post(
            reverse("finance:audits"),
            {
                "auditor": str(world.people["auditor"].pk),
                "purpose": "Year-end review",
                "starts_on": str(today),
                "ends_on": str(today + datetime.timedelta(days=14)),
            },
        )
        assert response.status_code == 302
        assert world.http("auditor").get(reverse("finance:overview")).status_code == 200
        dashboard = world.http("auditor").get(reverse("dashboard")).content.decode()
        assert "Your audit is open until" in dashboard
        http.post(reverse("finance:audit_end", args=[Audit.objects.get().pk]))
        assert world.http("auditor").get(reverse("finance:overview")).status_code == 404


QUERY_BUDGET = 15  # tests/matrix/test_matrix.py's, for every read page (issue 23)


@pytest.mark.django_db
class TestTheQueryBudget:
    @pytest.mark.parametrize("persona", ["admin", "auditor", "sponsor"])
    def test_the_invoice_list_and_overview_cost_the_same_however_many_invoices_and_organisations(
        self, world: World, books: Any, persona: str
    ) -> None:
        """Issue 23: at most 15 queries, the same with three times the organisations and records (a
        sponsor's summary beside their list is summed from their organisation's records)."""
        from tests.factories import OrganisationFactory

        http = world.http(persona)
        today = timezone.localdate()
        urls = ("/finance/invoices/", "/finance/", "/finance/?format=csv", f"/finance/?year={today.year}")

        def counted() -> dict[str, int]:
            found = {}
            for url in urls:
                http.get(url)  # the session's first visit to a page may differ from the next
                with CaptureQueriesContext(connection) as queries:
                    response = http.get(url)
                    if response.streaming:
                        b"".join(response.streaming_content)
                assert response.status_code == 200, url
                found[url] = len(queries.captured_queries)
            return found

        before = counted()
        admin = world.people["admin"]
        for organisation in [world.organisation, *(OrganisationFactory() for _ in range(3))]:
            for _ in range(2):
                invoice = make_invoice(admin, organisation, unit_price="300.00")
                services.payment_record(actor=admin, invoice=invoice, amount="100.00", received_on=today)
                services.credit_note_issue(actor=admin, invoice=invoice, net="10.00", tax="0.00", reason="Late")
        after = counted()
        assert after == before
        assert max(after.values()) <= QUERY_BUDGET, after
