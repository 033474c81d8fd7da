"""No typed word is lost, and nothing is shared without a confirmation that names its reader
(issue: "a practice can start on Monday", items 1, 2 and 5), in Chromium at desktop and phone width.

- A coach on an engagement whose agreement is not yet in force is not offered a note form whose
  every submission would be refused: the page says what is missing and who must act, and the
  dashboard's "Next" says the same.
- A note refused when it is saved (the agreement changed meanwhile) comes back with its text, the
  reason beside the form.
- A report's draft is sent as it is on the screen, unsaved edits included.
- Releasing a report and sharing a note name who will read it, and wait for a confirmation.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from confidentiality.roles import Role
from consent.defaults import install_current
from consent.services import agreement_send, agreement_sign, agreement_start
from engagements.models import Note
from engagements.services import note_create
from reports import services as report_services
from reports.models import SponsorReport
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Ines named the fear behind the delay: being seen to fail in front of the board."


def practice(*, agreed: bool = True) -> dict[str, Any]:
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="ines@example.org", display_name="Ines Okafor")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="omar@example.org", organisation=organisation, display_name="Omar Haddad"
    )
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Okafor"),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-KEPT-001",
        agreed=agreed,
    )
    return {"coach": coach, "secret": secret, "client": client, "sponsor": sponsor, "engagement": engagement}


def open_engagement(page: Any, url: str, world: dict[str, Any]) -> None:
    sign_in(page, url, world["coach"].email, world["secret"])
    page.goto(f"{url}/engagements/{world['engagement'].pk}/")
    page.get_by_role("heading", level=1, name=re.compile("ENG-KEPT-001")).wait_for()


def test_no_note_form_while_the_agreement_waits_for_the_coachs_countersignature(
    live_server: Any, screen: Any, width: str
) -> None:
    world = practice(agreed=False)
    coach, engagement = world["coach"], world["engagement"]
    agreement = agreement_send(
        actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
    )
    for signer in (world["client"], world["sponsor"]):
        agreement_sign(actor=signer, agreement=agreement, shown_hash=agreement.text_hash)

    sign_in(screen, live_server.url, coach.email, world["secret"])
    row = screen.get_by_role("row", name=re.compile("ENG-KEPT-001"))
    assert "Countersign the agreement" in row.inner_text()
    assert "Record the first session" not in row.inner_text()

    screen.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    notes = screen.locator("#notes")
    assert notes.get_by_label("Note", exact=True).count() == 0, "a note form is offered that can only be refused"
    assert notes.get_by_role("button", name="Save note").count() == 0
    assert "Notes can be written once the steps at the top" in notes.locator("#notes-wait").inner_text()
    assert screen.get_by_role("button", name="Record session").count() == 0
    waiting = screen.locator("#work-waits")
    assert "No session, note, document, report or feedback request" in waiting.inner_text()
    assert "The coach must countersign the agreement." in waiting.inner_text()
    assert waiting.get_by_role("link", name="Read and sign the agreement").count() == 1
    assert_accessible(screen, f"notes-wait-for-the-agreement-{width}")


def test_a_refused_note_comes_back_with_its_text_and_the_reason_beside_it(
    live_server: Any, screen: Any, width: str
) -> None:
    world = practice()
    coach, engagement = world["coach"], world["engagement"]
    open_engagement(screen, live_server.url, world)
    screen.locator("#notes").get_by_label("Note", exact=True).fill(NOTE)
    # Meanwhile a new version of the agreement goes out for signing: notes wait for it.
    agreement_send(actor=coach, agreement=agreement_start(actor=coach, engagement=engagement))
    screen.get_by_role("button", name="Save note").click()
    screen.wait_for_load_state()

    assert Note.objects.count() == 0
    box = screen.locator("#notes").get_by_label("Note", exact=True)
    assert box.input_value() == NOTE, "the typed note was lost"
    assert box.is_visible()
    reason = screen.locator("#notes .errorlist").first
    assert "until everyone has signed the agreement" in reason.inner_text()
    assert screen.evaluate("location.hash") == "#notes"
    assert_accessible(screen, f"note-refused-text-kept-{width}")


def test_sending_a_report_sends_the_text_on_the_screen(live_server: Any, screen: Any, width: str) -> None:
    from consent.models import InformationCategory

    world = practice()
    goals = InformationCategory.objects.get(key="goals")
    report = report_services.report_create(
        actor=world["coach"],
        engagement=world["engagement"],
        title="Mid-point summary",
        sections={goals.pk: "The first draft."},
    )
    open_engagement(screen, live_server.url, world)
    screen.goto(f"{live_server.url}/engagements/reports/{report.pk}/")
    screen.get_by_label("Partnership goals").fill("Ines has delegated the weekly planning.")
    screen.get_by_role("button", name="Save and send to Ines Okafor for review").click()
    screen.get_by_text("Sent to the client for review.").wait_for()

    report.refresh_from_db()
    assert report.state == SponsorReport.State.WITH_CLIENT
    sent = report.versions.get(number=report.current_version)
    assert [s.body for s in sent.sections.all()] == ["Ines has delegated the weekly planning."]
    assert_accessible(screen, f"report-sent-as-on-screen-{width}")


def test_releasing_a_report_names_who_will_read_it_and_waits_for_a_confirmation(
    live_server: Any, screen: Any, width: str
) -> None:
    from consent.models import InformationCategory

    world = practice()
    coach, client = world["coach"], world["client"]
    goals = InformationCategory.objects.get(key="goals")
    report = report_services.report_create(
        actor=coach, engagement=world["engagement"], title="Closing summary", sections={goals.pk: "Done."}
    )
    report = report_services.report_submit(actor=coach, report=report, expected_version=1)
    report_services.report_approve(actor=client, report=report, version_number=1)

    open_engagement(screen, live_server.url, world)
    screen.goto(f"{live_server.url}/engagements/reports/{report.pk}/")
    form = screen.locator("form", has=screen.get_by_role("button", name="Release to the sponsor"))
    assert "Omar Haddad" in form.inner_text() and "Northwind Trading" in form.inner_text()
    screen.get_by_role("button", name="Release to the sponsor").click()  # not confirmed: the browser holds it
    report.refresh_from_db()
    assert report.state == SponsorReport.State.APPROVED
    screen.get_by_label(re.compile("I confirm: release version 1 to Omar Haddad")).check()
    screen.get_by_role("button", name="Release to the sponsor").click()
    screen.get_by_text("Released to the sponsor.").wait_for()
    report.refresh_from_db()
    assert report.state == SponsorReport.State.RELEASED
    assert_accessible(screen, f"report-released-after-confirming-{width}")


def test_sharing_a_note_names_the_client_and_waits_for_a_confirmation(
    live_server: Any, screen: Any, width: str
) -> None:
    world = practice()
    note = note_create(actor=world["coach"], engagement=world["engagement"], body=NOTE)
    open_engagement(screen, live_server.url, world)
    card = screen.locator("#notes article").first
    card.get_by_text("Share with the client").click()  # opens the confirmation, shares nothing yet
    note.refresh_from_db()
    assert not note.shared_with_client
    card.get_by_text("Ines Okafor will be able to read this note").wait_for()
    card.get_by_role("button", name="Share with Ines Okafor").click()
    screen.get_by_text("The note is now shared with the client.").wait_for()
    note.refresh_from_db()
    assert note.shared_with_client
    assert_accessible(screen, f"note-shared-after-confirming-{width}")


COMPLAINT = "The invoice for March names my sessions in a line my manager reads; I asked for it not to."


def test_text_typed_when_the_session_ended_comes_back_after_signing_in(
    live_server: Any, screen: Any, width: str
) -> None:
    """A client writes a complaint slowly; their session ends meanwhile. Sending it leads to the
    sign-in; once signed in they are back at the form with their text, and send it."""
    from django.contrib.sessions.models import Session

    from complaints.models import Complaint
    from tests.browser.keyboard import PASSWORD

    world = practice()
    client = world["client"]
    sign_in(screen, live_server.url, client.email)
    screen.goto(f"{live_server.url}/complaints/new/")
    screen.get_by_role("textbox", name="Your complaint").fill(COMPLAINT)
    Session.objects.all().delete()  # idle too long: the session has ended on the server
    screen.get_by_role("button", name="Send the complaint").click()
    screen.get_by_label("Email").wait_for()
    assert Complaint.objects.count() == 0
    assert urlsplit(screen.url).path == "/accounts/login/"
    assert parse_qs(urlsplit(screen.url).query)["next"] == ["/complaints/new/"]
    assert COMPLAINT not in screen.url and COMPLAINT not in screen.content()

    screen.get_by_label("Email").fill(client.email)
    screen.get_by_label("Password").fill(PASSWORD)
    screen.get_by_label("Password").press("Enter")
    screen.get_by_role("heading", level=1, name="Make a complaint").wait_for()
    assert screen.get_by_role("textbox", name="Your complaint").input_value() == COMPLAINT, (
        "the typed complaint was lost"
    )
    assert "It is back in the form below" in screen.locator("#draft-restored").inner_text()
    assert_accessible(screen, f"text-back-after-signing-in-{width}")

    screen.get_by_role("button", name="Send the complaint").click()
    screen.wait_for_load_state()
    assert Complaint.objects.get().body == COMPLAINT
    # Sent: nothing of it stays in the browser.
    assert screen.evaluate("sessionStorage.getItem('confidentiality.drafts')") is None


def test_a_draft_goes_back_to_its_author_only_and_signing_out_clears_it(
    live_server: Any, screen: Any, width: str
) -> None:
    """Someone else signing in on the same tab after the session ended never gets the text, and
    signing out (from the Menu on a phone) leaves nothing typed in the tab."""
    from django.contrib.sessions.models import Session

    from tests.browser.keyboard import PASSWORD

    world = practice()
    other = UserFactory(role=Role.CLIENT, email="zoe@example.org", display_name="Zoë Other")
    ClientFactory(user=other, full_name="Zoë Other")
    sign_in(screen, live_server.url, world["client"].email)
    screen.goto(f"{live_server.url}/complaints/new/")
    screen.get_by_role("textbox", name="Your complaint").fill(COMPLAINT)
    Session.objects.all().delete()
    screen.get_by_role("button", name="Send the complaint").click()
    screen.get_by_label("Email").fill(other.email)
    screen.get_by_label("Password").fill(PASSWORD)
    screen.get_by_label("Password").press("Enter")
    screen.get_by_role("heading", level=1, name="Make a complaint").wait_for()
    assert screen.get_by_role("textbox", name="Your complaint").input_value() == ""
    assert screen.locator("#draft-restored").count() == 0
    assert screen.evaluate("sessionStorage.getItem('confidentiality.drafts')") is None

    # Zoë types, then signs out without sending: nothing of it stays in the tab.
    screen.get_by_role("textbox", name="Your complaint").fill("Half a sentence Zoë did not send")
    assert "Half a sentence" in screen.evaluate("sessionStorage.getItem('confidentiality.drafts')")
    if width == "phone":  # the main navigation, Sign out with it, is behind the Menu button
        screen.get_by_role("button", name="Menu").click()
    screen.get_by_role("button", name="Sign out").click()
    screen.get_by_label("Email").wait_for()
    assert screen.evaluate("sessionStorage.getItem('confidentiality.drafts')") is None
