"""A note, session or document filed on the wrong engagement is withdrawn by its author at once
(issue 21): deleted through the retention engine with a receipt (and again after a restore), audited,
the client who could read it told it was withdrawn, the client it was about told where it had been,
and a suspected breach reported where anyone but its author could read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from complaints.models import Breach
from confidentiality.models import AuditEvent, Notice
from engagements import services
from engagements.models import CoachingSession, Document, EngagementMember, Note, NoteCorrection
from retention.models import DeletionReceipt
from tests.conftest import World
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

MISFILED = "Sam spoke about the redundancy at Harrow; Quillfeather."
WHY = "Written about another client."


@pytest.fixture(autouse=True)
def _storage_and_journal(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.RETENTION_JOURNAL = tmp_path / "journal" / "receipts.jsonl"


def withdraw(world: World, kind: str, record: Any, **data: Any) -> Any:
    return world.http("coach").post(reverse("retention:withdraw", args=[kind, record.pk]), {"reason": WHY, **data})


def right_engagement(world: World) -> Any:
    """Another engagement of the same coach, whose client the note was really about."""
    from confidentiality.roles import Role

    client = ClientFactory(full_name="Sam Okafor", user=UserFactory(role=Role.CLIENT, email="sam@example.org"))
    return services.engagement_create(
        actor=world.people["admin"],
        reference="ENG-W-2",
        title="Leadership coaching",
        organisation=world.organisation,
        client=client,
        coaches=[world.people["coach"]],
        sponsors=[],
        starts_on=world.engagement.starts_on,
    )


class TestWithdrawing:
    def test_a_private_note_goes_at_once_with_a_receipt_and_no_breach(
        self, world: World, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        coach = world.people["coach"]
        note = services.note_create(actor=coach, engagement=world.engagement, body=MISFILED)
        services.note_correct(actor=coach, note=note, body="The meeting was on Tuesday.")
        page = world.http("coach").get(reverse("engagements:note_view", args=[note.pk])).content.decode()
        assert reverse("retention:withdraw", args=["note", note.pk]) in page
        with django_capture_on_commit_callbacks(execute=True):
            response = withdraw(world, "note", note)
        assert response.status_code == 302
        assert not Note.objects.filter(pk=note.pk).exists() and not NoteCorrection.objects.exists()
        receipt = DeletionReceipt.objects.get(rule="withdrawn", kind="engagements.note")
        assert receipt.object_ids == [str(note.pk)]
        journal = Path(settings.RETENTION_JOURNAL).read_text()
        assert str(note.pk) in journal and "Quillfeather" not in journal
        event = AuditEvent.objects.get(action="record.withdraw")
        assert event.engagement_id == world.engagement.pk and "Quillfeather" not in json.dumps(event.detail)
        assert not Breach.objects.exists()

    def test_a_shared_note_tells_both_clients_and_reports_a_breach(self, world: World) -> None:
        coach = world.people["coach"]
        belongs = right_engagement(world)
        note = services.note_create(actor=coach, engagement=world.engagement, body=MISFILED, shared_with_client=True)
        response = withdraw(world, "note", note, belongs_to=str(belongs.pk))
        assert response.status_code == 302
        told = Notice.objects.get(user=world.people["client"], text__contains="filed there by mistake")
        assert "Quillfeather" not in told.text and "Sam" not in told.text
        sam = belongs.client.user
        where = Notice.objects.get(user=sam, text__contains="filed by mistake on another engagement")
        assert "the client of that engagement" in where.text and world.engagement.reference not in where.text
        breach = Breach.objects.get()
        assert breach.status == Breach.Status.SUSPECTED and world.engagement.reference in breach.what_happened

    def test_another_coach_on_the_engagement_makes_it_a_possible_breach(self, world: World) -> None:
        services.engagement_member_add(
            actor=world.people["admin"],
            engagement=world.engagement,
            user=world.people["other_coach"],
            kind=EngagementMember.Kind.COACH,
        )
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=MISFILED)
        assert withdraw(world, "note", note).status_code == 302
        assert "1 other coach" in Breach.objects.get().people_affected

    def test_a_document_goes_with_its_stored_file_and_a_session_leaves_its_notes(self, world: World) -> None:
        from django.core.files.storage import default_storage

        coach = world.people["coach"]
        document = services.document_upload(actor=coach, engagement=world.engagement, name="plan.txt", content=b"A")
        blob = document.blob_name
        assert withdraw(world, "document", document).status_code == 302
        assert not Document.objects.filter(pk=document.pk).exists() and not default_storage.exists(blob)
        from django.utils import timezone

        session = services.session_record(
            actor=coach, engagement=world.engagement, held_on=timezone.localdate(), duration_minutes=60, mode="video"
        )
        note = services.note_create(actor=coach, engagement=world.engagement, body="Kept.", session=session)
        assert withdraw(world, "session", session).status_code == 302
        assert not CoachingSession.objects.filter(pk=session.pk).exists()
        assert Note.objects.get(pk=note.pk).session_id is None

    def test_a_restore_cannot_bring_it_back(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        from retention.reapply import reapply

        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=MISFILED)
        with django_capture_on_commit_callbacks(execute=True):
            withdraw(world, "note", note)
        note.save(force_insert=True)  # as a restored backup would bring the row back
        with django_capture_on_commit_callbacks(execute=True):
            reapply()
        assert not Note.objects.filter(pk=note.pk).exists()


class TestRefusals:
    def test_only_its_author_withdraws_it(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=MISFILED)
        url = reverse("retention:withdraw", args=["note", note.pk])
        for persona in ("other_coach", "client", "sponsor", "admin", "auditor", "superuser"):
            assert world.http(persona).post(url, {"reason": WHY}).status_code == 404, persona
        assert world.http("coach").get(reverse("retention:withdraw", args=["nonsense", note.pk])).status_code == 404
        assert Note.objects.filter(pk=note.pk).exists()

    def test_without_a_reason_nothing_goes_and_the_form_says_why(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=MISFILED)
        response = world.http("coach").post(reverse("retention:withdraw", args=["note", note.pk]), {"reason": ""})
        assert response.status_code == 400 and Note.objects.filter(pk=note.pk).exists()

    def test_a_legal_hold_stops_it(self, world: World) -> None:
        from retention import services as retention_services

        retention_services.hold_place(
            actor=world.people["admin"], target=world.engagement, case_reference="Claim 7", reason="Tribunal"
        )
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=MISFILED)
        response = withdraw(world, "note", note)
        assert response.status_code == 400 and "legal hold" in response.content.decode()
        assert Note.objects.filter(pk=note.pk).exists()


class TestFoundInReview:
    """What an attacker's review of the first version found: each was a fault then."""

    def test_a_document_another_record_rests_on_is_not_withdrawn(self, world: World) -> None:
        from consent.models import ConsentRecord
        from consent.services import consent_record

        scan = services.document_upload(
            actor=world.people["coach"], engagement=world.engagement, name="consent-scan.pdf", content=b"%PDF-1.4 x"
        )
        consent = consent_record(
            actor=world.people["coach"],
            client=world.client_record,
            engagement=world.engagement,
            kind=ConsentRecord.Kind.DISCLOSURE,
            wording="I agree that my coach tells my GP.",
            method=ConsentRecord.Method.PAPER,
            evidence=scan,
        )
        response = withdraw(world, "document", scan)
        assert response.status_code == 400 and "part of another record" in response.content.decode()
        assert Document.objects.filter(pk=scan.pk).exists() and ConsentRecord.objects.filter(pk=consent.pk).exists()

    def test_nothing_is_withdrawn_while_the_clients_request_is_open(self, world: World) -> None:
        from rights import services as sar

        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=MISFILED)
        sar.subject_access_request_open(actor=world.people["client"])
        response = withdraw(world, "note", note)
        assert response.status_code == 400 and "request under their rights open" in response.content.decode()
        assert Note.objects.filter(pk=note.pk).exists()

    def test_a_second_submission_reports_nothing_twice(self, world: World) -> None:
        from retention.withdrawal import record_withdraw

        note = services.note_create(
            actor=world.people["coach"], engagement=world.engagement, body=MISFILED, shared_with_client=True
        )
        record_withdraw(actor=world.people["coach"], kind="note", record=note, reason=WHY)
        assert withdraw(world, "note", note).status_code == 404
        assert Breach.objects.count() == 1 and AuditEvent.objects.filter(action="record.withdraw").count() == 1


