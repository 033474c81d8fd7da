"""An auditor sees the financial records from the first to the last day of their audit, in the
practice's time zone, and nothing a minute before or after."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from finance import services
from tests.conftest import World
from tests.finance.conftest import make_invoice

LONDON = ZoneInfo("Europe/London")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def march_audit(world: World) -> str:
    """An audit for March 2026, opened in February, and an invoice of January 2026."""
    with time_machine.travel(at(2026, 1, 15, 10), tick=False):
        invoice = make_invoice(world.people["admin"], world.organisation)
    with time_machine.travel(at(2026, 2, 10, 10), tick=False):
        services.audit_open(
            actor=world.people["admin"],
            auditor=world.people["auditor"],
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 3, 31),
            purpose="Annual accounts 2025",
        )
    return str(invoice.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 2, 28, 12), 404),  # the day before
        (at(2026, 2, 28, 23, 59), 404),  # a minute before midnight, London time
        (at(2026, 3, 1, 0, 0), 200),  # the first day, from midnight
        (at(2026, 3, 15, 12), 200),
        (at(2026, 3, 31, 23, 59), 200),  # the last day, to its last minute
        (at(2026, 4, 1, 0, 0), 404),  # the day after
    ],
)
def test_access_opens_and_ends_at_the_boundary(
    world: World, march_audit: str, moment: datetime.datetime, expected: int
) -> None:
    with time_machine.travel(moment, tick=False):
        http = world.http("auditor")
        for url in (
            reverse("finance:overview"),
            reverse("finance:invoice_list"),
            reverse("finance:invoice_detail", args=[march_audit]),
            reverse("finance:invoice_pdf", args=[march_audit]),
            reverse("finance:payment_list") + "?format=csv",
        ):
            assert http.get(url).status_code == expected, (moment, url)
        api = world.api("auditor")
        assert api.get("/api/v1/invoices/").status_code == expected
        assert api.get(f"/api/v1/invoices/{march_audit}/").status_code == expected
        assert api.get("/api/v1/finance/summary/").status_code == expected


@pytest.mark.django_db
def test_in_the_window_the_auditor_still_cannot_write_or_see_anything_else(world: World, march_audit: str) -> None:
    with time_machine.travel(at(2026, 3, 10, 12), tick=False):
        http = world.http("auditor")
        assert http.post(reverse("finance:invoice_create"), {}).status_code == 403
        assert http.post(reverse("finance:payment_create", args=[march_audit]), {}).status_code == 403
        api = world.api("auditor")
        assert api.patch(f"/api/v1/invoices/{march_audit}/", {}, content_type="application/json").status_code == 403
        assert api.post("/api/v1/payments/", {}, content_type="application/json").status_code == 403
        # Nothing outside finance: no engagement, note list, report, client or organisation record.
        listed = http.get(reverse("engagements:list")).content.decode()
        assert world.engagement.reference not in listed and world.other_engagement.reference not in listed
        for url in (
            reverse("engagements:detail", args=[world.engagement.pk]),
            reverse("engagements:note_list", args=[world.engagement.pk]),
            reverse("engagements:clients"),
            reverse("engagements:organisations"),
        ):
            assert http.get(url).status_code == 404, url
        assert api.get("/api/v1/engagements/").status_code == 404
        clients = api.get("/api/v1/clients/")
        assert clients.status_code == 404 or clients.json().get("results") == []


@pytest.mark.django_db
def test_an_audit_ended_early_closes_on_the_spot(world: World, march_audit: str) -> None:
    from finance.models import Audit

    with time_machine.travel(at(2026, 3, 10, 12), tick=False):
        assert world.http("auditor").get(reverse("finance:overview")).status_code == 200
        services.audit_end(actor=world.people["admin"], audit=Audit.objects.get())
        assert world.http("auditor").get(reverse("finance:overview")).status_code == 404
