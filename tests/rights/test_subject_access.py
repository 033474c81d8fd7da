"""Subject access: deadlines, extension, refusal, the copy's contents, its download window, and
every persona against every page and endpoint."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from confidentiality.models import AuditEvent, DataKey, Notice
from consent.models import Agreement, ConsentRecord, FeedbackAnonymity
from consent.services import consent_record
from disclosures import services as disclosure_services
from engagements import services as engagement_services
from feedback import services as feedback_services
from reports import services as report_services
from rights import services as sar
from rights.models import SubjectAccessExport, SubjectAccessRequest
from tests.conftest import BuiltOnce, World, build_world
from tests.factories import vat_registered

LONDON = ZoneInfo("Europe/London")

PRIVATE_NOTE = "Private reflection: the client fears the Okonkwo merger will cost her the team."
SHARED_NOTE = "Shared summary: agreed to rehearse the budget conversation twice before Friday."
SHARED_DOC_NAME = "Development-plan-Quillfeather.txt"
SHARED_DOC_BYTES = b"Development plan: three goals for the quarter, Quillfeather edition."
SUPPLIED_DOC_NAME = "Competency-framework-Northwind.txt"
SUPPLIED_DOC_BYTES = b"Northwind competency framework, supplied by the organisation."
REPORT_TEXT = "Samira has met two of three goals: delegation and the budget review."
DRAFT_REPORT_TEXT = "Unreleased draft: progress on the third goal is slower than hoped."
COMMENT_TEXT = "Please leave out the remark about my sick leave."
FEEDBACK_ANSWER = "She listens far better in the Tuesday stand-up than last year."
SOURCE_NAME = "Ada Brightwater"
SOURCE_EMAIL = "ada.brightwater@example.net"
DISCLOSURE_WHAT = "That the client described a safeguarding incident at the Harrow site."
COMPLAINT_TEXT = "My coach mentioned my sessions to my manager without asking me first."
OTHER_NOTE = "Other client's note: considering a move to the Lisbon office."
OTHER_NAME = "Bartholomew Xerxes-Lund"


@pytest.fixture(autouse=True)
def queued(monkeypatch: Any) -> list[str]:
    """Messages for the broker are kept here: the tests are the worker."""
    from rights.tasks import subject_access_export_task

    sent: list[str] = []
    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: sent.append(export_id))
    return sent


# --- building state as people do ---------------------------------------------------------------


@dataclass
class Held:
    released_report: Any
    draft_report: Any
    shared_document: Any
    supplied_document: Any


def goals() -> Any:
    from consent.models import InformationCategory

    return InformationCategory.objects.get(key="goals")


@pytest.fixture
def held(world: World) -> Held:
    """Something of every kind for the client, and a note for the other client."""
    coach, client, sponsor = world.people["coach"], world.people["client"], world.people["sponsor"]
    engagement = world.engagement
    session = engagement_services.session_record(
        actor=coach, engagement=engagement, held_on=timezone.localdate(), duration_minutes=75, mode="video"
    )
    engagement_services.note_create(actor=coach, engagement=engagement, body=PRIVATE_NOTE, session=session)
    engagement_services.note_create(actor=coach, engagement=engagement, body=SHARED_NOTE, shared_with_client=True)
    shared = engagement_services.document_upload(
        actor=coach, engagement=engagement, name=SHARED_DOC_NAME, content=SHARED_DOC_BYTES, shared_with_client=True
    )
    supplied = engagement_services.document_upload(
        actor=sponsor,
        engagement=engagement,
        name=SUPPLIED_DOC_NAME,
        content=SUPPLIED_DOC_BYTES,
        supplied_by_organisation=True,
    )
    # A report: commented on, approved and released; and another left as a draft.
    report = report_services.report_create(
        actor=coach, engagement=engagement, title="Mid-point summary", sections={goals().pk: REPORT_TEXT}
    )
    report = report_services.report_submit(actor=coach, report=report, expected_version=1)
    report_services.report_comment(actor=client, report=report, version_number=1, body=COMMENT_TEXT)
    report = report_services.report_approve(actor=client, report=report, version_number=1)
    report = report_services.report_release(actor=coach, report=report, expected_version=1)
    draft = report_services.report_create(
        actor=coach, engagement=engagement, title="Final summary", sections={goals().pk: DRAFT_REPORT_TEXT}
    )
    # Feedback by name: the client reads the answer, but the copy names no one.
    Agreement.objects.filter(engagement=engagement).update(feedback_anonymity=FeedbackAnonymity.BY_NAME)
    request, issued = feedback_services.feedback_request_create(
        actor=coach,
        engagement=engagement,
        kind="named",
        source_category="peer",
        prompt="What has changed in how Samira runs meetings?",
        sources=[feedback_services.NewSource(email=SOURCE_EMAIL, name=SOURCE_NAME)],
    )
    feedback_services.feedback_answer(token=issued[0][1], answer=FEEDBACK_ANSWER)
    request.refresh_from_db()
    feedback_services.feedback_share(
        actor=coach,
        request=request,
        expected_version=request.version,
        summary="Colleagues notice better listening.",
        presentation="verbatim",
        share=True,
    )
    consent = consent_record(
        actor=world.people["client"],
        client=world.client_record,
        engagement=engagement,
        kind=ConsentRecord.Kind.DISCLOSURE,
        wording="I agree that my coach reports the Harrow incident to the safeguarding lead.",
        method=ConsentRecord.Method.PORTAL,
    )
    disclosure_services.disclosure_record(
        actor=coach,
        engagement=engagement,
        what=DISCLOSURE_WHAT,
        recipient_kind="other",
        recipient="The safeguarding lead",
        reason="The client asked for it to be reported.",
        basis="client_consent",
        consent=consent,
    )
    from complaints.services import complaint_lodge

    complaint_lodge(actor=client, about="shared", body=COMPLAINT_TEXT, engagement=engagement)
    engagement_services.note_create(
        actor=world.people["other_coach"], engagement=world.other_engagement, body=OTHER_NOTE
    )
    return Held(released_report=report, draft_report=draft, shared_document=shared, supplied_document=supplied)


def open_for(world: World, persona: str) -> SubjectAccessRequest:
    return sar.subject_access_request_open(actor=world.people[persona])


def built(world: World, request: SubjectAccessRequest) -> SubjectAccessRequest:
    export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
    assert sar.export_build(export_id=export.pk) is True
    request.refresh_from_db()
    return request


def released(world: World, persona: str = "client") -> SubjectAccessRequest:
    request = built(world, open_for(world, persona))
    sar.copy_for_review(actor=world.people["admin"], request=request)
    return sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)


@dataclass
class Copy:
    archive: zipfile.ZipFile
    data: dict[str, Any]
    pdf_text: str
    everything: str  # every entry's content, decoded, for "is it anywhere in the copy?"


def open_copy(content: bytes) -> Copy:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    data = json.loads(archive.read("information.json"))
    reader = PdfReader(io.BytesIO(archive.read("information.pdf")))
    pdf_text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    parts = [pdf_text]
    for name in archive.namelist():
        parts.append(name)
        if name != "information.pdf":
            parts.append(archive.read(name).decode("utf-8", "replace"))
    return Copy(archive, data, pdf_text, "\n".join(parts))


def download(world: World, persona: str, request: SubjectAccessRequest) -> Any:
    return world.http(persona).get(reverse("subject_access:download", args=[request.pk]))


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- dates ---------------------------------------------------------------------------------


class TestCalendarMonths:
    @pytest.mark.parametrize(
        ("received", "due"),
        [
            ("2025-01-31", "2025-02-28"),
            ("2024-01-31", "2024-02-29"),  # a leap year
            ("2024-02-29", "2024-03-29"),
            ("2024-03-31", "2024-04-30"),
            ("2024-12-15", "2025-01-15"),
            ("2024-12-31", "2025-01-31"),
            ("2024-08-31", "2024-09-30"),
        ],
    )
    def test_it_is_the_same_day_next_month_or_its_last_day(self, received: str, due: str) -> None:
        assert sar.due_date(datetime.date.fromisoformat(received)) == datetime.date.fromisoformat(due)

    def test_it_extends_by_calendar_months_from_receipt(self) -> None:
        received = datetime.date(2024, 1, 31)
        assert sar.deadline_after_extension(received, 1) == datetime.date(2024, 3, 31)
        assert sar.deadline_after_extension(received, 2) == datetime.date(2024, 4, 30)


@pytest.mark.django_db
class TestDeadline:
    def test_a_request_on_31_january_is_due_on_the_last_day_of_february(self, world: World) -> None:
        with time_machine.travel(datetime.datetime(2025, 1, 31, 10, tzinfo=LONDON), tick=False):
            request = open_for(world, "client")
        assert (request.received_on, request.due_on, request.deadline_on) == (
            datetime.date(2025, 1, 31),
            datetime.date(2025, 2, 28),
            datetime.date(2025, 2, 28),
        )

    def test_in_a_leap_year_it_is_29_february(self, world: World) -> None:
        with time_machine.travel(datetime.datetime(2024, 1, 31, 23, 30, tzinfo=LONDON), tick=False):
            request = open_for(world, "client")
        assert request.due_on == datetime.date(2024, 2, 29)

    def test_from_29_february(self, world: World) -> None:
        with time_machine.travel(datetime.datetime(2024, 2, 29, 9, tzinfo=LONDON), tick=False):
            request = open_for(world, "client")
        assert request.due_on == datetime.date(2024, 3, 29)

    @pytest.mark.parametrize(
        ("today", "overdue"),
        [("2024-02-28", False), ("2024-02-29", False), ("2024-03-01", True)],
    )
    def test_it_is_overdue_the_day_after_the_deadline(self, world: World, today: str, overdue: bool) -> None:
        with time_machine.travel(datetime.datetime(2024, 1, 31, 10, tzinfo=LONDON), tick=False):
            request = open_for(world, "client")
        day = datetime.date.fromisoformat(today)
        with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12, tzinfo=LONDON), tick=False):
            assert sar.is_overdue(request) is overdue
            page = world.http("admin").get(reverse("dashboard")).content.decode()
            panel = page.split('id="sar-deadlines-heading"', 1)[1].split("</section>", 1)[0]
            assert request.reference in panel  # due within a week: on the dashboard either way
            assert ("<strong>Overdue</strong>" in panel) is overdue
            register = world.http("admin").get(reverse("subject_access:list") + "?state=overdue").content.decode()
            assert (request.reference in register) is overdue

    def test_an_answered_request_is_never_overdue(self, world: World) -> None:
        with time_machine.travel(datetime.datetime(2024, 1, 31, 10, tzinfo=LONDON), tick=False):
            request = open_for(world, "client")
            sar.subject_access_refuse(actor=world.people["admin"], request=request, reason="Manifestly unfounded.")
        with time_machine.travel(datetime.datetime(2024, 6, 1, 12, tzinfo=LONDON), tick=False):
            request.refresh_from_db()
            assert sar.is_overdue(request) is False
            assert "sar-deadlines-heading" not in world.http("admin").get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
class TestExtension:
    def open_on_31_january(self, world: World) -> SubjectAccessRequest:
        with time_machine.travel(datetime.datetime(2024, 1, 31, 10, tzinfo=LONDON), tick=False):
            return open_for(world, "client")

    def extend(self, world: World, request: SubjectAccessRequest, on: str, months: int) -> SubjectAccessRequest:
        day = datetime.date.fromisoformat(on)
        with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12, tzinfo=LONDON), tick=False):
            return sar.subject_access_extend(
                actor=world.people["admin"], request=request, months=months, reason="Eleven years of records."
            )

    def test_on_the_last_day_of_the_month_it_extends_and_tells_the_requester(self, world: World) -> None:
        request = self.open_on_31_january(world)
        Notice.objects.all().delete()
        request = self.extend(world, request, "2024-02-29", 2)
        assert request.deadline_on == datetime.date(2024, 4, 30)
        assert request.due_on == datetime.date(2024, 2, 29)
        assert request.extension_notified_at is not None
        notice = Notice.objects.get(user=world.people["client"])
        assert notice.link == reverse("subject_access:detail", args=[request.pk])
        assert "30 Apr 2024" in notice.text and "Eleven years" not in notice.text  # a link, not the reason
        page = world.http("client").get(notice.link).content.decode()
        assert "Eleven years of records." in page
        assert AuditEvent.objects.filter(action="subject_access.extend", client_id=world.client_record.pk).exists()

    def test_the_day_after_the_first_month_it_is_too_late(self, world: World) -> None:
        request = self.open_on_31_january(world)
        with pytest.raises(ValidationError, match="within one month"):
            self.extend(world, request, "2024-03-01", 1)
        request.refresh_from_db()
        assert request.deadline_on == datetime.date(2024, 2, 29) and request.extension_months == 0

    def test_one_month_then_a_second_but_never_a_third(self, world: World) -> None:
        request = self.open_on_31_january(world)
        request = self.extend(world, request, "2024-02-10", 1)
        assert request.deadline_on == datetime.date(2024, 3, 31)
        request = self.extend(world, request, "2024-02-20", 2)
        assert request.deadline_on == datetime.date(2024, 4, 30)
        with pytest.raises(ValidationError):
            self.extend(world, request, "2024-02-21", 3)
        with pytest.raises(ValidationError):
            self.extend(world, request, "2024-02-21", 2)

    def test_it_needs_a_reason_and_changes_nothing_without_one(self, world: World) -> None:
        request = open_for(world, "client")
        response = world.http("admin").post(
            reverse("subject_access:extend", args=[request.pk]), {"months": "2", "reason": "  "}
        )
        assert response.status_code == 400
        request.refresh_from_db()
        assert request.extension_months == 0

    def test_it_extends_through_the_page(self, world: World) -> None:
        request = open_for(world, "client")
        response = world.http("admin").post(
            reverse("subject_access:extend", args=[request.pk]), {"months": "1", "reason": "Many records."}
        )
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.extension_months == 1


@pytest.mark.django_db
class TestOpening:
    def test_a_client_asks_from_the_portal_and_the_administrator_is_told(self, world: World) -> None:
        response = world.http("client").post(reverse("subject_access:new"))
        request = SubjectAccessRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "subject_access:detail", args=[request.pk]
        )
        assert request.client == world.client_record and request.requester == world.people["client"]
        assert Notice.objects.filter(user=world.people["admin"], link__contains=str(request.pk)).exists()

    def test_a_second_open_request_for_the_same_person_is_refused(self, world: World) -> None:
        open_for(world, "client")
        with pytest.raises(ValidationError, match="still open"):
            open_for(world, "client")
        assert SubjectAccessRequest.objects.count() == 1

    def test_a_sponsor_asks_for_their_organisation(self, world: World) -> None:
        request = open_for(world, "sponsor")
        assert request.organisation == world.organisation and request.client is None

    def test_the_administrator_records_one_on_a_clients_behalf(self, world: World) -> None:
        received = timezone.localdate() - datetime.timedelta(days=3)
        response = world.http("admin").post(
            reverse("subject_access:new"),
            {"subject_kind": "client", "client_email": "CLIENT@example.org", "received_on": received.isoformat()},
        )
        assert response.status_code == 302
        request = SubjectAccessRequest.objects.get()
        assert request.received_on == received and request.requester == world.people["client"]
        assert request.opened_by == world.people["admin"]
        assert Notice.objects.filter(user=world.people["client"], link__contains=str(request.pk)).exists()

    def test_the_administrator_records_one_for_an_organisation_naming_its_contact(self, world: World) -> None:
        http = world.http("admin")
        wrong = http.post(
            reverse("subject_access:new"),
            {
                "subject_kind": "organisation",
                "organisation": str(world.organisation.pk),
                "contact_email": "other.sponsor@example.org",
                "received_on": timezone.localdate().isoformat(),
            },
        )
        assert wrong.status_code == 400 and not SubjectAccessRequest.objects.exists()
        right = http.post(
            reverse("subject_access:new"),
            {
                "subject_kind": "organisation",
                "organisation": str(world.organisation.pk),
                "contact_email": "sponsor@example.org",
                "received_on": timezone.localdate().isoformat(),
            },
        )
        assert right.status_code == 302
        assert SubjectAccessRequest.objects.get().requester == world.people["sponsor"]

    @pytest.mark.parametrize("days", [-1, sar.MAX_BACKDATE_DAYS + 1])
    def test_a_date_in_the_future_or_long_ago_is_refused(self, world: World, days: int) -> None:
        response = world.http("admin").post(
            reverse("subject_access:new"),
            {
                "subject_kind": "client",
                "client_email": "client@example.org",
                "received_on": (timezone.localdate() - datetime.timedelta(days=days)).isoformat(),
            },
        )
        assert response.status_code == 400 and not SubjectAccessRequest.objects.exists()

    def test_a_client_without_a_portal_sign_in_cannot_be_given_a_copy(self, world: World) -> None:
        from tests.factories import ClientFactory

        offline = ClientFactory(full_name="Offline Person")
        with pytest.raises(ValidationError, match="portal sign-in"):
            sar.subject_access_request_open(actor=world.people["admin"], client=offline)


@pytest.mark.django_db
class TestRefusal:
    def test_it_records_the_reason_tells_the_requester_and_deletes_any_copy(self, world: World, held: Held) -> None:
        request = built(world, open_for(world, "client"))
        key_id = SubjectAccessExport.objects.get(request=request).data_key_id
        Notice.objects.all().delete()
        sar.subject_access_refuse(actor=world.people["admin"], request=request, reason="Identity not confirmed.")
        request.refresh_from_db()
        assert request.state == "refused" and request.refusal_text == "Identity not confirmed."
        assert not SubjectAccessExport.objects.exists() and not DataKey.objects.filter(pk=key_id).exists()
        assert Notice.objects.filter(user=world.people["client"]).count() == 1
        page = world.http("client").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Identity not confirmed." in page and "complain" in page
        with pytest.raises(ValidationError):
            sar.subject_access_export_start(actor=world.people["admin"], request=request)


# --- the copy -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestClientCopy:
    def test_it_holds_everything_created_for_the_client_and_nothing_of_anyone_else(
        self, world: World, held: Held
    ) -> None:
        request = released(world, "client")
        response = download(world, "client", request)
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        copy = open_copy(body_of(response))
        data = copy.data

        assert data["format"] == "subject-access-export/1" and data["request"]["reference"] == request.reference
        assert data["identity"][0]["full_name"] == "Samira Quentin-Marsh"
        assert data["identity"][0]["portal_sign_in_email"] == "client@example.org"
        assert [e["reference"] for e in data["engagements"]] == [world.engagement.reference]
        # Agreements and signatures: the client's own named, the others by role.
        agreement = data["agreements"][0]
        assert agreement["state"] == "Signed by everyone" and len(agreement["text_sha256"]) == 64
        parties = {s["party"]: s for s in agreement["signatures"]}
        assert set(parties) == {"Client", "Sponsor", "Coach"}
        assert "signed_by" in parties["Client"] and "signed_by" not in parties["Sponsor"]
        assert {c["kind"] for c in data["consents"]} == {
            ConsentRecord.Kind.BASIC_INFORMATION.label,
            ConsentRecord.Kind.DISCLOSURE.label,
        }
        assert data["sessions"][0]["duration_minutes"] == 75
        notes = {n["text"]: n for n in data["notes"]}
        assert set(notes) == {PRIVATE_NOTE, SHARED_NOTE}  # private ones included
        assert notes[PRIVATE_NOTE]["shared_with_you"] is False and notes[PRIVATE_NOTE]["session_held_on"]
        # Shared documents, the files themselves inside the ZIP.
        [document] = data["documents"]
        assert document["name"] == SHARED_DOC_NAME
        assert copy.archive.read(document["file"]) == SHARED_DOC_BYTES
        assert SUPPLIED_DOC_BYTES.decode() not in copy.everything  # not shared with the client
        # Reports with every version and the client's comments.
        by_title = {r["title"]: r for r in data["reports"]}
        assert by_title["Mid-point summary"]["versions"][0]["sections"][0]["text"] == REPORT_TEXT
        assert by_title["Mid-point summary"]["versions"][0]["comments"][0]["text"] == COMMENT_TEXT
        assert by_title["Mid-point summary"]["versions"][0]["comments"][0]["by"] == "You"
        assert by_title["Final summary"]["versions"][0]["sections"][0]["text"] == DRAFT_REPORT_TEXT
        # Feedback at the agreed anonymity, no source named.
        [given] = data["feedback"]
        assert given["answers"] == [{"from": "Peer", "answer": FEEDBACK_ANSWER}]
        assert SOURCE_NAME not in copy.everything and SOURCE_EMAIL not in copy.everything
        assert "Brightwater" not in copy.everything
        made = [d["what"] for d in data["disclosures"] if "what" in d]
        assert DISCLOSURE_WHAT in made and len(made) == 2  # and the released report's own record
        assert [c["text"] for c in data["complaints"]] == [COMPLAINT_TEXT]
        actions = {e["action"] for e in data["access_log"]}
        assert {"note.create", "document.upload"} <= actions
        # Nothing the client may not learn of yet: when each feedback source answered, concerns, pending disclosures.
        assert not any(a.startswith(("feedback.", "concern.", "disclosure.")) for a in actions)
        assert AuditEvent.objects.filter(client_id=world.client_record.pk, action="feedback.answer").exists()
        assert all(e["who"] != "coach@example.org" or e["role"] == "coach" for e in data["access_log"])
        assert data["subject_access_requests"][0]["reference"] == request.reference

        # The readable copy says the same.
        for text in (PRIVATE_NOTE, SHARED_NOTE, REPORT_TEXT, FEEDBACK_ANSWER, COMPLAINT_TEXT, "Samira Quentin-Marsh"):
            assert text in copy.pdf_text, text
        assert "client@example.org" in copy.pdf_text  # watermarked with the requester

        # Nothing of the other client's.
        for other in (OTHER_NOTE, OTHER_NAME, world.other_engagement.reference, "Harbour Health Trust"):
            assert other not in copy.everything, other

    def test_the_administrator_sees_counts_not_content_and_cannot_download(self, world: World, held: Held) -> None:
        request = built(world, open_for(world, "client"))
        page = world.http("admin").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Contents of the copy" in page and "Notes about your coaching" in page
        assert PRIVATE_NOTE not in page and "Read the copy, withhold what the law allows, and release it" in page
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        assert download(world, "admin", request).status_code == 404

    def test_it_is_stored_encrypted(self, world: World, held: Held, media_dir: Path) -> None:
        request = released(world, "client")
        export = SubjectAccessExport.objects.get(request=request)
        stored = (media_dir / export.blob_name).read_bytes()
        assert stored.startswith(b"SAR1") and b"PK\x03\x04" not in stored
        assert PRIVATE_NOTE.encode() not in stored and b"information.json" not in stored
        assert export.size == len(body_of(download(world, "client", request)))

    def test_a_stored_copy_that_was_tampered_with_does_not_download(
        self, world: World, held: Held, media_dir: Path
    ) -> None:
        from confidentiality.crypto import DecryptionError

        request = released(world, "client")
        export = SubjectAccessExport.objects.get(request=request)
        path = media_dir / export.blob_name
        raw = bytearray(path.read_bytes())
        raw[-5] ^= 0xFF
        path.write_bytes(bytes(raw))
        with pytest.raises(DecryptionError):
            body_of(download(world, "client", request))

    def test_building_twice_builds_once(self, world: World, held: Held) -> None:
        request = open_for(world, "client")
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        assert sar.export_build(export_id=export.pk) is True
        assert sar.export_build(export_id=export.pk) is False
        assert AuditEvent.objects.filter(action="subject_access.export_built").count() == 1

    def test_a_worker_that_died_leaves_a_claim_that_lapses(self, world: World, held: Held, queued: list[str]) -> None:
        request = open_for(world, "client")
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        SubjectAccessExport.objects.filter(pk=export.pk).update(state="building", claimed_at=timezone.now(), attempts=1)
        assert sar.export_build(export_id=export.pk) is False  # still held by the (dead) worker
        later = timezone.now() + datetime.timedelta(hours=2)
        with time_machine.travel(later, tick=False):
            assert sar.requeue_stale_exports() == 1  # the periodic task sends it again
            assert queued == [str(export.pk)]
            assert sar.export_build(export_id=export.pk) is True
            assert sar.requeue_stale_exports() == 0
        export.refresh_from_db()
        assert export.state == "built" and export.attempts == 2 and export.progress == 100

    def test_a_failed_build_can_be_started_again(self, world: World, held: Held, monkeypatch: Any) -> None:
        from rights import exports

        request = open_for(world, "client")
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("disk full")

        monkeypatch.setattr(exports, "build", broken)
        Notice.objects.all().delete()
        assert sar.export_build(export_id=export.pk) is False
        export.refresh_from_db()
        assert export.state == "failed" and export.error == "RuntimeError"
        assert Notice.objects.filter(user=world.people["admin"], text__contains="failed").exists()
        page = world.http("admin").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Try making the copy again" in page and "disk full" not in page
        monkeypatch.undo()
        sar.subject_access_export_start(actor=world.people["admin"], request=request)
        assert sar.export_build(export_id=export.pk) is True

    def test_the_task_builds_it(self, world: World, held: Held) -> None:
        from rights.tasks import subject_access_export_task

        request = open_for(world, "client")
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        subject_access_export_task.apply(args=[str(export.pk)])
        request.refresh_from_db()
        assert request.state == "ready"


@pytest.mark.django_db
class TestFilesHeldUntilWritten:
    def test_each_file_waits_to_be_written_without_its_document_or_engagement(self, world: World, held: Held) -> None:
        """A client with a thousand documents: what waits for the ZIP is each file's ids and name,
        not the document and its engagement, or the copy's memory grows with the documents."""
        from django.db import models

        from rights.exports import client_contents

        contents = client_contents(world.client_record)
        [entry] = [f for f in contents.files if f.record_id == str(held.shared_document.pk)]
        held_objects = [cell.cell_contents for cell in entry.load.__closure__ or ()]
        held_objects += [getattr(o, name) for o in held_objects for name in getattr(o, "__slots__", ())]
        assert not [o for o in held_objects if isinstance(o, models.Model)]
        assert entry.load() == SHARED_DOC_BYTES


