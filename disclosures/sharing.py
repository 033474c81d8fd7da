"""Sharing between organisations, only by their agreement (policy 000).

"We encourage sharing of experience and information for the mutual benefit of organisations but
information will only be shared by agreement with the organisations involved"; "Any information
received from organisations about their work and their finance is regarded as confidential. Comas will
only share this with other parties with the permission of the organisation."

The rules:
- a sharing is a record of what, from whom, to whom and why, made by the administrator; the text is
  encrypted under a data key of its own (it belongs to no engagement or client);
- it concerns the organisation whose information it is, the receiving organisation when it is one of
  the practice's, and any other organisation the administrator names; each has a permission record;
- a permission is written: one of the organisation's sponsor contacts gives (or refuses) it in the
  portal, signed in, and the exact wording shown is kept; or the administrator records it with a
  document of the organisation's (its letter) as evidence;
- marking it shared is refused while any concerned organisation's permission is not given, naming
  which; a refusal changes nothing.

Each write takes the acting person, asks the access policy, validates before it writes and audits in
the same transaction. Audit details, notices and e-mails carry the reference and ids, never the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

import access
from confidentiality.accounts import administrators, require_practice_manager
from confidentiality.audit import audit_record
from confidentiality.crypto import data_key_create
from confidentiality.notify import about, notify, resolve
from disclosures.models import OrganisationSharing, SharingPermission

if TYPE_CHECKING:
    from confidentiality.models import User
    from engagements.models import Organisation

TEXT_MAX_CHARS = 10_000
OUTSIDE_BODY_MAX_CHARS = 200

REGISTER_FILTERS = {
    "all": "Everything",
    "proposed": "Waiting for permission",
    "shared": "Shared",
    "withdrawn": "Withdrawn",
}


def _text(value: object, field: str, label: str, max_chars: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: f"{label} must be text."})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: f"{label}: this is required."})
    if len(value) > max_chars:
        raise ValidationError({field: f"{label} has at most {max_chars:,} characters."})
    return value


def _link(sharing: OrganisationSharing) -> str:
    return f"/sharings/{sharing.pk}/"


def _asking(permission: SharingPermission) -> str:
    return about("sharing.permission", permission)


def _contacts_of(organisation_id: Any) -> list[Any]:
    from engagements.models import SponsorContact

    return [
        contact.user
        for contact in SponsorContact.objects.filter(organisation_id=organisation_id, active=True).select_related(
            "user"
        )
    ]


def permission_wording(sharing: OrganisationSharing, organisation: Organisation, *, give: bool = True) -> str:
    """The exact words a sponsor contact agrees to (or refuses) in the portal; kept with their decision."""
    verb = "give written permission for" if give else "refuse permission for"
    return (
        f"On behalf of {organisation.name}, I {verb} the practice to share the following information of "
        f"{sharing.organisation.name} with {sharing.recipient_name} ({sharing.reference}).\n\n"
        f"What is shared: {sharing.what}\n\nWhy: {sharing.why}"
    )


@transaction.atomic
def sharing_propose(
    *,
    actor: User | None,
    organisation: Organisation,
    what: str,
    why: str,
    to_organisation: Organisation | None = None,
    to_outside_body: str = "",
    also_concerns: Iterable[Organisation] = (),
) -> OrganisationSharing:
    """The administrator records a sharing; each organisation it concerns is asked for its permission."""
    require_practice_manager(actor)
    what = _text(what, "what", "What is shared", TEXT_MAX_CHARS)
    why = _text(why, "why", "Why it is shared", TEXT_MAX_CHARS)
    to_outside_body = _text(
        to_outside_body, "to_outside_body", "The receiving body", OUTSIDE_BODY_MAX_CHARS, required=False
    )
    if (to_organisation is None) == (not to_outside_body):
        raise ValidationError(
            {
                "to_organisation": "Choose the receiving organisation, or name a body outside the practice "
                "(one or the other)."
            }
        )
    if to_organisation is not None and to_organisation.pk == organisation.pk:
        raise ValidationError({"to_organisation": "An organisation does not share its information with itself."})
    concerned: dict[Any, Organisation] = {organisation.pk: organisation}
    if to_organisation is not None:
        concerned[to_organisation.pk] = to_organisation
    for other in also_concerns:
        concerned.setdefault(other.pk, other)
    sharing = OrganisationSharing(
        data_key=data_key_create(purpose="sharing"),
        organisation=organisation,
        to_organisation=to_organisation,
        to_outside_body=to_outside_body,
        what=what,
        why=why,
        proposed_by=actor,
    )
    sharing.full_clean()
    sharing.save()
    audit_record(
        actor=actor,
        action="sharing.propose",
        obj=sharing,
        detail={
            "reference": sharing.reference,
            "organisation": str(organisation.pk),
            "to_organisation": str(to_organisation.pk) if to_organisation is not None else None,
            "concerns": sorted(str(pk) for pk in concerned),
        },
    )
    for concerned_organisation in concerned.values():
        permission = SharingPermission(sharing=sharing, organisation=concerned_organisation)
        permission.full_clean()
        permission.save()
        notify(
            users=_contacts_of(concerned_organisation.pk),
            text=f"Sharing {sharing.reference} between organisations needs your organisation's written "
            "permission before anything is shared.",
            link=_link(sharing),
            about=_asking(permission),
        )
    return sharing


def _open_permission(sharing: OrganisationSharing, organisation_id: Any) -> tuple[OrganisationSharing, Any]:
    # Only the sharing's own row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer join to the receiving organisation (an outside body has none).
    locked = OrganisationSharing.objects.select_for_update(of=("self",)).select_related(
        "organisation", "to_organisation"
    )
    sharing = locked.get(pk=sharing.pk)
    if sharing.state != OrganisationSharing.State.PROPOSED:
        raise ValidationError(
            {"decision": f"This sharing is {sharing.get_state_display().lower()}: permissions can no longer change."}
        )
    permission = (
        SharingPermission.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(sharing=sharing, organisation_id=organisation_id)
        .first()
    )
    if permission is None:
        raise ValidationError({"organisation": "This sharing does not concern that organisation."})
    return sharing, permission


def _decided(
    actor: User | None, sharing: OrganisationSharing, permission: SharingPermission, *, give: bool, method: str
) -> SharingPermission:
    permission.state = SharingPermission.State.GIVEN if give else SharingPermission.State.REFUSED
    permission.method = method
    permission.decided_by = actor
    permission.decided_at = timezone.now()
    permission.full_clean()
    permission.save()
    audit_record(
        actor=actor,
        action="sharing.permission_give" if give else "sharing.permission_refuse",
        obj=permission,
        detail={
            "reference": sharing.reference,
            "sharing": str(sharing.pk),
            "organisation": str(permission.organisation_id),
            "method": method,
            "evidence": str(permission.evidence_id) if permission.evidence_id else None,
        },
    )
    resolve(_asking(permission))
    return permission


@transaction.atomic
def sharing_permission_decide(*, actor: User, sharing: OrganisationSharing, give: bool) -> SharingPermission:
    """A sponsor contact gives or refuses their organisation's permission in the portal. The exact
    wording they were shown is kept with the decision. Only for their own organisation; 404 otherwise."""
    organisation = access.sharing_organisation_for(actor, sharing)
    if organisation is None:
        raise Http404
    sharing, permission = _open_permission(sharing, organisation.pk)
    permission.wording = permission_wording(sharing, permission.organisation, give=give)
    permission.evidence = None
    decided = _decided(actor, sharing, permission, give=give, method=SharingPermission.Method.PORTAL)
    notify(
        users=administrators(),
        text=f"Sharing {sharing.reference}: an organisation it concerns "
        f"{'gave its written permission' if give else 'refused its permission'}.",
        link=_link(sharing),
    )
    return decided


@transaction.atomic
def sharing_permission_record(
    *,
    actor: User | None,
    sharing: OrganisationSharing,
    organisation: Organisation,
    give: bool,
    evidence: Any = None,
) -> SharingPermission:
    """The administrator records an organisation's written permission (or refusal) received outside
    the portal. A permission rests on the organisation's document, on one of its engagements."""
    require_practice_manager(actor)
    sharing, permission = _open_permission(sharing, organisation.pk)
    if evidence is not None and evidence.engagement.organisation_id != organisation.pk:
        raise ValidationError({"evidence": "This document is not on an engagement of that organisation."})
    if give and evidence is None:
        raise ValidationError(
            {"evidence": "A permission is written: choose the organisation's document that gives it (its letter)."}
        )
    permission.wording = ""
    permission.evidence = evidence
    return _decided(actor, sharing, permission, give=give, method=SharingPermission.Method.DOCUMENT)


