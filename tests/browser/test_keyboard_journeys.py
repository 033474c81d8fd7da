"""The main journeys by keyboard alone (JOURNEYS.md): no click, no mouse. Tab and Shift+Tab move
the focus, Enter and Space act, and text is typed into whatever has the focus.

Every element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7), and
the "Skip to main content" link is the first stop on a page and takes the focus into <main>.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from confidentiality.models import Complaint, PolicyAcceptance
from confidentiality.people import staff_add
from confidentiality.roles import Role
from engagements import feedback, reports
from engagements.models import CoachingSession, FeedbackSource, Note, SponsorReport
from engagements.services import note_create
from retention.models import LegalHold, SubjectAccessRequest
from retention.services import policy_record
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import PHONE, check_skip_link, press_and_wait, sign_in, staff, tab_to, tick
from tests.factories import PASSWORD, ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coach_records_a_session_writes_a_note_and_shares_it(live_server: Any, page: Any) -> None:
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-001",
    )

    sign_in(page, live_server.url, coach.email, secret)
    page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    check_skip_link(page)
    tab_to(page, page.get_by_role("link", name="ENG-KEYS-001", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-001")).wait_for()

    # Record today's session: open the panel with Enter, type the date (month, day, year in the
    # browser's en-US locale), keep the other defaults, submit.
    tab_to(page, page.locator("summary", has_text="Record a session"))
    page.keyboard.press("Enter")
    held_on = page.get_by_label("Date held")
    tab_to(page, held_on)
    today = timezone.localdate()
    page.keyboard.type(today.strftime("%m%d%Y"))
    assert held_on.input_value() == today.isoformat()
    tab_to(page, page.get_by_role("button", name="Record session"))
    press_and_wait(page, "Enter")
    page.get_by_text("Session recorded.").wait_for()

    # Write a note: Space toggles the panel (already open while there is no note); it ends open.
    write = page.locator("details", has=page.locator("summary", has_text="Write a note"))
    tab_to(page, write.locator("summary"))
    page.keyboard.press("Space")
    if write.get_attribute("open") is None:
        page.keyboard.press("Space")
    assert write.get_attribute("open") is not None
    tab_to(page, page.get_by_label("Note", exact=True))
    page.keyboard.type("Agreed to hand over the weekly planning meeting for a month.")
    tab_to(page, page.get_by_role("button", name="Save note"))
    press_and_wait(page, "Enter")
    page.get_by_text("Private note saved.").wait_for()

    # Share it with the client.
    tab_to(page, page.get_by_role("button", name="Share with the client"))
    press_and_wait(page, "Enter")
    page.get_by_text("The note is now shared with the client.").wait_for()

    note = Note.objects.get(engagement=engagement)
    assert note.shared_with_client
    assert CoachingSession.objects.filter(engagement=engagement).count() == 1


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
    report = reports.report_create(
        actor=coach, engagement=engagement, title="Mid-point summary", sections={goals.pk: "Ines leads the review."}
    )
    reports.report_submit(actor=coach, report=report, expected_version=1)

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

    # The arrow keys choose in a closed <select>; Shift+Tab goes back to check the choice.
    scope = page.get_by_label("Hold", exact=True)
    tab_to(page, scope)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert scope.input_value() == "organisation"
    tab_to(page, page.get_by_label("Engagement reference, or client or organisation id"))
    page.keyboard.type(str(organisation.pk))
    tab_to(page, page.get_by_label("Case or matter"))
    page.keyboard.type("Tribunal claim 2026/114")
    tab_to(page, page.get_by_label("Why the records must be kept (no client content)"))
    page.keyboard.type("Evidence for the tribunal")
    tab_to(page, scope, key="Shift+Tab")
    assert scope.input_value() == "organisation"
    tab_to(page, page.get_by_role("button", name="Place the hold"))
    press_and_wait(page, "Enter")
    page.get_by_text("Hold placed.").wait_for()

    hold = LegalHold.objects.get()
    assert (hold.scope, hold.organisation_id, hold.placed_by_id) == ("organisation", organisation.pk, admin.pk)


def test_an_associate_accepts_the_policies_at_their_first_sign_in(live_server: Any, page: Any) -> None:
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
    policy_record(
        actor=admin, kind="confidentiality", text="Everything a client says is confidential.", reviewed_on=today
    )
    policy_record(actor=admin, kind="data_protection", text="Files are deleted two years on.", reviewed_on=today)

    sign_in(page, live_server.url, associate.email, secret)
    page.get_by_role("heading", level=1, name="The practice's policies").wait_for()
    check_skip_link(page)
    assert_accessible(page, "keyboard-policies-to-accept")
    for kind, name in (("confidentiality", "confidentiality policy"), ("data_protection", "data protection policy")):
        box = page.get_by_label(f"I have read the {name} (version 1) and I accept it.")
        tick(page, box)
        tab_to(page, page.get_by_role("button", name=f"Accept the {name}"))
        press_and_wait(page, "Enter")
        page.get_by_text(f"you accepted the {name}, version 1").wait_for()
        assert PolicyAcceptance.objects.filter(user=associate, document__kind=kind).exists()
    page.get_by_role("heading", level=1, name="Your engagements").wait_for()


def test_a_feedback_giver_answers_without_an_account(live_server: Any, page: Any) -> None:
    coach = UserFactory(role=Role.COACH, display_name="Cora Coach")
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT), full_name="Ines Quarry"),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
    )
    _, links = feedback.feedback_request_create(
        actor=coach,
        engagement=engagement,
        kind="named",
        source_category="line_manager",
        prompt="What change have you seen?",
        sources=[feedback.NewSource(email="dana@example.net", name="Dana Whitfield")],
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


def test_a_client_makes_a_complaint(live_server: Any, page: Any) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
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
    tab_to(page, nav.get_by_role("link", name="Request a copy of my information", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Request a copy of my information").wait_for()
    check_skip_link(page)
    page.get_by_text("No request yet.").wait_for()
    tab_to(page, page.get_by_role("button", name="Ask for a copy of my information"))
    press_and_wait(page, "Enter")

    request = SubjectAccessRequest.objects.get()
    today = timezone.localdate()
    assert (request.client_id, request.requester_id, request.state) == (own.pk, client.pk, "received")
    assert request.received_on == today
    assert 28 <= (request.deadline_on - today).days <= 31  # one calendar month
    page.get_by_role("heading", level=1, name=f"Request {request.reference}").wait_for()
    page.get_by_text(
        f"Your request {request.reference} is received. The practice will answer by {request.deadline_on:%d %b %Y}."
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
    released = reports.report_create(
        actor=coach, engagement=engagement, title="Starting point", sections={goals.pk: "Ines leads the budget review."}
    )
    reports.report_submit(actor=coach, report=released, expected_version=1)
    reports.report_approve(actor=client, report=released, version_number=1)
    reports.report_release(actor=coach, report=released, expected_version=1)
    # Not released: a draft, and one the client is still reading.
    reports.report_create(
        actor=coach, engagement=engagement, title="Closing summary", sections={goals.pk: "Ines may leave in June."}
    )
    with_client = reports.report_create(
        actor=coach, engagement=engagement, title="Mid-point summary", sections={goals.pk: "Ines wants a new role."}
    )
    reports.report_submit(actor=coach, report=with_client, expected_version=1)
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
