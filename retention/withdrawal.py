"""Withdrawing a record filed on the wrong engagement (issue 21, rectification; policy 003).

A coach who put a note, a session or a document on the wrong engagement withdraws it at once, saying
why. It is deleted as the sweep deletes (retention.engine): with what it owns (a note's corrections and
break-glass grants, a document's stored file), leaving a receipt in the database and the journal, so
that ``retention_reapply`` deletes it again should a backup bring it back. Then it is crypto-shredded:
the engagement's other records (and files) move to a fresh data key and the old key is destroyed, so
a copy of the withdrawn record's ciphertext (a backup) no longer opens once the key backups of the
days before have gone, as after the sweep.

Then, since the wrong engagement's people may have read what was never theirs:
- the client of that engagement is told, if it had been shared with them, that it was withdrawn;
- the client it was about, when the coach names their engagement, is told where it had been filed
  and who there could read it (roles, never names);
- where anyone but its author could read it (another coach on that engagement, its client through
  sharing, the administrator through break-glass), a suspected breach is reported to the
  administrator's register (encrypted under its own key): the engagement's reference, who could read
  it, and the author's reason; never the record's content. Every step is audited, without the reason.

It is refused where the record must stay as it is: a legal hold or paper held, an open complaint or
concern or a disclosure under the law on the engagement, a request of the client's still open, or
another record resting on it (a consent's evidence, a disclosure, a report); the administrator decides.

Only its author withdraws it, while they are still a coach on the engagement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

import access
from confidentiality.audit import audit_record
from confidentiality.notify import notify
from confidentiality.records import model_for_label, record_label
from retention import engine
from retention.sweep import _before_delete, _receipts

if TYPE_CHECKING:
    from confidentiality.models import User

RULE = "withdrawn"
REASON_MAX_CHARS = 300


@dataclass(frozen=True)
class Kind:
    model_label: str
    author_field: str
    name: str  # as the pages and notices name it


KINDS = {
    "note": Kind("engagements.note", "author", "note"),
    "session": Kind("engagements.coachingsession", "recorded_by", "session"),
    "document": Kind("engagements.document", "uploaded_by", "document"),
}
# Roots retention_reapply deletes again after a restore.
WITHDRAWN_ROOTS = tuple(kind.model_label for kind in KINDS.values())


def withdrawable_get_for(user: User, kind: str, pk: Any) -> Any:
    """The record, for its author while a coach on its engagement; 404 for anyone else."""
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    model: Any = model_for_label(spec.model_label)
    try:
        record = model.objects.select_related("engagement", "engagement__client").get(pk=pk)
    except (model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if getattr(record, f"{spec.author_field}_id") != user.pk:
        raise Http404
    if access.EngagementAccess.READ_CONFIDENTIAL not in access.engagement_access_for(user, record.engagement):
        raise Http404
    return record


@dataclass(frozen=True)
class Readers:
    other_coaches: int
    client: bool  # the engagement's client could read it (shared with them)
    break_glass: bool = False  # the administrator opened it through a break-glass grant

    @property
    def anyone(self) -> bool:
        return bool(self.other_coaches or self.client or self.break_glass)

    def in_words(self) -> str:
        parts = []
        if self.other_coaches:
            parts.append(f"{self.other_coaches} other coach{'es' if self.other_coaches != 1 else ''}")
        if self.client:
            parts.append("the client of that engagement")
        if self.break_glass:
            parts.append("the administrator, through a break-glass grant")
        return " and ".join(parts) or "no one but its author"


# What a record may own and still be withdrawn: what goes with it by nature. Anything else pointing
# at it (a consent whose evidence a document is, a disclosure, a report) is another record's
# evidence: the withdrawal is refused and the administrator decides.
OWNED = {
    "note": {"engagements.notecorrection", "engagements.breakglassgrant"},
    "session": set(),
    "document": set(),
}


def readers_of(kind: str, record: Any, author: User) -> Readers:
    """Who but its author could read it where it was filed (a session is dates and durations only:
    its client saw when, not what)."""
    from engagements.models import EngagementMember

    coaches = (
        EngagementMember.objects.filter(engagement=record.engagement, kind=EngagementMember.Kind.COACH)
        .exclude(user=author)
        .count()
    )
    shared = kind in ("note", "document") and bool(getattr(record, "shared_with_client", False))
    glass = False
    if kind == "note":
        from engagements.models import BreakGlassGrant

        glass = BreakGlassGrant.objects.filter(note=record).exclude(granted_to=author).exists()
    return Readers(other_coaches=coaches if kind != "session" else 0, client=shared, break_glass=glass)


def _refuse_if_evidence(kind: str, plan: engine.Plan, record: Any) -> None:
    """Refused where ``plan`` (the record's deletion) would take or detach another record's evidence."""
    for step in plan.steps:
        if step.model is plan.root or record_label(step.model) in OWNED[kind]:
            continue
        if step.model._default_manager.filter(**{step.lookup: record.pk}).exists():
            raise ValidationError(
                f"This {KINDS[kind].name} is part of another record (for instance a consent's evidence, a "
                "disclosure or a report), so it cannot be withdrawn here: ask the administrator."
            )
    # A session's notes are detached and stay; a document detached from what names it as evidence
    # would leave that record without its evidence.
    if kind == "document" and any(
        item.model._default_manager.filter(**{item.lookup: record.pk}).exists() for item in plan.detach
    ):
        raise ValidationError(
            "This document is the evidence of another record, so it cannot be withdrawn here: ask the administrator."
        )


def _refuse_if_kept(engagement: Any) -> None:
    """What keeps a record from deletion keeps it from withdrawal: a hold or paper held, an open
    complaint or concern on the engagement, a request of the client's still open (DPA 2018 s. 173:
    nothing asked for is destroyed while the request is answered)."""
    from retention.erasure import kept_for_erasure
    from retention.schedule import rule_for
    from rights.models import OPEN_SUBJECT_ACCESS_STATES, SubjectAccessRequest

    engagements = type(engagement).objects.filter(pk=engagement.pk)
    if not rule_for("engagement_files").not_held(engagements, timezone.localdate()).exists():
        raise ValidationError(
            "This engagement is under a legal hold, or paper of it is still held: ask the administrator to withdraw it."
        )
    if not kept_for_erasure(engagements).exists():
        raise ValidationError(
            "A complaint, a concern or a disclosure under the law on this engagement needs its records as they are: "
            "ask the administrator."
        )
    if SubjectAccessRequest.objects.filter(
        client_id=engagement.client_id, state__in=OPEN_SUBJECT_ACCESS_STATES
    ).exists():
        raise ValidationError(
            "The client has a request under their rights open: nothing is deleted until it is answered. "
            "Ask the administrator."
        )


@transaction.atomic
def record_withdraw(*, actor: User, kind: str, record: Any, reason: str, belongs_to: Any = None) -> Readers:
    """Withdraw ``record`` (see the module's docstring). ``belongs_to``: the engagement it should have
    been filed on, one of the actor's, whose client is told; optional."""
    spec = KINDS[kind]
    record = withdrawable_get_for(actor, kind, record.pk)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": f"Say why it is withdrawn (up to {REASON_MAX_CHARS} characters)."})
    if belongs_to is not None and (
        belongs_to.pk == record.engagement_id
        or access.EngagementAccess.READ_CONFIDENTIAL not in access.engagement_access_for(actor, belongs_to)
    ):
        raise ValidationError({"belongs_to": "Choose another engagement of yours, or none."})
    model = type(record)
    if not model.objects.select_for_update().filter(pk=record.pk).exists():
        raise Http404  # withdrawn a moment ago, by a second submission of the same form
    engagement = record.engagement
    _refuse_if_kept(engagement)
    plan = engine.make_plan(model)
    _refuse_if_evidence(kind, plan, record)
    readers = readers_of(kind, record, actor)
    from retention.sweep import wait_for_batch_in_flight

    wait_for_batch_in_flight()
    outcome = engine.execute(plan, [record.pk], before_delete=_before_delete)
    _receipts(None, RULE, timezone.localdate(), dict(outcome.deleted))
    # Crypto-shredding: what stays on the engagement moves to a fresh key and the old key is
    # destroyed, so the withdrawn record, wherever a copy of it survives (a backup), no longer opens.
    from confidentiality.rotation import rekey_holder

    rekey_holder(engagement)
    audit_record(
        actor=actor,
        action="record.withdraw",
        object_type=record_label(model),
        object_id=str(record.pk),
        engagement_id=engagement.pk,
        client_id=engagement.client_id,
        detail={"kind": kind, "others_could_read": readers.other_coaches + int(readers.client)},
    )
    link = f"/engagements/{engagement.pk}/"
    if readers.client and engagement.client.user is not None:
        notify(
            users=[engagement.client.user],
            text=f"A {spec.name} shared with you on {engagement.reference} was filed there by mistake and has been "
            "withdrawn. It was not about you.",
            link=link,
        )
    if belongs_to is not None and readers.anyone and belongs_to.client.user is not None:
        notify(
            users=[belongs_to.client.user],
            text=f"A {spec.name} about you was filed by mistake on another engagement, where {readers.in_words()} "
            "could read it. It has been withdrawn and deleted, and the practice is looking into it.",
            link=f"/engagements/{belongs_to.pk}/",
        )
    if readers.anyone:
        from complaints.services import breach_record

        breach_record(
            actor=actor,
            discovered_at=timezone.now(),
            # The author's reason, which may name the client, is kept here only: the register is the
            # administrator's, encrypted under the breach's own key.
            what_happened=f"A {spec.name} was filed on the wrong engagement ({engagement.reference}) and withdrawn "
            f"by its author. Reason given: {reason}",
            information_involved=f"One {spec.name} about a client of the practice.",
            people_affected=f"The client it was about; on {engagement.reference}, {readers.in_words()} could read it.",
        )
    return readers
