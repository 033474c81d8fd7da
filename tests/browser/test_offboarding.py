"""The administrator offboards a coach: the coach's open browser is signed out on its next
request, and the coach's engagement is handed to a colleague who then reads its notes."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.roles import Role
from engagements.models import EngagementUserObjectPermission
from engagements.services import note_create
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Agreed to try delegating the Monday planning meeting for a month"


def test_an_administrator_offboards_a_coach_and_hands_over_the_engagement(live_server: Any, new_page: Any) -> None:
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    colleague = UserFactory(role=Role.COACH, email="tom@example.org", display_name="Tom Achebe")
    secrets = {}
    for person in (admin, coach, colleague):
        secrets[person.pk] = generate_totp_secret()
        TOTP.activate(person, secrets[person.pk])
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        coaches=[coach],
        reference="ENG-LEAVE-001",
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
    )
    note_create(actor=coach, engagement=engagement, body=NOTE)

    coach_page = new_page()
    sign_in(coach_page, live_server.url, coach.email, secrets[coach.pk])
    coach_page.get_by_role("heading", name="Your engagements").wait_for()
    assert engagement.reference in coach_page.content()

    admin_page = new_page()
    sign_in(admin_page, live_server.url, admin.email, secrets[admin.pk])
    admin_page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    admin_page.get_by_role("heading", level=1, name="People").wait_for()
    assert_accessible(admin_page, "people-list")
    admin_page.get_by_role("link", name="Maya Lindqvist").click()
    admin_page.get_by_role("heading", level=1, name="Maya Lindqvist").wait_for()
    assert engagement.reference in admin_page.content()
    assert_accessible(admin_page, "person-detail")
    admin_page.get_by_label("I understand: every session, API token and permission of theirs ends now.").check()
    admin_page.get_by_role("button", name="Offboard Maya Lindqvist").click()
    admin_page.get_by_role("heading", level=1, name="Maya Lindqvist has left").wait_for()
    assert_accessible(admin_page, "offboarding")
    assert not EngagementUserObjectPermission.objects.filter(user=coach).exists()

    # The coach's open browser is signed out on its very next request.
    coach_page.reload()
    coach_page.get_by_label("Password").wait_for()
    assert "/accounts/login/" in coach_page.url

    # The engagement goes to a colleague; what the coach wrote goes with it.
    admin_page.get_by_label("Who takes over ENG-LEAVE-001").select_option(label="Tom Achebe (tom@example.org)")
    admin_page.get_by_role("button", name="Hand over ENG-LEAVE-001").click()
    admin_page.get_by_text("Taken over by Tom Achebe").wait_for()
    assert NOTE not in admin_page.content()  # the administrator never sees the note

    colleague_page = new_page()
    sign_in(colleague_page, live_server.url, colleague.email, secrets[colleague.pk])
    colleague_page.goto(f"{live_server.url}/engagements/{engagement.pk}/notes/")
    colleague_page.get_by_text(NOTE).wait_for()
