"""The append-only, keyed, anchored audit chain.

Each event's link is an HMAC, under an audit key kept outside the database (``AUDIT_CHAIN_KEYS``),
of the event's fields and the link before it; the head row names the last event under a MAC of its
own. Someone who can write to the database but does not hold the key cannot remove, change, insert
or reorder an event and recompute what follows: ``manage.py verify_audit_chain`` names the first
event that does not hold. Events written before the chain was keyed have a plain SHA-256 link; a
keyed event after them vouches for them, since its link covers theirs.

What the key cannot catch, the anchors do: the head (seq and link) is appended to a journal on
storage the database backups do not restore (``AUDIT_ANCHOR_JOURNAL``), by the hour, by every sweep
and every verification, and e-mailed daily to the data-protection contact where one is set. A chain
cut short, rewritten by someone holding the key, or an older database put back without
``manage.py restore`` no longer matches them. Events hold ids and kinds, never confidential text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from confidentiality.crypto import parse_key_list
from confidentiality.journal import journal_append, journal_entries
from confidentiality.models import AuditChainHead, AuditEvent
from confidentiality.records import record_label

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from confidentiality.models import User

log = logging.getLogger(__name__)

GENESIS = "0" * 64

_keys_lock = threading.Lock()
_keys_cache: tuple[str, tuple[str, dict[str, bytes]]] | None = None


def chain_keys() -> tuple[str, dict[str, bytes]]:
    """The audit keys: the id of the one that links new events, and every key by id."""
    global _keys_cache
    raw = settings.AUDIT_CHAIN_KEYS_RAW
    with _keys_lock:
        if _keys_cache is None or _keys_cache[0] != raw:
            _keys_cache = (raw, parse_key_list(raw, variable="AUDIT_CHAIN_KEYS"))
        return _keys_cache[1]


def _mac(key: bytes, purpose: bytes, message: bytes) -> str:
    return hmac.new(key, purpose + b"\0" + message, hashlib.sha256).hexdigest()


def _canonical(event: Any) -> bytes:
    """The bytes a link covers. ``event`` is an AuditEvent, or a migration's historical copy of it."""
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
    if event.key_id:
        payload["key_id"] = event.key_id
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def event_hash(event: Any) -> str:
    """The event's link: an HMAC under the key it names, or, for an event written before the chain
    was keyed, a SHA-256. Raises KeyError when the event names a key that is not configured."""
    if not event.key_id:
        return hashlib.sha256(_canonical(event)).hexdigest()
    return _mac(chain_keys()[1][event.key_id], b"audit-event", _canonical(event))


def head_mac(seq: int, link: str, key_id: str | None = None) -> str:
    """The head row's MAC, ``"key id:hex"``: binds the head to one event, so it cannot be moved back."""
    primary, keys = chain_keys()
    key_id = key_id or primary
    return f"{key_id}:{_mac(keys[key_id], b'audit-head', f'{seq}:{link}'.encode('ascii'))}"


def _last_event(event_model: Any) -> tuple[int, str]:
    found = event_model.objects.order_by("-seq").values_list("seq", "hash").first()
    return (int(found[0]), str(found[1])) if found else (0, GENESIS)


def _head_mac_ok(head: Any, *, legacy_head: bool = False) -> bool:
    if head.seq == 0 or (legacy_head and not head.mac):
        return True
    return _head_mac_holds(head.seq, head.hash, head.mac)


def _head_holds(head: Any, last: tuple[int, str], *, legacy_head: bool = False) -> bool:
    """The head names the last event there is, under a MAC that holds."""
    return (head.seq, head.hash) == last and _head_mac_ok(head, legacy_head=legacy_head)


