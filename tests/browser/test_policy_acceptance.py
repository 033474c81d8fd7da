"""A coach reads and accepts the practice's policies before anything confidential opens, and is
asked again when a new version is recorded (policy 002)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from confidentiality.models import PolicyAcceptance
from confidentiality.roles import Role
from retention.services import policy_record
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import EngagementFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFIDENTIALITY = "Under no circumstances share personal information with your own partners, family or friends."
DATA_PROTECTION = "Electronic files are deleted two years after the work with an organisation ends."


def accept(page: Any, label: str, button: str) -> None:
    page.get_by_label(label).check()
    page.get_by_role("button", name=button).click()


def test_a_coach_accepts_the_policies_then_a_new_version(live_server: Any, page: Any) -> None:
    admin = UserFactory(role=Role.ADMIN)
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    secret = generate_totp_secret()
    TOTP.activate(coach, secret)
    engagement = EngagementFactory(coaches=[coach], reference="ENG-POLICY-001")
    today = timezone.localdate()
    policy_record(actor=admin, kind="confidentiality", text=CONFIDENTIALITY, reviewed_on=today)
    policy_record(actor=admin, kind="data_protection", text=DATA_PROTECTION, reviewed_on=today)

    sign_in(page, live_server.url, coach.email, secret)
    page.get_by_role("heading", level=1, name="The practice's policies").wait_for()
    assert CONFIDENTIALITY in page.content() and DATA_PROTECTION in page.content()
    assert engagement.reference not in page.content()
    assert_accessible(page, "policy-accept")

    # Nothing confidential opens before both are accepted.
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.get_by_role("heading", level=1, name="The practice's policies").wait_for()
    accept(
        page,
        "I have read the confidentiality policy (version 1) and I accept it.",
        "Accept the confidentiality policy",
    )
    page.get_by_text("you accepted the confidentiality policy, version 1").wait_for()
    accept(
        page,
        "I have read the data protection policy (version 1) and I accept it.",
        "Accept the data protection policy",
    )
    # Back where they were going.
    page.get_by_role("heading", level=1, name=re.compile("Leadership coaching")).wait_for()
    assert page.url.endswith(f"/engagements/{engagement.pk}/")

    # A reviewed policy is a new version: asked again at the next page.
    policy_record(
        actor=admin, kind="confidentiality", text=CONFIDENTIALITY + " This applies forever.", reviewed_on=today
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", level=2, name="Confidentiality policy, version 2").wait_for()
    assert "This applies forever." in page.content()
    accept(
        page,
        "I have read the confidentiality policy (version 2) and I accept it.",
        "Accept the confidentiality policy",
    )
    page.get_by_role("heading", name="Your engagements").wait_for()

    acceptances = PolicyAcceptance.objects.filter(user=coach).select_related("document")
    assert sorted((a.document.kind, a.document.version) for a in acceptances) == [
        ("confidentiality", 1),
        ("confidentiality", 2),
        ("data_protection", 1),
    ]
    assert all("Chrome" in a.user_agent and a.ip_address == "127.0.0.1" for a in acceptances)

    # Their account page lists what they accepted; on a phone-sized screen too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("heading", name="Policies you accepted").wait_for()
    assert_accessible(page, "account-page")
