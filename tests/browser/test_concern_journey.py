"""A concern, end to end (coach journey 4): something said suggests serious danger; the coach opens
a concern and follows the steps, skipping with reasons only what serious danger allows; records the
client's view and the decision; asks for the disclosure; the administrator gives the second
approval; the coach reviews and closes; the client downloads the confirmation letter."""

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


def record_step(page: Any, fields: dict[str, str], selects: dict[str, str] | None = None) -> None:
    for label, value in (selects or {}).items():
        page.get_by_label(label, exact=True).select_option(label=value)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    # The previous page also says "Step recorded.": wait for the new one before going on.
    with page.expect_navigation():
        page.get_by_role("button", name="Record this step").click()
    page.get_by_text("Step recorded.").wait_for()


def skip_step(page: Any, reason: str) -> None:
    page.get_by_text("Skip this step (serious danger)").click()
    page.get_by_label("Why this step is skipped (serious danger)").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Skip this step").click()
    page.get_by_text("Step skipped, with your reason.").wait_for()


def test_a_serious_danger_concern_from_start_to_the_letter(live_server: Any, new_page: Callable[[], Any]) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation)
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Cora Coach")
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org", display_name="Ada Admin")
    coach_secret, admin_secret = generate_totp_secret(), generate_totp_secret()
    TOTP.activate(coach, coach_secret)
    TOTP.activate(admin, admin_secret)
    EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Client"),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-CONCERN-001",
    )
    base = live_server.url

    coach_page = new_page()
    sign_in(coach_page, base, coach.email, coach_secret)
    coach_page.get_by_role("link", name="ENG-CONCERN-001", exact=True).click()
    coach_page.get_by_role("link", name="Disclosures and concerns").click()
    assert_accessible(coach_page, "disclosures-coach")
    coach_page.get_by_role("link", name="Raise a concern").click()
    coach_page.get_by_label("The issue: what was said or seen, and what concerns you").fill(
        "Ines said a colleague threatened to harm a child in his care this weekend."
    )
    coach_page.get_by_label(re.compile("compelling evidence of serious danger")).check()
    coach_page.get_by_role("button", name="Open the concern").click()
    coach_page.get_by_text("Concern opened and the issue noted.").wait_for()
    assert_accessible(coach_page, "concern-steps")

    skip_step(coach_page, "The child is at immediate risk; no time to verify first.")
    record_step(coach_page, {"What you established together": "Who: the colleague. When: this weekend."})
    record_step(
        coach_page,
        {
            "The client's reasons, in their words where you can": "She fears for her job.",
            "The clauses of the agreement you pointed to": "Exceptions: serious danger to others.",
        },
        {"The client's answer": "The client refused"},
    )
    record_step(
        coach_page,
        {
            "The recipient, by name or office": "The local authority's children's services",
            "The reasons for the decision": "Compelling evidence of serious danger to a child.",
        },
        {
            "Decision": "Disclose",
            "Recipient": "A government body",
            "Basis": "Compelling evidence of serious danger",
        },
    )
    record_step(
        coach_page, {"Exactly what will be disclosed": "A named colleague threatened a child in his care this weekend."}
    )
    record_step(
        coach_page,
        {"How, when and where it will be disclosed, and what the client was told": "By phone today; Ines told now."},
    )
    skip_step(coach_page, "Support is arranged after the call; the call cannot wait.")
    coach_page.get_by_role("button", name="Record the disclosure").click()
    coach_page.get_by_text("It waits for the second approval before it is made.").wait_for()
    assert "Approve the disclosure" not in coach_page.content()  # never its own author

    admin_page = new_page()
    sign_in(admin_page, base, admin.email, admin_secret)
    admin_page.get_by_role("link", name="Concerns", exact=True).click()
    admin_page.get_by_role("link", name=re.compile("Disclosure for ENG-CONCERN-001")).click()
    assert "A named colleague threatened a child" in admin_page.content()
    assert_accessible(admin_page, "disclosure-second-approval")
    admin_page.get_by_role("button", name="Approve the disclosure").click()
    admin_page.get_by_text("Approved: the disclosure is made").wait_for()

    coach_page.reload()
    record_step(coach_page, {"What you and the client concluded": "We continue; Ines wants to."})
    record_step(coach_page, {"Who you asked, when, and what they advised": "My supervisor, today: well handled."})
    coach_page.get_by_text("Every step has been taken; the concern is closed.").wait_for()

    client_page = new_page()
    sign_in(client_page, base, client.email)
    client_page.get_by_role("link", name="ENG-CONCERN-001", exact=True).click()
    client_page.get_by_role("link", name="Disclosures and concerns").click()
    client_page.get_by_role("link", name=re.compile("to The local authority")).click()
    assert "Compelling evidence of serious danger" in client_page.content()
    assert_accessible(client_page, "disclosure-client")
    with client_page.expect_download() as download:
        client_page.get_by_role("link", name="Download the confirmation letter (PDF)").click()
    assert re.fullmatch(r"disclosure-letter-ENG-CONCERN-001-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
