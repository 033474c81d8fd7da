from __future__ import annotations

import base64
import io
import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection, transaction

from confidentiality import crypto
from confidentiality.crypto import DecryptionError, parse_kek_setting
from confidentiality.models import DataKey
from engagements.models import Client
from tests.factories import ClientFactory


def new_kek(key_id: str) -> str:
    return f"{key_id}:" + base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw_column(table: str, column: str, pk: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",
            [str(pk).replace("-", "") if connection.vendor == "sqlite" else pk],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
class TestEncryptedField:
    def test_it_round_trips_text_including_empty_and_non_latin(self) -> None:
        client = ClientFactory(full_name="Zoë Ñúñez-Øyen عائشة", phone="")
        fresh = Client.objects.get(pk=client.pk)
        assert fresh.full_name == "Zoë Ñúñez-Øyen عائشة"
        assert fresh.phone == ""  # empty stays empty, not NULL

    def test_it_stores_no_plaintext_in_the_database(self) -> None:
        client = ClientFactory(full_name="Philippa Unmistakable")
        stored = raw_column("engagements_client", "full_name", client.pk)
        assert stored.startswith(crypto.TOKEN_PREFIX)
        assert "Philippa" not in stored
        assert "Unmistakable" not in base64.urlsafe_b64decode(stored[len(crypto.TOKEN_PREFIX) :]).decode("latin-1")

    def test_it_refuses_a_ciphertext_moved_to_another_row(self) -> None:
        first = ClientFactory(full_name="First Person")
        second = ClientFactory(full_name="Second Person")
        token = raw_column("engagements_client", "full_name", first.pk)
        aad = crypto.associated_data(Client, "full_name", second.pk)
        with pytest.raises(DecryptionError) as caught:
            crypto.decrypt_value(token, aad=aad, where="test")
        assert "First Person" not in str(caught.value)

    def test_it_refuses_a_ciphertext_moved_to_another_column(self) -> None:
        client = ClientFactory(full_name="Column Mover", phone="01234")
        token = raw_column("engagements_client", "full_name", client.pk)
        with pytest.raises(DecryptionError):
            crypto.decrypt_value(token, aad=crypto.associated_data(Client, "phone", client.pk), where="test")

    def test_it_fails_closed_under_a_wrong_key_encryption_key(self, settings: Any) -> None:
        client = ClientFactory(full_name="Wrong Key")
        settings.FIELD_ENCRYPTION_KEYS_RAW = new_kek("other")
        crypto.data_key_cache.clear()
        fresh = Client.objects.get(pk=client.pk)
        # Never the ciphertext, never "": the placeholder, and the stored value kept as it was.
        assert fresh.full_name == crypto.UNREADABLE_TEXT
        token = raw_column("engagements_client", "full_name", client.pk)
        fresh.save()
        assert raw_column("engagements_client", "full_name", client.pk) == token
        # New text over it is refused: the value may yet be read once the right key is back.
        fresh.full_name = "Overwritten"
        with pytest.raises(ValidationError, match="cannot be changed"), transaction.atomic():
            fresh.save()
        # Nor by a copy loaded and changed without reading it first, nor by the placeholder sent back.
        untouched = Client.objects.get(pk=client.pk)
        untouched.full_name = "Overwritten"
        with pytest.raises(ValidationError, match="cannot be changed"), transaction.atomic():
            untouched.save()
        echoed = Client.objects.get(pk=client.pk)
        echoed.full_name = crypto.UNREADABLE_TEXT
        with pytest.raises(ValidationError, match="cannot be changed"), transaction.atomic():
            echoed.save()
        assert raw_column("engagements_client", "full_name", client.pk) == token

    def test_it_refuses_plaintext_through_update_and_filter(self) -> None:
        client = ClientFactory(full_name="Update Bypass")
        with pytest.raises(TypeError), transaction.atomic():
            Client.objects.filter(pk=client.pk).update(full_name="plain text")
        with pytest.raises(TypeError), transaction.atomic():
            list(Client.objects.filter(full_name="Update Bypass"))
        assert Client.objects.get(pk=client.pk).full_name == "Update Bypass"

    def test_it_crypto_shreds_when_the_data_key_is_destroyed(self) -> None:
        client = ClientFactory(full_name="Shredded Person")
        token = raw_column("engagements_client", "full_name", client.pk)  # a copy, as in a backup
        key_id = client.data_key_id
        client.delete()
        crypto.data_key_destroy(key_id=key_id)
        with pytest.raises(DecryptionError, match="no longer exists"):
            crypto.decrypt_value(token, aad=crypto.associated_data(Client, "full_name", client.pk), where="backup")


class TestKeySetting:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("nokeyid", "id:base64key"),
            ("k1:!!!notbase64", "not valid base64"),
            ("k1:" + base64.urlsafe_b64encode(b"short").decode(), "32 bytes"),
            ("a-key-id-far-too-long:" + base64.urlsafe_b64encode(b"\x01" * 32).decode(), "1 to 16 letters"),
        ],
    )
    def test_it_names_the_variable_for_bad_values(self, raw: str, message: str) -> None:
        with pytest.raises(ImproperlyConfigured, match=message) as caught:
            parse_kek_setting(raw)
        assert "FIELD_ENCRYPTION_KEYS" in str(caught.value)

    def test_it_refuses_a_duplicate_key_id(self) -> None:
        key = new_kek("k1")
        with pytest.raises(ImproperlyConfigured, match="appears twice"):
            parse_kek_setting(f"{key},{key}")

    def test_the_first_key_wraps(self) -> None:
        keys = parse_kek_setting(f"{new_kek('new')},{new_kek('old')}")
        assert keys.primary_id == "new"
        assert set(keys.keys) == {"new", "old"}


