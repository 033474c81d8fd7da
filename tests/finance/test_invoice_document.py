"""The invoice that goes out: a UK VAT invoice (what HMRC asks of one), naming the practice and the
organisation as they were the day it was issued."""

from __future__ import annotations

import io

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.practice import practice_update
from engagements.models import Organisation
from finance.models import Invoice
from tests.conftest import World
from tests.finance.conftest import make_invoice

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages).split())


def the_practice(world: World, **changes: str) -> None:
    practice_update(
        actor=world.people["admin"],
        **{
            "name": "Lindqvist Coaching Ltd",
            "address": "4 Mill Lane\nYork YO1 7HH",
            "company_number": "09876543",
            "vat_number": "GB123456789",
            "payment_details": "Sort code 12-34-56, account 12345678",
        }
        | changes,
    )


def test_an_issued_invoice_is_a_vat_invoice_of_the_practice_to_the_organisation(world: World) -> None:
    the_practice(world)
    Organisation.objects.filter(pk=world.organisation.pk).update(address="12 Wharf Street\nLeeds LS1 4AB")
    invoice = make_invoice(world.people["admin"], Organisation.objects.get(pk=world.organisation.pk))
    text = pdf_text(world.http("admin").get(reverse("finance:invoice_pdf", args=[invoice.pk])).content)
    for expected in (
        f"VAT invoice {invoice.reference}",
        "Lindqvist Coaching Ltd",
        "4 Mill Lane York YO1 7HH",
        "VAT number GB123456789",
        "Registered number 09876543",
        "Date of issue and tax point",
        world.organisation.name,
        "12 Wharf Street Leeds LS1 4AB",
        "Unit price (excl. VAT)",
        "VAT rate",
        "Total excluding VAT",
        "Total VAT",
        "Sort code 12-34-56, account 12345678",
        f"Please quote {invoice.reference}",
    ):
        assert expected in text, expected


def test_the_invoice_keeps_the_details_it_was_issued_with(world: World) -> None:
    the_practice(world)
    invoice = make_invoice(world.people["admin"], world.organisation)
    the_practice(world, address="9 New Road\nLeeds LS2 1AA", vat_number="")
    text = pdf_text(world.http("admin").get(reverse("finance:invoice_pdf", args=[invoice.pk])).content)
    assert "4 Mill Lane" in text and "9 New Road" not in text and "VAT number GB123456789" in text
    with pytest.raises(DatabaseError, match="never changes"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(supplier={"name": "Someone else"})
    with pytest.raises(DatabaseError, match="never changes"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(organisation_address="Elsewhere")


def test_a_practice_without_a_vat_number_issues_an_invoice_not_a_vat_invoice(world: World) -> None:
    the_practice(world, vat_number="")
    invoice = make_invoice(world.people["admin"], world.organisation, tax_rate="0")
    text = pdf_text(world.http("admin").get(reverse("finance:invoice_pdf", args=[invoice.pk])).content)
    assert f"Invoice {invoice.reference}" in text and "VAT invoice" not in text and "VAT number" not in text


def test_an_invoice_charging_vat_is_refused_until_the_practice_records_its_vat_number(world: World) -> None:
    from django.core.exceptions import ValidationError

    from finance import services

    the_practice(world, vat_number="")
    draft = make_invoice(world.people["admin"], world.organisation, tax_rate="20", issue=False)
    with pytest.raises(ValidationError, match="charges VAT and the practice has no VAT number"):
        services.invoice_issue(actor=world.people["admin"], invoice=draft)
    draft.refresh_from_db()
    assert draft.state == Invoice.State.DRAFT and draft.number is None
    the_practice(world)  # records GB123456789
    issued = services.invoice_issue(actor=world.people["admin"], invoice=draft)
    assert issued.supplier["vat_number"] == "GB123456789"