def _row(
    action: str,
    *,
    actor_id: int | None = None,
    actor_role: str = "system",
    object_type: str = "",
    object_id: str = "",
    engagement_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event's fields, as ``_append`` links them (by default, one the system itself records)."""
    return {
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "engagement_id": engagement_id,
        "client_id": client_id,
        "detail": detail or {},
    }


def _head_mac_holds(seq: int, link: str, mac: str) -> bool:
    key_id = mac.partition(":")[0]
    if key_id not in chain_keys()[1]:
        return False
    return hmac.compare_digest(head_mac(seq, link, key_id), mac)


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


HEAD_NOT_AUTHENTIC = "audit.head_not_authentic"


def _append(
    rows: list[dict[str, Any]],
    *,
    event_model: Any = AuditEvent,
    head_model: Any = AuditChainHead,
    legacy_head: bool = False,
) -> list[Any]:
    """Link ``rows`` (AuditEvent fields) after the head, under the head's lock, and move the head.
    The caller holds the transaction. A migration passes its historical models (``legacy_head``:
    the head of a chain written before it was keyed has no MAC yet)."""
    # The head row is the lock: every appender waits here, in one order.
    head = head_model.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head_model.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        head = head_model.objects.select_for_update().get(pk=1)
    primary = chain_keys()[0]
    seq, prev = head.seq, head.hash
    # The head's MAC, checked on every append at no extra query (the row is already here); that
    # the head names the last event is checked on verification and before every anchor.
    if not _head_mac_ok(head, legacy_head=legacy_head):
        last = _last_event(event_model)
        # The head was moved back or its MAC made up: events after it may have been taken out.
        # Never MAC such a head afresh: the chain goes on from the last event there is, after an
        # event saying so, in a link no one can take out without the key.
        log.error("Audit chain head at event %s is not authentic (last event %s)", head.seq, last[0])
        found = {"head_seq": head.seq, "last_seq": last[0]}
        rows = [_row(HEAD_NOT_AUTHENTIC, detail=found), *rows]
        seq, prev = last
    now = timezone.now()
    events = []
    for row in rows:
        seq += 1
        event = event_model(seq=seq, created_at=now, prev_hash=prev, key_id=primary, **row)
        event.hash = event_hash(event)
        prev = event.hash
        events.append(event)
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        event_model.objects.bulk_create(events)
    head_model.objects.filter(pk=1).update(seq=seq, hash=prev, mac=head_mac(seq, prev))
    return events


@dataclass
class _RequestReads:
    """The events of one request waiting to be linked, and how many transactions were open when it
    began (none in production; the test's own in tests)."""

    depth: int
    rows: list[dict[str, Any]] = field(default_factory=list)


_request_reads: ContextVar[_RequestReads | None] = ContextVar("audit_request_reads", default=None)


@contextmanager
def request_reads_linked_together() -> Iterator[None]:
    """Within it (a request: ``AuditReadsMiddleware``), an event recorded
    outside any transaction of the request's own (a read: a write is always inside its service's
    transaction, and its event is linked there, at once, as before) waits, and every waiting event
    is linked in one append when the block ends: a lock of the head, one INSERT, one UPDATE, however
    many kinds of record the page read, where each read cost those three before (issue 23).

    The append runs when the view has answered and before its answer leaves the server: if it
    fails, the block raises and the person gets an error instead of the page, so nothing is read
    unrecorded. It runs when the view raised as well, so a read stays recorded whatever followed."""
    waiting = _RequestReads(depth=len(connection.atomic_blocks))
    token = _request_reads.set(waiting)
    try:
        yield
    finally:
        _request_reads.reset(token)
        if waiting.rows:
            with transaction.atomic(savepoint=False):
                _append(waiting.rows)


def _waits(rows: list[dict[str, Any]]) -> bool:
    """Keep ``rows`` for the request's one append, if they may wait: inside
    ``request_reads_linked_together`` and outside any transaction opened since it began (an event
    inside one must commit or roll back with what it records)."""
    waiting = _request_reads.get()
    if waiting is None or len(connection.atomic_blocks) != waiting.depth:
        return False
    waiting.rows.extend(rows)
    return True


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
    """Append one event, inside the caller's transaction, so it commits with the write. Outside any
    transaction during a request, it is linked with the request's other reads when the view is done
    (``request_reads_linked_together``) and the event returned is not saved yet."""
    detail = dict(detail or {})
    _check_detail(detail)
    if obj is not None:
        object_type = object_type or record_label(obj)
        object_id = object_id or str(obj.pk)
    row = _row(
        action,
        actor_id=getattr(actor, "pk", None),
        actor_role=_actor_role(actor),
        object_type=object_type,
        object_id=object_id,
        engagement_id=engagement_id,
        client_id=client_id,
        detail=detail,
    )
    if _waits([row]):
        return AuditEvent(**row)
    # No savepoint of its own (two queries saved on every audited write): a failure here fails the
    # caller's transaction, as it must.
    with transaction.atomic(savepoint=False):
        event: AuditEvent = _append([row])[-1]
    return event


class AuditReadsMiddleware:
    """Each request's reads are linked in one append when its view is done
    (``request_reads_linked_together``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_reads_linked_together():
            return self.get_response(request)


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


def audit_record_many(*, actor: User, action: str, object_type: str, items: list[dict[str, Any]]) -> None:
    """Append one event per item under a single head lock: a page listing fifty records costs a
    constant three queries, not three per record (none of its own when they wait for the request's
    append, as ``audit_record``'s do). Each item gives object_id, client_id, engagement_id."""
    if not items:
        return
    actor_id, actor_role = getattr(actor, "pk", None), _actor_role(actor)
    rows = [
        _row(
            action,
            actor_id=actor_id,
            actor_role=actor_role,
            object_type=object_type,
            object_id=str(item.get("object_id", "")),
            engagement_id=item.get("engagement_id"),
            client_id=item.get("client_id"),
        )
        for item in items
    ]
    if not _waits(rows):
        with transaction.atomic(savepoint=False):
            _append(rows)


def key_the_chain(event_model: Any, head_model: Any) -> None:
    """Vouch for a chain written before it was keyed: one keyed event after the last, whose link
    covers every link before it (a migration calls this; a chain already keyed, or empty, is left)."""
    head = head_model.objects.filter(pk=1).first()
    if head is None or head.seq == 0 or head.mac:
        return
    _append(
        [_row("audit.chain_keyed", detail={"vouches_to": head.seq})],
        event_model=event_model,
        head_model=head_model,
        legacy_head=True,
    )


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""
    anchors: int = 0  # anchors the chain was checked against
    problems: list[str] = field(default_factory=list)  # about the anchor journal itself


# --- anchors: the head, outside the database ---------------------------------------------


@dataclass(frozen=True)
class Anchor:
    line: int
    kind: str  # "head", or "restore": the database was put back to this head by manage.py restore
    seq: int
    hash: str
    at: str
    emailed: bool = False


def _anchor_mac(entry: dict[str, Any], key_id: str) -> str:
    body = {k: v for k, v in entry.items() if k != "mac"}
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _mac(chain_keys()[1][key_id], b"audit-anchor", message)


def audit_anchor(*, kind: str = "head", email: bool = False) -> Anchor:
    """Append the chain's head to the anchor journal (and, with ``email``, send it to the
    data-protection contact). Returns what was anchored."""
    head = AuditChainHead.objects.filter(pk=1).first()
    seq, link = (head.seq, head.hash) if head else (0, GENESIS)
    if head is not None and not _head_holds(head, _last_event(AuditEvent)):
        # Anchoring it would vouch for whatever was done to the chain.
        raise ChainBroken(f"the chain's head (event {seq}) is not authentic; nothing was anchored")
    contact = data_protection_contact_email()
    send = email and bool(contact)
    primary = chain_keys()[0]
    entry: dict[str, Any] = {
        "kind": kind,
        "seq": seq,
        "hash": link,
        "at": timezone.now().isoformat(),
        "key": primary,
        "emailed": send,
    }
    if send:
        from django.core.mail import send_mail

        from confidentiality.practice import practice_subject  # it audits through this module

        send_mail(
            practice_subject("today's audit log anchor"),
            (
                f"On {entry['at']} the practice's audit log stood at event {seq}, with the link\n{link}\n\n"
                "Keep this message. It lets the practice show later that no event up to this one was "
                "removed or changed: verify_audit_chain compares the log with it. It holds no "
                "confidential information.\n"
            ),
            settings.DEFAULT_FROM_EMAIL,
            [contact],
        )
    # Written once the e-mail is in the outbox, so that "emailed" is never claimed for one that was not.
    entry["mac"] = _anchor_mac(entry, primary)
    journal_append(settings.AUDIT_ANCHOR_JOURNAL, [entry])
    return Anchor(0, kind, seq, link, entry["at"], send)


def anchor_after_commit() -> None:
    """Anchor the head once the caller's transaction commits (at once outside one); a head that is
    not authentic is logged, not anchored."""

    def anchor() -> None:
        try:
            audit_anchor()
        except ChainBroken as broken:
            log.error("Audit chain not anchored: %s", broken)

    transaction.on_commit(anchor)


def data_protection_contact_email() -> str:
    """DATA_PROTECTION_CONTACT_EMAIL, else the contact on the Practice settings page."""
    if settings.DATA_PROTECTION_CONTACT_EMAIL:
        return str(settings.DATA_PROTECTION_CONTACT_EMAIL)
    from confidentiality.practice import current_practice  # it audits through this module

    return current_practice().data_protection_email


def read_anchors() -> tuple[list[Anchor], list[str]]:
    """The anchors in force, in journal order, and what is wrong with the journal. A restore line
    retires the anchors past the head it put back (that history was knowingly given up); a line
    whose MAC does not hold is reported and not used."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    keys = chain_keys()[1]
    for number, entry in journal_entries(settings.AUDIT_ANCHOR_JOURNAL):
        try:
            if entry is None:
                raise ValueError
            key_id, mac = str(entry["key"]), str(entry["mac"])
            anchor = Anchor(
                number,
                str(entry["kind"]),
                int(entry["seq"]),
                str(entry["hash"]),
                str(entry["at"]),
                bool(entry.get("emailed")),
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"anchor journal line {number} cannot be read")
            continue
        if key_id not in keys:
            # Made under a key since retired: it can no longer be told from a forgery.
            continue
        if not hmac.compare_digest(_anchor_mac(entry, key_id), mac):
            problems.append(f"anchor journal line {number} is not authentic")
            continue
        if anchor.kind == "restore":
            anchors = [a for a in anchors if a.seq <= anchor.seq]
        anchors.append(anchor)
    return anchors, problems


def last_emailed_anchor() -> datetime | None:
    anchors, _ = read_anchors()
    times = [datetime.fromisoformat(a.at) for a in anchors if a.emailed]
    return max(times) if times else None


def audit_anchor_due() -> Anchor:
    """The hourly anchor, e-mailed once a day. Cheap: it checks the head's own MACs, not the chain
    (a head that does not hold is not anchored; the nightly verification names what broke)."""
    last = last_emailed_anchor()
    email = last is None or timezone.now() - last >= timedelta(hours=23)
    return audit_anchor(email=email)


class ChainBroken(Exception):
    """The audit chain does not verify. The message names events by number, never content."""


# --- verification ------------------------------------------------------------------------


def audit_verify_chain(*, anchor: bool = True) -> ChainReport:
    """Walk the chain in seq order in batches and check it against every anchor; name the first
    event that does not hold. An intact chain's head is anchored (``anchor=False`` to only look)."""
    keys = chain_keys()[1]
    anchors, problems = read_anchors()
    anchored: dict[int, list[Anchor]] = {}
    for a in anchors:
        anchored.setdefault(a.seq, []).append(a)
    batch = settings.AUDIT_VERIFY_BATCH
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    # The configured keys, newest first: along the chain a link may move to a newer key, never back
    # to an older one or to none (the links written before the chain was keyed come first).
    rank = {key_id: position for position, key_id in enumerate(keys)}
    rank[""] = len(keys)
    previous_rank = len(keys)
    found_moved: tuple[int, AuditEvent] | None = None

    def broken(seq: int | None, row: int | None, reason: str) -> ChainReport:
        return ChainReport(False, checked, seq, row, reason, len(anchors), problems)

    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return broken(event.seq, event.id, f"event {expected_seq} is missing before event {event.seq}")
            if event.prev_hash != expected_prev:
                return broken(event.seq, event.id, "does not follow the event before it")
            if event.key_id not in rank:
                return broken(
                    event.seq,
                    event.id,
                    f"its link names the audit key {event.key_id!r}, which is not configured "
                    "(every key that ever linked an event stays in AUDIT_CHAIN_KEYS)",
                )
            if rank[event.key_id] > previous_rank:
                return broken(event.seq, event.id, "its link is made under an older key than the event before it")
            if not hmac.compare_digest(event_hash(event), event.hash):
                return broken(event.seq, event.id, "its content or link was changed")
            previous_rank = rank[event.key_id]
            if event.action == HEAD_NOT_AUTHENTIC and found_moved is None:
                found_moved = (int(event.detail.get("head_seq", 0)) + 1, event)
            for a in anchored.get(event.seq, ()):
                if a.hash != event.hash:
                    return broken(event.seq, event.id, f"it differs from the head anchored on {a.at}")
            expected_prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash, mac = (head.seq, head.hash, head.mac) if head else (0, GENESIS, "")
    if head_seq != last_seq or head_hash != expected_prev:
        return broken(last_seq + 1, None, f"the chain ends at event {last_seq} but the head names {head_seq}")
    if last_seq and previous_rank == len(keys):
        return broken(last_seq, None, "the last event's link is not made under a configured audit key")
    if last_seq and not _head_mac_holds(head_seq, head_hash, mac):
        return broken(last_seq, None, "the head's MAC does not hold")
    beyond = [a for a in anchors if a.seq > last_seq]
    if beyond:
        latest = max(beyond, key=lambda a: a.seq)
        return broken(
            last_seq + 1,
            None,
            f"the chain ends at event {last_seq}, but the head anchored on {latest.at} was event {latest.seq}: "
            "events were removed, or an older database was put back without manage.py restore",
        )
    if found_moved is not None:
        seq, event = found_moved
        return broken(
            seq,
            None,
            f"event {event.seq} records that the chain's head was found moved back or forged at event {seq - 1}: "
            "events after it may have been removed",
        )
    report = ChainReport(not problems, checked, None, None, "; ".join(problems), len(anchors), problems)
    if report.ok and anchor:
        anchor_after_commit()
    return report