class TestCryptoShredding:
    def test_a_copy_of_the_withdrawn_note_no_longer_opens_and_the_rest_still_does(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        """Issue 21: the content is crypto-shredded, not only deleted: the engagement's key changes and
        the old one is destroyed, so the ciphertext a backup kept of the withdrawn note is unreadable."""
        from django.core.files.storage import default_storage
        from django.db import connection

        from confidentiality.crypto import data_key_cache, token_key_id
        from confidentiality.models import DataKey
        from engagements.models import Engagement

        coach = world.people["coach"]
        kept = services.note_create(actor=coach, engagement=world.engagement, body="The client's own goals.")
        note = services.note_create(actor=coach, engagement=world.engagement, body=MISFILED)
        document = services.document_upload(
            actor=coach, engagement=world.engagement, name="plan.txt", content=b"The plan.", shared_with_client=False
        )
        old_key = world.engagement.data_key_id
        with connection.cursor() as cursor:  # what a backup holds of the note
            pk = Note._meta.pk.get_db_prep_value(note.pk, connection)  # type: ignore[union-attr]
            cursor.execute("SELECT body FROM engagements_note WHERE id = %s", [pk])
            (backed_up,) = cursor.fetchone()
        with django_capture_on_commit_callbacks(execute=True):
            assert withdraw(world, "note", note).status_code == 302
        engagement = Engagement.objects.get(pk=world.engagement.pk)
        assert engagement.data_key_id != old_key and not DataKey.objects.filter(pk=old_key).exists()
        data_key_cache.clear()
        assert Note.objects.get(pk=kept.pk).body == "The client's own goals."  # the rest still opens
        stored = Document.objects.get(pk=document.pk)
        with default_storage.open(stored.blob_name, "rb") as handle:
            assert services.document_content(stored, handle.read()) == b"The plan."
        # The copy a backup kept names the old key, which no longer exists anywhere in the database.
        assert str(token_key_id(backed_up)) == str(old_key)
