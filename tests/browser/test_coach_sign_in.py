from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.demo import totp_code as totp_now
from confidentiality.roles import Role
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, ClientFactory, EngagementFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coach_signs_in_with_the_second_factor_and_sees_their_dashboard(live_server: Any, page: Any) -> None:
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    secret = generate_totp_secret()
    TOTP.activate(coach, secret)
    mine = EngagementFactory(coaches=[coach], reference="ENG-MINE-001", client=ClientFactory(full_name="Olwen Pryce"))
    others = EngagementFactory(reference="ENG-NOT-MINE-002")

    page.goto(f"{live_server.url}/")
    assert_accessible(page, "login")
    page.get_by_label("Email").fill(coach.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()

    page.get_by_label(re.compile("^Code", re.I)).fill(totp_now(secret))
    page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()

    page.get_by_role("heading", name="Your engagements").wait_for()
    body = page.content()
    assert mine.reference in body
    assert others.reference not in body
    assert "Olwen Pryce" not in body  # the dashboard lists engagements, not client names
    assert page.get_by_role("link", name="Clients").count() == 0  # no client list for coaches
    assert_accessible(page, "coach-dashboard")

    # Keyboard only: the skip link is the first thing a Tab reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"

    # Phone-sized: the menu collapses behind a button and opens.
    page.set_viewport_size({"width": 390, "height": 844})
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="My account").wait_for()
