"""The rights of issue 21 that test_rights.py leaves, in Chromium, each followed to its outcome by the
client and the administrator (axe at zero serious or critical on each page, a client reading at a
phone's width):

- objection: the client objects (a request sent without a right is refused with their words kept),
  the administrator pauses processing, the coach finds the engagement paused and why, the
  administrator answers, the client reads the answer and its letter;
- portability: the client asks for their file, the administrator has it made, reads it and releases
  it, the client downloads it: their own data only, valid against the schema the practice publishes;
- breach letters: the administrator records a breach, names a client and an organisation, decides to
  tell them (a decision without its reason is refused, the choice kept), writes the letter and
  produces the letters; the client and the organisation's sponsor read theirs, no one else can;
- withdrawal: a coach withdraws a note filed on the wrong engagement (refused without a reason, with
  the engagement chosen kept), it is gone, the client it was shared with is told, and the
  administrator finds the suspected breach in the register.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from confidentiality.roles import Role
from engagements.services import engagement_create
from rights.models import SubjectAccessRequest
from tests.browser.conftest import WIDTHS, assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMA_PATH = "/subject-access/portability-schema.json"


def new_page(browser: Any, width: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=WIDTHS[width], accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def pdf_text(download: Any) -> str:
    """The words of a downloaded PDF, on one line (a PDF breaks its lines where it likes)."""
    content = Path(download.path()).read_bytes()
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages).split())


def main_text(page: Any) -> str:
    return " ".join(page.locator("main").inner_text().split())


OBJECTED = "I object to my coaching notes being used to plan the team's restructuring."
PAUSED_BECAUSE = "The client objects to the use of the notes for the restructuring; we are checking."
ANSWERED = "We stopped using your notes for the restructuring and will not use them for it again."


def test_a_client_objects_and_the_administrator_pauses_processing_and_answers(live_server: Any, browser: Any) -> None:
    from engagements.models import Engagement, ProcessingRestriction

    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    coach, coach_secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Fern")
    client_user = UserFactory(role=Role.CLIENT, email="ines@example.org")
    client = ClientFactory(user=client_user, full_name="Ines Quartermaine")
    engagement = engagement_create(
        actor=admin,
        reference="ENG-O-1",
        title="Career coaching",
        organisation=None,
        client=client,
        coaches=[coach],
        sponsors=[],
        starts_on=datetime.date.today(),
    )

    context, page = new_page(browser, "phone")
    try:
        sign_in(page, live_server.url, client_user.email)
        page.goto(f"{live_server.url}/subject-access/")
        page.get_by_role("heading", level=1, name="My information and my rights").wait_for()
        # Sent without saying which right: refused, and the words stay in the box.
        page.get_by_label("What is it about?").fill(OBJECTED)
        page.get_by_role("button", name="Send my request").click()
        page.get_by_role("heading", level=1, name="My information and my rights").wait_for()
        assert page.get_by_label("What is it about?").input_value() == OBJECTED
        assert not SubjectAccessRequest.objects.exists()
        assert_accessible(page, "rights-objection-refused-phone")
        page.get_by_role("radio", name=re.compile("^Objection")).check()
        page.get_by_role("button", name="Send my request").click()
        page.get_by_text(re.compile(r"Your request SAR-\w+ is received")).wait_for()
        request = SubjectAccessRequest.objects.get()
        assert request.right == "objection" and request.details == OBJECTED and request.client_id == client.pk
        assert_accessible(page, "rights-objection-asked-phone")
    finally:
        context.close()

    context, page = new_page(browser, "desktop")
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_text(OBJECTED).wait_for()
        assert "Ines Quartermaine" in main_text(page)
        assert_accessible(page, "rights-objection-admin")
        page.get_by_label("Why processing is paused").fill(PAUSED_BECAUSE)
        page.get_by_role("button", name="Pause processing").click()
        page.get_by_text("Processing of the client's records is paused.").wait_for()
        restriction = ProcessingRestriction.objects.get(client=client)
        assert restriction.right == "objection" and restriction.request_reference == request.reference
        assert restriction.reason == PAUSED_BECAUSE and restriction.lifted_at is None
        assert Engagement.objects.get(pk=engagement.pk).restricted
        assert page.get_by_role("button", name="Pause processing").count() == 0  # paused once only
        assert_accessible(page, "rights-objection-paused")

        coach_context, coach_page = new_page(browser, "desktop")
        try:
            sign_in(coach_page, live_server.url, coach.email, coach_secret)
            coach_page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
            callout = coach_page.locator("#restricted")
            callout.get_by_text("Processing is paused.").wait_for()
            said = " ".join(callout.inner_text().split())
            assert f"(objection, {request.reference}," in said and PAUSED_BECAUSE in said
            assert_accessible(coach_page, "rights-objection-coach-engagement")
        finally:
            coach_context.close()

        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_label("What the practice did").fill(ANSWERED)
        page.get_by_role("button", name="Answer and tell the requester").click()
        page.get_by_text("The request is answered.").wait_for()
    finally:
        context.close()
    request.refresh_from_db()
    assert request.state == SubjectAccessRequest.State.COMPLETED and request.outcome == ANSWERED
    # Answering an objection upheld does not lift the pause: only lifting it does.
    assert Engagement.objects.get(pk=engagement.pk).restricted

    context, page = new_page(browser, "phone")
    try:
        sign_in(page, live_server.url, client_user.email)
        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_role("heading", name="The practice's answer").wait_for()
        shown = main_text(page)
        assert ANSWERED in shown and PAUSED_BECAUSE in shown  # the answer, and why processing is paused
        page.get_by_role("heading", name="Processing is paused").wait_for()
        assert_accessible(page, "rights-objection-answered-phone")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the outcome letter (PDF)").click()
        assert download.value.suggested_filename == f"letter-{request.reference}.pdf"
        letter = pdf_text(download.value)
        assert "Dear Ines Quartermaine" in letter and "your right of objection" in letter
        assert ANSWERED in letter
    finally:
        context.close()


def test_a_client_takes_their_data_to_another_service(
    live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from jsonschema import Draft202012Validator

    from engagements.services import note_create
    from rights import services as sar
    from rights.tasks import subject_access_export_task

    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    coach = UserFactory(role=Role.COACH)
    client_user = UserFactory(role=Role.CLIENT, email="ines@example.org")
    mine = EngagementFactory(
        reference="ENG-P-1",
        organisation=None,
        client=ClientFactory(user=client_user, full_name="Ines Quartermaine"),
        coaches=[coach],
    )
    theirs = EngagementFactory(
        reference="ENG-P-2",
        organisation=None,
        client=ClientFactory(
            user=UserFactory(role=Role.CLIENT, email="bruno@example.org"), full_name="Bruno Lindqvist"
        ),
        coaches=[coach],
    )
    # What the coach wrote is not what the client gave: it is in a copy, never in the portable file.
    private = "Private reflection: she is weighing an offer from Okonkwo Ltd."
    note_create(actor=coach, engagement=mine, body=private)
    note_create(actor=coach, engagement=theirs, body="Bruno's own session, about his promotion.")
    # The worker is this test: the message the page would send to the broker is kept here.
    queued: list[str] = []
    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: queued.append(export_id))

    context, page = new_page(browser, "phone")
    try:
        sign_in(page, live_server.url, client_user.email)
        page.goto(f"{live_server.url}/subject-access/")
        page.get_by_role("radio", name=re.compile("^Portability")).check()
        page.get_by_role("button", name="Send my request").click()
        page.get_by_text(re.compile(r"Your request SAR-\w+ is received")).wait_for()
        request = SubjectAccessRequest.objects.get()
        assert request.right == "portability" and request.client_id == mine.client_id
        assert_accessible(page, "rights-portability-asked-phone")
    finally:
        context.close()

    context, page = new_page(browser, "desktop")
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_role("button", name="Start making the copy").click()
        page.get_by_role("progressbar", name="Progress of the copy").wait_for()
        assert len(queued) == 1
        assert_accessible(page, "rights-portability-progress")
        assert sar.export_build(export_id=queued[0]) is True
        page.get_by_role("heading", name="Contents of the copy").wait_for(timeout=20000)
        assert_accessible(page, "rights-portability-built")
        page.get_by_role("link", name="Read the copy, withhold what the law allows, and release it").click()
        page.get_by_role("heading", level=1, name="Read the copy before releasing it").wait_for()
        shown = page.locator("main").inner_text()
        assert "Ines Quartermaine" in shown and "ENG-P-1" in shown
        assert private not in shown and "Bruno" not in shown and "ENG-P-2" not in shown
        assert_accessible(page, "rights-portability-read")
        page.get_by_role("checkbox", name="I have read the copy and withheld what the law allows").check()
        page.get_by_role("button", name="Release the copy to the requester").click()
        page.get_by_text("The copy is released.").wait_for()
    finally:
        context.close()
    request.refresh_from_db()
    assert request.state == SubjectAccessRequest.State.COMPLETED and request.released_at is not None

    context, page = new_page(browser, "phone")
    try:
        sign_in(page, live_server.url, client_user.email)
        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_role("heading", name="Your file").wait_for()
        assert_accessible(page, "rights-portability-download-phone")
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("Download the copy")).click()
        assert download.value.suggested_filename == f"your-data-{request.reference}.zip"
        saved = tmp_path / "your-data.zip"
        download.value.save_as(saved)
        # The schema the page links to is published, for anyone: no sign-in needed to read it.
        published_at = page.get_by_role("link", name="here").get_attribute("href")
    finally:
        context.close()
    anonymous = browser.new_context()
    try:
        response = anonymous.request.get(f"{live_server.url}{published_at}")
        assert response.status == 200
        published = response.json()
    finally:
        anonymous.close()

    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "your-data.json", "your-data.schema.json"]
        raw = archive.read("your-data.json").decode()
        schema = json.loads(archive.read("your-data.schema.json"))
        readme = archive.read("README.txt").decode()
    data = json.loads(raw)
    # It names its format and its published schema, in full (it can be checked wherever it goes),
    # and is valid against it.
    from django.conf import settings

    assert published_at == SCHEMA_PATH and published == schema
    assert schema["$id"] == data["$schema"] == f"{settings.SITE_URL}{SCHEMA_PATH}"
    assert data["$schema"] in readme and data["format"] == "data-portability/1"
    assert not list(Draft202012Validator(published).iter_errors(data))
    # The client's own data, and no one else's; nor what others wrote about her.
    assert data["request"]["reference"] == request.reference
    assert [person["full_name"] for person in data["identity"]] == ["Ines Quartermaine"]
    assert [e["reference"] for e in data["engagements"]] == ["ENG-P-1"]
    for other in ("Bruno", "bruno@example.org", "ENG-P-2", "promotion", private, "Okonkwo"):
        assert other not in raw, other


LETTER = {
    "What happened, in plain words": "A laptop holding session dates was stolen from a coach's car on 3 March.",
    "What it is likely to mean for them": "Someone could learn when your sessions took place.",
    "What the practice has done and will do": "We wiped the laptop remotely and changed every password.",
    "What they can do to protect themselves": "Be wary of messages that mention your coaching.",
}


def test_the_people_a_breach_affects_read_their_letters(live_server: Any, browser: Any) -> None:
    from complaints.models import Breach, BreachAffected, BreachCommunication

    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    client_user = UserFactory(role=Role.CLIENT, email="ines@example.org")
    client = ClientFactory(user=client_user, full_name="Ines Quartermaine")
    other_user = UserFactory(role=Role.CLIENT, email="bruno@example.org")
    ClientFactory(user=other_user, full_name="Bruno Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    sponsor = UserFactory(role=Role.SPONSOR, email="sponsor@northwind.example", organisation=organisation)
    other_sponsor = UserFactory(role=Role.SPONSOR, email="sponsor@contoso.example")

    context, page = new_page(browser, "desktop")
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/register/")
        page.get_by_role("link", name="Record a breach").click()
        page.get_by_role("heading", level=1, name="Record a breach of confidentiality").wait_for()
        assert_accessible(page, "breach-letters-record")
        page.get_by_label("What happened").fill("A coach's laptop was stolen; it held session dates.")
        page.get_by_label("What information was involved").fill("Dates and places of coaching sessions.")
        page.get_by_label("Who was affected").fill("One client and one organisation.")
        page.get_by_label("What has been done to contain it").fill("The laptop was wiped remotely.")
        page.get_by_role("button", name="Record the breach").click()
        page.get_by_text(re.compile(r"Breach \S+ is recorded")).wait_for()
        breach = Breach.objects.get()
        assert_accessible(page, "breach-letters-recorded")

        letters = page.locator("#letters")
        letters.get_by_role("radio", name="A client").check()
        letters.get_by_label("The client").select_option(label="Ines Quartermaine")
        letters.get_by_role("button", name="Name as affected").click()
        page.get_by_text("Named as affected by the breach.").wait_for()
        letters.get_by_role("radio", name="An organisation").check()
        letters.get_by_label("The organisation").select_option(label="Northwind Trading")
        letters.get_by_role("button", name="Name as affected").click()
        page.get_by_text("Named as affected by the breach.").wait_for()
        assert BreachAffected.objects.filter(breach=breach).count() == 2

        # The decision without its reason is refused, with the decision chosen kept.
        tell = letters.get_by_role("radio", name=re.compile("^High risk to them"))
        tell.check()
        letters.get_by_role("button", name="Record the decision").click()
        page.locator("#letters").get_by_text("The reason for the decision: this is required.").wait_for()
        assert page.locator("#letters").get_by_role("radio", name=re.compile("^High risk to them")).is_checked()
        assert not BreachCommunication.objects.filter(breach=breach, decision="tell").exists()
        page.locator("#letters").get_by_label("Why", exact=True).fill("Their session dates could identify them.")
        page.locator("#letters").get_by_role("button", name="Record the decision").click()
        page.get_by_text("The decision is recorded.").wait_for()

        letters = page.locator("#letters")
        for label, text in LETTER.items():
            letters.get_by_label(label).fill(text)
        letters.get_by_role("button", name="Save the letter").click()
        page.get_by_text("The letter is saved.").wait_for()
        page.get_by_role("button", name="Produce the letters (2 to go)").click()
        page.get_by_text(re.compile("Letters produced: 2 sent to portal logins")).wait_for()
        assert_accessible(page, "breach-letters-produced")
    finally:
        context.close()
    to_client = BreachAffected.objects.get(breach=breach, client=client)
    to_organisation = BreachAffected.objects.get(breach=breach, organisation=organisation)
    assert to_client.sent_at is not None and to_organisation.sent_at is not None
    assert to_client.first_read_at is None

    context, page = new_page(browser, "phone")
    try:
        sign_in(page, live_server.url, client_user.email)
        page.goto(f"{live_server.url}/dashboard/")
        notice = page.get_by_role("link", name=re.compile(f"Open: The practice has written to you.*{breach.reference}"))
        assert_accessible(page, "breach-letters-client-notice-phone")
        notice.click()
        page.get_by_role("heading", level=1, name=re.compile("about a breach of data protection")).wait_for()
        shown = main_text(page)
        assert "Dear Ines Quartermaine" in shown and "about you" in shown
        assert all(text in shown for text in LETTER.values())
        assert_accessible(page, "breach-letters-client-letter-phone")
    finally:
        context.close()
    to_client.refresh_from_db()
    assert to_client.first_read_at is not None

    context, page = new_page(browser, "desktop")
    try:
        sign_in(page, live_server.url, sponsor.email)
        page.goto(f"{live_server.url}/dashboard/")
        notice = page.get_by_role("link", name=re.compile(f"Open: The practice has written to you.*{breach.reference}"))
        assert_accessible(page, "breach-letters-sponsor-notice")
        notice.click()
        page.get_by_role("heading", level=1, name=re.compile("about a breach of data protection")).wait_for()
        shown = main_text(page)
        assert "Dear Northwind Trading" in shown and "about your organisation's coaching" in shown
        assert LETTER["What happened, in plain words"] in shown
        assert_accessible(page, "breach-letters-sponsor-letter")
        # A letter to someone else is not the sponsor's to read.
        assert page.goto(f"{live_server.url}/breach-letters/{to_client.pk}/").status == 404
    finally:
        context.close()

    for someone in (other_user, other_sponsor):
        context, page = new_page(browser, "desktop")
        try:
            sign_in(page, live_server.url, someone.email)
            for letter in (to_client, to_organisation):
                assert page.goto(f"{live_server.url}/breach-letters/{letter.pk}/").status == 404
                assert page.goto(f"{live_server.url}/breach-letters/{letter.pk}/pdf/").status == 404
            assert "stolen" not in page.content()
        finally:
            context.close()


WRONG_NOTE = "Bruno wants to leave before the merger; he has not told his manager."
WHY_WITHDRAWN = "Written about Bruno, filed on Ines's engagement by mistake."


def test_a_coach_withdraws_a_note_filed_on_the_wrong_engagement(live_server: Any, browser: Any) -> None:
    from complaints.models import Breach
    from confidentiality.models import Notice
    from engagements.models import Note
    from engagements.services import note_create

    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    coach, coach_secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Fern")
    ines = UserFactory(role=Role.CLIENT, email="ines@example.org")
    bruno = UserFactory(role=Role.CLIENT, email="bruno@example.org")
    wrong = EngagementFactory(
        reference="ENG-W-1",
        organisation=None,
        client=ClientFactory(user=ines, full_name="Ines Quartermaine"),
        coaches=[coach],
    )
    right = EngagementFactory(
        reference="ENG-W-2",
        organisation=None,
        client=ClientFactory(user=bruno, full_name="Bruno Lindqvist"),
        coaches=[coach],
    )
    note = note_create(actor=coach, engagement=wrong, body=WRONG_NOTE, shared_with_client=True)

    context, page = new_page(browser, "desktop")
    try:
        sign_in(page, live_server.url, coach.email, coach_secret)
        page.goto(f"{live_server.url}/engagements/notes/{note.pk}/")
        page.get_by_text(WRONG_NOTE).wait_for()
        assert_accessible(page, "withdraw-note-page")
        page.get_by_role("link", name="Filed on the wrong engagement? Withdraw this note").click()
        page.get_by_role("heading", level=1, name="Withdraw a note filed on the wrong engagement").wait_for()
        assert_accessible(page, "withdraw-note")
        belongs = page.get_by_label("The engagement it belonged on (its client is told)")
        belongs.select_option(label="ENG-W-2 Leadership coaching")
        # Without a reason: refused, the reason asked for beside the field, the engagement chosen kept.
        page.get_by_role("button", name="Withdraw and delete it").click()
        page.locator(".field", has=page.get_by_label("Why it is withdrawn")).get_by_text(
            re.compile("required")
        ).wait_for()
        assert belongs.input_value() == str(right.pk)
        assert Note.objects.filter(pk=note.pk).exists()
        assert_accessible(page, "withdraw-note-refused")
        page.get_by_label("Why it is withdrawn").fill(WHY_WITHDRAWN)
        page.get_by_role("button", name="Withdraw and delete it").click()
        page.get_by_text(
            "The note is withdrawn and deleted. The client of that engagement could read it: the practice is told."
        ).wait_for()
        assert WRONG_NOTE not in page.content()
        assert_accessible(page, "withdraw-note-withdrawn")
        assert not Note.objects.filter(pk=note.pk).exists()
        assert page.goto(f"{live_server.url}/engagements/notes/{note.pk}/").status == 404
    finally:
        context.close()
    # The client it was about is told where it was, and who could read it (roles, never names).
    told_bruno = Notice.objects.get(user=bruno, text__startswith="A note about you was filed by mistake").text
    assert "the client of that engagement could read it" in told_bruno and "Ines" not in told_bruno

    context, page = new_page(browser, "phone")
    try:
        sign_in(page, live_server.url, ines.email)
        page.goto(f"{live_server.url}/dashboard/")
        page.get_by_text(
            "A note shared with you on ENG-W-1 was filed there by mistake and has been withdrawn. It was not about you."
        ).wait_for()
        assert_accessible(page, "withdraw-note-client-told-phone")
        page.goto(f"{live_server.url}/engagements/{wrong.pk}/")
        page.get_by_text("Nothing has been shared with you yet.").wait_for()
        assert WRONG_NOTE not in page.content()
        assert_accessible(page, "withdraw-note-client-engagement-phone")
        assert page.goto(f"{live_server.url}/engagements/notes/{note.pk}/").status == 404
    finally:
        context.close()

    breach = Breach.objects.get()
    assert breach.status == Breach.Status.SUSPECTED and breach.reported_by_id == coach.pk
    context, page = new_page(browser, "desktop")
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/register/")
        register = page.get_by_role("region", name="The register: open entries, newest first")
        row = register.get_by_role("row", name=re.compile(breach.reference))
        assert " ".join(row.inner_text().split()).startswith(f"{breach.reference} Breach")
        assert "Suspected" in row.inner_text()
        assert_accessible(page, "withdraw-note-register")
        row.get_by_role("link", name=breach.reference).click()
        page.get_by_role("heading", name="Assess the report").wait_for()
        happened = page.get_by_label("What happened", exact=True).input_value()
        assert "ENG-W-1" in happened and WHY_WITHDRAWN in happened
        assert WRONG_NOTE not in page.content()  # the note's words never reach the register
        assert_accessible(page, "withdraw-note-breach")
    finally:
        context.close()
