"""Finance pages and endpoints beyond who may reach them (that is the access matrix's,
tests/matrix/table.py: the administrator reads and writes; a sponsor reads their own organisation's;
an auditor reads all, inside their audit, and never writes; nobody else sees anything): what they
show, what they cost, and what they audit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from confidentiality.models import AuditEvent
from tests.conftest import World
from tests.finance.conftest import Books, WorldWithBooks, make_invoice

CLIENT_NAMES = ("Samira Quentin-Marsh", "Bartholomew Xerxes-Lund")


@pytest.mark.django_db
def test_an_auditor_outside_an_audit_is_told_why_with_a_404(world: World) -> None:
    response = world.http("auditor").get(reverse("finance:overview"))
    assert response.status_code == 404 and "No audit is open for you" in response.content.decode()


@pytest.mark.django_db
class TestPages(WorldWithBooks):
    @pytest.mark.parametrize("persona", ["admin", "auditor", "sponsor", "other_sponsor"])
    def test_no_page_names_a_client_nor_another_organisations_records(
        self, world: World, books: Books, persona: str
    ) -> None:
        lists = ("finance:overview", "finance:invoice_list", "finance:payment_list", "finance:credit_note_list")
        urls = [reverse(name) + suffix for name in lists for suffix in ("", "?format=csv")]
        if persona != "other_sponsor":
            urls += [
                reverse(name, args=[books.invoice.pk]) for name in ("finance:invoice_detail", "finance:invoice_pdf")
            ]
        if persona == "admin":
            urls += [
                reverse(name, args=[books.draft.pk]) for name in ("finance:invoice_detail", "finance:invoice_edit")
            ]
            urls += [
                reverse(name, args=[books.invoice.pk])
                for name in ("finance:payment_create", "finance:credit_note_create")
            ]
            urls += [reverse("finance:invoice_create"), reverse("finance:audits")]
        http = world.http(persona)
        for url in urls:
            response = http.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode(errors="replace")
            assert not any(name in text for name in CLIENT_NAMES), url  # no client is ever named in finance
            if persona == "other_sponsor":
                assert books.invoice.reference not in text and "Northwind" not in text, url
            if persona == "sponsor":
                assert books.other_invoice.reference not in text and "Harbour" not in text, url

    def test_the_navigation_offers_finance_by_role(self, world: World, books: Books) -> None:
        for persona, label in (("admin", "Finance"), ("auditor", "Finance"), ("sponsor", "Invoices")):
            assert f">{label}</a>" in world.http(persona).get(reverse("dashboard")).content.decode()
        for persona in ("coach", "client"):
            body = world.http(persona).get(reverse("dashboard")).content.decode()
            assert ">Finance</a>" not in body and ">Invoices</a>" not in body

    def test_a_sponsor_sees_what_their_organisation_owes(self, world: World, books: Books) -> None:
        body = world.http("sponsor").get(reverse("finance:invoice_list")).content.decode()
        assert "700.00</span> outstanding" in body and books.invoice.reference in body


@pytest.mark.django_db
class TestEndpoints(WorldWithBooks):
    def test_a_sponsor_reads_nothing_of_another_organisation(self, world: World, books: Books) -> None:
        api = world.api("other_sponsor")
        for url in ("/api/v1/invoices/", "/api/v1/payments/", "/api/v1/credit-notes/", "/api/v1/finance/summary/"):
            response = api.get(url)
            assert response.status_code == 200 and books.invoice.reference not in response.content.decode(), url

    def test_an_issued_invoice_never_changes(self, world: World, books: Books) -> None:
        line = {"description": "Coaching", "quantity": "1", "unit_price": "100.00", "tax_rate": "20"}
        response = world.api("admin").patch(
            f"/api/v1/invoices/{books.invoice.pk}/",
            {"organisation": str(world.organisation.pk), "lines": [line]},
            content_type="application/json",
        )
        assert response.status_code == 400 and "never changes" in response.content.decode()

    def test_the_summary_reconciles(self, world: World, books: Books) -> None:
        data = world.api("auditor").get("/api/v1/finance/summary/").json()
        (gbp,) = data["currencies"]
        assert (gbp["invoiced"], gbp["paid"], gbp["credited"], gbp["outstanding"]) == (
            "1800.00",
            "500.00",
            "100.00",
            "1200.00",
        )

    def test_money_is_refused_as_a_float_where_it_could_lose_pennies(self, world: World, books: Books) -> None:
        response = world.api("admin").post(
            "/api/v1/payments/",
            {"invoice": str(books.invoice.pk), "amount": "10.001", "received_on": str(books.invoice.issued_on)},
            content_type="application/json",
        )
        assert response.status_code == 400 and books.invoice.payments.count() == 1


@pytest.mark.django_db
class TestQueryCounts:
    """The list pages, the summary and the endpoints cost the same queries at any size."""

    URLS = (
        "/finance/",
        "/finance/invoices/",
        "/finance/payments/",
        "/finance/credit-notes/",
        "/api/v1/invoices/",
        "/api/v1/payments/",
        "/api/v1/credit-notes/",
        "/api/v1/finance/summary/",
    )

    def counts(self, world: World) -> dict[str, int]:
        from django.db import connection

        http, api = world.http("auditor"), world.api("auditor")
        found = {}
        for url in self.URLS:
            client = api if url.startswith("/api/") else http
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found[url] = len(captured.captured_queries)
        return found

    def test_it_does_not_grow_with_the_records(self, world: World, books: Books) -> None:
        from finance import services

        before = self.counts(world)
        admin = world.people["admin"]
        for _ in range(12):
            invoice = make_invoice(admin, world.other_organisation, unit_price="80.00")
            services.payment_record(actor=admin, invoice=invoice, amount="10.00", received_on=invoice.issued_on)
            services.credit_note_issue(actor=admin, invoice=invoice, net="5.00", tax="1.00", reason="Goodwill")
        assert self.counts(world) == before
        assert max(before.values()) <= 21


@pytest.mark.django_db
class TestAuditTrail:
    def test_every_auditor_view_is_audited_without_names_or_amounts(self, world: World, books: Books) -> None:
        http = world.http("auditor")
        api = world.api("auditor")
        start = AuditEvent.objects.count()
        http.get(reverse("finance:overview"), {"year": str(books.invoice.issued_on.year)})
        http.get(reverse("finance:invoice_list"))
        http.get(reverse("finance:invoice_list"), {"format": "csv"})
        http.get(reverse("finance:payment_list"))
        http.get(reverse("finance:credit_note_list"))
        http.get(reverse("finance:invoice_detail", args=[books.invoice.pk]))
        http.get(reverse("finance:invoice_pdf", args=[books.invoice.pk]))
        api.get("/api/v1/invoices/")
        api.get(f"/api/v1/invoices/{books.invoice.pk}/")
        api.get("/api/v1/payments/")
        api.get("/api/v1/credit-notes/")
        api.get("/api/v1/finance/summary/")
        events = list(
            AuditEvent.objects.filter(actor_id=world.people["auditor"].pk, action__startswith="finance.").order_by(
                "seq"
            )
        )
        actions = [e.action for e in events]
        assert actions == [
            "finance.summary.read",
            "finance.invoices.read",
            "finance.invoices.export",
            "finance.payments.read",
            "finance.credit_notes.read",
            "finance.invoice.read",
            "finance.invoice.download",
            "finance.invoices.read",
            "finance.invoice.read",
            "finance.payments.read",
            "finance.credit_notes.read",
            "finance.summary.read",
        ]
        assert AuditEvent.objects.count() > start
        summary = events[0]
        assert summary.detail["from"].endswith("-01-01") and summary.actor_role == "auditor"
        text = " ".join(str(e.detail) for e in events)
        assert not any(name in text for name in CLIENT_NAMES)
        assert "1200" not in text and "Northwind" not in text
        assert re.search(r"'rows': \d+", text)


@pytest.mark.django_db
def test_the_auditors_organisation_filter_names_only_organisations_on_issued_records(world: World, books: Any) -> None:
    from tests.factories import OrganisationFactory

    OrganisationFactory(name="Quiet Prospect Ltd")  # no financial record: a client list must not leak
    auditor_page = world.http("auditor").get("/finance/invoices/").content.decode()
    assert "Quiet Prospect Ltd" not in auditor_page and world.organisation.name in auditor_page
    assert "Quiet Prospect Ltd" in world.http("admin").get("/finance/invoices/").content.decode()
