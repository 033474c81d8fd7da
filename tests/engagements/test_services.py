from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import AuditEvent, Notice
from engagements import services
from engagements.models import BreakGlassGrant, Document, HardCopy, Note
from tests.conftest import World
from tests.engagements.conftest import DOCUMENT_BYTES, DOCUMENT_NAME, HARD_COPY_TEXT, PRIVATE_TEXT, SHARED_TEXT, Content


def dump_database() -> str:
    """Every text and binary value of every table, as a raw read of the database would see it."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


@pytest.mark.django_db
class TestAtRest:
    def test_the_database_holds_no_note_text_document_content_or_filename(self, content: Content) -> None:
        raw = dump_database()
        for secret in (PRIVATE_TEXT, SHARED_TEXT, DOCUMENT_NAME, HARD_COPY_TEXT, "Zebulon", "Samira"):
            assert secret not in raw

    def test_the_upload_folder_holds_no_content_and_no_original_name(self, content: Content, media_dir: Path) -> None:
        files = [p for p in media_dir.rglob("*") if p.is_file()]
        assert len(files) == 2
        for path in files:
            assert "Assessment" not in str(path) and "Shared-plan" not in str(path)
            data = path.read_bytes()
            assert b"Zebulon" not in data and b"%PDF" not in data and b"Plan for the client" not in data

    def test_a_document_round_trips_through_decryption(self, world: World, content: Content) -> None:
        response = world.http("coach").get(reverse("engagements:document_download", args=[content.private_document.pk]))
        assert b"".join(response.streaming_content if response.streaming else [response.content]) == DOCUMENT_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
class TestNotes:
    def test_a_note_is_private_unless_shared(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body="Private by default")
        assert note.shared_with_client is False and note.shared_at is None

    def test_sharing_tells_the_client_without_the_content(
        self, world: World, content: Content, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.note_set_shared(
                actor=world.people["coach"], note=content.private_note, shared=True, expected_version=1
            )
        assert Notice.objects.filter(user=world.people["client"]).exists()
        message = mail.outbox[-1]
        assert PRIVATE_TEXT not in message.body and "shared a note" in message.body
        assert f"/engagements/{world.engagement.pk}/notes/" in message.body

    @pytest.mark.parametrize("body", ["", "   ", "x" * 50_001])
    def test_bad_text_is_refused_and_changes_nothing(self, world: World, body: str) -> None:
        with pytest.raises(ValidationError):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body=body)
        assert not Note.objects.exists()

    def test_non_latin_and_script_text_round_trips_and_is_escaped(self, world: World) -> None:
        text = "Zoë Ñúñez-Øyen قال <script>alert(1)</script>"
        services.note_create(actor=world.people["coach"], engagement=world.engagement, body=text)
        assert Note.objects.get().body == text
        page = world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Zoë Ñúñez-Øyen قال" in page

    def test_a_stale_edit_is_refused_and_loses_nothing(self, world: World, content: Content) -> None:
        note = content.private_note
        first = services.note_update(
            actor=world.people["coach"], note=note, body="Edited by the first coach", expected_version=note.version
        )
        with pytest.raises(services.ConflictError):
            services.note_update(actor=world.people["coach"], note=note, body="Stale edit", expected_version=1)
        assert Note.objects.get(pk=note.pk).body == "Edited by the first coach"
        assert first.version == 2

    def test_two_coaches_editing_one_note_see_a_conflict_in_the_page(self, world: World, content: Content) -> None:
        from engagements.services import engagement_member_add
        from tests.factories import UserFactory

        second = UserFactory(role="coach")
        engagement_member_add(actor=world.people["admin"], engagement=world.engagement, user=second, kind="coach")
        from django.test import Client as HttpClient

        from tests.conftest import login

        url = reverse("engagements:note_edit", args=[content.private_note.pk])
        first_http, second_http = world.http("coach"), login(HttpClient(), second)
        first_http.get(url)
        second_http.get(url)
        assert first_http.post(url, {"body": "First coach's text", "version": 1}).status_code == 302
        page = second_http.post(url, {"body": "Second coach's text", "version": 1})
        assert page.status_code == 200
        text = page.content.decode()
        assert "changed by someone else" in text
        assert "First coach&#x27;s text" in text and "Second coach&#x27;s text" in text  # both kept on screen
        assert Note.objects.get(pk=content.private_note.pk).body == "First coach's text"

    def test_every_read_of_notes_is_audited(self, world: World, content: Content) -> None:
        before = AuditEvent.objects.filter(action="note.read").count()
        world.http("coach").get(reverse("engagements:note_list", args=[world.engagement.pk]))
        event = AuditEvent.objects.filter(action="note.read").latest("seq")
        assert AuditEvent.objects.filter(action="note.read").count() == before + 1
        assert event.actor_id == world.people["coach"].pk and event.detail["count"] == 2
        assert event.client_id == world.engagement.client_id
        world.http("client").get(reverse("engagements:note_list", args=[world.engagement.pk]))
        shared = AuditEvent.objects.filter(action="shared.read").latest("seq")
        assert shared.detail["ids"] == [str(content.shared_note.pk)]

    def test_a_closed_engagement_takes_no_new_notes(self, world: World) -> None:
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        world.engagement.refresh_from_db()
        with pytest.raises(ValidationError, match="closed"):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body="Too late")

    def test_a_session_cannot_be_recorded_in_the_future(self, world: World) -> None:
        with pytest.raises(ValidationError):
            services.session_record(
                actor=world.people["coach"],
                engagement=world.engagement,
                held_on=timezone.localdate() + datetime.timedelta(days=1),
                duration_minutes=60,
                mode="video",
            )


@pytest.mark.django_db
class TestDocuments:
    @pytest.mark.parametrize(
        ("name", "data", "message"),
        [
            ("empty.pdf", b"", "empty"),
            ("tool.exe", b"MZ\x90\x00", "not accepted"),
            ("fake.pdf", b"<html><script>alert(1)</script></html>", "not a .pdf"),
            ("fake.png", b"%PDF-1.4", "not a .png"),
            ("binary.txt", b"\x00\x01\x02", "text"),
            ("latin1.txt", "café".encode("latin-1"), "UTF-8"),
        ],
    )
    def test_a_bad_file_is_refused_with_a_clear_message(
        self, world: World, media_dir: Path, name: str, data: bytes, message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            services.document_upload(actor=world.people["coach"], engagement=world.engagement, name=name, content=data)
        assert not Document.objects.exists()
        assert not [p for p in media_dir.rglob("*") if p.is_file()]

    def test_an_oversized_file_is_refused(self, world: World, settings: Any) -> None:
        settings.DOCUMENT_MAX_BYTES = 1024
        with pytest.raises(ValidationError, match="larger than the limit"):
            services.document_upload(
                actor=world.people["coach"], engagement=world.engagement, name="big.txt", content=b"a" * 2048
            )

    def test_the_upload_page_says_what_was_wrong(self, world: World) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        http = world.http("coach")
        response = http.post(
            reverse("engagements:document_upload", args=[world.engagement.pk]),
            {"file": SimpleUploadedFile("evil.pdf", b"not a pdf at all")},
            follow=True,
        )
        assert "not a .pdf file" in response.content.decode()
        assert not Document.objects.exists()

    @pytest.mark.parametrize("name", ["../../etc/passwd.txt", "..\\..\\boot.txt", "/abs/path/plan.txt", "a\x00b.txt"])
    def test_path_tricks_in_names_never_become_paths(self, world: World, media_dir: Path, name: str) -> None:
        document = services.document_upload(
            actor=world.people["coach"], engagement=world.engagement, name=name, content=b"text"
        )
        assert "/" not in document.original_name and "\\" not in document.original_name
        assert document.blob_name.startswith("documents/") and ".." not in document.blob_name
        assert all(media_dir in p.parents for p in media_dir.rglob("*"))

    def test_downloads_are_audited(self, world: World, content: Content) -> None:
        world.http("client").get(reverse("engagements:document_download", args=[content.shared_document.pk]))
        event = AuditEvent.objects.filter(action="document.download").latest("seq")
        assert event.actor_id == world.people["client"].pk and event.object_id == str(content.shared_document.pk)

    def test_a_non_ascii_filename_downloads_safely(self, world: World) -> None:
        document = services.document_upload(
            actor=world.people["coach"], engagement=world.engagement, name='Zoë "plan".txt', content=b"x"
        )
        response = world.http("coach").get(reverse("engagements:document_download", args=[document.pk]))
        disposition = response["Content-Disposition"]
        assert "filename*=UTF-8''Zo%C3%AB%20%22plan%22.txt" in disposition
        assert '""' not in disposition


@pytest.mark.django_db
class TestBreakGlass:
    def test_it_needs_a_stated_reason(self, world: World, content: Content) -> None:
        with pytest.raises(ValidationError, match="at least 20"):
            services.break_glass_open(actor=world.people["admin"], note=content.private_note, reason="because")
        assert not BreakGlassGrant.objects.exists()

    def test_it_opens_one_note_for_a_while_tells_the_coach_and_is_audited(
        self, world: World, content: Content, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        # Shorter than the 30-minute idle timeout, so it is the grant, not the session, that ends.
        settings.BREAK_GLASS_MINUTES = 10
        admin = world.http("admin")
        url = reverse("engagements:note_view", args=[content.private_note.pk])
        assert admin.get(url).status_code == 404
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                services.break_glass_open(
                    actor=world.people["admin"], note=content.private_note, reason="Subject access request needs review"
                )
            page = admin.get(url)
            assert page.status_code == 200 and PRIVATE_TEXT in page.content.decode()
            # Only that note: the notes list stays closed.
            assert admin.get(reverse("engagements:note_list", args=[world.engagement.pk])).status_code == 404
        assert Notice.objects.filter(user=world.people["coach"], text__contains="break-glass").exists()
        assert PRIVATE_TEXT not in mail.outbox[-1].body
        assert AuditEvent.objects.filter(action="break_glass.open").exists()
        assert AuditEvent.objects.filter(action="note.read_break_glass", actor_id=world.people["admin"].pk).exists()
        later = start + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES, seconds=1)
        with time_machine.travel(later, tick=False):
            assert admin.get(reverse("dashboard")).status_code == 200  # still signed in
            assert admin.get(url).status_code == 404  # but the grant has ended

    def test_no_one_else_can_break_glass(self, world: World, content: Content) -> None:
        for persona in ("coach", "auditor", "superuser", "client"):
            with pytest.raises(PermissionDenied):
                services.break_glass_open(
                    actor=world.people[persona], note=content.private_note, reason="A long enough reason to pass"
                )


@pytest.mark.django_db
class TestCloseAndHardCopies:
    def test_closing_makes_hard_copies_due_for_return(self, world: World, content: Content) -> None:
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        copy = HardCopy.objects.get(pk=content.hard_copy.pk)
        assert copy.state == HardCopy.State.RETURN_DUE and copy.return_due_on is not None
        world.engagement.refresh_from_db()
        assert world.engagement.closed_at is not None  # the retention clock starts

    def test_an_organisation_that_lets_us_keep_them_keeps_them(self, world: World, content: Content) -> None:
        world.organisation.keep_hard_copies = True
        world.organisation.save()
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        assert HardCopy.objects.get(pk=content.hard_copy.pk).state == HardCopy.State.KEPT

    def test_the_coach_dashboard_lists_the_return_task(self, world: World, content: Content) -> None:
        HardCopy.objects.filter(pk=content.hard_copy.pk).update(state=HardCopy.State.RETURN_DUE)
        page = world.http("coach").get(reverse("dashboard")).content.decode()
        assert "Return hard copies to the organisation" in page

    def test_a_stale_engagement_edit_is_refused(self, world: World) -> None:
        admin = world.people["admin"]
        kwargs = {"title": "New title", "status": "active", "starts_on": world.engagement.starts_on, "ends_on": None}
        opened = world.engagement.version
        services.engagement_update(actor=admin, engagement=world.engagement, expected_version=opened, **kwargs)
        with pytest.raises(services.ConflictError):
            services.engagement_update(actor=admin, engagement=world.engagement, expected_version=opened, **kwargs)


@pytest.mark.django_db
class TestWhoHasReadMyFile:
    def test_the_client_sees_each_person_who_read_their_records(self, world: World, content: Content) -> None:
        world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk]))
        world.http("client").get(reverse("engagements:detail", args=[world.engagement.pk]))  # their own read
        page = world.http("client").get(reverse("engagements:access_log"))
        text = page.content.decode()
        coach = world.people["coach"]
        assert coach.display_name in text and "Notes" in text
        assert world.people["client"].display_name not in text  # their own reads are not listed

    def test_another_clients_reads_are_not_shown(self, world: World, content: Content) -> None:
        other = world.other_engagement
        services.note_create(actor=world.people["other_coach"], engagement=other, body="Other client's note")
        world.http("other_coach").get(reverse("engagements:detail", args=[other.pk]))
        text = world.http("client").get(reverse("engagements:access_log")).content.decode()
        assert world.people["other_coach"].display_name not in text


@pytest.mark.django_db
class TestReviewFindings:
    def test_sharing_a_note_that_changed_since_it_was_seen_is_refused(self, world: World, content: Content) -> None:
        note = content.private_note
        services.note_update(actor=world.people["coach"], note=note, body="Now with private detail", expected_version=1)
        with pytest.raises(services.ConflictError):
            services.note_set_shared(actor=world.people["coach"], note=note, shared=True, expected_version=1)
        assert Note.objects.get(pk=note.pk).shared_with_client is False

    def test_the_share_button_carries_the_version_seen(self, world: World, content: Content) -> None:
        http = world.http("coach")
        services.note_update(actor=world.people["coach"], note=content.private_note, body="Changed", expected_version=1)
        http.post(
            reverse("engagements:note_share", args=[content.private_note.pk]),
            {"shared": "1", "version": "1", "confirm": "yes"},
        )
        assert Note.objects.get(pk=content.private_note.pk).shared_with_client is False
        http.post(
            reverse("engagements:note_share", args=[content.private_note.pk]),
            {"shared": "1", "version": "2", "confirm": "yes"},
        )
        assert Note.objects.get(pk=content.private_note.pk).shared_with_client is True

    def test_withdrawn_basic_consent_stops_new_records_at_once(self, world: World) -> None:
        from consent.models import ConsentRecord
        from consent.services import consent_withdraw

        consent = ConsentRecord.objects.get(client=world.client_record, kind="basic_information")
        consent_withdraw(actor=world.people["client"], consent=consent)
        with pytest.raises(ValidationError, match="withdrawn their consent"):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body="After withdrawal")

    def test_a_closed_engagement_takes_no_hard_copy_and_no_new_person(self, world: World) -> None:
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        world.engagement.refresh_from_db()
        with pytest.raises(ValidationError, match="closed"):
            services.hard_copy_record(
                actor=world.people["admin"],
                engagement=world.engagement,
                description="Late paper",
                location="B",
                received_on=timezone.localdate(),
            )
        with pytest.raises(ValidationError, match="closed"):
            services.engagement_member_add(
                actor=world.people["admin"], engagement=world.engagement, user=world.people["other_coach"], kind="coach"
            )


@pytest.mark.django_db
class TestMoreFindings:
    def test_the_coach_sees_why_a_note_was_opened(self, world: World, content: Content) -> None:
        services.break_glass_open(
            actor=world.people["admin"], note=content.private_note, reason="Court order 2026/114 requires review"
        )
        page = world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        assert "Court order 2026/114 requires review" in page
        assert (
            "Court order"
            not in world.http("client").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        )

    def test_reading_a_clients_details_shows_in_their_access_log(self, world: World) -> None:
        world.http("admin").get(reverse("engagements:clients"))
        text = world.http("client").get(reverse("engagements:access_log")).content.decode()
        assert "Your personal details" in text and world.people["admin"].display_name in text

    def test_a_portal_login_made_for_a_client_carries_no_name(self, world: World) -> None:
        from confidentiality.models import User

        world.http("admin").post(
            reverse("engagements:client_create"),
            {
                "full_name": "Quentin Unlisted",
                "contact_email": "q@example.org",
                "portal_login": "on",
                "basic_consent": "on",
            },
        )
        assert User.objects.get(email="q@example.org").display_name == ""