def missing_permissions(sharing: OrganisationSharing) -> list[SharingPermission]:
    return [
        p
        for p in sharing.permissions.select_related("organisation").order_by("organisation__name")
        if p.state != SharingPermission.State.GIVEN
    ]


@transaction.atomic
def sharing_mark_shared(*, actor: User | None, sharing: OrganisationSharing) -> OrganisationSharing:
    """Refused while any organisation it concerns has not given its written permission (policy 000)."""
    require_practice_manager(actor)
    locked = OrganisationSharing.objects.select_for_update().get(pk=sharing.pk)
    if locked.state != OrganisationSharing.State.PROPOSED:
        raise ValidationError({"state": f"This sharing is {locked.get_state_display().lower()} already."})
    # Locked too, so a permission refused while this runs is seen, or waits for it to finish.
    list(SharingPermission.objects.select_for_update().filter(sharing=locked))
    missing = missing_permissions(locked)
    if missing:
        names = "; ".join(
            f"{p.organisation.name} ({'refused' if p.state == SharingPermission.State.REFUSED else 'not given yet'})"
            for p in missing
        )
        raise ValidationError(
            {"state": f"It cannot be shared without the written permission of each organisation it concerns: {names}."}
        )
    now = timezone.now()
    locked.state = OrganisationSharing.State.SHARED
    locked.shared_at = now
    locked.settled_at = now
    locked.save(update_fields=["state", "shared_at", "settled_at"])
    audit_record(actor=actor, action="sharing.shared", obj=locked, detail={"reference": locked.reference})
    return locked


