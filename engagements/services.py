"""Writes about organisations, clients and engagements.

Membership and object permissions are written together here and only here, so that
list pages may filter on membership alone (DESIGN.md §2).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from confidentiality import access
from confidentiality.audit import audit_record
from confidentiality.crypto import data_key_create
from confidentiality.roles import Role
from engagements.models import Client, Engagement, EngagementMember, Organisation, SponsorContact


def _require_admin(actor: Any) -> None:
    # actor=None is the system itself (a management command run with server access).
    if actor is not None and not access.can(actor, access.Capability.MANAGE_PRACTICE):
        raise PermissionDenied("Only the practice administrator can do this.")


@transaction.atomic
def organisation_create(*, actor: Any, name: str, keep_hard_copies: bool = False) -> Organisation:
    _require_admin(actor)
    organisation = Organisation(name=name.strip(), keep_hard_copies=keep_hard_copies)
    organisation.full_clean()
    organisation.save()
    audit_record(actor=actor, action="organisation.create", obj=organisation)
    return organisation


@transaction.atomic
def sponsor_contact_add(*, actor: Any, organisation: Organisation, user: Any, job_title: str = "") -> SponsorContact:
    _require_admin(actor)
    if access.role_of(user) != Role.SPONSOR:
        raise ValidationError("Only a person with the sponsor role can be an organisation's contact.")
    contact = SponsorContact(organisation=organisation, user=user, job_title=job_title.strip())
    contact.full_clean()
    contact.save()
    access.grant_organisation_contact(user=user, organisation=organisation)
    audit_record(actor=actor, action="organisation.contact_add", obj=organisation, detail={"user": user.pk})
    return contact


@transaction.atomic
def client_create(*, actor: Any, full_name: str, contact_email: str = "", phone: str = "", user: Any = None) -> Client:
    _require_admin(actor)
    full_name = full_name.strip()
    if not full_name:
        raise ValidationError({"full_name": "A client needs a name."})
    if user is not None and access.role_of(user) != Role.CLIENT:
        raise ValidationError("A client's portal login must have the client role.")
    client = Client(
        data_key=data_key_create(purpose="client"),
        user=user,
        full_name=full_name,
        contact_email=contact_email.strip(),
        phone=phone.strip(),
    )
    client.full_clean()
    client.save()
    audit_record(actor=actor, action="client.create", obj=client, client_id=client.id)
    return client


@transaction.atomic
def engagement_create(
    *,
    actor: Any,
    reference: str,
    title: str,
    organisation: Organisation,
    client: Client,
    coaches: list[Any],
    sponsors: list[Any],
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    status: str = Engagement.Status.PROPOSED,
) -> Engagement:
    _require_admin(actor)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date is before the start date."})
    if not coaches:
        raise ValidationError({"coaches": "An engagement needs at least one coach."})
    engagement = Engagement(
        reference=reference.strip(),
        title=title.strip(),
        organisation=organisation,
        client=client,
        data_key=data_key_create(purpose="engagement"),
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
    )
    engagement.full_clean()
    engagement.save()
    audit_record(
        actor=actor, action="engagement.create", obj=engagement, engagement_id=engagement.id, client_id=client.id
    )
    for coach in coaches:
        engagement_member_add(actor=actor, engagement=engagement, user=coach, kind=EngagementMember.Kind.COACH)
    for sponsor in sponsors:
        engagement_member_add(actor=actor, engagement=engagement, user=sponsor, kind=EngagementMember.Kind.SPONSOR)
    if client.user is not None:
        engagement_member_add(actor=actor, engagement=engagement, user=client.user, kind=EngagementMember.Kind.CLIENT)
    return engagement


_KIND_ROLE = {
    EngagementMember.Kind.COACH: Role.COACH,
    EngagementMember.Kind.SPONSOR: Role.SPONSOR,
    EngagementMember.Kind.CLIENT: Role.CLIENT,
}


@transaction.atomic
def engagement_member_add(*, actor: Any, engagement: Engagement, user: Any, kind: str) -> EngagementMember:
    """Put someone on an engagement: membership and permissions in one transaction."""
    _require_admin(actor)
    kind = EngagementMember.Kind(kind)
    if access.role_of(user) != _KIND_ROLE[kind]:
        raise ValidationError(
            f"Only a person with the {_KIND_ROLE[kind].label.lower()} role can join as {kind.label.lower()}."
        )
    if (
        kind == EngagementMember.Kind.SPONSOR
        and not SponsorContact.objects.filter(
            user=user, organisation_id=engagement.organisation_id, active=True
        ).exists()
    ):
        raise ValidationError("This sponsor contact does not belong to the engagement's organisation.")
    if kind == EngagementMember.Kind.CLIENT and engagement.client.user_id != user.pk:
        raise ValidationError("Only the engagement's own client can join as client.")
    if EngagementMember.objects.filter(engagement=engagement, user=user).exists():
        raise ValidationError("This person is already on the engagement.")
    member = EngagementMember.objects.create(engagement=engagement, user=user, kind=kind)
    access.grant_engagement_member(user=user, engagement=engagement, kind=kind.value)
    audit_record(
        actor=actor,
        action="engagement.member_add",
        obj=engagement,
        engagement_id=engagement.id,
        client_id=engagement.client_id,
        detail={"user": user.pk, "kind": kind.value},
    )
    return member


@transaction.atomic
def engagement_member_remove(*, actor: Any, engagement: Engagement, user: Any) -> None:
    """Take someone off an engagement: membership and permissions go together."""
    _require_admin(actor)
    deleted, _ = EngagementMember.objects.filter(engagement=engagement, user=user).delete()
    if not deleted:
        raise ValidationError("This person is not on the engagement.")
    access.revoke_engagement_member(user=user, engagement=engagement)
    audit_record(
        actor=actor,
        action="engagement.member_remove",
        obj=engagement,
        engagement_id=engagement.id,
        client_id=engagement.client_id,
        detail={"user": user.pk},
    )