@pytest.mark.django_db
class TestOrganisationCopy:
    @pytest.fixture(autouse=True)
    def _vat_registered(self, db: Any) -> None:
        """The copy's invoices charge VAT: the practice is registered for it."""
        vat_registered()

    def test_it_holds_the_organisations_own_information_and_no_clients_confidential_material(
        self, world: World, held: Held
    ) -> None:
        from decimal import Decimal

        from finance import services as finance

        admin = world.people["admin"]
        line = finance.LineInput("Coaching sessions, March", Decimal("4"), Decimal("250.00"), Decimal("20"))
        invoice = finance.invoice_issue(
            actor=admin,
            invoice=finance.invoice_create(
                actor=admin, organisation=world.organisation, engagement=world.engagement, lines=[line]
            ),
        )
        finance.payment_record(
            actor=admin, invoice=invoice, amount="500.00", received_on=timezone.localdate(), reference="BACS 0042"
        )
        finance.invoice_create(actor=admin, organisation=world.organisation, lines=[line])  # a draft: never sent
        finance.invoice_issue(
            actor=admin,
            invoice=finance.invoice_create(actor=admin, organisation=world.other_organisation, lines=[line]),
        )
        request = released(world, "sponsor")
        response = download(world, "sponsor", request)
        assert response.status_code == 200
        copy = open_copy(body_of(response))
        data = copy.data
        [issued] = data["invoices"]  # not the draft, not the other organisation's
        assert issued["reference"] == invoice.reference and issued["gross"] == "1200.00"
        assert issued["lines"][0]["description"] == "Coaching sessions, March"
        assert [(p["amount"], p["reference"]) for p in issued["payments"]] == [("500.00", "BACS 0042")]
        assert invoice.reference in copy.pdf_text
        assert data["organisation"][0]["name"] == "Northwind Trading"
        assert [c["email"] for c in data["contacts"]] == ["sponsor@example.org"]
        assert data["agreements"] and all("text" in a for a in data["agreements"])
        [report] = data["released_reports"]
        assert report["sections"][0]["text"] == REPORT_TEXT
        [document] = data["documents"]
        assert copy.archive.read(document["file"]) == SUPPLIED_DOC_BYTES
        assert REPORT_TEXT in copy.pdf_text
        for confidential in (
            PRIVATE_NOTE,
            SHARED_NOTE,
            DRAFT_REPORT_TEXT,
            COMMENT_TEXT,
            FEEDBACK_ANSWER,
            SOURCE_NAME,
            DISCLOSURE_WHAT,
            COMPLAINT_TEXT,
            SHARED_DOC_BYTES.decode(),
            "Samira Quentin-Marsh",
            "client@example.org",
            OTHER_NOTE,
            OTHER_NAME,
            "Harbour Health Trust",
        ):
            assert confidential not in copy.everything, confidential
        assert {"notes", "feedback", "identity", "complaints"}.isdisjoint(data)

    def test_only_the_contact_named_on_the_request_downloads_it(self, world: World, held: Held) -> None:
        from django.test import Client as HttpClient

        from confidentiality.roles import Role
        from tests.conftest import login
        from tests.factories import UserFactory

        colleague = UserFactory(role=Role.SPONSOR, email="colleague@example.org", organisation=world.organisation)
        request = released(world, "sponsor")
        response = login(HttpClient(), colleague).get(reverse("subject_access:download", args=[request.pk]))
        assert response.status_code == 404
        assert download(world, "other_sponsor", request).status_code == 404
        assert download(world, "sponsor", request).status_code == 200

    def test_it_holds_only_the_engagements_its_contact_is_on(self, world: World, held: Held) -> None:
        from confidentiality.roles import Role
        from reports import services as report_services
        from tests.factories import ClientFactory, EngagementFactory, UserFactory

        colleague = UserFactory(role=Role.SPONSOR, email="colleague@example.org", organisation=world.organisation)
        client = ClientFactory(user=UserFactory(role=Role.CLIENT), full_name="Theodora Vance")
        theirs = EngagementFactory(
            organisation=world.organisation,
            client=client,
            coaches=[world.people["coach"]],
            sponsors=[colleague],
            reference="ENG-COLLEAGUE-1",
        )
        coach = world.people["coach"]
        report = report_services.report_create(
            actor=coach, engagement=theirs, title="Colleague's report", sections={goals().pk: "Qx-colleague-report"}
        )
        report_services.report_submit(actor=coach, report=report, expected_version=1)
        report_services.report_approve(actor=client.user, report=report, version_number=1)
        report_services.report_release(actor=coach, report=report, expected_version=1)
        from decimal import Decimal

        from finance import services as finance

        admin = world.people["admin"]
        line = finance.LineInput("Coaching for the colleague's team", Decimal("1"), Decimal("250.00"), Decimal("20"))
        finance.invoice_issue(
            actor=admin,
            invoice=finance.invoice_create(
                actor=admin, organisation=world.organisation, engagement=theirs, lines=[line]
            ),
        )
        # The colleague's own request is theirs to ask for, beside this one, and theirs to see.
        colleague_request = sar.subject_access_request_open(actor=colleague)
        copy = open_copy(body_of(download(world, "sponsor", released(world, "sponsor"))))
        assert "Coaching for the colleague's team" not in copy.everything
        assert colleague_request.reference not in copy.everything
        assert (
            world.http("sponsor").get(reverse("subject_access:detail", args=[colleague_request.pk])).status_code == 404
        )
        [own] = copy.data["released_reports"]
        assert own["sections"][0]["text"] == REPORT_TEXT
        assert "Qx-colleague-report" not in copy.everything
        assert "ENG-COLLEAGUE-1" not in copy.everything
        assert [e["reference"] for e in copy.data["engagements"]] == [world.engagement.reference]