@transaction.atomic
def sharing_withdraw(*, actor: User | None, sharing: OrganisationSharing) -> OrganisationSharing:
    """A proposed sharing is not going ahead: nothing was shared. The requests for permission are done."""
    require_practice_manager(actor)
    locked = OrganisationSharing.objects.select_for_update().get(pk=sharing.pk)
    if locked.state != OrganisationSharing.State.PROPOSED:
        raise ValidationError(
            {"state": f"Only a proposed sharing can be withdrawn: this one is {locked.get_state_display().lower()}."}
        )
    now = timezone.now()
    locked.state = OrganisationSharing.State.WITHDRAWN
    locked.withdrawn_at = now
    locked.settled_at = now
    locked.save(update_fields=["state", "withdrawn_at", "settled_at"])
    audit_record(actor=actor, action="sharing.withdraw", obj=locked, detail={"reference": locked.reference})
    for permission in locked.permissions.all():
        resolve(_asking(permission))
    return locked


# --- reads ------------------------------------------------------------------------------------


def sharings_for(*, user: User, state: str = "all") -> QuerySet[OrganisationSharing]:
    """The register (no text: listing reads nothing), for whoever may see it."""
    sharings = access.sharings_visible_to(user).select_related("organisation", "to_organisation")
    if state in OrganisationSharing.State.values:
        sharings = sharings.filter(state=state)
    return sharings.order_by("-created_at")


def sharing_read(*, user: User, sharing: OrganisationSharing) -> OrganisationSharing:
    """What and why are read: audited."""
    audit_record(actor=user, action="sharing.read", obj=sharing, detail={"reference": sharing.reference})
    return sharing
