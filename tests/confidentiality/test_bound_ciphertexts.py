"""Ciphertexts bound to their owner, second-factor secrets bound to their user.

Someone who can write to the database, but holds no key, moves a coach's note (or a document) to
another engagement, or copies their own authenticator secret onto someone else's account. Neither
may work: the value no longer opens, the code is refused.
"""

from __future__ import annotations

import base64
import io
import os
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command

from confidentiality import crypto
from confidentiality.adapters import STORED_BEFORE_BINDING
from confidentiality.crypto import DecryptionError, associated_data
from confidentiality.models import AuditEvent
from confidentiality.roles import Role
from engagements import services
from engagements.models import Client, Document, Note
from tests.confidentiality.test_crypto import raw_column
from tests.conftest import World, enrol_totp
from tests.factories import ClientFactory, UserFactory

NOTE_TEXT = "Worried about the merger and what Philippa said on Friday"


def raw(model: Any, column: str, pk: Any) -> Any:
    return raw_column(model._meta.db_table, column, pk)


def code_for(secret: str) -> str:
    from demo.practice import totp_code

    return totp_code(secret)


def legacy_token(plaintext: str, *, key_id: Any, aad: bytes) -> str:
    """A value as it was written before owners were bound (``enc1.``, the row alone)."""
    nonce = os.urandom(12)
    sealed = crypto._aead_for(key_id).encrypt(nonce, plaintext.encode(), aad)
    return "enc1." + base64.urlsafe_b64encode(key_id.bytes + nonce + sealed).decode()