@pytest.mark.embedded
@pytest.mark.django_db
class TestDownloadWindow:
    def test_each_download_is_audited(self, world: World, held: Held) -> None:
        request = released(world, "client")
        for _ in range(2):
            assert download(world, "client", request).status_code == 200
        events = AuditEvent.objects.filter(action="subject_access.download")
        assert events.count() == 2
        assert {e.client_id for e in events} == {world.client_record.pk}
        assert {e.actor_id for e in events} == {world.people["client"].pk}

    def test_it_is_not_downloadable_before_release(self, world: World, held: Held) -> None:
        request = built(world, open_for(world, "client"))
        assert download(world, "client", request).status_code == 409
        assert not AuditEvent.objects.filter(action="subject_access.download").exists()

    def test_after_seven_days_it_is_refused_and_the_purge_deletes_blob_row_and_key(
        self, world: World, held: Held, media_dir: Path
    ) -> None:
        request = released(world, "client")
        export = SubjectAccessExport.objects.get(request=request)
        assert export.expires_at == request.released_at + datetime.timedelta(days=7)
        blob = media_dir / export.blob_name
        assert blob.exists()
        with time_machine.travel(export.expires_at - datetime.timedelta(minutes=1), tick=False):
            assert download(world, "client", request).status_code == 200
            assert sar.purge_expired_exports(timezone.now()) == 0
        with time_machine.travel(export.expires_at + datetime.timedelta(seconds=1), tick=False):
            response = download(world, "client", request)
            assert response.status_code == 410 and "deleted" in response.content.decode()
            assert world.api("client").get(f"/api/v1/subject-access-requests/{request.pk}/export/").status_code == 410
            assert sar.purge_expired_exports(timezone.now()) == 1
            assert sar.purge_expired_exports(timezone.now()) == 0
        assert not blob.exists() and not default_storage.exists(export.blob_name)
        assert not SubjectAccessExport.objects.exists()
        assert not DataKey.objects.filter(pk=export.data_key_id).exists()
        request.refresh_from_db()
        assert request.state == "completed"  # the register keeps the request
        assert AuditEvent.objects.filter(action="subject_access.export_purged").count() == 1

    def test_a_copy_not_released_within_fourteen_days_is_deleted_and_can_be_made_again(
        self, world: World, held: Held, media_dir: Path
    ) -> None:
        request = built(world, open_for(world, "client"))
        export = SubjectAccessExport.objects.get(request=request)
        assert export.finished_at is not None and export.expires_at is None
        blob = media_dir / export.blob_name
        deadline = export.finished_at + datetime.timedelta(days=14)
        with time_machine.travel(deadline - datetime.timedelta(minutes=1), tick=False):
            assert sar.purge_expired_exports(timezone.now()) == 0
        assert blob.exists()
        with time_machine.travel(deadline + datetime.timedelta(seconds=1), tick=False):
            assert sar.purge_expired_exports(timezone.now()) == 1
        assert not blob.exists() and not SubjectAccessExport.objects.exists()
        assert not DataKey.objects.filter(pk=export.data_key_id).exists()
        request.refresh_from_db()
        assert request.state == "in_progress"  # still open, waiting for its copy
        assert AuditEvent.objects.filter(action="subject_access.export_purged_unreleased").count() == 1
        notice = Notice.objects.filter(user=world.people["admin"], text__contains="not released").get()
        assert request.reference in notice.text
        with pytest.raises(ValidationError):  # nothing to release now
            sar.copy_for_review(actor=world.people["admin"], request=request)
            sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        again = built(world, request)
        assert again.state == "ready" and SubjectAccessExport.objects.get(request=request).pk != export.pk

    def test_the_purge_removes_copies_whose_request_was_deleted(
        self, world: World, held: Held, media_dir: Path
    ) -> None:
        request = released(world, "client")
        export = SubjectAccessExport.objects.get(request=request)
        # As a retention sweep does when it deletes the client with everything of theirs.
        SubjectAccessExport.objects.filter(pk=export.pk)._raw_delete("default")
        assert sar.purge_expired_exports(timezone.now()) == 0
        assert not (media_dir / export.blob_name).exists()
        assert not DataKey.objects.filter(pk=export.data_key_id).exists()


