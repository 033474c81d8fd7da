"""A note is corrected, never silently rewritten (issue 21, the right to rectification): its coach
appends a correction, the note's text stays as written, and a note the client has read (shared)
cannot be rewritten at all. The client reads the corrections with the note, is told of them, and
finds them in their copy."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from confidentiality.models import AuditEvent, Notice
from engagements import services
from engagements.models import Note, NoteCorrection
from tests.conftest import World
from tests.engagements.conftest import SHARED_TEXT, Content

pytestmark = pytest.mark.django_db

CORRECTION = "The meeting was on Tuesday, not Monday; and it was Okonkwo who asked, not Quillfeather."


class TestCorrecting:
    def test_a_correction_is_appended_and_the_note_stays_as_written(self, world: World, content: Content) -> None:
        http = world.http("coach")
        note = content.shared_note
        response = http.post(reverse("engagements:note_correct", args=[note.pk]), {"body": CORRECTION})
        assert response.status_code == 302
        assert Note.objects.get(pk=note.pk).body == SHARED_TEXT
        (correction,) = NoteCorrection.objects.filter(note=note)
        assert correction.body == CORRECTION and correction.author == world.people["coach"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT body FROM engagements_notecorrection WHERE id = %s",
                [correction.pk.hex if connection.vendor == "sqlite" else correction.pk],
            )
            assert "Okonkwo" not in cursor.fetchone()[0]
        event = AuditEvent.objects.get(action="note.correct")
        assert "Okonkwo" not in str(event.detail)
        told = Notice.objects.get(user=world.people["client"], text__contains="added a correction")
        assert "Okonkwo" not in told.text
        page = world.http("client").get(reverse("engagements:note_view", args=[note.pk])).content.decode()
        assert "(corrected)" in page and CORRECTION.replace("'", "&#x27;") in page and "Append a correction" not in page

    def test_a_shared_note_is_never_rewritten(self, world: World, content: Content) -> None:
        note = content.shared_note
        with pytest.raises(ValidationError, match="not rewritten: append a correction"):
            services.note_update(
                actor=world.people["coach"], note=note, body="Rewritten", expected_version=note.version
            )
        http = world.http("coach")
        assert http.get(reverse("engagements:note_edit", args=[note.pk])).status_code == 302
        typed = "A rewrite typed in an edit page left open before the note was shared."
        response = http.post(
            reverse("engagements:note_edit", args=[note.pk]), {"body": typed, "version": str(note.version)}
        )
        body = response.content.decode()
        # The edit page answers as it does a conflict: the form again, with the reason and the text kept.
        assert response.status_code == 200 and "append a correction" in body and typed in body
        assert Note.objects.get(pk=note.pk).body == SHARED_TEXT

    def test_an_empty_correction_is_refused_and_nothing_is_added(self, world: World, content: Content) -> None:
        response = world.http("coach").post(
            reverse("engagements:note_correct", args=[content.private_note.pk]), {"body": "  "}
        )
        assert response.status_code == 400 and not NoteCorrection.objects.exists()

    def test_only_the_coach_corrects(self, world: World, content: Content) -> None:
        for persona in ("client", "other_coach", "sponsor", "admin"):
            response = world.http(persona).post(
                reverse("engagements:note_correct", args=[content.shared_note.pk]), {"body": CORRECTION}
            )
            assert response.status_code == 404, persona
        with pytest.raises((PermissionDenied, ValidationError)):
            services.note_correct(actor=world.people["other_coach"], note=content.private_note, body=CORRECTION)
        assert not NoteCorrection.objects.exists()

    def test_the_clients_copy_holds_the_corrections(self, world: World, content: Content) -> None:
        from rights.exports import client_contents

        services.note_correct(actor=world.people["coach"], note=content.private_note, body=CORRECTION)
        notes = {s.key: s for s in client_contents(world.engagement.client).sections}["notes"].items
        [corrected] = [n for n in notes if n["corrections"]]
        assert [c["text"] for c in corrected["corrections"]] == [CORRECTION]


class TestTheApi:
    def test_the_coach_appends_a_correction_and_the_client_reads_it(self, world: World, content: Content) -> None:
        note = content.shared_note
        url = f"/api/v1/notes/{note.pk}/corrections/"
        empty = world.api("coach").post(url, {"body": ""}, content_type="application/json")
        assert empty.status_code == 400 and not NoteCorrection.objects.exists()
        made = world.api("coach").post(url, {"body": CORRECTION}, content_type="application/json")
        assert made.status_code == 201 and made.json()["body"] == CORRECTION
        assert Note.objects.get(pk=note.pk).body == SHARED_TEXT
        read = world.api("client").get(url)
        assert read.status_code == 200 and [c["body"] for c in read.json()] == [CORRECTION]
        assert AuditEvent.objects.filter(action="shared.read", actor_id=world.people["client"].pk).exists()
        for persona in ("sponsor", "other_coach", "admin", "auditor"):
            assert world.api(persona).get(url).status_code == 404, persona
        assert world.api("client").post(url, {"body": "Mine."}, content_type="application/json").status_code == 404
