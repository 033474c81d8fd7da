"""The append-only, hash-chained audit log.

Each event's hash covers its own fields and the previous event's hash, and the head row
names the last event, so an edited, deleted, inserted or reordered row breaks the chain
(``manage.py verify_audit_chain``). Events hold ids and kinds, never confidential text.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from confidentiality.models import AuditChainHead, AuditEvent
from confidentiality.records import record_label

if TYPE_CHECKING:
    from confidentiality.models import User

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    created: datetime = event.created_at
    payload = {
        "seq": event.seq,
        "created_at": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "engagement_id": str(event.engagement_id) if event.engagement_id else None,
        "client_id": str(event.client_id) if event.client_id else None,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _check_detail(detail: dict[str, Any]) -> None:
    # A guard against confidential text creeping in: details carry ids, kinds, counts
    # and short codes, never free text.
    for key, value in detail.items():
        if isinstance(value, str) and len(value) > 120:
            raise ValueError(f"Audit detail {key!r} is too long to be an id or a code.")


def _actor_role(actor: User | None) -> str:
    """The role recorded with an event; ``actor=None`` is the system itself."""
    if actor is None:
        return "system"
    if getattr(actor, "is_authenticated", False):
        return actor.role.value if actor.role else ("superuser" if actor.is_superuser else "")
    return ""


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    engagement_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction, so it commits with the write."""
    detail = dict(detail or {})
    _check_detail(detail)
    if obj is not None:
        object_type = object_type or record_label(obj)
        object_id = object_id or str(obj.pk)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_role = _actor_role(actor)
    # The head row is the lock: every appender waits here, in one order.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    event = AuditEvent(
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        engagement_id=engagement_id,
        client_id=client_id,
        detail=detail,
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def audit_engagement_event(
    actor: User | None, action: str, engagement: Any, obj: Any = None, **detail: Any
) -> AuditEvent:
    """An event about one of an engagement's records, filed under the engagement and its client
    (so it shows in the client's 'who has read my file')."""
    return audit_record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else engagement,
        engagement_id=engagement.pk,
        client_id=engagement.client_id,
        detail=detail,
    )


@transaction.atomic
def audit_record_many(*, actor: User, action: str, object_type: str, items: list[dict[str, Any]]) -> None:
    """Append one event per item under a single head lock: a page listing fifty records costs a
    constant three queries, not three per record. Each item gives object_id, client_id, engagement_id."""
    if not items:
        return
    actor_role = _actor_role(actor)
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    seq, prev = head.seq, head.hash
    now = timezone.now()
    events = []
    for item in items:
        seq += 1
        event = AuditEvent(
            seq=seq,
            created_at=now,
            actor_id=getattr(actor, "pk", None),
            actor_role=actor_role,
            action=action,
            object_type=object_type,
            object_id=str(item.get("object_id", "")),
            engagement_id=item.get("engagement_id"),
            client_id=item.get("client_id"),
            detail={},
            prev_hash=prev,
        )
        event.hash = event_hash(event)
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


def audit_verify_chain() -> ChainReport:
    """Walk the chain in seq order in batches; name the first event that does not hold."""
    batch = settings.AUDIT_VERIFY_BATCH
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return ChainReport(
                    False, checked, event.seq, event.id, f"event {expected_seq} is missing before event {event.seq}"
                )
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq, event.id, "does not follow the event before it")
            if event_hash(event) != event.hash:
                return ChainReport(False, checked, event.seq, event.id, "its content was changed")
            expected_prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != last_seq or head_hash != expected_prev:
        return ChainReport(
            False, checked, last_seq + 1, None, f"the chain ends at event {last_seq} but the head names {head_seq}"
        )
    return ChainReport(True, checked)
