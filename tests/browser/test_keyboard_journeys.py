"""The main journeys by keyboard alone (JOURNEYS.md): no click, no mouse. Tab and Shift+Tab move
the focus, Enter and Space act, and text is typed into whatever has the focus.

Every element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7), and
the "Skip to main content" link is the first stop on a page and takes the focus into <main>.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from complaints.models import Complaint
from confidentiality.roles import Role
from engagements.models import CoachingSession, Note
from engagements.services import note_create
from feedback import services as feedback_services
from feedback.models import FeedbackSource
from people.models import PolicyAcceptance
from people.services import staff_add
from reports import services as report_services
from reports.models import SponsorReport
from retention.models import LegalHold
from retention.services import policy_record
from rights.models import SubjectAccessRequest
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import PHONE, check_skip_link, press_and_wait, sign_in, staff, tab_to, tick
from tests.factories import PASSWORD, ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PRIVATE_NOTE = "Private: she hinted at leaving the company."
SHARED_NOTE = "Agreed to hand over the weekly planning meeting for a month."


def sign_out(page: Any) -> None:
    """The Sign out button of the main navigation (behind the Menu button on a phone), by Tab and Enter."""
    tab_to(page, page.get_by_role("button", name="Sign out"))
    press_and_wait(page, "Enter")
    page.get_by_label("Email").wait_for()


def test_a_coach_records_a_session_writes_notes_and_shares_one(
    live_server: Any, page: Any, new_page: Callable[[], Any]
) -> None:
    """Coach 1 "A session": the sign-in with the second factor, the coach's own dashboard, a
    session, a private note and a note shared with the client; then the client sees the shared
    note only, and the sponsor no note at all."""
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Olwen Pryce")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Idris Sponsor"
    )
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Olwen Pryce"),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-KEYS-001",
    )
    others = EngagementFactory(reference="ENG-KEYS-NOT-MINE")
    base = live_server.url
    # Every page's <title> seen on the way, as a screen reader announces it on arrival.
    titles: list[tuple[str, str]] = []

    def arrived(on: Any) -> None:
        titles.append((on.url, on.title()))

    page.goto(f"{base}/")
    page.get_by_label("Password").wait_for()
    assert_accessible(page, "keyboard-login")
    sign_in(page, base, coach.email, secret)
    page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    arrived(page)
    body = page.content()
    assert "ENG-KEYS-001" in body
    assert others.reference not in body
    assert "Olwen Pryce" not in body  # the dashboard lists engagements, not client names
    assert page.get_by_role("link", name="Clients").count() == 0  # no client list for coaches
    assert_accessible(page, "keyboard-coach-dashboard")
    check_skip_link(page)
    tab_to(page, page.get_by_role("link", name="ENG-KEYS-001", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-001")).wait_for()
    arrived(page)

    # Record today's session: open the panel with Enter, type the date (month, day, year in the
    # browser's en-US locale), keep the other defaults, say where it took place and that the setting
    # was private (policy 002), submit.
    tab_to(page, page.locator("summary", has_text="Record a session"))
    page.keyboard.press("Enter")
    held_on = page.get_by_label("Date held")
    tab_to(page, held_on)
    today = timezone.localdate()
    page.keyboard.type(today.strftime("%m%d%Y"))
    assert held_on.input_value() == today.isoformat()
    tab_to(page, page.get_by_label("Where it took place"))
    page.keyboard.type("The practice's meeting room, door closed")
    private = page.get_by_label("The setting was private: no one could overhear or see the conversation")
    tab_to(page, private)
    page.keyboard.press("Space")
    assert private.is_checked()
    tab_to(page, page.get_by_role("button", name="Record session"))
    press_and_wait(page, "Enter")
    page.get_by_text("Session recorded.").wait_for()

    # Two notes: Space toggles the panel (already open while there is no note); it ends open.
    for text in (PRIVATE_NOTE, SHARED_NOTE):
        write = page.locator("details", has=page.locator("summary", has_text="Write a note"))
        tab_to(page, write.locator("summary"))
        page.keyboard.press("Space")
        if write.get_attribute("open") is None:
            page.keyboard.press("Space")
        assert write.get_attribute("open") is not None
        tab_to(page, write.get_by_label("Note", exact=True))
        page.keyboard.type(text)
        tab_to(page, write.get_by_role("button", name="Save note"))
        press_and_wait(page, "Enter")
        page.get_by_text("Private note saved.").wait_for()

    # Share the second with the client.
    shared = page.locator("article.note-card", has_text=SHARED_NOTE)
    confirm = shared.locator("details", has=page.locator("summary", has_text="Share with the client"))
    tab_to(page, confirm.locator("summary"))
    page.keyboard.press("Space")  # the confirmation opens and names the client; nothing is shared yet
    assert confirm.get_attribute("open") is not None
    assert "will be able to read this note" in confirm.inner_text()
    tab_to(page, confirm.get_by_role("button", name=re.compile("^Share with ")))
    press_and_wait(page, "Enter")
    page.get_by_text("The note is now shared with the client.").wait_for()
    arrived(page)
    assert "shared with the client" in page.locator("article.note-card", has_text=SHARED_NOTE).inner_text()
    assert "private" in page.locator("article.note-card", has_text=PRIVATE_NOTE).inner_text()
    assert_accessible(page, "keyboard-notes-coach-engagement")

    notes = {note.body: note.shared_with_client for note in Note.objects.filter(engagement=engagement)}
    assert notes == {PRIVATE_NOTE: False, SHARED_NOTE: True}
    assert CoachingSession.objects.filter(engagement=engagement).count() == 1

    # On a phone the navigation is behind the Menu button: it opens from the keyboard, and the
    # coach signs out from it.
    page.set_viewport_size(PHONE)
    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="My account").wait_for()
    sign_out(page)

    # The client, password only: the shared note and nothing else; who has read the file.
    client_page = new_page()
    sign_in(client_page, base, client.email)
    client_page.get_by_role("heading", level=1, name="My coaching").wait_for()
    arrived(client_page)
    tab_to(client_page, client_page.get_by_role("link", name="ENG-KEYS-001", exact=True))
    press_and_wait(client_page, "Enter")
    client_page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-001")).wait_for()
    arrived(client_page)
    client_page.get_by_role("heading", name="Notes your coach shared with you").wait_for()
    body = client_page.content()
    assert SHARED_NOTE in body
    assert PRIVATE_NOTE not in body
    assert client_page.locator("article.note-card").count() == 1
    assert_accessible(client_page, "keyboard-notes-client-engagement")
    nav = client_page.get_by_role("navigation", name="Main")
    tab_to(client_page, nav.get_by_role("link", name="Who has read my file", exact=True))
    press_and_wait(client_page, "Enter")
    client_page.get_by_role("heading", level=1, name="Who has read my file").wait_for()
    arrived(client_page)
    assert "Maya Lindqvist" in client_page.get_by_role("table").inner_text()
    sign_out(client_page)

    # The sponsor: the engagement, and no note at all.
    sponsor_page = new_page()
    sign_in(sponsor_page, base, sponsor.email)
    sponsor_page.get_by_role("heading", level=1, name="Coaching for your organisation").wait_for()
    arrived(sponsor_page)
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="ENG-KEYS-001", exact=True))
    press_and_wait(sponsor_page, "Enter")
    sponsor_page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-001")).wait_for()
    arrived(sponsor_page)
    body = sponsor_page.content()
    assert SHARED_NOTE not in body
    assert PRIVATE_NOTE not in body
    assert sponsor_page.get_by_role("heading", name=re.compile(r"^Notes\b", re.I)).count() == 0
    assert sponsor_page.locator("#notes").count() == 0
    assert_accessible(sponsor_page, "keyboard-notes-sponsor-engagement")
    sign_out(sponsor_page)

    # Each page has a plain-text title (WCAG 2.4.2), never markup.
    assert len(titles) >= 8
    bad_titles = [(url, title) for url, title in titles if re.search(r"[<>]", title)]
    assert not bad_titles, f"page titles containing markup: {bad_titles}"


def test_a_client_approves_a_report_on_a_phone(live_server: Any, page: Any) -> None:
    from consent.models import InformationCategory

    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    coach = UserFactory(role=Role.COACH)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-002",
    )
    goals = InformationCategory.objects.get(key="goals")
    report = report_services.report_create(
        actor=coach, engagement=engagement, title="Mid-point summary", sections={goals.pk: "Ines leads the review."}
    )
    report_services.report_submit(actor=coach, report=report, expected_version=1)

    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, client.email)
    page.get_by_role("heading", level=1, name="My coaching").wait_for()

    # On a phone the navigation is behind the Menu button: it opens from the keyboard.
    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Dashboard"

    tab_to(page, page.get_by_role("link", name="ENG-KEYS-002", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Reports to the sponsor"))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Mid-point summary"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()

    # A comment on the section, then the approval.
    tab_to(page, page.get_by_label("Comment on this section"))
    page.keyboard.type("Please say that the budget review is shared with Omar.")
    tab_to(page, page.get_by_role("button", name="Add comment"))
    press_and_wait(page, "Enter")
    page.get_by_text("Comment added.").wait_for()
    tab_to(page, page.get_by_role("button", name="Approve this version"))
    press_and_wait(page, "Enter")
    page.get_by_text("Approved.").wait_for()
    assert SponsorReport.objects.get(pk=report.pk).state == "approved"


def test_the_administrator_places_a_legal_hold_on_an_organisation(live_server: Any, page: Any) -> None:
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    organisation = OrganisationFactory(name="Northwind Trading")

    sign_in(page, live_server.url, admin.email, secret)
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("^Retention")).wait_for()
    check_skip_link(page)

    # The page says where a hold is placed: from the organisation's own page, never by typing an id.
    tab_to(page, page.get_by_role("link", name="organisation", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Northwind Trading", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Place a legal hold on Northwind Trading"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Place a legal hold on Northwind Trading").wait_for()
    check_skip_link(page)
    tab_to(page, page.get_by_label("Case or matter"))
    page.keyboard.type("Tribunal claim 2026/114")
    tab_to(page, page.get_by_label("Why the records must be kept (no client content)"))
    page.keyboard.type("Evidence for the tribunal")
    tab_to(page, page.get_by_role("button", name="Place the hold"))
    press_and_wait(page, "Enter")
    page.get_by_text("Hold placed.").wait_for()
    holds = page.get_by_role("region", name="Holds in force")
    assert "Northwind Trading" in holds.inner_text() and str(organisation.pk) not in holds.inner_text()

    hold = LegalHold.objects.get()
    assert (hold.scope, hold.organisation_id, hold.placed_by_id) == ("organisation", organisation.pk, admin.pk)


CONFIDENTIALITY = "Under no circumstances share personal information with your own partners, family or friends."
DATA_PROTECTION = "Electronic files are deleted two years after the work with an organisation ends."


def accept_policy(page: Any, name: str, version: int) -> None:
    """Space ticks the policy's box; Enter on its button accepts it."""
    tick(page, page.get_by_label(f"I have read the {name} (version {version}) and I accept it."))
    tab_to(page, page.get_by_role("button", name=f"Accept the {name}"))
    press_and_wait(page, "Enter")


