"""The review loop of a report to the sponsor by keyboard alone (JOURNEYS.md): no click, no mouse.
Tab and Shift+Tab move the focus, Enter acts, and text is typed into whatever has the focus; to
replace the text of a field, Control+A selects it and the new text is typed over it.

- Client 2 "Review a report": the client sees on the dashboard that a report awaits, reads it,
  comments on a section and asks for a change; after the coach's revision the client sees what
  changed in the next version and approves it.
- Coach 2 "A report to the sponsor", second half: the coach reads the client's comment, revises
  the report (a new version) and sends it back, then releases the approved version to the sponsor.
- Sponsor 2 "Read a released report": nothing of the report before its release; then the
  released version, without the client's comments, and its PDF.

The coach, the client and the sponsor each have their own browser page. The first draft is written and sent
in the database, as test_keyboard_journeys_engagement.py covers that part by keyboard. Every
element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from confidentiality.roles import Role
from reports import services as report_services
from reports.models import SponsorReport
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import check_skip_link, press_and_wait, sign_in, staff, tab_to, tick
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "Ines has delegated the weekly planning to her deputy."
SECOND = "Ines has delegated the weekly planning and the budget review to her team."
COMMENT = "Please also say that I now lead the budget review."
THANKS = "Thank you: this is right now."


def open_notice(page: Any, text: str) -> None:
    """From the dashboard: the newest notice that says ``text``, by its Open link (named by the
    notice, for a screen reader's list of links)."""
    notice = page.locator("ul.notices li", has_text=text).first
    notice.wait_for()
    tab_to(page, notice.get_by_role("link", name=f"Open: {text}", exact=True))
    press_and_wait(page, "Enter")


def words(text: str) -> str:
    """Text as read: runs of white space as one space."""
    return " ".join(text.split())


def go_to_dashboard(page: Any) -> None:
    """The Dashboard link of the main navigation."""
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True))
    press_and_wait(page, "Enter")


