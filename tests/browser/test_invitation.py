"""A new client gets in (issue "a practice can start on Monday", item 3), in Chromium at desktop and
phone width: the administrator adds them with a portal login; the invitation arrives in the
practice's name; its link lets them read the privacy notice and choose a password, once; they sign
in and see their engagement page's door, the dashboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from confidentiality.roles import Role
from tests.browser.conftest import WIDTHS, assert_accessible
from tests.browser.keyboard import sign_in, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")
PASSWORD = "a brand new passphrase 2026"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_client_added_with_a_login_is_invited_and_gets_in(
    live_server: Any, browser: Any, width: str, settings: Any
) -> None:
    settings.PRACTICE_NAME = "Lindqvist Coaching"
    settings.SITE_URL = live_server.url  # the links in e-mails lead to the practice's own address
    admin, secret = staff(Role.ADMIN, email="admin@practice.example", display_name="Ada Admin")
    contexts = [browser.new_context(viewport=WIDTHS[width]) for _ in range(2)]
    office, home = (context.new_page() for context in contexts)
    for page in (office, home):
        page.set_default_timeout(15000)
    try:
        sign_in(office, live_server.url, admin.email, secret)
        office.goto(f"{live_server.url}/engagements/clients/new/")
        office.get_by_label("Full name").fill("Leo Brandt")
        office.get_by_label("E-mail", exact=True).fill("leo@client.example")
        office.get_by_label(re.compile("Give the client a portal login")).check()
        office.get_by_label(re.compile("agreed that we hold their basic information")).check()
        office.get_by_role("button", name="Save").click()
        office.get_by_text(re.compile("An invitation to choose a password has been sent")).wait_for()

        (message,) = [m for m in mail.outbox if m.to == ["leo@client.example"]]
        assert message.subject == "Lindqvist Coaching: your invitation to the practice's portal"
        link = LINK.search(message.body)
        assert link is not None
        home.goto(link.group(0))
        home.get_by_role("heading", level=1, name="Choose your password").wait_for()
        assert "/key/" not in home.url or "set-password" in home.url  # the secret leaves the address bar
        assert_accessible(home, f"invitation-choose-password-{width}")
        # The client's journey: read the privacy notice before choosing a password (it opens beside it).
        with home.context.expect_page() as opened:
            home.get_by_role("link", name="our privacy notice").click()
        notice = opened.value
        notice.get_by_role("heading", level=1, name="How Lindqvist Coaching uses your information").wait_for()
        notice.get_by_role("heading", level=2, name="Your rights").wait_for()
        assert_accessible(notice, f"invitation-privacy-notice-{width}")
        notice.close()
        home.get_by_label(re.compile(r"^New Password:?$")).fill(PASSWORD)
        home.get_by_label(re.compile(r"^New Password \(again\):?$")).fill(PASSWORD)
        home.get_by_role("button", name="Save my password").click()
        home.wait_for_load_state()

        home.goto(f"{live_server.url}/accounts/login/")
        home.get_by_label("Email").fill("leo@client.example")
        home.get_by_label("Password").fill(PASSWORD)
        home.get_by_role("button", name="Sign in").click()
        home.get_by_role("button", name="Sign out", include_hidden=True).wait_for(state="attached")

        office.goto(f"{live_server.url}/engagements/clients/")
        assert "not accepted yet" not in office.locator("main").inner_text()
        again = browser.new_context(viewport=WIDTHS[width])
        try:
            stale = again.new_page()
            stale.goto(link.group(0))
            stale.get_by_role("heading", level=1, name="This link no longer works").wait_for()
        finally:
            again.close()
    finally:
        for context in contexts:
            context.close()
