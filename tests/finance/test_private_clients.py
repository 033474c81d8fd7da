"""Invoices to a private client, who pays for their own coaching (issue 21; policy 003: the payer is
an "institution or individual"). The invoice, its payments and credit notes have no organisation;
the invoice names the client as they were named when it was issued, sealed in the database; the
client reads their own invoices, and no one else's; the five-year retention, the auditor's reading
and the monthly totals hold as for an organisation's records."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from confidentiality.crypto import UNREADABLE_TEXT
from confidentiality.models import Notice
from confidentiality.roles import Role
from engagements.services import engagement_create
from finance import selectors, services, totals
from finance.models import Invoice, MonthlyTotal, Payment
from tests.conftest import World, bearer, login
from tests.factories import ClientFactory, UserFactory
from tests.finance.conftest import make_invoice

pytestmark = pytest.mark.django_db
# Also run on SQLite (CI's embedded pass) where the engine decides: the migration rebuilt these
# tables there and made their triggers again; the totals follow deletions by trigger.
embedded = pytest.mark.embedded

NAME = "Ruth Adeyemi"


def private_engagement(
    world: World, *, name: str = NAME, email: str = "ruth@example.org", reference: str = "ENG-P-1"
) -> Any:
    client_user = UserFactory(role=Role.CLIENT, email=email)
    client = ClientFactory(full_name=name, user=client_user)
    return engagement_create(
        actor=world.people["admin"],
        reference=reference,
        title="Career coaching",
        organisation=None,
        client=client,
        coaches=[world.people["coach"]],
        sponsors=[],
        starts_on=world.engagement.starts_on,
    )


@pytest.fixture
def private(world: World) -> Any:
    return private_engagement(world)


def invoice_private(world: World, engagement: Any, **kwargs: Any) -> Invoice:
    return make_invoice(world.people["admin"], None, engagement=engagement, tax_rate="0", **kwargs)


@embedded
class TestTheInvoice:
    def test_it_is_billed_to_the_client_by_name_sealed_in_the_database(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private)
        assert invoice.organisation_id is None and invoice.is_private
        assert Invoice.objects.get(pk=invoice.pk).billed_to == NAME
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT billed_to_sealed, organisation_name FROM finance_invoice WHERE id = %s",
                [invoice.pk.hex if connection.vendor == "sqlite" else invoice.pk],
            )
            sealed, organisation_name = cursor.fetchone()
        assert sealed and NAME not in sealed and "Ruth" not in sealed and organisation_name == ""

    def test_it_goes_to_the_clients_postal_address_as_it_was_when_issued(self, world: World, private: Any) -> None:
        from pypdf import PdfReader

        client = private.client
        client.postal_address = "14 Quillfeather Row\nLeeds LS1 4AB"
        client.save()
        invoice = invoice_private(world, private)
        client.postal_address = "2 New Street\nYork"
        client.save()
        fresh = Invoice.objects.get(pk=invoice.pk)
        assert fresh.billed_to == NAME and fresh.billed_to_address == "14 Quillfeather Row\nLeeds LS1 4AB"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT billed_to_sealed FROM finance_invoice WHERE id = %s",
                [invoice.pk.hex if connection.vendor == "sqlite" else invoice.pk],
            )
            assert "Quillfeather" not in cursor.fetchone()[0]
        pdf = world.http("admin").get(reverse("finance:invoice_pdf", args=[invoice.pk]))
        import io

        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "14 Quillfeather Row" in text and "New Street" not in text

    def test_an_invoice_sealed_before_addresses_were_kept_still_reads(self, world: World, private: Any) -> None:
        from confidentiality.crypto import seal_with_kek

        invoice = invoice_private(world, private)
        # As the issue wrote it before (the name alone), in memory: the trigger keeps the row as issued.
        sealed = seal_with_kek(NAME, purpose=f"finance.invoice.billed_to:{invoice.pk}")
        earlier = Invoice(pk=invoice.pk, organisation=None, billed_to_sealed=sealed)
        assert earlier.billed_to == NAME and earlier.billed_to_address == ""

    def test_the_name_is_as_it_was_when_issued(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private)
        client = private.client
        client.full_name = "Ruth Adeyemi-Clarke"
        client.save()
        assert Invoice.objects.get(pk=invoice.pk).billed_to == NAME

    def test_once_issued_the_name_never_changes_by_any_path(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private)
        other = invoice_private(
            world, private_engagement(world, name="Someone Else", email="else@example.org", reference="ENG-P-2")
        )
        with pytest.raises(DatabaseError, match="never changes"), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(billed_to_sealed=other.billed_to_sealed)
        with pytest.raises(DatabaseError, match="never changes"), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(organisation=world.organisation)
        assert Invoice.objects.get(pk=invoice.pk).billed_to == NAME

    def test_a_sealed_name_moved_to_another_invoice_does_not_open_there(self, world: World, private: Any) -> None:
        issued = invoice_private(world, private)
        draft = invoice_private(world, private, issue=False)
        Invoice.objects.filter(pk=draft.pk).update(billed_to_sealed=issued.billed_to_sealed)
        moved = Invoice.objects.get(pk=draft.pk)
        assert moved.billed_to == UNREADABLE_TEXT and NAME not in moved.billed_to
        assert Notice.objects.filter(about__startswith="unreadable:finance.invoice:").exists()

    def test_the_database_refuses_an_issued_invoice_to_no_one(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private, issue=False)
        with pytest.raises(DatabaseError), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(
                state="unpaid", number=999, issued_on=timezone.localdate(), due_on=timezone.localdate()
            )


class TestWhoIsInvoiced:
    LINE = services.LineInput("Coaching sessions", Decimal(1), Decimal(150), Decimal(0))

    def _refused(self, world: World, match: str, **parties: Any) -> None:
        count = Invoice.objects.count()
        with pytest.raises(ValidationError, match=match):
            services.invoice_create(actor=world.people["admin"], lines=[self.LINE], **parties)
        assert Invoice.objects.count() == count

    def test_a_private_clients_engagement_with_an_organisation_is_refused(self, world: World, private: Any) -> None:
        self._refused(world, "the invoice goes to the client", organisation=world.organisation, engagement=private)

    def test_no_organisation_and_no_engagement_is_refused(self, world: World) -> None:
        self._refused(world, "Choose the organisation invoiced", organisation=None, engagement=None)

    def test_no_organisation_for_an_organisations_engagement_is_refused(self, world: World) -> None:
        self._refused(world, "Choose the organisation invoiced", organisation=None, engagement=world.engagement)

    def test_a_draft_changed_to_an_organisation_is_refused_and_kept_as_it_was(self, world: World, private: Any) -> None:
        draft = invoice_private(world, private, issue=False)
        with pytest.raises(ValidationError, match="the invoice goes to the client"):
            services.invoice_update(
                actor=world.people["admin"],
                invoice=draft,
                organisation=world.organisation,
                engagement=private,
                lines=[self.LINE],
            )
        kept = Invoice.objects.get(pk=draft.pk)
        assert kept.organisation_id is None and kept.gross == draft.gross

    def test_the_form_offers_no_organisation_for_a_private_client(self, world: World, private: Any) -> None:
        http = login(HttpClient(), world.people["admin"])
        page = http.get(reverse("finance:invoice_create")).content.decode()
        assert "None: a private client, who pays for their own coaching" in page
        assert "ENG-P-1: Career coaching (private client)" in page
        response = http.post(
            reverse("finance:invoice_create"),
            {
                "organisation": "",
                "engagement": str(private.pk),
                "currency": "GBP",
                "payment_terms_days": "14",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-description": "Coaching sessions, March",
                "lines-0-quantity": "2",
                "lines-0-unit_price": "95.00",
                "lines-0-tax_rate": "0",
            },
        )
        draft = Invoice.objects.get(engagement=private)
        assert response.status_code == 302 and draft.organisation_id is None and draft.gross == Decimal("190.00")

    def test_the_form_keeps_what_was_typed_when_no_one_is_invoiced(self, world: World) -> None:
        http = login(HttpClient(), world.people["admin"])
        count = Invoice.objects.count()
        response = http.post(
            reverse("finance:invoice_create"),
            {
                "organisation": "",
                "engagement": "",
                "currency": "GBP",
                "payment_terms_days": "30",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-description": "Coaching sessions, March",
                "lines-0-quantity": "2",
                "lines-0-unit_price": "95.00",
                "lines-0-tax_rate": "0",
            },
        )
        page = response.content.decode()
        assert response.status_code == 200 and "Choose the organisation invoiced" in page
        assert "Coaching sessions, March" in page and Invoice.objects.count() == count


@embedded
class TestPaymentsCreditsAndTotals:
    def test_payments_and_credit_notes_have_no_organisation_and_the_totals_reconcile(
        self, world: World, private: Any
    ) -> None:
        admin = world.people["admin"]
        invoice = invoice_private(world, private, unit_price="95.00", quantity="2")
        payment = services.payment_record(
            actor=admin, invoice=invoice, amount=Decimal("100.00"), received_on=timezone.localdate()
        )
        credit = services.credit_note_issue(
            actor=admin, invoice=invoice, net=Decimal("90.00"), tax=Decimal(0), reason="Session moved"
        )
        assert payment.organisation_id is None and credit.organisation_id is None
        assert (
            Invoice.objects.get(pk=invoice.pk).state == Invoice.State.CREDITED
            or services.invoice_balance(invoice).outstanding == 0
        )
        row = MonthlyTotal.objects.get(organisation__isnull=True, month=timezone.localdate().replace(day=1))
        assert (row.invoice_count, row.invoiced_pence, row.paid_pence, row.credited_pence) == (1, 19000, 10000, 9000)
        assert totals.differences() == []

    def test_one_row_a_month_for_all_private_clients(self, world: World, private: Any) -> None:
        invoice_private(world, private)
        invoice_private(world, private_engagement(world, name="Ben Ode", email="ben@example.org", reference="ENG-P-2"))
        assert MonthlyTotal.objects.filter(organisation__isnull=True).count() == 1
        assert MonthlyTotal.objects.get(organisation__isnull=True).invoice_count == 2

    def test_the_summary_from_the_totals_equals_the_records(self, world: World, private: Any) -> None:
        invoice_private(world, private)
        make_invoice(world.people["admin"], world.organisation)
        admin = world.people["admin"]
        kept = selectors.summary_for(user=admin, filters=selectors.FinanceFilter())
        summed = selectors.summary_for(user=admin, filters=selectors.FinanceFilter(), kept_totals=False)
        assert kept.currencies == summed.currencies

    def test_the_sweep_deletes_them_after_five_years_and_the_totals_follow(self, world: World, private: Any) -> None:
        from retention.sweep import run_sweep

        with time_machine.travel(datetime.datetime(2019, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
            invoice = invoice_private(world, private)
            services.payment_record(
                actor=world.people["admin"],
                invoice=invoice,
                amount=invoice.gross,
                received_on=datetime.date(2019, 3, 1),
            )
        assert totals.differences() == []
        run_sweep(as_of=datetime.date(2024, 3, 2))
        assert not Invoice.objects.filter(pk=invoice.pk).exists() and not Payment.objects.exists()
        assert totals.differences() == []
        assert not MonthlyTotal.objects.filter(organisation__isnull=True, invoice_count__gt=0).exists()

    def test_a_legal_hold_on_the_client_keeps_their_invoices(self, world: World, private: Any) -> None:
        from retention.services import hold_place
        from retention.sweep import run_sweep

        with time_machine.travel(datetime.datetime(2019, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
            invoice = invoice_private(world, private)
        hold_place(actor=world.people["admin"], target=private.client, case_reference="CASE-1", reason="A claim")
        run_sweep(as_of=datetime.date(2024, 3, 2))
        assert Invoice.objects.filter(pk=invoice.pk).exists()


class TestWhoReadsThem:
    def test_the_client_reads_their_own_invoices_without_the_billed_to_column(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private)
        organisations = make_invoice(world.people["admin"], world.organisation)
        http = login(HttpClient(), private.client.user)
        page = http.get(reverse("finance:invoice_list")).content.decode()
        assert invoice.reference in page and organisations.reference not in page
        assert "Billed to" not in page
        detail = http.get(reverse("finance:invoice_detail", args=[invoice.pk]))
        assert detail.status_code == 200 and NAME in detail.content.decode()
        assert http.get(reverse("finance:invoice_detail", args=[organisations.pk])).status_code == 404
        pdf = http.get(reverse("finance:invoice_pdf", args=[invoice.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    def test_their_dashboard_links_to_them(self, world: World, private: Any) -> None:
        http = login(HttpClient(), private.client.user)
        assert reverse("finance:invoice_list") in http.get(reverse("dashboard")).content.decode()
        sponsored = login(HttpClient(), world.people["client"])
        assert reverse("finance:invoice_list") not in sponsored.get(reverse("dashboard")).content.decode()

    def test_no_one_else_reads_a_private_clients_invoice(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private)
        other = private_engagement(world, name="Ben Ode", email="ben@example.org", reference="ENG-P-2")
        for user in (other.client.user, world.people["client"], world.people["sponsor"], world.people["coach"]):
            http = login(HttpClient(), user)
            assert http.get(reverse("finance:invoice_detail", args=[invoice.pk])).status_code == 404, user
            assert invoice.reference not in http.get(reverse("finance:invoice_list")).content.decode()
        assert login(HttpClient(), world.people["client"]).get(reverse("finance:invoice_list")).status_code == 404

    def test_their_subject_access_copy_holds_their_invoices_and_payments(self, world: World, private: Any) -> None:
        from rights.exports import client_contents

        invoice = invoice_private(world, private, unit_price="95.00", quantity="1")
        services.payment_record(
            actor=world.people["admin"], invoice=invoice, amount=Decimal("95.00"), received_on=timezone.localdate()
        )
        make_invoice(world.people["admin"], world.organisation, engagement=world.engagement)
        sections = {s.key: s for s in client_contents(private.client).sections}
        [item] = sections["invoices"].items
        assert (item["reference"], item["billed_to"], item["gross"]) == (invoice.reference, NAME, Decimal("95.00"))
        assert [p["amount"] for p in item["payments"]] == [Decimal("95.00")]
        # A client whose organisation pays is not sent its invoices: they are not in their copy.
        assert "invoices" not in {s.key for s in client_contents(world.engagement.client).sections}

    def test_the_client_only_reads(self, world: World, private: Any) -> None:
        invoice = invoice_private(world, private)
        http = login(HttpClient(), private.client.user)
        before = Payment.objects.count()
        response = http.post(
            reverse("finance:payment_create", args=[invoice.pk]),
            {"amount": "10.00", "received_on": timezone.localdate().isoformat(), "method": "card"},
        )
        assert response.status_code == 403 and Payment.objects.count() == before

    def test_the_administrator_and_the_auditor_see_who_is_billed(self, world: World, private: Any, books: Any) -> None:
        invoice = invoice_private(world, private)
        for user in (world.people["admin"], world.people["auditor"]):
            page = login(HttpClient(), user).get(reverse("finance:invoice_list")).content.decode()
            assert "Billed to" in page and NAME in page and invoice.reference in page

    def test_the_api_writes_and_reads_them(self, world: World, private: Any) -> None:
        admin = bearer(world.people["admin"])
        response = admin.post(
            "/api/v1/invoices/",
            {
                "organisation": None,
                "engagement": str(private.pk),
                "lines": [{"description": "Coaching", "quantity": "1", "unit_price": "95.00", "tax_rate": "0"}],
                "issue": True,
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["organisation"] is None and body["organisation_name"] == "" and body["billed_to"] == NAME
        mine = bearer(private.client.user).get("/api/v1/invoices/").json()
        assert [row["id"] for row in mine["results"]] == [body["id"]]
        refused = admin.post(
            "/api/v1/invoices/",
            {
                "engagement": str(world.engagement.pk),
                "lines": [{"description": "x", "quantity": "1", "unit_price": "1.00", "tax_rate": "0"}],
            },
            content_type="application/json",
        )
        assert refused.status_code == 400 and "Choose the organisation invoiced" in refused.content.decode()


def test_reading_a_private_clients_invoice_shows_in_their_access_log(world: World, private: Any) -> None:
    """It names them: the administrator's and the auditor's reads are reads of their file (found in review)."""
    from confidentiality.models import AuditEvent

    invoice = invoice_private(world, private)
    login(HttpClient(), world.people["admin"]).get(reverse("finance:invoice_detail", args=[invoice.pk]))
    login(HttpClient(), world.people["admin"]).get(reverse("finance:invoice_pdf", args=[invoice.pk]))
    events = AuditEvent.objects.filter(client_id=private.client_id, action__startswith="finance.invoice.")
    assert sorted(events.values_list("action", flat=True)) == ["finance.invoice.download", "finance.invoice.read"]
    log = login(HttpClient(), private.client.user).get(reverse("engagements:access_log")).content.decode()
    assert "An invoice to you" in log
