"""Backups that cannot bring deleted content back.

A backup is two files, kept apart:

- the **data** (``BACKUP_DIR``): every table but the data keys' rows. Every confidential value in it
  is encrypted under a data key it does not hold;
- the **keys** (``KEY_BACKUP_DIR``): the data keys, wrapped by the key-encryption keys, kept a shorter
  time (``KEY_BACKUP_DAYS``; older key backups are deleted by every backup and every sweep).

Content the sweep deletes has its data key destroyed. Once the key backups made before that day
are gone, no data backup, however old, can be read for it: the content is unreadable for good.

``restore`` puts a data backup and a key backup back (processes stopped; on PostgreSQL as the
tables' owner), marks the audit anchors of the lost history as superseded (``confidentiality.audit``),
and, in the same transaction as the keys, deletes again everything the retention journal says was
deleted since (``retention_reapply``): no key of deleted content is ever committed again.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from base64 import b64decode, b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from confidentiality.audit import audit_anchor, audit_record
from confidentiality.crypto import data_key_cache
from confidentiality.models import DataKey

DATA_KEY_TABLE = "confidentiality_datakey"


class BackupError(Exception):
    """A backup or restore could not be made; the message names files and tools, never content."""


@dataclass(frozen=True)
class Backup:
    data: Path
    keys: Path
    taken_at: datetime.datetime


@dataclass(frozen=True)
class Restored:
    keys_restored: int
    deleted_again: dict[str, int]


def _stamp(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _pg_env() -> dict[str, str]:
    params = connection.settings_dict
    env = {**os.environ}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if params.get(key):
            env[variable] = str(params[key])
    env["PGDATABASE"] = str(params["NAME"])
    return env


def _pg_tool(name: str, *args: str) -> str:
    """Run one of PostgreSQL's client tools on this database; its output, or BackupError."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: PostgreSQL's client tools are needed for backups.")
    done = subprocess.run(  # noqa: S603 - a fixed tool, arguments of our own
        [found, *args], env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{name} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def backup(*, now: datetime.datetime | None = None) -> Backup:
    """Write a data backup and a key backup; then delete the key and data backups past their days."""
    now = now or timezone.now()
    data_dir, key_dir = Path(settings.BACKUP_DIR), Path(settings.KEY_BACKUP_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    key_dir.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(now)
    keys = key_dir / f"keys-{stamp}.jsonl"
    # The data first (a snapshot of its own: pg_dump's, or SQLite's backup), then the keys. A key
    # made in between is harmless (a key without data); a key destroyed in between belongs to
    # content just deleted, which then cannot be read from this backup either.
    data = _write_data(data_dir, stamp)
    _write_keys(keys)
    prune_backups(now=now)
    return Backup(data=data, keys=keys, taken_at=now)


def _write_keys(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for key in DataKey.objects.order_by("pk").iterator(chunk_size=2000):
            line = {
                "id": str(key.pk),
                "purpose": key.purpose,
                "kek_id": key.kek_id,
                "wrapped": b64encode(bytes(key.wrapped)).decode("ascii"),
                "created_at": key.created_at.isoformat(),
            }
            handle.write(json.dumps(line, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_data(folder: Path, stamp: str) -> Path:
    if connection.vendor == "postgresql":
        path = folder / f"data-{stamp}.pgdump"
        try:
            _pg_tool("pg_dump", "--format=custom", f"--exclude-table-data={DATA_KEY_TABLE}", f"--file={path}")
        except BackupError:
            path.unlink(missing_ok=True)
            raise
        os.chmod(path, 0o600)
        return path
    if connection.vendor == "sqlite":
        path = folder / f"data-{stamp}.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            target.execute(f"DELETE FROM {DATA_KEY_TABLE}")  # noqa: S608 - a constant
            target.commit()
            target.execute("VACUUM")  # the deleted rows' pages hold the keys: rewrite them away
        finally:
            target.close()
        os.chmod(path, 0o600)
        return path
    raise BackupError(f"backups are not built for {connection.vendor}")


def prune_backups(*, now: datetime.datetime | None = None) -> list[str]:
    """Delete key backups older than KEY_BACKUP_DAYS and data backups older than BACKUP_DAYS.
    Returns the names deleted."""
    now = now or timezone.now()
    gone = []
    for folder, prefix, days in (
        (Path(settings.KEY_BACKUP_DIR), "keys-", settings.KEY_BACKUP_DAYS),
        (Path(settings.BACKUP_DIR), "data-", settings.BACKUP_DAYS),
    ):
        if not folder.exists():
            continue
        limit = now - datetime.timedelta(days=days)
        for path in sorted(folder.glob(f"{prefix}*")):
            taken = taken_at(path)
            if taken is not None and taken < limit:
                path.unlink()
                gone.append(path.name)
    return gone


def taken_at(path: Path) -> datetime.datetime | None:
    stem = path.name.split("-", 1)[1].split(".", 1)[0]
    try:
        return datetime.datetime.strptime(stem, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def key_backup_for(data: Path) -> Path | None:
    """The key backup taken with ``data`` if it is still kept (after a rotation of the data keys
    only it holds the keys the data was encrypted under), else the newest."""
    folder = Path(settings.KEY_BACKUP_DIR)
    twin = folder / ("keys-" + data.name.split("-", 1)[-1].split(".", 1)[0] + ".jsonl")
    if twin.exists():
        return twin
    found = sorted(folder.glob("keys-*.jsonl")) if folder.exists() else []
    return found[-1] if found else None


def restore(*, data: Path, keys: Path | None, reapply: bool = True) -> Restored:
    """Put ``data`` back, then the keys of ``keys`` and, in the same transaction, delete again what
    the retention journal says was deleted. The audit anchors past the restored head are marked
    superseded. Stop the web, worker and beat processes first."""
    from retention.reapply import reapply as reapply_receipts

    if not data.exists():
        raise BackupError(f"{data} does not exist")
    if keys is not None and not keys.exists():
        raise BackupError(f"{keys} does not exist")
    deferred = _restore_data(data)
    # This process's unwrapped keys are of the database just replaced.
    data_key_cache.clear()
    # The chain is back at the backup's head: anchors of the history since are superseded, before
    # any new event is appended.
    audit_anchor(kind="restore")
    with transaction.atomic():
        restored = _restore_keys(keys) if keys is not None else 0
        _tombstones()
        deleted = dict(reapply_receipts()) if reapply else {}
        audit_record(
            actor=None,
            action="backup.restored",
            detail={"taken_at": _stamp(taken_at(data) or timezone.now()), "keys": restored},
        )
    if deferred:
        # The holders' foreign keys to the data keys, now that every key they name is there.
        _pg_restore(data, deferred)
    if connection.vendor == "postgresql" and settings.DATABASE_OWNER_URL is not None:
        from confidentiality.dbroles import grant_application_role

        grant_application_role(connection, settings.APP_DATABASE_ROLE)
    return Restored(keys_restored=restored, deleted_again=deleted)


def _restore_data(path: Path) -> list[str]:
    """Put the data back; returns what is to be restored once the keys are in (PostgreSQL: the
    holders' foreign keys to the data keys, as pg_restore's list lines)."""
    if connection.vendor == "postgresql":
        return _pg_restore_without_key_constraints(path)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return []
    raise BackupError(f"backups are not built for {connection.vendor}")


def _is_key_constraint(toc_line: str) -> bool:
    """A TOC line of a holder's foreign key to the data keys (Django names it after the column)."""
    return " FK CONSTRAINT " in toc_line and "_data_key_id_" in toc_line


def _pg_restore(path: Path, toc: list[str]) -> None:
    """The items of ``toc`` (pg_restore's list lines) from the backup, in one transaction."""
    import tempfile

    connection.close()
    with tempfile.TemporaryDirectory() as work:
        listing = Path(work) / "toc.list"
        listing.write_text("\n".join(toc) + "\n", encoding="utf-8")
        _pg_tool(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--use-list={listing}",
            f"--dbname={connection.settings_dict['NAME']}",
            str(path),
        )


def _pg_restore_without_key_constraints(path: Path) -> list[str]:
    """Everything but the holders' foreign keys to the data keys, which are made once the keys are
    back: rows of deleted content may name keys that are gone. Returns those foreign keys' lines."""
    listed = _pg_tool("pg_restore", "--list", str(path))
    toc = [line for line in listed.splitlines() if line.strip() and not line.startswith(";")]
    with transaction.atomic(), connection.cursor() as cursor:
        # The restore replaces everything the application keeps in its schema: tables, their
        # constraints, indexes and triggers, and the triggers' functions.
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    _pg_restore(path, [line for line in toc if not _is_key_constraint(line)])
    return [line for line in toc if _is_key_constraint(line)]


def _tombstones() -> int:
    """A row whose data key is gone (its content was deleted after the backup) names it still: it
    gets a key row without key material, so it reads as unreadable and the sweep or the journal can
    delete it. Returns how many."""
    from django.apps import apps

    wanted: set[Any] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is DataKey:
                wanted.update(model._default_manager.values_list(field.attname, flat=True))
    wanted.discard(None)
    present = set(DataKey.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = wanted - present
    DataKey.objects.bulk_create(
        [DataKey(id=key_id, purpose="destroyed", kek_id="destroyed", wrapped=b"") for key_id in missing],
        batch_size=2000,
    )
    return len(missing)


def _restore_keys(path: Path) -> int:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry: dict[str, Any] = json.loads(line)
                rows.append(
                    DataKey(
                        id=uuid.UUID(entry["id"]),
                        purpose=entry["purpose"],
                        kek_id=entry["kek_id"],
                        wrapped=b64decode(entry["wrapped"]),
                        created_at=datetime.datetime.fromisoformat(entry["created_at"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                raise BackupError(f"{path.name}: line {number} is not a key") from None
    DataKey.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)