@pytest.mark.django_db
class TestMovedRows:
    def test_a_note_moved_to_another_engagement_does_not_open_there(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        Note.objects.filter(pk=note.pk).update(engagement=world.other_engagement)
        moved = Note.objects.get(pk=note.pk)
        assert moved.body == crypto.UNREADABLE_TEXT
        # Put back, it opens again: nothing was lost but the move.
        Note.objects.filter(pk=note.pk).update(engagement=world.engagement)
        assert Note.objects.get(pk=note.pk).body == NOTE_TEXT

    def test_a_document_moved_to_another_engagement_does_not_open_there(self, world: World) -> None:
        coach = world.people["coach"]
        document = services.document_upload(
            actor=coach, engagement=world.engagement, name="plan.txt", content=b"Plan for Philippa"
        )
        Document.objects.filter(pk=document.pk).update(engagement=world.other_engagement)
        with pytest.raises(DecryptionError):
            services.document_read(actor=coach, document=Document.objects.get(pk=document.pk))

    def test_the_owner_and_key_are_in_what_is_authenticated(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        token = raw(Note, "body", note.pk)
        assert token.startswith("enc2.")
        base = associated_data(Note, "body", note.pk)
        with pytest.raises(DecryptionError):  # the row alone is not enough
            crypto.decrypt_value(token.replace("enc2.", "enc1.", 1), aad=base, where="test")
        assert crypto.decrypt_value(token, aad=base, where="test", owner=world.engagement.pk) == NOTE_TEXT
        with pytest.raises(DecryptionError):
            crypto.decrypt_value(token, aad=base, where="test", owner=world.other_engagement.pk)

    def test_a_complaint_moved_to_another_client_takes_none_of_its_responses_along(self, world: World) -> None:
        from complaints import services as complaint_services
        from complaints.models import Complaint, ComplaintResponse

        complaint = complaint_services.complaint_lodge(
            actor=world.people["client"], about=Complaint.About.SHARED, body="My coach told my manager."
        )
        answer = complaint_services.complaint_respond(
            actor=world.people["admin"], complaint=complaint, message="We are sorry: Philippa has been spoken to."
        )
        Complaint.objects.filter(pk=complaint.pk).update(client=world.other_engagement.client)
        moved = ComplaintResponse.objects.select_related("complaint").get(pk=answer.pk)
        assert moved.body == crypto.UNREADABLE_TEXT


@pytest.mark.django_db
class TestCopiedAuthenticator:
    def test_a_secret_copied_onto_another_account_does_not_let_its_holder_in(self) -> None:
        intruder = UserFactory(role=Role.COACH, email="intruder@example.org")
        victim = UserFactory(role=Role.ADMIN, email="victim@example.org")
        own_secret = enrol_totp(intruder)
        enrol_totp(victim)
        copied = Authenticator.objects.filter(user=intruder, type=Authenticator.Type.TOTP).values_list(
            "data", flat=True
        )[0]
        Authenticator.objects.filter(user=victim, type=Authenticator.Type.TOTP).update(data=copied)

        victims = Authenticator.objects.get(user=victim, type=Authenticator.Type.TOTP)
        assert not TOTP(victims).validate_code(code_for(own_secret))
        assert AuditEvent.objects.filter(action="mfa.secret_unreadable", object_id=str(victims.pk)).count() == 1
        # The intruder's own still works, and the victim's stored value is kept as evidence.
        assert TOTP(Authenticator.objects.get(user=intruder, type=Authenticator.Type.TOTP)).validate_code(
            code_for(own_secret)
        )
        with pytest.raises(DecryptionError):
            victims.save()

    def test_the_stored_secret_names_its_user(self) -> None:
        person = UserFactory(role=Role.COACH)
        secret = enrol_totp(person)
        stored = Authenticator.objects.filter(user=person).values_list("data", flat=True)[0]["secret"]
        assert stored.startswith("user-bound.") and secret not in stored
        assert TOTP(Authenticator.objects.get(user=person)).validate_code(code_for(secret))


@pytest.mark.django_db
class TestBindingWhatWasWrittenBefore:
    def test_bind_ciphertexts_rewrites_old_values_files_and_secrets_and_can_run_again(
        self, world: World, media_dir: Any
    ) -> None:
        coach = world.people["coach"]
        client = ClientFactory(full_name="Philippa Old-Format")
        note = services.note_create(actor=coach, engagement=world.engagement, body=NOTE_TEXT)
        document = services.document_upload(
            actor=coach, engagement=world.engagement, name="plan.txt", content=b"Plan for Philippa"
        )
        person = UserFactory(role=Role.COACH)
        secret = enrol_totp(person)
        # As they were before this release: enc1. values, an unbound file, an unbound secret.
        Client.objects.filter(pk=client.pk).update(
            full_name=crypto.Sealed(
                legacy_token(
                    "Philippa Old-Format",
                    key_id=client.data_key_id,
                    aad=associated_data(Client, "full_name", client.pk),
                )
            )
        )
        Note.objects.filter(pk=note.pk).update(
            body=crypto.Sealed(
                legacy_token(NOTE_TEXT, key_id=world.engagement.data_key_id, aad=associated_data(Note, "body", note.pk))
            )
        )
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        nonce = os.urandom(12)
        key_id = world.engagement.data_key_id
        old_blob = (
            key_id.bytes
            + nonce
            + crypto._aead_for(key_id).encrypt(
                nonce, b"Plan for Philippa", f"engagements.document.content:{document.pk}".encode()
            )
        )
        old_name = default_storage.save("documents/old-format.bin", ContentFile(old_blob))
        Document.objects.filter(pk=document.pk).update(blob_name=old_name)
        row = Authenticator.objects.filter(user=person).values_list("pk", "data")[0]
        sealed = crypto.seal_with_kek(secret, purpose=STORED_BEFORE_BINDING)
        Authenticator.objects.filter(pk=row[0]).update(data={**row[1], "secret": sealed})
        # They still read.
        assert Note.objects.get(pk=note.pk).body == NOTE_TEXT
        assert services.document_read(actor=coach, document=Document.objects.get(pk=document.pk)) == (
            b"Plan for Philippa"
        )

        out = io.StringIO()
        call_command("bind_ciphertexts", "--batch-size", "2", stdout=out)
        assert "Bound 2 values, 1 files and 1 second-factor secrets" in out.getvalue()

        assert raw(Client, "full_name", client.pk).startswith("enc2.")
        assert raw(Note, "body", note.pk).startswith("enc2.")
        assert Client.objects.get(pk=client.pk).full_name == "Philippa Old-Format"
        assert Note.objects.get(pk=note.pk).body == NOTE_TEXT
        rebound = Document.objects.get(pk=document.pk)
        assert rebound.blob_name != old_name and not default_storage.exists(old_name)
        assert services.document_read(actor=coach, document=rebound) == b"Plan for Philippa"
        stored = Authenticator.objects.filter(user=person).values_list("data", flat=True)[0]["secret"]
        assert stored.startswith("user-bound.")
        assert TOTP(Authenticator.objects.get(user=person)).validate_code(code_for(secret))

        again = io.StringIO()
        call_command("bind_ciphertexts", stdout=again)
        assert "Bound 0 values, 0 files and 0 second-factor secrets" in again.getvalue()

    def test_once_binding_is_done_a_value_in_the_old_form_opens_for_no_one(self, world: World, settings: Any) -> None:
        """Someone who kept a value of the old form (their own secret, copied before the upgrade;
        a note's old token) writes it into a row after binding is done."""
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        old_form = legacy_token(
            NOTE_TEXT, key_id=world.engagement.data_key_id, aad=associated_data(Note, "body", note.pk)
        )
        Note.objects.filter(pk=note.pk).update(body=crypto.Sealed(old_form))
        victim = UserFactory(role=Role.ADMIN)
        enrol_totp(victim)
        own_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        row = Authenticator.objects.get(user=victim)
        Authenticator.objects.filter(pk=row.pk).update(
            data={**row.data, "secret": crypto.seal_with_kek(own_secret, purpose=STORED_BEFORE_BINDING)}
        )
        assert Note.objects.get(pk=note.pk).body == NOTE_TEXT  # accepted while binding is under way
        settings.ACCEPT_UNBOUND_CIPHERTEXTS = False
        assert Note.objects.get(pk=note.pk).body == crypto.UNREADABLE_TEXT
        assert not TOTP(Authenticator.objects.get(pk=row.pk)).validate_code(code_for(own_secret))

    def test_an_old_value_moved_to_another_owner_is_refused_not_bound(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        token = legacy_token(NOTE_TEXT, key_id=world.engagement.data_key_id, aad=associated_data(Note, "body", note.pk))
        Note.objects.filter(pk=note.pk).update(body=crypto.Sealed(token), engagement=world.other_engagement)
        err = io.StringIO()
        call_command("bind_ciphertexts", stdout=io.StringIO(), stderr=err)  # the release step goes on
        assert "1 values were left unbound" in err.getvalue()
        assert f"engagements.Note.body {note.pk}" in err.getvalue()
        assert raw(Note, "body", note.pk) == token  # left exactly as found
        assert AuditEvent.objects.filter(action="crypto.values_not_bound", detail={"count": 1}).exists()
        from confidentiality.models import Notice

        assert Notice.objects.filter(about="crypto:values-not-bound", user=world.people["admin"]).exists()


@pytest.mark.django_db
def test_a_key_rotation_reseals_recovery_codes_too(settings: Any) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from tests.confidentiality.test_crypto import new_kek

    old = settings.FIELD_ENCRYPTION_KEYS_RAW
    person = UserFactory(role=Role.COACH)
    enrol_totp(person)
    codes = RecoveryCodes.activate(person).generate_codes()
    settings.FIELD_ENCRYPTION_KEYS_RAW = f"{new_kek('n2')},{old}"
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS_RAW = settings.FIELD_ENCRYPTION_KEYS_RAW.split(",")[0]
    stored = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
    assert RecoveryCodes(stored).validate_code(codes[0])


@pytest.mark.django_db
class TestFailClosedGracefully:
    def test_one_unreadable_note_leaves_the_notes_page_whole_and_tells_the_administrator_once(
        self, world: World
    ) -> None:
        from django.urls import reverse

        from confidentiality.models import Notice

        coach = world.people["coach"]
        services.note_create(actor=coach, engagement=world.engagement, body="Readable: goals for Q3")
        broken = services.note_create(actor=coach, engagement=world.engagement, body=NOTE_TEXT)
        token = raw(Note, "body", broken.pk)
        corrupt = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
        Note.objects.filter(pk=broken.pk).update(body=crypto.Sealed(corrupt))
        crypto._told_unreadable.clear()

        http = world.http("coach")
        for _ in range(2):
            page = http.get(reverse("engagements:note_list", args=[world.engagement.pk]))
            assert page.status_code == 200
            text = page.content.decode()
            assert "Readable: goals for Q3" in text and crypto.UNREADABLE_TEXT in text
            assert corrupt not in text and NOTE_TEXT not in text

        events = AuditEvent.objects.filter(action="record.unreadable", object_id=str(broken.pk))
        assert [e.detail for e in events] == [{"field": "body"}]
        told = Notice.objects.filter(about=f"unreadable:engagements.note:{broken.pk}")
        assert {n.user for n in told} == {world.people["admin"]}
        assert NOTE_TEXT not in told[0].text
        assert raw(Note, "body", broken.pk) == corrupt  # kept as found

    @pytest.mark.parametrize("typed", [crypto.UNREADABLE_TEXT, "A new text typed over it"])
    def test_the_edit_form_of_an_unreadable_note_refuses_to_write_over_it(self, world: World, typed: str) -> None:
        from django.urls import reverse

        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        token = raw(Note, "body", note.pk)
        corrupt = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
        Note.objects.filter(pk=note.pk).update(body=crypto.Sealed(corrupt))

        http = world.http("coach")
        edit = reverse("engagements:note_edit", args=[note.pk])
        shown = http.get(edit)
        assert shown.status_code == 200 and crypto.UNREADABLE_TEXT in shown.content.decode()
        answer = http.post(edit, {"body": typed, "version": note.version})
        assert answer.status_code == 200
        assert "cannot be changed" in answer.content.decode()
        assert raw(Note, "body", note.pk) == corrupt
