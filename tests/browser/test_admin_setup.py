"""The administrator sets up an engagement in a browser, and never sees a note on the way.

Organisation, its sponsor contact, a client with a portal login, then the engagement joining
them with an existing coach.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from confidentiality.demo import totp_code as totp_now
from confidentiality.roles import Role
from engagements.models import Engagement
from engagements.services import note_create
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "SECRET-NOTE-TEXT"


def test_the_administrator_sets_up_an_engagement_without_seeing_any_note(live_server: Any, page: Any) -> None:
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org", display_name="Ada Admin")
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    other_org = OrganisationFactory(name="Other Org")
    elsewhere = EngagementFactory(
        coaches=[coach],
        reference="ENG-OTHER-900",
        organisation=other_org,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=other_org)],
    )
    note_create(actor=coach, engagement=elsewhere, body=SECRET)

    # Every page the administrator is shown, redirects included, is checked for the note's text.
    seen: list[str] = []

    def no_secret() -> None:
        html = page.content()
        seen.append(page.url)
        assert SECRET not in html, f"the note's text is shown to the administrator on {page.url}"

    documents: list[str] = []
    leaks: list[str] = []

    def on_response(response: Any) -> None:
        # An exception raised in an event handler is lost, so findings are kept for the end.
        if response.request.resource_type == "document" and response.ok:
            documents.append(response.url)
            if SECRET in response.text():
                leaks.append(response.url)

    page.on("response", on_response)

    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.get_by_label(re.compile("^Code", re.I)).fill(totp_now(secret))
    page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    no_secret()
    nav = page.get_by_role("navigation", name="Main")

    # 1. An organisation.
    nav.get_by_role("link", name="Organisations").click()
    page.get_by_role("heading", level=1, name="Organisations").wait_for()
    no_secret()
    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_role("heading", level=1, name="Add an organisation").wait_for()
    no_secret()
    page.get_by_label("Organisation name", exact=True).fill("Fjordline Logistics")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", level=1, name="Fjordline Logistics").wait_for()
    no_secret()

    # 2. Its sponsor contact.
    page.get_by_label("Contact's e-mail", exact=True).fill("hr.lead@fjordline.example")
    page.get_by_label("Contact's name", exact=True).fill("Henrik Solberg")
    page.get_by_label("Job title", exact=True).fill("Head of People")
    page.get_by_role("button", name="Add contact").click()
    page.get_by_text("Contact added.").wait_for()
    assert page.get_by_role("listitem").filter(has_text="Henrik Solberg (hr.lead@fjordline.example)").count() == 1
    no_secret()

    # 3. A client with a portal login and their consent to hold basic information (policy 002).
    nav.get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    no_secret()
    page.get_by_role("link", name="Add a client").click()
    page.get_by_role("heading", level=1, name="Add a client").wait_for()
    no_secret()
    page.get_by_label("Full name", exact=True).fill("Tomasz Wiśniewski")
    page.get_by_label("E-mail", exact=True).fill("tomasz@example.org")
    page.get_by_label(re.compile("portal login", re.I)).check()
    page.get_by_label(re.compile("agreed that we hold their basic information", re.I)).check()
    page.get_by_role("button", name="Save").click()

    # 4. The engagement joining them.
    page.get_by_role("heading", level=1, name="Create an engagement").wait_for()
    page.get_by_text("Client added.").wait_for()
    no_secret()
    assert_accessible(page, "admin-engagement-create")
    page.get_by_label("Reference", exact=True).fill("ENG-FJORD-001")
    page.get_by_label("Title", exact=True).fill("Leadership coaching")
    page.get_by_label("Organisation", exact=True).select_option(label="Fjordline Logistics")
    page.get_by_label("Client", exact=True).select_option(label="Tomasz Wiśniewski")
    page.get_by_label("Coaches", exact=True).select_option(label="Maya Lindqvist")
    page.get_by_label("Sponsor contacts", exact=True).select_option(label="Henrik Solberg (Fjordline Logistics)")
    page.get_by_label("Starts on", exact=True).fill(timezone.localdate().isoformat())
    page.get_by_label("Status", exact=True).select_option(label="Active")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("heading", level=1, name=re.compile("ENG-FJORD-001")).wait_for()
    page.get_by_text("Engagement created.").wait_for()
    no_secret()
    people = page.get_by_role("region", name="People on this engagement").inner_text()
    assert "Maya Lindqvist" in people
    assert "Henrik Solberg" in people
    assert page.get_by_text("Tomasz Wiśniewski").count() >= 1

    created = Engagement.objects.get(reference="ENG-FJORD-001")
    assert created.organisation.name == "Fjordline Logistics"
    assert created.client.user is not None and created.client.user.email == "tomasz@example.org"

    # The engagement holding the note: the administrator sees that it exists, never what it says.
    nav.get_by_role("link", name="Engagements").click()
    page.get_by_role("heading", level=1, name="Engagements").wait_for()
    no_secret()
    page.get_by_role("link", name=elsewhere.reference, exact=True).click()
    page.get_by_role("heading", level=1, name=re.compile(elsewhere.reference)).wait_for()
    no_secret()
    assert page.get_by_role("link", name=re.compile("Request break-glass access")).count() == 1

    assert len(seen) >= 10
    assert len(documents) >= len(seen)
    assert not leaks, f"the note's text was sent to the administrator by {leaks}"
