"""Pausing the processing of a client's records: restriction (UK GDPR art. 18) and objection (art. 21).

The administrator places a restriction on a client's request, with the reason the engagement pages
show; every engagement of the client's, and any made while it stands, is marked ``restricted``, and
the access policy then grants on them nothing but the engagement's record itself: no notes,
documents, sessions, feedback or reports, to anyone, and no new work. The records are kept (storage
is not processing the law stops) and go on the retention schedule as before. Lifting it gives the
engagements back as they were. The rights app, which answers the request, tells the client (art. 18(3)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

import access
from confidentiality.audit import audit_record
from confidentiality.notify import notify
from engagements.models import Client, Engagement, ProcessingRestriction

if TYPE_CHECKING:
    from confidentiality.models import User

REASON_MAX_CHARS = 1000


def _require_admin(actor: User) -> None:
    if not access.can_change_engagement(actor):
        raise PermissionDenied("Only the practice administrator restricts processing.")


def _reason(value: Any, *, field: str, asked: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError({field: asked})
    if len(text) > REASON_MAX_CHARS:
        raise ValidationError({field: f"At most {REASON_MAX_CHARS} characters."})
    return text


def standing_restriction(client: Client | None) -> ProcessingRestriction | None:
    if client is None:
        return None
    return ProcessingRestriction.objects.filter(client=client, lifted_at__isnull=True).first()


def _mark(client: Client, restricted: bool) -> list[Engagement]:
    engagements = list(Engagement.objects.select_for_update().filter(client=client).exclude(restricted=restricted))
    Engagement.objects.filter(pk__in=[e.pk for e in engagements]).update(
        restricted=restricted, version=F("version") + 1
    )
    return engagements


def _tell_the_practice(engagements: list[Engagement], text: str) -> None:
    from consent.services import coaches_and_administrators

    for engagement in engagements:
        notify(
            users=coaches_and_administrators(engagement),
            text=f"Engagement {engagement.reference}: {text}",
            link=f"/engagements/{engagement.pk}/",
        )


@transaction.atomic
def processing_restrict(
    *, actor: User, client: Client, right: str, request_reference: str, reason: str
) -> ProcessingRestriction:
    _require_admin(actor)
    if right not in ProcessingRestriction.Right.values:
        raise ValidationError("Processing is paused under the right to restriction or to object.")
    reason = _reason(reason, field="reason", asked="Say why processing is paused: the engagement shows it.")
    Client.objects.select_for_update().filter(pk=client.pk).exists()  # see restricted_on_creation
    restriction = ProcessingRestriction(
        client=client, right=right, request_reference=request_reference, reason=reason, placed_by=actor
    )
    restriction.full_clean(exclude=["reason", "lift_reason"])
    try:
        with transaction.atomic():
            restriction.save()
    except IntegrityError:
        raise ValidationError(
            "Processing of this client's records is already paused: lift that restriction first."
        ) from None
    engagements = _mark(client, True)
    audit_record(
        actor=actor,
        action="client.processing_restrict",
        obj=restriction,
        client_id=client.pk,
        detail={"right": right, "engagements": len(engagements)},
    )
    _tell_the_practice(engagements, "processing is paused at the client's request; the engagement page says why.")
    return restriction


@transaction.atomic
def processing_lift(*, actor: User, restriction: ProcessingRestriction, reason: str) -> ProcessingRestriction:
    _require_admin(actor)
    Client.objects.select_for_update().filter(pk=restriction.client_id).exists()  # see restricted_on_creation
    locked = ProcessingRestriction.objects.select_for_update().get(pk=restriction.pk)
    if locked.lifted_at is not None:
        raise ValidationError("This restriction was already lifted.")
    locked.lift_reason = _reason(
        reason, field="lift_reason", asked="Say why processing may start again: the client is told."
    )
    locked.lifted_at = timezone.now()
    locked.lifted_by = actor
    locked.save(update_fields=["lift_reason", "lifted_at", "lifted_by"])
    engagements = _mark(locked.client, False)
    audit_record(actor=actor, action="client.processing_lift", obj=locked, client_id=locked.client_id)
    _tell_the_practice(engagements, "processing may start again: the client's restriction is lifted.")
    return locked


def restricted_on_creation(client: Client) -> bool:
    """A new engagement of a client whose processing is paused starts paused too. The client's row
    is locked, as ``processing_restrict`` and ``processing_lift`` lock it: an engagement made at the
    moment a restriction is placed is either marked by it or sees it (the caller holds the transaction)."""
    Client.objects.select_for_update().filter(pk=client.pk).exists()
    return standing_restriction(client) is not None