def test_an_associate_accepts_the_policies_then_a_new_version(live_server: Any, page: Any) -> None:
    """Policy 002: nothing confidential opens before the policies are accepted, and a new version
    is asked for again at the next page."""
    admin = UserFactory(role=Role.ADMIN)
    today = timezone.localdate()
    associate = staff_add(
        actor=admin,
        email="jo.associate@example.org",
        role=Role.COACH,
        display_name="Jo Bell",
        is_associate=True,
        contract_ends_on=today + datetime.timedelta(days=90),
    )
    associate.set_password(PASSWORD)  # they would set it from the e-mailed reset link
    associate.save(update_fields=["password"])
    secret = generate_totp_secret()
    TOTP.activate(associate, secret)
    engagement = EngagementFactory(coaches=[associate], reference="ENG-KEYS-POLICY")
    policy_record(actor=admin, kind="confidentiality", text=CONFIDENTIALITY, reviewed_on=today)
    policy_record(actor=admin, kind="data_protection", text=DATA_PROTECTION, reviewed_on=today)

    sign_in(page, live_server.url, associate.email, secret)
    page.get_by_role("heading", level=1, name="The practice's policies").wait_for()
    content = page.content()
    assert CONFIDENTIALITY in content and DATA_PROTECTION in content
    assert engagement.reference not in content
    check_skip_link(page)
    assert_accessible(page, "keyboard-policies-to-accept")

    # Nothing confidential opens before both are accepted: the engagement's address leads here.
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.get_by_role("heading", level=1, name="The practice's policies").wait_for()
    assert engagement.reference not in page.content()
    accept_policy(page, "confidentiality policy", 1)
    page.get_by_text("you accepted the confidentiality policy, version 1").wait_for()
    assert PolicyAcceptance.objects.filter(user=associate, document__kind="confidentiality").exists()
    accept_policy(page, "data protection policy", 1)
    # Back where they were going.
    page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-POLICY")).wait_for()
    page.get_by_text("you accepted the data protection policy, version 1").wait_for()
    assert page.url.endswith(f"/engagements/{engagement.pk}/")
    assert PolicyAcceptance.objects.filter(user=associate, document__kind="data_protection").exists()

    # A reviewed policy is a new version: asked again at the next page.
    policy_record(
        actor=admin, kind="confidentiality", text=CONFIDENTIALITY + " This applies forever.", reviewed_on=today
    )
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=2, name="Confidentiality policy, version 2").wait_for()
    assert "This applies forever." in page.content()
    accept_policy(page, "confidentiality policy", 2)
    page.get_by_text("you accepted the confidentiality policy, version 2").wait_for()
    page.get_by_role("heading", level=1, name="Your engagements").wait_for()

    acceptances = PolicyAcceptance.objects.filter(user=associate).select_related("document")
    assert sorted((a.document.kind, a.document.version) for a in acceptances) == [
        ("confidentiality", 1),
        ("confidentiality", 2),
        ("data_protection", 1),
    ]
    assert all("Chrome" in a.user_agent and a.ip_address == "127.0.0.1" for a in acceptances)

    # Their account page lists what they accepted; on a phone-sized screen, through the Menu.
    page.set_viewport_size(PHONE)
    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="My account"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", name="Policies you accepted").wait_for()
    accepted = page.locator("section", has=page.get_by_role("heading", name="Policies you accepted")).inner_text()
    assert "Confidentiality policy, version 2" in accepted
    assert_accessible(page, "keyboard-account-page")


