"""After a backup is restored: delete again what the receipts say was deleted.

The journal file lives outside the database, so it still holds the receipts written after
the backup was taken. Each record named in it that exists again is deleted again, with what
it owns, its stored files and its data key; a portal login is closed again; receipts missing
from the database are written back.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import Any

from django.apps import apps
from django.db import transaction

from confidentiality.audit import audit_record
from retention import engine
from retention.models import DeletionReceipt
from retention.schedule import RULES
from retention.sweep import _close_logins, _shred, delete_records, read_journal


def reapply() -> Counter[str]:
    entries = list(read_journal())
    ids_by_kind: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        ids_by_kind[entry["kind"]].update(entry["ids"])
    deleted: Counter[str] = Counter()
    with transaction.atomic():
        # Whole records first (with all they own), then anything that came back on its own.
        for rule in RULES:
            back = engine.existing(rule.model, ids_by_kind.get(rule.root, ()))
            if back:
                done, _kept = delete_records(rule, back)
                for done_kind, done_ids in done.items():
                    deleted[done_kind] += len(done_ids)
        for kind, ids in ids_by_kind.items():
            if kind == "confidentiality.user":
                deleted[kind] += len(_close_logins(list(ids)))
                continue
            if kind == "confidentiality.datakey":
                deleted[kind] += len(_shred(list(ids)))
                continue
            try:
                model = apps.get_model(kind)
            except LookupError:
                continue
            back = engine.existing(model, ids)
            if back:
                outcome = engine.execute(engine.make_plan(model), back)
                for done_kind, done_ids in outcome.deleted.items():
                    deleted[done_kind] += len(done_ids)
        known = set(DeletionReceipt.objects.values_list("pk", flat=True))
        missing = [e for e in entries if e.get("receipt") and _uuid(e["receipt"]) not in known]
        DeletionReceipt.objects.bulk_create(
            [
                DeletionReceipt(
                    id=e["receipt"],
                    rule=e["rule"],
                    kind=e["kind"],
                    count=e["count"],
                    object_ids=e["ids"],
                    as_of=datetime.date.fromisoformat(e["as_of"]),
                    deleted_at=datetime.datetime.fromisoformat(e["deleted_at"]),
                )
                for e in missing
            ]
        )
        deleted["receipts restored"] = len(missing)
        audit_record(actor=None, action="retention.reapply", detail=dict(deleted))
    return deleted


def _uuid(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
