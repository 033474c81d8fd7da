"""Backups that cannot bring deleted content back (retention/backups.py): the data is written
without its keys, the keys apart and kept a shorter time, and a restore deletes again what the
journal says was deleted. On SQLite and on PostgreSQL (pg_dump and pg_restore)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from confidentiality.audit import audit_verify_chain
from confidentiality.crypto import UNREADABLE_TEXT
from confidentiality.models import AuditEvent, DataKey
from engagements import services
from engagements.models import Engagement, Note
from retention.backups import backup, key_backup_for, restore
from retention.sweep import run_sweep
from tests.conftest import build_world
from tests.retention.test_retention import NOTE_TEXT, closed_on, filled

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

KEPT_TEXT = "Still coaching: Ottoline's plan for the spring"


@pytest.fixture
def folders(settings: Any, tmp_path: Path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups" / "data"
    settings.KEY_BACKUP_DIR = tmp_path / "backups" / "keys"
    settings.RETENTION_JOURNAL = tmp_path / "journal" / "receipts.jsonl"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path


def test_a_backup_taken_before_a_sweep_cannot_bring_the_swept_content_back(folders: Path) -> None:
    world = build_world()
    engagement, note, _document = filled(world)
    closed_on(engagement, timezone.localdate() - datetime.timedelta(days=3 * 365))
    kept = services.note_create(actor=world.people["other_coach"], engagement=world.other_engagement, body=KEPT_TEXT)
    taken = timezone.now()
    made = backup(now=taken)
    assert made.data.exists() and made.keys.exists()
    assert oct(made.data.stat().st_mode & 0o777) == "0o600" and oct(made.keys.stat().st_mode & 0o777) == "0o600"

    run_sweep()
    assert not Engagement.objects.filter(pk=engagement.pk).exists()
    assert not DataKey.objects.filter(pk=engagement.data_key_id).exists()

    # The documented restore, with the keys taken with the data: the journal deletes it again, in
    # the same transaction as the keys come back; the rest of the practice is back as it was.
    restore(data=made.data, keys=made.keys)
    assert not Note.objects.filter(pk=note.pk).exists()
    assert not DataKey.objects.filter(pk=engagement.data_key_id).exists()
    assert Note.objects.get(pk=kept.pk).body == KEPT_TEXT
    assert AuditEvent.objects.filter(action="backup.restored").count() == 1
    assert audit_verify_chain(anchor=False).ok  # the anchors since the backup are superseded

    # A month and more later, the key backups made before the sweep have gone; the data backup is
    # still kept. Restored without re-applying the journal, it brings the rows back unreadable.
    later = backup(now=taken + datetime.timedelta(days=40))
    assert not made.keys.exists() and made.data.exists()
    assert key_backup_for(made.data) == later.keys
    restore(data=made.data, keys=later.keys, reapply=False)
    back = Note.objects.get(pk=note.pk)
    assert back.body == UNREADABLE_TEXT and NOTE_TEXT not in back.body
    assert Note.objects.get(pk=kept.pk).body == KEPT_TEXT


def test_the_data_backup_holds_no_key(folders: Path) -> None:
    world = build_world()
    services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
    made = backup()
    assert DataKey.objects.exists()
    restore(data=made.data, keys=None, reapply=False)
    # Only stand-ins without key material, for the rows that name a key.
    assert {(k.kek_id, bytes(k.wrapped)) for k in DataKey.objects.all()} == {("destroyed", b"")}
    assert Note.objects.get().body == UNREADABLE_TEXT


def test_the_commands_name_the_files_and_refuse_what_is_missing(folders: Path) -> None:
    build_world()
    out = io.StringIO()
    call_command("backup", stdout=out)
    assert "Data: " in out.getvalue() and "Keys: " in out.getvalue()
    data = next((folders / "backups" / "data").iterdir())
    with pytest.raises(Exception, match="does not exist"):
        call_command("restore", str(data) + ".missing", stdout=io.StringIO())
    done = io.StringIO()
    call_command("restore", str(data), stdout=done)
    assert "Restored, with" in done.getvalue()