def test_a_client_asks_for_a_change_and_the_coach_revises_and_releases(
    live_server: Any, new_page: Callable[[], Any]
) -> None:
    from consent.models import InformationCategory

    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Omar Sponsor"
    )
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-KEYS-REVIEW",
    )
    goals = InformationCategory.objects.get(key="goals")
    report = report_services.report_create(
        actor=coach, engagement=engagement, title="Mid-point summary", sections={goals.pk: FIRST}
    )
    report_services.report_submit(actor=coach, report=report, expected_version=1)
    base = live_server.url

    coach_page = new_page()
    sign_in(coach_page, base, coach.email, secret)
    coach_page.get_by_role("heading", level=1, name="Your engagements").wait_for()

    # --- The client: the report awaits on the dashboard; read it, comment, ask for a change.
    client_page = new_page()
    sign_in(client_page, base, client.email)
    client_page.get_by_role("heading", level=1, name="My coaching").wait_for()
    open_notice(client_page, "A report about your coaching is waiting for your review.")
    client_page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()
    assert "With the client for review · version 1" in client_page.locator("main").inner_text()
    client_page.get_by_role("heading", level=2, name="Partnership goals").wait_for()
    client_page.get_by_text(FIRST).wait_for()
    check_skip_link(client_page)
    assert_accessible(client_page, "keyboard-report-client-review")

    tab_to(client_page, client_page.get_by_label("Comment on this section"))
    client_page.keyboard.type(COMMENT)
    tab_to(client_page, client_page.get_by_role("button", name="Add comment"))
    press_and_wait(client_page, "Enter")
    client_page.get_by_text("Comment added.").wait_for()
    client_page.get_by_role("heading", level=2, name="Comments on this version").wait_for()
    assert f"Partnership goals: {COMMENT}" in client_page.locator("main").inner_text()

    tab_to(client_page, client_page.get_by_role("button", name="Ask for changes"))
    press_and_wait(client_page, "Enter")
    client_page.get_by_text("Your coach has been asked for changes.").wait_for()
    assert client_page.get_by_role("button", name="Approve this version").count() == 0
    assert client_page.get_by_label("Comment on this section").count() == 0

    report.refresh_from_db()
    assert (report.state, report.current_version) == ("changes_requested", 1)
    comment = report.versions.get(number=1).comments.get()
    assert comment.section is not None  # on the section, not on the report as a whole
    assert (comment.body, comment.author_id, comment.section.category_id) == (COMMENT, client.pk, goals.pk)

    # --- The sponsor: nothing of the report before it is released.
    sponsor_page = new_page()
    sign_in(sponsor_page, base, sponsor.email)
    sponsor_page.get_by_role("heading", level=1, name="Coaching for your organisation").wait_for()
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="ENG-KEYS-REVIEW", exact=True))
    press_and_wait(sponsor_page, "Enter")
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="Reports to the sponsor"))
    press_and_wait(sponsor_page, "Enter")
    sponsor_page.get_by_role("heading", level=1, name="Reports to the sponsor").wait_for()
    assert "Mid-point summary" not in sponsor_page.content()

    # --- The coach: the notice, the client's comment, a new version, sent back to the client.
    go_to_dashboard(coach_page)  # the coach was signed in before: the dashboard again, for the news
    open_notice(coach_page, "The client asked for changes to a report.")
    coach_page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()
    main = coach_page.locator("main")
    assert "Client asked for changes · version 1" in main.inner_text()
    coach_page.get_by_role("heading", level=2, name="Comments on this version").wait_for()
    assert f"Partnership goals: {COMMENT}" in main.inner_text()

    section = coach_page.get_by_label("Partnership goals")
    assert section.input_value() == FIRST
    tab_to(coach_page, section)
    coach_page.keyboard.press("Control+A")
    coach_page.keyboard.type(SECOND)
    assert section.input_value() == SECOND
    tab_to(coach_page, coach_page.get_by_role("button", name="Save as a new version"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("Saved.", exact=True).wait_for()
    assert "Draft · version 2" in main.inner_text()
    assert coach_page.get_by_label("Partnership goals").input_value() == SECOND
    # Version 2 has no comment yet; what the client asked of version 1 stays in view.
    assert coach_page.get_by_role("heading", name="Comments on this version").count() == 0
    earlier = coach_page.locator("details", has=coach_page.locator("summary", has_text="Comments on earlier versions"))
    assert earlier.get_attribute("open") is not None
    assert f"Version 1, Partnership goals: {COMMENT}" in earlier.inner_text()

    tab_to(coach_page, coach_page.get_by_role("button", name=re.compile("^Save and send to .* for review$")))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("Sent to the client for review.").wait_for()
    assert "With the client for review · version 2" in main.inner_text()
    assert coach_page.get_by_role("button", name=re.compile("^Save and send to .* for review$")).count() == 0

    report.refresh_from_db()
    assert (report.state, report.current_version) == ("with_client", 2)
    assert report.versions.get(number=1).sections.get().body == FIRST  # the version the client saw is kept

    # --- The client: what changed since version 1, then the approval.
    go_to_dashboard(client_page)
    client_page.get_by_role("heading", level=1, name="My coaching").wait_for()
    # The first notice was read when opened: only the new one is listed.
    waiting = "A report about your coaching is waiting for your review."
    assert client_page.locator("ul.notices li", has_text=waiting).count() == 1
    open_notice(client_page, waiting)
    client_page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()
    main = client_page.locator("main")
    assert "With the client for review · version 2" in main.inner_text()
    client_page.get_by_role("heading", level=2, name="What changed since the version you last saw").wait_for()
    assert client_page.get_by_role("heading", level=3, name="Partnership goals").count() == 2  # changes, in full
    diff = client_page.locator("p.diff")
    # Word by word: what was added is marked <ins>, what was taken out <del>, the rest as it was;
    # a screen reader hears "Added:" and "Removed:", and the two words replaced stay apart.
    assert words(diff.inner_text()) == (
        "Ines has delegated the weekly planning Added: and the budget review to her Removed: deputy. Added: team."
    )
    assert [words(t) for t in diff.locator("ins").all_inner_texts()] == ["Added: and the budget review", "Added: team."]
    assert [words(t) for t in diff.locator("del").all_inner_texts()] == ["Removed: deputy."]
    assert diff.locator(".visually-hidden").count() == 3
    shown = diff.evaluate(
        "p => { const c = p.cloneNode(true);"
        " c.querySelectorAll('.visually-hidden').forEach(e => e.remove()); return c.textContent; }"
    )
    assert shown.endswith("to her deputy. team.")  # as seen: the word taken out and its replacement apart
    # The comments were on version 1: behind a closed panel, not among this version's.
    assert client_page.get_by_role("heading", name="Comments on this version").count() == 0
    assert client_page.locator("summary", has_text="Comments on earlier versions (1)").count() == 1
    check_skip_link(client_page)
    assert_accessible(client_page, "keyboard-report-what-changed")

    # Version 2 in full, and a comment on it before approving.
    client_page.get_by_role("heading", level=2, name="Version 2 in full").wait_for()
    tab_to(client_page, client_page.get_by_label("Comment on this section"))
    client_page.keyboard.type(THANKS)
    tab_to(client_page, client_page.get_by_role("button", name="Add comment"))
    press_and_wait(client_page, "Enter")
    client_page.get_by_text("Comment added.").wait_for()
    assert f"Partnership goals: {THANKS}" in main.inner_text()
    assert report.versions.get(number=2).comments.get().body == THANKS

    tab_to(client_page, client_page.get_by_role("button", name="Approve this version"))
    press_and_wait(client_page, "Enter")
    client_page.get_by_text("Approved. Your coach can now release this version to your organisation.").wait_for()
    assert "Approved by the client · version 2" in main.inner_text()
    assert client_page.get_by_role("button", name="Ask for changes").count() == 0

    report.refresh_from_db()
    assert (report.state, report.approved_version) == ("approved", 2)

    # --- The coach: the approval notice, then the release to the sponsor.
    go_to_dashboard(coach_page)
    coach_page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    open_notice(coach_page, "The client approved a report. You may release it.")
    coach_page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()
    main = coach_page.locator("main")
    assert "Approved by the client · version 2" in main.inner_text()
    assert coach_page.get_by_label("Partnership goals").count() == 0  # no more editing
    assert f"Partnership goals: {THANKS}" in main.inner_text()  # the comment on version 2
    tick(coach_page, coach_page.get_by_label(re.compile("^I confirm: release version 2 to ")))
    tab_to(coach_page, coach_page.get_by_role("button", name="Release to the sponsor"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("Released to the sponsor.").wait_for()
    assert "Released to the sponsor · version 2" in main.inner_text()
    assert coach_page.get_by_role("link", name="Download the PDF").count() == 1
    assert coach_page.get_by_role("button", name="Release to the sponsor").count() == 0

    report.refresh_from_db()
    assert report.state == SponsorReport.State.RELEASED
    assert (report.current_version, report.approved_version) == (2, 2)
    assert report.released_at is not None
    assert report.versions.count() == 2
    assert report.versions.get(number=2).sections.get().body == SECOND

    # --- The sponsor: the released version, without the client's comments, and its PDF.
    sponsor_page.reload()
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="Mid-point summary"))
    press_and_wait(sponsor_page, "Enter")
    sponsor_page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()
    content = sponsor_page.content()
    assert SECOND in content
    assert FIRST not in content
    assert COMMENT not in content and THANKS not in content  # the client's comments stay private
    check_skip_link(sponsor_page)
    assert_accessible(sponsor_page, "keyboard-report-sponsor-released")
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="Download the PDF"))
    with sponsor_page.expect_download() as download:
        sponsor_page.keyboard.press("Enter")
    assert download.value.suggested_filename == "report-ENG-KEYS-REVIEW.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
