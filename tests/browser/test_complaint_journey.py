"""Complaints and breaches in a browser: the client lodges a complaint and follows it; the
administrator finds it in the register and answers; then records a breach, sees its 72-hour
clock, records containment and the decision, and closes it with the outcome."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.models import Breach, Complaint
from confidentiality.roles import Role
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPLAINT = "My manager repeated something I had only said to my coach."


def nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main")


def test_a_client_complains_and_the_administrator_answers_from_the_register(
    live_server: Any, new_page: Callable[[], Any]
) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org", display_name="Ada Admin")
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[UserFactory(role=Role.COACH)],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-CMP-001",
    )

    client_page = new_page()
    sign_in(client_page, live_server.url, client.email)
    nav(client_page).get_by_role("link", name="Complaints", exact=True).click()
    client_page.get_by_role("link", name="Make a complaint").click()
    client_page.get_by_label("What is your complaint about?").select_option("shared")
    client_page.get_by_label("Which coaching engagement does it concern?").select_option(
        label=f"ENG-CMP-001 {engagement.title}"
    )
    client_page.get_by_label("Your complaint", exact=True).fill(COMPLAINT)
    assert_accessible(client_page, "complaint-lodge")
    client_page.get_by_role("button", name="Send the complaint").click()
    client_page.get_by_text("is lodged").wait_for()
    complaint = Complaint.objects.get()
    assert complaint.reference in client_page.content()

    admin_page = new_page()
    sign_in(admin_page, live_server.url, admin.email, secret)
    assert complaint.reference in admin_page.content()  # the dashboard's deadlines
    nav(admin_page).get_by_role("link", name="Complaints & breaches", exact=True).click()
    assert_accessible(admin_page, "register")
    admin_page.get_by_role("link", name=complaint.reference, exact=True).first.click()
    assert COMPLAINT in admin_page.content()
    admin_page.get_by_label("Response to the client").fill("Thank you: we are looking into it.")
    admin_page.get_by_role("button", name="Acknowledge and send").click()
    admin_page.get_by_text("Your response is sent").wait_for()

    client_page.reload()
    client_page.get_by_text("Thank you: we are looking into it.").wait_for()
    assert "Acknowledged" in client_page.content()

    # A breach: recorded, clock shown, containment and the decision recorded, closed with the outcome.
    nav(admin_page).get_by_role("link", name="Complaints & breaches", exact=True).click()
    admin_page.get_by_role("link", name="Record a breach").click()
    admin_page.get_by_label("What happened", exact=True).fill(
        "A session summary went to the wrong person at the sponsor."
    )
    admin_page.get_by_label("What information was involved").fill("One session summary.")
    admin_page.get_by_label("Who was affected").fill("One client.")
    admin_page.get_by_role("button", name="Record the breach").click()
    admin_page.get_by_text("The notification clock is running").wait_for()
    callout = admin_page.locator(".clock-callout")
    assert re.search(r"7[12]h \d\dm left|72h 00m left", callout.inner_text())
    assert_accessible(admin_page, "breach-detail")
    admin_page.get_by_label(re.compile("^Containment")).fill("The recipient confirmed deletion in writing.")
    admin_page.get_by_label("Must it be notified to the regulator?").select_option("not_required")
    admin_page.get_by_label(re.compile("^Why")).fill("Deleted unread; no risk to the client's rights.")
    admin_page.get_by_label("Outcome", exact=True).fill("Addresses are now checked before sending.")
    admin_page.get_by_role("button", name="Save").click()
    admin_page.get_by_text("The breach record is saved.").wait_for()
    assert admin_page.locator(".clock-callout").count() == 0
    admin_page.get_by_role("button", name="Close the breach").click()
    admin_page.get_by_text("The breach is closed.").wait_for()
    assert Breach.objects.get().status == Breach.Status.CLOSED