# --- who is told what (who may reach each page and endpoint is the access matrix's) ------------


@pytest.mark.django_db
class TestPersonasOnReleasedCopies(BuiltOnce):
    """A client's and an organisation's released copy, built once for the class's tests."""

    @staticmethod
    def build() -> tuple[World, tuple[SubjectAccessRequest, SubjectAccessRequest]]:
        from unittest import mock

        from rights.tasks import subject_access_export_task

        world = build_world()
        # Who is told what does not depend on the PDF: a stand-in keeps the world fast to build.
        with (
            mock.patch("confidentiality.pdf.render_pdf", lambda *args, **kwargs: b"%PDF-1.4 stand-in"),
            mock.patch.object(subject_access_export_task, "delay", lambda export_id: None),
        ):
            return world, (released(world, "client"), released(world, "sponsor"))

    @pytest.fixture
    def world(self, fresh: tuple[World, Any]) -> World:
        return fresh[0]

    @pytest.fixture
    def both(self, fresh: tuple[World, Any]) -> tuple[SubjectAccessRequest, SubjectAccessRequest]:
        return fresh[1]

    def test_no_page_names_a_client_and_a_sponsor_is_not_told_a_client_asked(self, world: World, both: Any) -> None:
        client_request, organisation_request = both
        listed = reverse("subject_access:list")
        pages = {
            "client": [listed, reverse("subject_access:detail", args=[client_request.pk])],
            "sponsor": [listed, reverse("subject_access:detail", args=[organisation_request.pk])],
            "other_sponsor": [listed],
        }
        for persona, urls in pages.items():
            for url in urls:
                response = world.http(persona).get(url)
                body = response.content.decode()
                assert response.status_code == 200, (persona, url)
                assert OTHER_NAME not in body and "Samira Quentin-Marsh" not in body, (persona, url)
                if persona != "client":
                    assert client_request.reference not in body, (persona, url)

    def test_the_api_lists_each_requester_only_their_own(self, world: World, both: Any) -> None:
        client_request, organisation_request = both
        expected = {
            "client": {client_request.reference},
            "sponsor": {organisation_request.reference},
            "other_sponsor": set(),
            "admin": {client_request.reference, organisation_request.reference},
        }
        for persona, references in expected.items():
            results = world.api(persona).get("/api/v1/subject-access-requests/").json()["results"]
            assert {r["reference"] for r in results} == references, persona


