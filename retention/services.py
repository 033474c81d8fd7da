"""Legal holds and policy documents: writes, with their rules and audit."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.audit import audit_record
from confidentiality.dates import day_in_words
from confidentiality.notify import notify
from people.models import PolicyDocument
from retention.forecast import forecast_set_aside
from retention.models import LegalHold
from retention.schedule import add_years

if TYPE_CHECKING:
    from confidentiality.models import User

POLICY_REVIEW_YEARS = 2  # policy 002: "reviewed every two years"


def _require_admin(actor: User | None) -> None:
    if actor is not None and not access.can_manage_retention(actor):
        raise PermissionDenied("Only the practice administrator manages retention.")


@transaction.atomic
def hold_place(*, actor: User, target: Any, case_reference: str, reason: str) -> LegalHold:
    """Hold an engagement, a client or an organisation: nothing under it is deleted until released."""
    from engagements.models import Client, Engagement, Organisation

    _require_admin(actor)
    case_reference, reason = case_reference.strip(), reason.strip()
    if not case_reference:
        raise ValidationError({"case_reference": "Give the case or matter the hold is for."})
    if not reason:
        raise ValidationError({"reason": "Say why the records must be kept."})
    if len(case_reference) > 80 or len(reason) > 300:
        raise ValidationError("The case reference has at most 80 characters, the reason 300.")
    scopes = {Engagement: "engagement", Client: "client", Organisation: "organisation"}
    scope = scopes.get(type(target))
    if scope is None:
        raise ValidationError("A hold is placed on an engagement, a client or an organisation.")
    from retention.sweep import wait_for_batch_in_flight

    wait_for_batch_in_flight()
    hold = LegalHold(
        scope=scope,
        held_id=str(target.pk),
        case_reference=case_reference,
        reason=reason,
        placed_by=actor,
        **{scope: target},
    )
    hold.full_clean()
    hold.save()
    audit_record(actor=actor, action="retention.hold_place", obj=hold, detail={"scope": scope, "held": str(target.pk)})
    forecast_set_aside()
    return hold


@transaction.atomic
def hold_release(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """Lift a hold: the next sweep deletes what is past its period, unless another hold covers it."""
    _require_admin(actor)
    locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if locked.released_at is not None:
        raise ValidationError("This hold was already released.")
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise ValidationError({"release_reason": "Say why the hold is lifted (up to 300 characters)."})
    locked.released_at = timezone.now()
    locked.released_by = actor
    locked.release_reason = reason
    locked.save(update_fields=["released_at", "released_by", "release_reason"])
    audit_record(actor=actor, action="retention.hold_release", obj=locked)
    forecast_set_aside()
    return locked


def _next_policy_version(kind: str) -> int:
    return (PolicyDocument.objects.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1


@transaction.atomic
def policy_record(*, actor: User, kind: str, text: str, reviewed_on: datetime.date) -> PolicyDocument:
    """A new version of a policy after its review; the next review falls due two years later."""
    _require_admin(actor)
    if kind not in PolicyDocument.Kind.values:
        raise ValidationError({"kind": "Choose which policy this is."})
    text = text.strip()
    if not text or len(text) > 100_000:
        raise ValidationError({"text": "Paste the policy's text (up to 100,000 characters)."})
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "A review date cannot be in the future."})
    try:
        with transaction.atomic():
            document = PolicyDocument.objects.create(
                kind=kind,
                version=_next_policy_version(kind),
                text=text,
                reviewed_on=reviewed_on,
                review_due_on=add_years(reviewed_on, POLICY_REVIEW_YEARS),
                recorded_by=actor,
            )
    except IntegrityError:
        # Two administrators recording a version at the same moment: one version wins (the
        # database's one_policy_version), the other is told, and nothing of theirs is kept.
        raise ValidationError(
            "Another version of this policy was recorded at the same moment. Open the policies again, "
            "check the version now in force, then record yours if it is still needed."
        ) from None
    audit_record(actor=actor, action="retention.policy_record", obj=document, detail={"version": document.version})
    # A new version of a policy staff accept asks every one of them again (confidentiality/policies.py).
    from people.policies import ask_everyone_again

    ask_everyone_again(document)
    return document


def current_policies() -> list[PolicyDocument]:
    latest: dict[str, PolicyDocument] = {}
    for document in PolicyDocument.objects.order_by("kind", "-version"):
        latest.setdefault(document.kind, document)
    return list(latest.values())


def policies_due(
    as_of: datetime.date, within_days: int = 30, current: list[PolicyDocument] | None = None
) -> list[PolicyDocument]:
    """Policies whose review is due within a month, or overdue (for the dashboard). ``current``:
    the current versions, when the caller has them already."""
    horizon = as_of + datetime.timedelta(days=within_days)
    return [p for p in (current_policies() if current is None else current) if p.review_due_on <= horizon]


def warn_week_ahead(as_of: datetime.date, days: int) -> int:
    """Tell the administrators, a week ahead, that records fall due for deletion on a day."""
    from retention.sweep import due_in

    count = due_in(days, as_of)
    if count:
        day = as_of + datetime.timedelta(days=days)
        notify(
            users=access.administrators(),
            text=f"{count} record{'s' if count != 1 else ''} will be deleted on {day_in_words(day)} unless a "
            "legal hold is placed.",
            link=reverse("retention:overview"),
        )
    return count
