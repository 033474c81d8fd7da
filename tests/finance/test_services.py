"""Writes: numbering without gaps, an issued invoice that never changes, exact money, clear errors."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from finance import services
from finance.models import CreditNote, Invoice, InvoiceLine, NumberSeries, Payment
from tests.conftest import World
from tests.factories import vat_registered
from tests.finance.conftest import Books, make_invoice


@pytest.mark.embedded
@pytest.mark.django_db
class TestNumbering:
    def test_numbers_run_in_sequence_and_a_deleted_draft_leaves_no_gap(self, world: World) -> None:
        admin = world.people["admin"]
        first = make_invoice(admin, world.organisation)
        draft = make_invoice(admin, world.organisation, issue=False)
        services.invoice_delete(actor=admin, invoice=draft)
        second = make_invoice(admin, world.other_organisation)
        assert (first.number, second.number) == (1, 2)
        assert (first.reference, second.reference) == ("INV-000001", "INV-000002")

    def test_a_refused_issue_gives_its_number_back(self, world: World) -> None:
        admin = world.people["admin"]
        today = timezone.localdate()
        make_invoice(admin, world.organisation, issued_on=today)
        late = make_invoice(admin, world.organisation, issue=False)
        with pytest.raises(ValidationError, match="cannot be dated earlier"):
            services.invoice_issue(actor=admin, invoice=late, issued_on=today - datetime.timedelta(days=1))
        assert NumberSeries.objects.get(series="invoice").last_number == 1
        assert services.invoice_issue(actor=admin, invoice=late).number == 2

    def test_credit_notes_have_their_own_series(self, books: Books, world: World) -> None:
        admin = world.people["admin"]
        second = services.credit_note_issue(
            actor=admin, invoice=books.invoice, net="10.00", tax="2.00", reason="Goodwill"
        )
        assert (books.credit_note.reference, second.reference) == ("CN-000001", "CN-000002")

    def test_an_invoice_cannot_be_dated_in_the_future_or_issued_twice(self, world: World) -> None:
        admin = world.people["admin"]
        draft = make_invoice(admin, world.organisation, issue=False)
        vat_registered()
        with pytest.raises(ValidationError, match="future"):
            services.invoice_issue(
                actor=admin, invoice=draft, issued_on=timezone.localdate() + datetime.timedelta(days=1)
            )
        issued = services.invoice_issue(actor=admin, invoice=draft)
        with pytest.raises(ValidationError, match="already been issued"):
            services.invoice_issue(actor=admin, invoice=issued)


@pytest.mark.embedded
@pytest.mark.django_db
class TestAnIssuedInvoiceNeverChanges:
    def test_the_services_refuse(self, world: World, books: Books) -> None:
        admin = world.people["admin"]
        line = services.LineInput("Changed", Decimal(1), Decimal("1.00"), Decimal(0))
        with pytest.raises(ValidationError, match="never changes"):
            services.invoice_update(actor=admin, invoice=books.invoice, organisation=world.organisation, lines=[line])
        with pytest.raises(ValidationError, match="never changes"):
            services.invoice_delete(actor=admin, invoice=books.invoice)
        books.invoice.refresh_from_db()
        assert (
            books.invoice.gross == Decimal("1200.00") and books.invoice.lines.get().description == "Coaching sessions"
        )

    @pytest.mark.parametrize(
        "change",
        [
            {"gross": Decimal("1.00")},
            {"net": Decimal("1.00")},
            {"number": 99},
            {"issued_on": datetime.date(2020, 1, 1)},
            {"due_on": datetime.date(2099, 1, 1)},
            {"currency": "EUR"},
            {"organisation_name": "Someone else"},
            {"state": "draft"},
        ],
    )
    def test_the_database_refuses_too(self, books: Books, change: dict[str, Any]) -> None:
        with pytest.raises(DatabaseError), transaction.atomic():
            Invoice.objects.filter(pk=books.invoice.pk).update(**change)
        books.invoice.refresh_from_db()
        assert books.invoice.gross == Decimal("1200.00") and books.invoice.number == 1

    def test_its_lines_payments_and_credit_notes_are_final_in_the_database(self, books: Books) -> None:
        with pytest.raises(DatabaseError), transaction.atomic():
            InvoiceLine.objects.filter(invoice=books.invoice).update(unit_price=Decimal("1.00"))
        with pytest.raises(DatabaseError), transaction.atomic():
            line = books.invoice.lines.get()
            InvoiceLine.objects.create(
                invoice=books.invoice,
                position=2,
                description="Extra",
                quantity=1,
                unit_price=1,
                tax_rate=0,
                net=1,
                tax=0,
            )
        with pytest.raises(DatabaseError), transaction.atomic():
            Payment.objects.filter(pk=books.payment.pk).update(amount=Decimal("1.00"))
        with pytest.raises(DatabaseError), transaction.atomic():
            CreditNote.objects.filter(pk=books.credit_note.pk).update(gross=Decimal("1.00"))
        assert line.unit_price == Decimal("500.00")

    def test_what_may_still_move_does(self, world: World, books: Books) -> None:
        # Its settlement, and the link to an engagement whose files were deleted (the reference stays).
        Invoice.objects.filter(pk=books.invoice.pk).update(state=Invoice.State.PAID, engagement=None)
        books.invoice.refresh_from_db()
        assert books.invoice.engagement_reference == world.engagement.reference

    def test_a_draft_changes_freely(self, world: World, books: Books) -> None:
        admin = world.people["admin"]
        line = services.LineInput("Workshop", Decimal("1.5"), Decimal("333.33"), Decimal("20"))
        changed = services.invoice_update(
            actor=admin, invoice=books.draft, organisation=world.organisation, lines=[line], currency="EUR"
        )
        assert (changed.net, changed.tax, changed.gross, changed.currency) == (
            Decimal("500.00"),
            Decimal("100.00"),
            Decimal("600.00"),
            "EUR",
        )


@pytest.mark.django_db
class TestPaymentsAndCredits:
    def test_the_state_follows_the_balance(self, world: World, books: Books) -> None:
        admin = world.people["admin"]
        assert books.invoice.state == Invoice.State.PART_PAID
        services.credit_note_issue(actor=admin, invoice=books.invoice, net="100.00", tax="0.00", reason="Goodwill")
        services.payment_record(actor=admin, invoice=books.invoice, amount="600.00", received_on=timezone.localdate())
        books.invoice.refresh_from_db()
        assert books.invoice.state == Invoice.State.PAID
        services.credit_note_issue(actor=admin, invoice=books.other_invoice, net="500.00", tax="0", reason="Cancelled")
        books.other_invoice.refresh_from_db()
        assert books.other_invoice.state == Invoice.State.CREDITED

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            ("700.01", "Only 700.00 GBP is outstanding"),
            ("0", "more than zero"),
            ("-5", "more than zero"),
            ("1.001", "two decimal places"),
            ("ten", "must be a number"),
            (1.5, "not a floating-point number"),
        ],
    )
    def test_a_bad_payment_is_refused_and_changes_nothing(
        self, world: World, books: Books, amount: Any, message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            services.payment_record(
                actor=world.people["admin"], invoice=books.invoice, amount=amount, received_on=timezone.localdate()
            )
        assert books.invoice.payments.count() == 1

    def test_dates_must_make_sense(self, world: World, books: Books) -> None:
        admin = world.people["admin"]
        today = timezone.localdate()
        with pytest.raises(ValidationError, match="future"):
            services.payment_record(
                actor=admin, invoice=books.invoice, amount="1.00", received_on=today + datetime.timedelta(days=1)
            )
        with pytest.raises(ValidationError, match="before the invoice"):
            services.payment_record(
                actor=admin, invoice=books.invoice, amount="1.00", received_on=today - datetime.timedelta(days=400)
            )

    def test_a_draft_is_neither_paid_nor_credited(self, world: World, books: Books) -> None:
        with pytest.raises(ValidationError, match="issue it first"):
            services.payment_record(
                actor=world.people["admin"], invoice=books.draft, amount="1.00", received_on=timezone.localdate()
            )

    def test_a_credit_note_cannot_exceed_what_is_outstanding(self, world: World, books: Books) -> None:
        with pytest.raises(ValidationError, match="cannot exceed"):
            services.credit_note_issue(
                actor=world.people["admin"], invoice=books.invoice, net="700.00", tax="0.01", reason="Too much"
            )

    def test_lines_are_priced_exactly(self, world: World) -> None:
        line = services.LineInput("Sessions", Decimal("3"), Decimal("0.10"), Decimal("17.5"))
        invoice = services.invoice_create(actor=world.people["admin"], organisation=world.organisation, lines=[line])
        assert (invoice.net, invoice.tax, invoice.gross) == (Decimal("0.30"), Decimal("0.05"), Decimal("0.35"))

    def test_an_engagement_must_belong_to_the_organisation(self, world: World) -> None:
        line = services.LineInput("Sessions", Decimal("1"), Decimal("1.00"), Decimal("0"))
        with pytest.raises(ValidationError, match="another organisation"):
            services.invoice_create(
                actor=world.people["admin"],
                organisation=world.organisation,
                engagement=world.other_engagement,
                lines=[line],
            )

    @pytest.mark.parametrize("persona", ["auditor", "sponsor", "coach", "client", "superuser"])
    def test_only_the_administrator_writes(self, world: World, books: Books, persona: str) -> None:
        actor = world.people[persona]
        with pytest.raises(PermissionDenied):
            services.payment_record(actor=actor, invoice=books.invoice, amount="1.00", received_on=timezone.localdate())
        with pytest.raises(PermissionDenied):
            make_invoice(actor, world.organisation, issue=False)


@pytest.mark.django_db
class TestAudits:
    def test_only_an_auditor_gets_an_audit_and_it_must_make_sense(self, world: World) -> None:
        admin = world.people["admin"]
        today = timezone.localdate()
        with pytest.raises(ValidationError, match="auditor role"):
            services.audit_open(
                actor=admin, auditor=world.people["coach"], starts_on=today, ends_on=today, purpose="Review"
            )
        with pytest.raises(ValidationError, match="on or after"):
            services.audit_open(
                actor=admin,
                auditor=world.people["auditor"],
                starts_on=today,
                ends_on=today - datetime.timedelta(days=1),
                purpose="Review",
            )
        with pytest.raises(PermissionDenied):
            services.audit_open(
                actor=world.people["auditor"],
                auditor=world.people["auditor"],
                starts_on=today,
                ends_on=today,
                purpose="x",
            )

    def test_ending_an_audit_closes_access_at_once(self, world: World, books: Books) -> None:
        from django.urls import reverse

        http = world.http("auditor")
        assert http.get(reverse("finance:invoice_list")).status_code == 200
        response = world.http("admin").post(reverse("finance:audit_end", args=[books.audit.pk]))
        assert response.status_code == 302
        # The session the auditor opened during the audit ends with it (sent to sign in again);
        # a new sign-in or token reaches nothing.
        assert http.get(reverse("finance:invoice_list")).status_code == 302
        assert world.http("auditor").get(reverse("finance:invoice_list")).status_code == 404
        assert world.api("auditor").get("/api/v1/invoices/").status_code == 404