@pytest.mark.django_db
class TestRegister:
    def test_the_register_costs_the_same_number_of_queries_however_many(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        from confidentiality.roles import Role
        from tests.factories import ClientFactory, UserFactory

        for n in range(12):
            person = UserFactory(role=Role.CLIENT, email=f"many{n}@example.org")
            ClientFactory(full_name=f"Client number {n}", user=person)
            sar.subject_access_request_open(actor=person)
        http = world.http("admin")
        http.get(reverse("subject_access:list"))
        with django_assert_max_num_queries(14):
            body = http.get(reverse("subject_access:list")).content.decode()
        assert "Client number 11" in body
        api = world.api("admin")
        with django_assert_max_num_queries(8):
            assert len(api.get("/api/v1/subject-access-requests/").json()["results"]) == 12


@pytest.mark.django_db
class TestApi:
    def test_a_client_opens_one_for_themselves_only(self, world: World) -> None:
        api = world.api("client")
        other_client = world.other_engagement.client
        assert (
            api.post(
                "/api/v1/subject-access-requests/", {"client": str(other_client.pk)}, content_type="application/json"
            ).status_code
            == 404
        )
        created = api.post("/api/v1/subject-access-requests/", {}, content_type="application/json")
        assert created.status_code == 201
        body = created.json()
        assert body["subject_kind"] == "client" and body["state"] == "received" and body["export"] is None
        again = api.post("/api/v1/subject-access-requests/", {}, content_type="application/json")
        assert again.status_code == 400 and "still open" in str(again.json())

    def test_a_sponsor_opens_one_for_their_organisation_only(self, world: World) -> None:
        api = world.api("sponsor")
        assert (
            api.post(
                "/api/v1/subject-access-requests/",
                {"organisation": str(world.other_organisation.pk)},
                content_type="application/json",
            ).status_code
            == 404
        )
        created = api.post("/api/v1/subject-access-requests/", {}, content_type="application/json")
        assert created.status_code == 201 and created.json()["organisation"] == str(world.organisation.pk)

    def test_the_administrator_opens_starts_and_the_client_downloads(self, world: World, held: Held) -> None:
        admin = world.api("admin")
        created = admin.post(
            "/api/v1/subject-access-requests/",
            {"client": str(world.client_record.pk)},
            content_type="application/json",
        )
        assert created.status_code == 201
        pk = created.json()["id"]
        started = admin.post(f"/api/v1/subject-access-requests/{pk}/export/")
        assert started.status_code == 202 and started.json()["state"] == "in_progress"
        assert admin.post(f"/api/v1/subject-access-requests/{pk}/export/").status_code == 409
        export = SubjectAccessExport.objects.get(request_id=pk)
        assert world.api("client").get(f"/api/v1/subject-access-requests/{pk}/export/").status_code == 409
        sar.export_build(export_id=export.pk)
        sar.copy_for_review(actor=world.people["admin"], request=SubjectAccessRequest.objects.get(pk=pk))
        sar.subject_access_release(
            actor=world.people["admin"], request=SubjectAccessRequest.objects.get(pk=pk), reviewed=True
        )
        detail = world.api("client").get(f"/api/v1/subject-access-requests/{pk}/").json()
        assert detail["state"] == "completed" and detail["export"]["expires_at"]
        response = world.api("client").get(f"/api/v1/subject-access-requests/{pk}/export/")
        assert response.status_code == 200
        assert PRIVATE_NOTE in open_copy(body_of(response)).data["notes"][0]["text"] + PRIVATE_NOTE

    def test_bad_input_is_a_clear_error(self, world: World) -> None:
        admin = world.api("admin")
        neither = admin.post("/api/v1/subject-access-requests/", {}, content_type="application/json")
        assert neither.status_code == 400
        bad = admin.post("/api/v1/subject-access-requests/", {"client": "nope"}, content_type="application/json")
        assert bad.status_code == 400
        assert not SubjectAccessRequest.objects.exists()


@pytest.mark.django_db
class TestPages:
    def test_the_client_sees_progress_then_the_download(self, world: World, held: Held) -> None:
        request = open_for(world, "client")
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        page = world.http("client").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert '<progress id="sar-progress" max="100" value="0">' in page
        assert '<label for="sar-progress">' in page and "sar_progress.js" in page
        status = world.http("client").get(reverse("subject_access:status", args=[request.pk])).json()
        assert status == {
            "state": "in_progress",
            "state_label": "In progress: the copy is being prepared",
            "export_state": "queued",
            "progress": 0,
            "step": "",
        }
        sar.export_build(export_id=export.pk)
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        page = world.http("client").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Download the copy" in page and "<progress" not in page

    def test_starting_queues_the_job_once_committed(
        self, world: World, queued: list[str], django_capture_on_commit_callbacks: Any
    ) -> None:
        request = open_for(world, "client")
        with django_capture_on_commit_callbacks(execute=True):
            response = world.http("admin").post(reverse("subject_access:start", args=[request.pk]))
        assert response.status_code == 302
        assert queued == [str(SubjectAccessExport.objects.get(request=request).pk)]
        again = world.http("admin").post(reverse("subject_access:start", args=[request.pk]), follow=True)
        assert "already being made" in again.content.decode() and len(queued) == 1

    def test_the_nav_offers_the_request_page(self, world: World) -> None:
        for persona, label in (
            ("client", "My information and my rights"),
            ("sponsor", "A copy of our information"),
            ("admin", "Data-protection requests"),
        ):
            assert label in world.http(persona).get(reverse("dashboard")).content.decode()
        for persona in ("coach", "auditor"):
            assert reverse("subject_access:list") not in world.http(persona).get(reverse("dashboard")).content.decode()
