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

from django.db import transaction
from django.utils import timezone

from confidentiality.audit import audit_record
from confidentiality.records import model_for_label
from retention import engine
from retention.engine import label
from retention.erasure import ERASED_ROOTS
from retention.models import DeletionReceipt
from retention.schedule import EXTERNAL_RULES, RULES, Rule
from retention.sweep import _before_delete, _shred, delete_records, read_journal
from retention.withdrawal import WITHDRAWN_ROOTS


def reapply() -> Counter[str]:
    entries = list(read_journal())
    ids_by_kind: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        ids_by_kind[entry["kind"]].update(entry["ids"])
    deleted: Counter[str] = Counter()
    with transaction.atomic():
        # Only through the records the rules delete, whose ids are UUIDs and never reused: what
        # they own goes with them (files, keys, logins). Rows with integer ids (notices, sign-in
        # records) are not touched by id, since a restored database hands those ids out again;
        # the next sweep deletes them by age. A record under a legal hold now is left alone.
        roots: list[tuple[Rule | None, Any]] = [(rule, rule.model) for rule in RULES]
        roots += [(None, model_for_label(root)) for root, _what, _period in EXTERNAL_RULES.values()]
        # What an erasure or a withdrawal deletes outside the rules' roots: testimonials; notes,
        # sessions and documents filed on the wrong engagement (retention.withdrawal).
        roots += [(None, model_for_label(root)) for root in (*ERASED_ROOTS, *WITHDRAWN_ROOTS)]
        for rule, model in roots:
            if not _uuid_keyed(model):
                continue
            back = engine.existing(model, ids_by_kind.get(label(model), ()))
            if rule is not None and back:
                kept = rule.free(model._default_manager.filter(pk__in=back), timezone.localdate())
                allowed = set(kept.values_list("pk", flat=True))
                back = [pk for pk in back if pk in allowed]
            if not back:
                continue
            if rule is not None:
                done, _kept = delete_records(rule, back)
            else:
                done = dict(engine.execute(engine.make_plan(model), back, before_delete=_before_delete).deleted)
            for kind, ids in done.items():
                deleted[kind] += len(ids)
        # Data keys are UUIDs too: one that came back from a key backup is destroyed again.
        deleted["confidentiality.datakey"] += len(_shred(list(ids_by_kind.get("confidentiality.datakey", ()))))
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


def _uuid_keyed(model: Any) -> bool:
    from django.db import models

    return isinstance(model._meta.pk, models.UUIDField)


def _uuid(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