def test_a_feedback_giver_answers_without_an_account(live_server: Any, page: Any) -> None:
    coach = UserFactory(role=Role.COACH, display_name="Cora Coach")
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT), full_name="Ines Quarry"),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
    )
    _, links = feedback_services.feedback_request_create(
        actor=coach,
        engagement=engagement,
        kind="named",
        source_category="line_manager",
        prompt="What change have you seen?",
        sources=[feedback_services.NewSource(email="dana@example.net", name="Dana Whitfield")],
    )

    page.goto(f"{live_server.url}/feedback/give/{links[0][1]}/")
    page.get_by_role("heading", level=1, name="Feedback about Ines Quarry").wait_for()
    check_skip_link(page)
    tab_to(page, page.get_by_label("Your feedback"))
    page.keyboard.type("Ines now delegates the weekly planning.")
    terms = page.get_by_label("I have read the terms above")
    tick(page, terms)
    tab_to(page, page.get_by_role("button", name="Send my feedback"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Thank you").wait_for()
    assert FeedbackSource.objects.get().answered_at is not None


def test_a_client_makes_a_complaint_and_the_administrator_answers(
    live_server: Any, page: Any, new_page: Callable[[], Any]
) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    admin, admin_secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Admin")
    coach = UserFactory(role=Role.COACH)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-003",
    )
    # Someone else's engagement, and the coach's private note: neither is for the client's eyes.
    EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        coaches=[coach],
        reference="ENG-KEYS-OTHER",
    )
    private = "Private: she may be moving to the Okonkwo team."
    note_create(actor=coach, engagement=engagement, body=private)
    complaint_text = "My manager repeated something I had only said to my coach."

    sign_in(page, live_server.url, client.email)
    page.get_by_role("heading", level=1, name="My coaching").wait_for()
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Complaints", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="My complaints").wait_for()
    check_skip_link(page)
    tab_to(page, page.get_by_role("link", name="Make a complaint"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Make a complaint").wait_for()

    # The arrow keys choose in the closed <select>s: the second reason, then the engagement
    # (after "None in particular"), which is the client's own and the only one offered.
    about = page.get_by_label("What is your complaint about?")
    tab_to(page, about)
    page.keyboard.press("ArrowDown")
    assert about.input_value() == "seen"
    which = page.get_by_label("Which coaching engagement does it concern?")
    tab_to(page, which)
    page.keyboard.press("ArrowDown")
    assert which.input_value() == str(engagement.pk)
    assert which.locator("option").all_inner_texts() == ["None in particular", f"ENG-KEYS-003 {engagement.title}"]
    tab_to(page, page.get_by_label("Your complaint", exact=True))
    page.keyboard.type(complaint_text)
    assert_accessible(page, "keyboard-complaint-lodge")
    tab_to(page, page.get_by_role("button", name="Send the complaint"))
    press_and_wait(page, "Enter")

    complaint = Complaint.objects.get()
    assert (complaint.about, complaint.engagement_id, complaint.lodged_by_id) == ("seen", engagement.pk, client.pk)
    assert complaint.body == complaint_text
    page.get_by_role("heading", level=1, name=f"Complaint {complaint.reference}").wait_for()
    page.get_by_text(f"Your complaint {complaint.reference} is lodged.").wait_for()
    page.get_by_text(complaint_text).wait_for()
    content = page.content()
    assert private not in content
    assert "ENG-KEYS-OTHER" not in content
    assert_accessible(page, "keyboard-complaint-lodged")

    # The administrator, in a browser of their own: the complaint on the dashboard's deadlines,
    # then in the register, and the answer.
    response = "Thank you: we are looking into it."
    admin_page = new_page()
    sign_in(admin_page, live_server.url, admin.email, admin_secret)
    admin_page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    assert complaint.reference in admin_page.content()  # the dashboard's deadlines
    tab_to(
        admin_page,
        admin_page.get_by_role("navigation", name="Main").get_by_role("link", name="Complaints & breaches", exact=True),
    )
    press_and_wait(admin_page, "Enter")
    admin_page.get_by_role("heading", level=1, name="Complaints & breaches").wait_for()
    check_skip_link(admin_page)
    assert_accessible(admin_page, "keyboard-register")
    tab_to(admin_page, admin_page.get_by_role("link", name=complaint.reference, exact=True).first)
    press_and_wait(admin_page, "Enter")
    admin_page.get_by_role("heading", level=1, name=f"Complaint {complaint.reference}").wait_for()
    assert complaint_text in admin_page.content()
    tab_to(admin_page, admin_page.get_by_label("Response to the client"))
    admin_page.keyboard.type(response)
    tab_to(admin_page, admin_page.get_by_role("button", name="Acknowledge and send"))
    press_and_wait(admin_page, "Enter")
    admin_page.get_by_text("Your response is sent").wait_for()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACKNOWLEDGED and complaint.acknowledged_at is not None

    # The client follows it: the response, and the complaint acknowledged.
    page.reload()
    page.get_by_text(response).wait_for()
    status = page.locator("dl.facts").locator("dt:text-is('Status') + dd").inner_text()
    assert status.startswith("Acknowledged"), status


def test_a_client_asks_for_a_copy_of_their_information(live_server: Any, page: Any) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    own = ClientFactory(user=client)
    EngagementFactory(
        organisation=organisation,
        client=own,
        coaches=[UserFactory(role=Role.COACH)],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-004",
    )

    sign_in(page, live_server.url, client.email)
    page.get_by_role("heading", level=1, name="My coaching").wait_for()
    nav = page.get_by_role("navigation", name="Main")
    tab_to(page, nav.get_by_role("link", name="My information and my rights", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="My information and my rights").wait_for()
    check_skip_link(page)
    page.get_by_text("No request yet.").wait_for()
    assert_accessible(page, "keyboard-subject-access-client-request")
    tab_to(page, page.get_by_role("button", name="Ask for a copy of my information"))
    press_and_wait(page, "Enter")

    request = SubjectAccessRequest.objects.get()
    today = timezone.localdate()
    assert (request.client_id, request.requester_id, request.state) == (own.pk, client.pk, "received")
    assert request.received_on == today
    assert 28 <= (request.deadline_on - today).days <= 31  # one calendar month
    page.get_by_role("heading", level=1, name=f"Request {request.reference}").wait_for()
    by = request.deadline_on
    page.get_by_text(
        f"Your request {request.reference} is received. The practice will answer by {by.day} {by:%b %Y}."
    ).wait_for()
    facts = page.locator("dl.facts")
    assert facts.locator("dt:text-is('State') + dd").inner_text() == "Received"
    due = facts.locator("dt:text-is('Answer due by') + dd").inner_text()
    assert due.startswith(f"{request.deadline_on.day} {request.deadline_on:%b %Y}"), due
    assert page.get_by_role("link", name=re.compile("Download the copy")).count() == 0  # nothing built yet
    assert_accessible(page, "keyboard-subject-access-requested")


def test_a_sponsor_downloads_a_released_report_as_pdf(live_server: Any, page: Any, tmp_path: Any) -> None:
    from consent.models import InformationCategory

    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Omar Sponsor"
    )
    coach = UserFactory(role=Role.COACH)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-KEYS-005",
    )
    goals = InformationCategory.objects.get(key="goals")
    released = report_services.report_create(
        actor=coach, engagement=engagement, title="Starting point", sections={goals.pk: "Ines leads the budget review."}
    )
    report_services.report_submit(actor=coach, report=released, expected_version=1)
    report_services.report_approve(actor=client, report=released, version_number=1)
    report_services.report_release(actor=coach, report=released, expected_version=1)
    # Not released: a draft, and one the client is still reading.
    report_services.report_create(
        actor=coach, engagement=engagement, title="Closing summary", sections={goals.pk: "Ines may leave in June."}
    )
    with_client = report_services.report_create(
        actor=coach, engagement=engagement, title="Mid-point summary", sections={goals.pk: "Ines wants a new role."}
    )
    report_services.report_submit(actor=coach, report=with_client, expected_version=1)
    unreleased = ("Closing summary", "Ines may leave in June.", "Mid-point summary", "Ines wants a new role.")
    seen: list[str] = []

    sign_in(page, live_server.url, sponsor.email)
    page.get_by_role("heading", level=1, name="Coaching for your organisation").wait_for()
    seen.append(page.content())
    tab_to(page, page.get_by_role("link", name="ENG-KEYS-005", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-005")).wait_for()
    seen.append(page.content())
    tab_to(page, page.get_by_role("link", name="Reports to the sponsor"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Reports to the sponsor").wait_for()
    seen.append(page.content())
    tab_to(page, page.get_by_role("link", name="Starting point"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Starting point").wait_for()
    page.get_by_text("Ines leads the budget review.").wait_for()
    seen.append(page.content())
    check_skip_link(page)

    tab_to(page, page.get_by_role("link", name="Download the PDF"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "report-ENG-KEYS-005.pdf"
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    for content in seen:
        for text in unreleased:
            assert text not in content
    assert SponsorReport.objects.get(pk=released.pk).state == "released"
    assert_accessible(page, "keyboard-sponsor-released-report")
