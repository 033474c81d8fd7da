"""Contracting in a browser: the client and the sponsor each read the agreement in plain words
and sign it in their portal; the coach countersigns; only then can a note be written."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.roles import Role
from consent.defaults import install_current
from consent.models import Agreement
from consent.services import agreement_send, agreement_start
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_agreement(page: Any, reference: str) -> None:
    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Read and sign the agreement").click()
    page.get_by_role("link", name=re.compile("Version 1")).click()
    page.get_by_role("heading", name=re.compile("When confidentiality may be broken")).wait_for()
    page.get_by_label("I have read this agreement and I agree to it.").check()
    page.get_by_role("button", name="Sign the agreement").click()
    page.get_by_text("your signature is recorded").wait_for()


def test_client_and_sponsor_sign_then_the_coach_countersigns(live_server: Any, new_page: Callable[[], Any]) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation)
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Cora Coach")
    secret = generate_totp_secret()
    TOTP.activate(coach, secret)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-SIGN-001",
        agreed=False,
    )
    agreement = agreement_send(
        actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
    )

    client_page = new_page()
    sign_in(client_page, live_server.url, client.email)
    client_page.get_by_role("link", name="ENG-SIGN-001", exact=True).click()
    assert "The client must sign the agreement." in client_page.content()
    client_page.get_by_role("link", name="Read and sign the agreement").click()
    client_page.get_by_role("link", name=re.compile("Version 1")).click()
    assert_accessible(client_page, "agreement-client-signing")
    client_page.get_by_label("I have read this agreement and I agree to it.").check()
    client_page.get_by_role("button", name="Sign the agreement").click()
    client_page.get_by_text("your signature is recorded").wait_for()
    assert "Ines Client" in client_page.content()

    sponsor_page = new_page()
    sign_in(sponsor_page, live_server.url, sponsor.email)
    sign_agreement(sponsor_page, "ENG-SIGN-001")

    coach_page = new_page()
    sign_in(coach_page, live_server.url, coach.email, secret)
    sign_agreement(coach_page, "ENG-SIGN-001")
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.SIGNED

    # The gate is open: the coach writes the first note.
    coach_page.get_by_role("link", name="ENG-SIGN-001").first.click()
    assert "Signed by everyone and in force." in coach_page.content()
    # With no notes yet, the "Write a note" panel is already open.
    coach_page.get_by_label("Note", exact=True).fill("First note after contracting.")
    coach_page.get_by_role("button", name="Save note").click()
    coach_page.get_by_text("Private note saved.").wait_for()

    # Each signatory can download the signed PDF.
    with sponsor_page.expect_download() as download:
        sponsor_page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
        sponsor_page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == "agreement-ENG-SIGN-001-v1.pdf"
