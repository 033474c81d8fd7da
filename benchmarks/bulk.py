# ruff: noqa: S608 - the SQL names the models' own tables and columns; values go as parameters
"""SQL seeding of a practice at a million engagements (issue 23), on SQLite and PostgreSQL.

``seed.grow`` writes through ``bulk_create``: about 100 engagements a second, hours at a million.
Here the rows are built as plain tuples and written with one ``executemany`` a table and chunk
(SQLite) or ``COPY`` (PostgreSQL, foreign-key triggers off for this seeding connection only), in
the shape ``seed.grow`` gives them:

- the measured coach's ``ENGAGEMENTS_PER_COACH`` engagements still come from ``seed.grow``: their
  own data keys, ten notes each, sessions, a hard copy, exactly as the 100,000 benchmark had them;
- every other engagement (``BULK_NOTES_PER_ENGAGEMENT`` notes each, not ten: ten would be ten
  million encrypted notes, and the measured pages read the notes of one engagement by its index)
  shares one engagement data key and one client data key, as ``seed.grow`` does;
- every encrypted value is a real ciphertext, made here with the project's own
  ``confidentiality.crypto.encrypt_value`` and bound to its model, field, row id, owner and key as
  ``EncryptedTextField.pre_save`` binds it (a ciphertext is bound to its row, so none is reused):
  any page that reads a bulk client's name or a bulk note decrypts it as it would a real one;
- columns the seeding does not set get the field's own default, prepared once per table.

Import this module only after ``django.setup()``.
"""

from __future__ import annotations

import datetime
import math
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from access import MEMBER_GRANTS
from benchmarks import seed
from benchmarks.seed import ENGAGEMENTS_PER_COACH, ENGAGEMENTS_PER_ORGANISATION, Practice
from confidentiality.crypto import associated_data, bound_associated_data, encrypt_value
from engagements.models import (
    Client,
    CoachingSession,
    Engagement,
    EngagementMember,
    EngagementUserObjectPermission,
    HardCopy,
    Note,
)

BULK_NOTES_PER_ENGAGEMENT = 2
CHUNK = 10_000  # engagements per transaction


class Table:
    """Inserts rows of ``model`` naming only ``columns``; the other columns get their defaults."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = {field.column: field for field in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model._meta.label} has no columns {sorted(unknown)}")
        self.defaults: list[tuple[str, Any]] = []
        for column, field in fields.items():
            if column in columns or (field.primary_key and isinstance(field, models.AutoField)):
                continue
            self.defaults.append((column, field.get_db_prep_save(field.get_default(), connection)))
        self.columns = [*columns, *(column for column, _ in self.defaults)]
        self.tail = tuple(value for _, value in self.defaults)
        self.table = model._meta.db_table
        self.pending: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.pending.append(values + self.tail)

    def flush(self) -> int:
        rows, self.pending = self.pending, []
        if not rows:
            return 0
        names = ", ".join(f'"{c}"' for c in self.columns)
        raw: Any = connection.connection
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.columns))
            raw.executemany(f"INSERT INTO {self.table} ({names}) VALUES ({marks})", rows)
        return len(rows)


class Values:
    """Python values as each engine's driver takes them for these columns."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"

    def id(self, value: uuid.UUID) -> Any:
        return value.hex if self.sqlite else value

    def moment(self, value: datetime.datetime) -> Any:
        # Django keeps SQLite datetimes as naive UTC text; a timezone suffix would sort apart.
        if self.sqlite:
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        return value

    def day(self, value: datetime.date) -> Any:
        return value.isoformat() if self.sqlite else value


def _sealer(model: type[models.Model], field_name: str) -> Callable[[str, uuid.UUID, Any, uuid.UUID], str]:
    """``seal(plaintext, pk, owner, key_id)``: the ciphertext ``pre_save`` would write for the row."""

    def seal(plaintext: str, pk: uuid.UUID, owner: Any, key_id: uuid.UUID) -> str:
        aad = bound_associated_data(associated_data(model, field_name, pk), owner=owner, key_id=key_id)
        return encrypt_value(plaintext, key_id=key_id, aad=aad)

    return seal


def _new_id() -> uuid.UUID:
    return uuid.uuid4()


def grow(practice: Practice, target: int, *, progress: Any = None) -> None:
    """Add engagements up to ``target``: the measured coach's by ``seed.grow``, the rest by SQL."""
    if practice.engagements < ENGAGEMENTS_PER_COACH:
        seed.grow(practice, ENGAGEMENTS_PER_COACH)
    seed._add_organisations(practice, math.ceil(target / ENGAGEMENTS_PER_ORGANISATION))
    seed._add_coaches(practice, math.ceil(target / ENGAGEMENTS_PER_COACH))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -524288")  # this seeding connection only
    today = timezone.localdate()
    now = timezone.now()
    while practice.engagements < target:
        end = min(target, practice.engagements + CHUNK)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Foreign-key checks are triggers on PostgreSQL: off for this transaction's COPY only
                # (the rows are made consistent here). Needs the superuser the benchmark connects as.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            _add_bulk_engagements(practice, practice.engagements, end, today, now)
        practice.engagements = end
        if progress is not None:
            progress(end, target)
    if connection.vendor == "postgresql":
        # The COPY above ran with triggers off, the counting ones too: the dashboard's kept counts
        # are set from the tables once, as the nightly check would (engagements/counts.py).
        from engagements.counts import counts_reconcile

        counts_reconcile()
    settle()


