"""A report to the sponsor, end to end: the coach drafts and sends it, the client comments and
asks for a change, the coach revises, the client sees what changed and approves, the coach
releases, and the sponsor downloads the watermarked PDF."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.roles import Role
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_report(page: Any, base: str, reference: str, title: str) -> None:
    page.goto(f"{base}/dashboard/")
    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Reports to the sponsor").click()
    page.get_by_role("link", name=title).click()


def test_draft_review_revise_approve_release_download(live_server: Any, new_page: Callable[[], Any]) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Omar Sponsor"
    )
    coach = UserFactory(role=Role.COACH, email="coach@example.org")
    secret = generate_totp_secret()
    TOTP.activate(coach, secret)
    EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-REPORT-001",
    )
    base = live_server.url

    coach_page = new_page()
    sign_in(coach_page, base, coach.email, secret)
    coach_page.get_by_role("link", name="ENG-REPORT-001", exact=True).click()
    coach_page.get_by_role("link", name="Reports to the sponsor").click()
    coach_page.get_by_label("Title").fill("Mid-point summary")
    coach_page.get_by_label("Partnership goals").fill("Ines has delegated weekly planning.")
    coach_page.get_by_role("button", name="Save draft").click()
    coach_page.get_by_role("button", name="Send to the client for review").click()
    coach_page.get_by_text("Sent to the client for review.").wait_for()

    client_page = new_page()
    sign_in(client_page, base, client.email)
    open_report(client_page, base, "ENG-REPORT-001", "Mid-point summary")
    assert_accessible(client_page, "report-client-review")
    client_page.get_by_label("Comment on this section").fill("Please also mention the budget review.")
    client_page.get_by_role("button", name="Add comment").click()
    client_page.get_by_text("Comment added.").wait_for()
    client_page.get_by_role("button", name="Ask for changes").click()
    client_page.get_by_text("Your coach has been asked for changes.").wait_for()

    sponsor_page = new_page()
    sign_in(sponsor_page, base, sponsor.email)
    sponsor_page.get_by_role("link", name="ENG-REPORT-001", exact=True).click()
    sponsor_page.get_by_role("link", name="Reports to the sponsor").click()
    assert "Mid-point summary" not in sponsor_page.content()  # nothing before release

    coach_page.reload()
    assert "Please also mention the budget review." in coach_page.content()
    coach_page.get_by_label("Partnership goals").fill("Ines has delegated weekly planning and leads the budget review.")
    coach_page.get_by_role("button", name=re.compile("Save as a new version")).click()
    coach_page.get_by_role("button", name="Send to the client for review").click()

    client_page.reload()
    client_page.get_by_role("heading", name="What changed since the version you last saw").wait_for()
    assert client_page.locator("ins").first.inner_text().strip() != ""
    client_page.get_by_role("button", name="Approve this version").click()
    client_page.get_by_text("Approved.").wait_for()

    coach_page.reload()
    coach_page.get_by_role("button", name="Release to the sponsor").click()
    coach_page.get_by_text("Released to the sponsor.").wait_for()

    sponsor_page.reload()
    sponsor_page.get_by_role("link", name="Mid-point summary").click()
    assert "leads the budget review" in sponsor_page.content()
    assert "Please also mention" not in sponsor_page.content()  # the client's comments stay private
    assert_accessible(sponsor_page, "report-sponsor-released")
    with sponsor_page.expect_download() as download:
        sponsor_page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == "report-ENG-REPORT-001.pdf"
