"""A transactional test ends by flushing every table, and on SQLite the audit log's append-only
triggers are lifted for that flush; a restore of a backup may have taken them as well. The next
test, transactional or not, must meet them again: CI's SQLite pass once ran test_audit.py after
test_backups.py and found the table writable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from confidentiality.audit import audit_record
from confidentiality.models import AuditEvent

pytestmark = pytest.mark.embedded


@pytest.mark.django_db(transaction=True)
def test_first_a_transactional_test_that_restores_a_backup(settings: Any, tmp_path: Path) -> None:
    """As tests/retention/test_backups.py does: on SQLite the restored database has lost the
    triggers by the time the flush is done."""
    from retention.backups import backup, restore

    settings.BACKUP_DIR = tmp_path / "backups" / "data"
    settings.KEY_BACKUP_DIR = tmp_path / "backups" / "keys"
    settings.RETENTION_JOURNAL = tmp_path / "journal" / "receipts.jsonl"
    audit_record(actor=None, action="test.event")
    made = backup(now=timezone.now())
    restore(data=made.data, keys=made.keys)
    assert AuditEvent.objects.filter(action="test.event").count() == 1


@pytest.mark.django_db
def test_then_the_audit_log_still_refuses_update_and_delete() -> None:
    event = audit_record(actor=None, action="test.event")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