def settle() -> None:
    """Planner statistics, and a database not left with its last writes in a log."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _add_bulk_engagements(
    practice: Practice, start: int, end: int, today: datetime.date, now: datetime.datetime
) -> None:
    v = Values()
    clients = Table(Client, ("id", "data_key_id", "full_name", "contact_email", "phone", "created_at"))
    engagements = Table(
        Engagement,
        (
            "id",
            "reference",
            "title",
            "organisation_id",
            "client_id",
            "data_key_id",
            "status",
            "starts_on",
            "ends_on",
            "closed_at",
            "created_at",
        ),
    )
    members = Table(EngagementMember, ("engagement_id", "user_id", "kind", "added_at"))
    grants = Table(EngagementUserObjectPermission, ("user_id", "permission_id", "content_object_id"))
    sessions = Table(
        CoachingSession, ("id", "engagement_id", "held_on", "duration_minutes", "mode", "recorded_by_id", "created_at")
    )
    hard_copies = Table(
        HardCopy,
        ("id", "engagement_id", "description", "location", "received_on", "state", "return_due_on", "recorded_by_id"),
    )
    notes = Table(
        Note,
        (
            "id",
            "engagement_id",
            "session_id",
            "author_id",
            "body",
            "shared_with_client",
            "shared_at",
            "created_at",
            "updated_at",
        ),
    )
    seal_name, seal_email, seal_phone = (_sealer(Client, f) for f in ("full_name", "contact_email", "phone"))
    seal_note, seal_hard_copy = _sealer(Note, "body"), _sealer(HardCopy, "description")
    engagement_key, client_key = practice.shared_engagement_key_id, practice.shared_client_key_id
    engagement_key_db, client_key_db = v.id(engagement_key), v.id(client_key)
    grants_of = {
        kind: [practice.engagement_perm_ids[access] for access in MEMBER_GRANTS[kind]]
        for kind in (EngagementMember.Kind.COACH, EngagementMember.Kind.SPONSOR)
    }
    now_db = v.moment(now)
    texts = seed._NOTE_TEXTS
    for index in range(start, end):
        coach_id = practice.coach_ids[index // ENGAGEMENTS_PER_COACH]
        organisation_id = v.id(practice.organisations[index // ENGAGEMENTS_PER_ORGANISATION].id)
        sponsor_id = practice.sponsor_ids[index // ENGAGEMENTS_PER_ORGANISATION]
        client_id, engagement_id = _new_id(), _new_id()
        client_db, engagement_db = v.id(client_id), v.id(engagement_id)
        clients.add(
            client_db,
            client_key_db,
            seal_name(f"Bench client {index:06d}", client_id, client_id, client_key),
            seal_email(f"client{index:06d}@example.org", client_id, client_id, client_key),
            seal_phone("", client_id, client_id, client_key),
            now_db,
        )
        status = seed._status(index, False)
        starts_on = today - datetime.timedelta(days=30 + index % 700)
        closed = status == Engagement.Status.CLOSED
        engagements.add(
            engagement_db,
            f"ENG-B-{index:06d}",
            "Leadership coaching",
            organisation_id,
            client_db,
            engagement_key_db,
            status,
            v.day(starts_on),
            v.day(starts_on + datetime.timedelta(days=180)) if closed else None,
            v.moment(now - datetime.timedelta(days=index % 300)) if closed else None,
            now_db,
        )
        for user_id, kind in ((coach_id, EngagementMember.Kind.COACH), (sponsor_id, EngagementMember.Kind.SPONSOR)):
            members.add(engagement_db, user_id, kind, now_db)
            for permission_id in grants_of[kind]:
                grants.add(user_id, permission_id, engagement_db)
        held: list[Any] = []
        if status != Engagement.Status.PROPOSED:
            for k in range(seed.SESSIONS_PER_ENGAGEMENT):
                session_db = v.id(_new_id())
                held.append(session_db)
                sessions.add(
                    session_db,
                    engagement_db,
                    v.day(today - datetime.timedelta(days=(index % 45) + 21 * k)),
                    60,
                    CoachingSession.Mode.VIDEO if k % 2 else CoachingSession.Mode.IN_PERSON,
                    coach_id,
                    now_db,
                )
        if index % seed.HARD_COPY_EVERY == 0:
            hard_copy_id = _new_id()
            hard_copies.add(
                v.id(hard_copy_id),
                engagement_db,
                seal_hard_copy(
                    "Organisation chart and 360 feedback summary (paper, 6 pages)",
                    hard_copy_id,
                    str(engagement_id),
                    engagement_key,
                ),
                "Locked cabinet B",
                v.day(today - datetime.timedelta(days=40)),
                HardCopy.State.RETURN_DUE,
                v.day(today - datetime.timedelta(days=5)),
                coach_id,
            )
        for k in range(BULK_NOTES_PER_ENGAGEMENT):
            note_id = _new_id()
            written = v.moment(now - datetime.timedelta(days=3 * (BULK_NOTES_PER_ENGAGEMENT - k), minutes=index % 600))
            shared = k % 4 == 0
            notes.add(
                v.id(note_id),
                engagement_db,
                held[k] if k < len(held) else None,
                coach_id,
                seal_note(texts[(index + k) % len(texts)], note_id, str(engagement_id), engagement_key),
                shared,
                written if shared else None,
                written,
                written,
            )
    # Parents first: SQLite checks its (deferred) foreign keys at commit, PostgreSQL not at all here.
    for table in (clients, engagements, members, grants, sessions, hard_copies, notes):
        table.flush()


def rows_in(tables: Iterable[type[models.Model]] = (Engagement, Client, Note, EngagementUserObjectPermission)) -> str:
    """A one-line count of the largest tables, for the progress log."""
    started = time.perf_counter()
    counts = [f"{model._meta.model_name} {model._default_manager.count():,}" for model in tables]
    return ", ".join(counts) + f" (counted in {time.perf_counter() - started:.1f} s)"
