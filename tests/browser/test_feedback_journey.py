"""Feedback from others, end to end: the coach asks three colleagues by category; each opens the
link from their e-mail, reads the terms, answers and is thanked, and the link then fails; the
coach reads the answers and shares a summary; the client sees the words under 'Peer' and no
name; the sponsor sees no feedback at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail

from confidentiality.roles import Role
from consent.models import Agreement, FeedbackAnonymity
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLEAGUES = [
    ("Ada Brightwater", "ada@example.net", "Generous with credit in team meetings."),
    ("Ben Okafor", "ben@example.net", "Interrupts less than a year ago."),
    ("Cy Lam", "cy@example.net", "Could delegate the quarterly forecast."),
]


def test_ask_answer_summarise_share(live_server: Any, new_page: Callable[[], Any]) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation)
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Cora Coach")
    secret = generate_totp_secret()
    TOTP.activate(coach, secret)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Quarry"),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-FEEDBACK-001",
    )
    Agreement.objects.filter(engagement=engagement).update(feedback_anonymity=FeedbackAnonymity.BY_CATEGORY)
    base = live_server.url

    coach_page = new_page()
    sign_in(coach_page, base, coach.email, secret)
    coach_page.get_by_role("link", name="ENG-FEEDBACK-001", exact=True).click()
    coach_page.get_by_role("link", name="Feedback from others").click()
    coach_page.get_by_label("People of one kind").check()
    coach_page.get_by_label("Kind of person").select_option("peer")
    coach_page.get_by_label("What you ask them").fill("What helps the team, and what could change?")
    for i, (name, email, _) in enumerate(COLLEAGUES, start=1):
        coach_page.get_by_label(f"Name {i}", exact=True).fill(name)
        coach_page.get_by_label(f"E-mail {i}", exact=True).fill(email)
    assert_accessible(coach_page, "feedback-ask")
    coach_page.get_by_role("button", name="Send the requests").click()
    coach_page.get_by_text("Asked 3 people.").wait_for()

    found = [(m.to[0], re.search(r"http\S+(/feedback/give/\S+/)", str(m.body))) for m in mail.outbox]
    links = {to: match.group(1) for to, match in found if match}
    assert sorted(links) == sorted(email for _, email, _ in COLLEAGUES)
    for _name, email, answer in COLLEAGUES:
        giver = new_page()
        giver.goto(base + links[email])
        giver.get_by_role("heading", name="The terms of confidentiality you are under").wait_for()
        assert "described only as 'Peer', never by name" in giver.content().replace("&#x27;", "'")
        if email == COLLEAGUES[0][1]:
            assert_accessible(giver, "feedback-give")
        giver.get_by_label("Your feedback").fill(answer)
        giver.get_by_label("I have read the terms above").check()
        giver.get_by_role("button", name="Send my feedback").click()
        giver.get_by_role("heading", name="Thank you").wait_for()
        again = giver.goto(base + links[email])
        assert again is not None and again.status == 404
        giver.get_by_role("heading", name="This link does not work").wait_for()
        giver.close()

    coach_page.reload()
    assert "3 of 3 answered" in coach_page.content()
    coach_page.get_by_label("Your summary for the client").fill("Colleagues value your generosity; delegate more.")
    coach_page.get_by_label(re.compile("word for word")).check()
    coach_page.get_by_role("button", name="Save and share with the client").click()
    coach_page.get_by_text("Shared with the client.").wait_for()

    client_page = new_page()
    sign_in(client_page, base, client.email)
    client_page.get_by_role("link", name="ENG-FEEDBACK-001", exact=True).click()
    client_page.get_by_role("link", name="Feedback from others").click()
    client_page.get_by_role("link", name="Feedback: Peer").click()
    content = client_page.content()
    assert "Colleagues value your generosity; delegate more." in content
    for name, email, answer in COLLEAGUES:
        assert answer in content
        assert name not in content and email not in content
    assert_accessible(client_page, "feedback-client")

    sponsor_page = new_page()
    sign_in(sponsor_page, base, sponsor.email)
    sponsor_page.get_by_role("link", name="ENG-FEEDBACK-001", exact=True).click()
    assert "Feedback from others" not in sponsor_page.content()