@pytest.mark.django_db
class TestRotation:
    def test_it_rewraps_with_the_first_key_without_loss(self, settings: Any) -> None:
        old = new_kek("old")
        settings.FIELD_ENCRYPTION_KEYS_RAW = old
        names = [f"Rotating Person {i}" for i in range(7)]
        clients = [ClientFactory(full_name=name, phone=f"0700 {i}") for i, name in enumerate(names)]
        tokens_before = {c.pk: raw_column("engagements_client", "full_name", c.pk) for c in clients}
        # The new key comes first; the old one still unwraps, so everything stays readable.
        settings.FIELD_ENCRYPTION_KEYS_RAW = f"{new_kek('new')},{old}"
        crypto.data_key_cache.clear()
        assert [Client.objects.get(pk=c.pk).full_name for c in clients] == names
        call_command("rotate_encryption_keys", "--batch-size", "3", stdout=io.StringIO())
        assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"new"}
        # Drop the old key entirely: nothing was lost.
        settings.FIELD_ENCRYPTION_KEYS_RAW = settings.FIELD_ENCRYPTION_KEYS_RAW.split(",")[0]
        crypto.data_key_cache.clear()
        assert [Client.objects.get(pk=c.pk).full_name for c in clients] == names
        # Re-wrapping leaves the content's ciphertext as it was (fast path).
        assert {c.pk: raw_column("engagements_client", "full_name", c.pk) for c in clients} == tokens_before

    def test_it_reencrypts_content_under_fresh_data_keys(self, settings: Any) -> None:
        clients = [ClientFactory(full_name=f"Rekeyed {i}", contact_email=f"r{i}@example.org") for i in range(5)]
        old_keys = {c.pk: c.data_key_id for c in clients}
        tokens_before = {c.pk: raw_column("engagements_client", "full_name", c.pk) for c in clients}
        call_command("rotate_encryption_keys", "--data-keys", "--batch-size", "2", stdout=io.StringIO())
        crypto.data_key_cache.clear()
        for client in clients:
            fresh = Client.objects.get(pk=client.pk)
            assert fresh.data_key_id != old_keys[client.pk]
            assert fresh.full_name == client.full_name
            assert fresh.contact_email == client.contact_email
            token = raw_column("engagements_client", "full_name", client.pk)
            assert token != tokens_before[client.pk]
            assert crypto.token_key_id(token) == fresh.data_key_id
        # The old data keys are destroyed: old copies of the ciphertext are now unreadable.
        assert not DataKey.objects.filter(id__in=old_keys.values()).exists()

    def test_it_reseals_second_factor_secrets(self, settings: Any) -> None:
        from allauth.mfa.models import Authenticator

        from tests.conftest import enrol_totp
        from tests.factories import UserFactory

        old = new_kek("old")
        settings.FIELD_ENCRYPTION_KEYS_RAW = old
        user = UserFactory()
        secret = enrol_totp(user)
        stored = Authenticator.objects.get(user=user).data["secret"]
        assert secret not in stored
        settings.FIELD_ENCRYPTION_KEYS_RAW = f"{new_kek('new')},{old}"
        call_command("rotate_encryption_keys", stdout=io.StringIO())
        settings.FIELD_ENCRYPTION_KEYS_RAW = settings.FIELD_ENCRYPTION_KEYS_RAW.split(",")[0]
        resealed = Authenticator.objects.get(user=user).data["secret"]
        # As allauth sees it, after the old key is gone: opened for its person, under the new key.
        from confidentiality.adapters import MFA_SECRET_PURPOSE

        assert crypto.open_with_kek(resealed, purpose=MFA_SECRET_PURPOSE) == secret

    def test_it_reseals_mail_still_waiting_in_the_outbox(
        self, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from django.core import mail
        from django.core.mail import send_mail

        from tests.confidentiality.outbox_helpers import enable_outbox

        old = new_kek("old")
        settings.FIELD_ENCRYPTION_KEYS_RAW = old
        outbox = enable_outbox(settings, monkeypatch)
        with django_capture_on_commit_callbacks(execute=True):
            send_mail("Waiting", "A link that must still arrive.", "practice@example.org", ["someone@example.org"])
        settings.FIELD_ENCRYPTION_KEYS_RAW = f"{new_kek('new')},{old}"
        out = io.StringIO()
        call_command("rotate_encryption_keys", stdout=out)
        assert "1 waiting e-mails" in out.getvalue()
        settings.FIELD_ENCRYPTION_KEYS_RAW = settings.FIELD_ENCRYPTION_KEYS_RAW.split(",")[0]  # the old key retired
        outbox.deliver()
        assert [m.body for m in mail.outbox] == ["A link that must still arrive."]


@pytest.mark.django_db
class TestRotationOfFiles:
    def test_data_key_rotation_keeps_documents_readable(self, settings: Any, tmp_path: Any) -> None:
        from django.test import Client as HttpClient
        from django.urls import reverse

        from engagements.services import document_upload
        from tests.conftest import login
        from tests.factories import EngagementFactory, UserFactory

        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
        from tests.factories import ClientFactory, OrganisationFactory

        coach, organisation = UserFactory(role="coach"), OrganisationFactory()
        engagement = EngagementFactory(  # signed by everyone, so documents are accepted
            coaches=[coach],
            organisation=organisation,
            client=ClientFactory(user=UserFactory(role="client")),
            sponsors=[UserFactory(role="sponsor", organisation=organisation)],
        )
        document = document_upload(actor=coach, engagement=engagement, name="plan.txt", content=b"The plan, kept safe")
        old_file = tmp_path / document.blob_name
        assert old_file.exists()
        with self._run_on_commit():
            call_command("rotate_encryption_keys", "--data-keys", stdout=io.StringIO())
        crypto.data_key_cache.clear()
        document.refresh_from_db()
        response = login(HttpClient(), coach).get(reverse("engagements:document_download", args=[document.pk]))
        assert response.content == b"The plan, kept safe"
        assert not old_file.exists()  # the file under the destroyed key is gone too

    @staticmethod
    def _run_on_commit() -> Any:
        from django.test import TestCase

        return TestCase.captureOnCommitCallbacks(execute=True)
