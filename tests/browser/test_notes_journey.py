"""The notes journey, end to end in a browser.

A coach signs in (password and TOTP code), opens an engagement, writes a note, shares it;
the client signs in and sees exactly that note; the sponsor signs in and sees no note.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.roles import Role
from tests.browser.conftest import assert_accessible
from tests.browser.conftest import sign_in as browser_sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIVATE_NOTE = "PRIVATE-NOTE-A: the client hinted at leaving the company."
SHARED_NOTE = "SHARED-NOTE-B: agreed to practise delegating one task a week."


# Every page's <title> seen on the way, as a screen reader announces it on arrival.
TITLES: list[tuple[str, str]] = []


def note_title(page: Any) -> None:
    TITLES.append((page.url, page.title()))


def sign_in(page: Any, base_url: str, email: str, totp_secret: str | None = None) -> None:
    browser_sign_in(page, base_url, email, totp_secret)
    note_title(page)


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").wait_for()


def open_engagement(page: Any, reference: str) -> None:
    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("heading", level=1, name=re.compile(re.escape(reference))).wait_for()
    note_title(page)


def test_a_shared_note_reaches_the_client_and_no_note_reaches_the_sponsor(
    live_server: Any, new_page: Callable[[], Any]
) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    secret = generate_totp_secret()
    TOTP.activate(coach, secret)
    client_user = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Olwen Pryce")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", display_name="Idris Sponsor", organisation=organisation
    )
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(full_name="Olwen Pryce", user=client_user),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-JOURNEY-001",
    )
    base = live_server.url
    TITLES.clear()

    # The coach: second factor, engagement, one private note, one note then shared.
    page = new_page()
    sign_in(page, base, coach.email, totp_secret=secret)
    page.get_by_role("heading", name="Your engagements").wait_for()
    open_engagement(page, engagement.reference)

    notes = page.locator("#notes")
    write = notes.locator("details", has=page.locator("summary", has_text="Write a note"))
    if write.get_attribute("open") is None:
        write.locator("summary").click()
    write.get_by_label("Note", exact=True).fill(PRIVATE_NOTE)
    write.get_by_role("button", name="Save note").click()
    page.get_by_text("Private note saved.").wait_for()

    write = page.locator("#notes details", has=page.locator("summary", has_text="Write a note"))
    if write.get_attribute("open") is None:
        write.locator("summary").click()
    write.get_by_label("Note", exact=True).fill(SHARED_NOTE)
    write.get_by_role("button", name="Save note").click()
    page.get_by_text("Private note saved.").wait_for()

    note_b = page.locator("article.note-card", has_text=SHARED_NOTE)
    note_b.get_by_role("button", name="Share with the client").click()
    page.get_by_text("The note is now shared with the client.").wait_for()
    note_b = page.locator("article.note-card", has_text=SHARED_NOTE)
    note_a = page.locator("article.note-card", has_text=PRIVATE_NOTE)
    assert "shared with the client" in note_b.inner_text()
    assert "private" in note_a.inner_text()
    assert_accessible(page, "notes-coach-engagement")
    sign_out(page)

    # The client: password only; sees the shared note and nothing else.
    page = new_page()
    sign_in(page, base, client_user.email)
    open_engagement(page, engagement.reference)
    page.get_by_role("heading", name="Notes your coach shared with you").wait_for()
    body = page.content()
    assert SHARED_NOTE in body
    assert PRIVATE_NOTE not in body
    assert page.locator("article.note-card").count() == 1
    assert_accessible(page, "notes-client-engagement")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Who has read my file").click()
    page.get_by_role("heading", level=1, name="Who has read my file").wait_for()
    note_title(page)
    readers = page.get_by_role("table").inner_text()
    assert "Maya Lindqvist" in readers
    sign_out(page)

    # The sponsor: the engagement, and no note at all.
    page = new_page()
    sign_in(page, base, sponsor.email)
    open_engagement(page, engagement.reference)
    body = page.content()
    assert SHARED_NOTE not in body
    assert PRIVATE_NOTE not in body
    assert page.get_by_role("heading", name=re.compile(r"^Notes\b", re.I)).count() == 0
    assert page.locator("#notes").count() == 0
    assert_accessible(page, "notes-sponsor-engagement")
    sign_out(page)

    # Each page has a plain-text title (WCAG 2.4.2), never markup.
    bad_titles = [(url, title) for url, title in TITLES if re.search(r"[<>]", title)]
    assert not bad_titles, f"page titles containing markup: {bad_titles}"
