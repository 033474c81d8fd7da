"""People who join and leave the practice: associates' contracts, offboarding, sessions.

Policy 001: confidentiality "does not stop when the relationship with the consumer comes to an
end", and nor may a person's access outlast their place in the practice. When someone leaves,
whether the administrator deactivates them, their contract ends or they leave their organisation,
``person_offboard`` in one transaction: takes them off every engagement and organisation
(membership and object permissions together), deletes any object permission left anywhere,
revokes every API token, ends every session, ends any break-glass opening or audit still open,
and lists their open engagements for the administrator to hand over. Nothing they wrote is
touched: notes, documents and reports belong to the engagement.

Between the last day of a contract and the periodic task that offboards the person, the access
policy already refuses them (``access.account_in_force``), so "at once" does not wait for it.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.accounts import require_practice_manager
from confidentiality.audit import audit_engagement_event, audit_record
from confidentiality.models import ApiToken, User
from confidentiality.notify import about, notify, resolve
from confidentiality.roles import STAFF_ROLES, Role
from engagements import services as engagement_services
from engagements.models import Engagement, EngagementMember, SponsorContact
from people.models import Offboarding, OffboardingEngagement
from people.policies import ask_newcomer

logger = logging.getLogger(__name__)


def _require_people_manager(actor: User | None) -> None:
    # actor=None is the system itself (the periodic task, a management command).
    if actor is not None and not access.can_manage_people(actor):
        raise PermissionDenied("Only the practice administrator can do this.")


# --- sessions --------------------------------------------------------------------------------


def end_tracked_sessions(user: User, *, except_key: str | None = None) -> int:
    """End the sessions allauth tracks for the person (each sign-in through the login page).
    Sessions it does not know of are refused by ``signed_out_everywhere_at`` or ``is_active``."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user_id=user.pk):
        if except_key is not None and session.session_key == except_key:
            continue
        session.end()
        ended += 1
    return ended


def sessions_of(*, user: User) -> list[Any]:
    """The person's own open sessions (browsers and devices), oldest first; ended ones are purged."""
    from allauth.usersessions.models import UserSession

    return sorted(UserSession.objects.purge_and_list(user), key=lambda s: s.created_at)


def session_get_for(*, user: User, pk: Any) -> Any:
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(user_id=user.pk, pk=pk).first()
    if session is None:
        raise Http404
    return session


@transaction.atomic
def session_end(*, actor: User, session: Any) -> None:
    """A person ends one of their own sessions (a lost phone, a shared computer)."""
    if session.user_id != actor.pk:
        raise PermissionDenied("You can end only your own sessions.")
    session.end()
    audit_record(actor=actor, action="session.end", object_type="usersessions.usersession", object_id=str(session.pk))


@transaction.atomic
def sessions_end_others(*, actor: User, current_key: str | None) -> int:
    ended = end_tracked_sessions(actor, except_key=current_key)
    audit_record(actor=actor, action="session.end_others", obj=actor, detail={"count": ended})
    return ended


# --- joining --------------------------------------------------------------------------------


@transaction.atomic
def staff_add(
    *,
    actor: User,
    email: str,
    role: Role,
    display_name: str,
    is_associate: bool = False,
    contract_ends_on: datetime.date | None = None,
) -> User:
    """Add a member of staff and invite them: they choose a password through the invitation, set up
    their second factor at first sign-in, and accept the current policies before anything
    confidential opens to them."""
    from confidentiality.invitations import invitation_send
    from confidentiality.services import user_create

    _require_people_manager(actor)
    role = Role(role)
    if role not in STAFF_ROLES:
        raise ValidationError({"role": "Add clients and sponsor contacts from their own pages."})
    _check_contract(role=role, is_associate=is_associate, contract_ends_on=contract_ends_on)
    user = user_create(actor=actor, email=email, role=role, display_name=display_name)
    ask_newcomer(user)
    user = contract_set(actor=actor, user=user, is_associate=is_associate, contract_ends_on=contract_ends_on)
    invitation_send(actor=actor, user=user)
    return user


def _check_contract(*, role: Role | None, is_associate: bool, contract_ends_on: datetime.date | None) -> None:
    if is_associate and role != Role.COACH:
        raise ValidationError({"is_associate": "Only a coach can be an associate."})
    if is_associate and contract_ends_on is None:
        raise ValidationError(
            {"contract_ends_on": "An associate's access ends with their contract: give its last day."}
        )
    if contract_ends_on is not None and contract_ends_on < timezone.localdate():
        raise ValidationError(
            {"contract_ends_on": "The last day is already past. To end their access now, offboard them."}
        )


@transaction.atomic
def contract_set(*, actor: User, user: User, is_associate: bool, contract_ends_on: datetime.date | None) -> User:
    """Make someone an associate, or change when their access ends (an extension, an earlier end)."""
    _require_people_manager(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ValidationError("This person has left. Reactivate them first.")
    _check_contract(role=locked.role, is_associate=is_associate, contract_ends_on=contract_ends_on)
    if locked.role not in STAFF_ROLES:
        raise ValidationError("Contracts are for members of staff.")
    locked.is_associate = is_associate
    locked.contract_ends_on = contract_ends_on
    locked.save(update_fields=["is_associate", "contract_ends_on"])
    audit_record(
        actor=actor,
        action="person.contract_set",
        obj=locked,
        detail={"associate": is_associate, "ends_on": str(contract_ends_on) if contract_ends_on else ""},
    )
    return locked


# --- leaving --------------------------------------------------------------------------------


@transaction.atomic
def person_offboard(*, actor: User | None, user: User, reason: str) -> Offboarding:
    """Everything at once, in one transaction (see the module's docstring)."""
    from engagements.models import BreakGlassGrant
    from engagements.services import memberships_end_for

    _require_people_manager(actor)
    reason = Offboarding.Reason(reason)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("You cannot offboard yourself: another administrator must do it.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    role = locked.role
    if role == Role.CLIENT:
        raise ValidationError(
            "Clients are not offboarded: they keep what policy lets them keep until retention deletes it."
        )
    if role == Role.SPONSOR and reason != Offboarding.Reason.LEFT_ORGANISATION:
        raise ValidationError("A sponsor contact is removed from their organisation's page when they leave it.")
    if not locked.is_active and Offboarding.objects.filter(user=locked).exists():
        raise ValidationError("This person has already left.")
    now = timezone.now()
    left = memberships_end_for(actor=actor, user=locked)
    permissions = access.revoke_all_object_permissions(locked)
    tokens = ApiToken.objects.filter(user=locked, revoked_at__isnull=True).update(revoked_at=now)
    break_glass = BreakGlassGrant.objects.filter(granted_to=locked, expires_at__gt=now).update(expires_at=now)
    audits = _end_open_audits(actor=actor, user=locked, now=now)
    supervision = _supervision_end(locked)
    locked.is_active = False
    locked.signed_out_everywhere_at = now
    locked.save(update_fields=["is_active", "signed_out_everywhere_at"])
    sessions = end_tracked_sessions(locked)
    offboarding = Offboarding.objects.create(
        user=locked,
        reason=reason,
        offboarded_at=now,
        offboarded_by=actor,
        sessions_ended=sessions,
        tokens_revoked=tokens,
        permissions_revoked=permissions,
    )
    OffboardingEngagement.objects.bulk_create(
        [OffboardingEngagement(offboarding=offboarding, engagement=e, kind=kind) for e, kind in left]
    )
    audit_record(
        actor=actor,
        action="person.offboard",
        obj=locked,
        detail={
            "reason": reason.value,
            "open_engagements": len(left),
            "tokens_revoked": tokens,
            "sessions_ended": sessions,
            "permissions_revoked": permissions,
            "break_glass_ended": break_glass,
            "audits_ended": audits,
            # Ids only: which records named them as supervisor, kept here once the name is cleared.
            "supervisor_of_disclosures": supervision.disclosures,
            "supervisor_of_concerns": supervision.concerns,
        },
    )
    if supervision.awaiting_approval:
        count = supervision.awaiting_approval
        notify(
            users=access.administrators(),
            text=f"{count} disclosure{'s' if count != 1 else ''} waiting for a second approval named a "
            "supervisor who has left: the administrator approves or declines them now.",
            link=reverse("disclosures:register"),
        )
    if actor is None and left:
        notify(
            users=access.administrators(),
            text=f"{reason.label}: {len(left)} open engagement{'s' if len(left) != 1 else ''} "
            "need someone to take them over.",
            link=reverse("people:offboarding", args=[offboarding.pk]),
            about=about("offboarding.handover", offboarding),
        )
    access.forget_cached_access(user)
    return offboarding


def _end_open_audits(*, actor: User | None, user: User, now: datetime.datetime) -> int:
    from finance.models import Audit

    audits = Audit.objects.filter(auditor=user, ended_at__isnull=True, ends_on__gte=timezone.localdate())
    # ended_by stays empty when the system ends it (actor=None).
    ended = audits.update(ended_at=now, ended_by=actor)
    access.forget_cached_audit(user)
    return ended


@dataclass
class _Supervision:
    disclosures: list[str]
    concerns: list[str]
    awaiting_approval: int


def _supervision_end(user: User) -> _Supervision:
    """A supervisor named on a disclosure or concern reads it (``access.disclosures_visible_to``).
    That must end with everything else, and must not come back if the person is reactivated, so
    the name is cleared; the ids go into the offboarding's audit event. A disclosure still waiting
    for its second approval falls to the administrators (``access.approvers_of``)."""
    from disclosures.models import Concern, Disclosure

    disclosures = Disclosure.objects.filter(supervisor=user)
    concerns = Concern.objects.filter(supervisor=user)
    found = _Supervision(
        disclosures=[str(pk) for pk in disclosures.values_list("pk", flat=True)],
        concerns=[str(pk) for pk in concerns.values_list("pk", flat=True)],
        awaiting_approval=disclosures.filter(state=Disclosure.State.AWAITING_APPROVAL).count(),
    )
    disclosures.update(supervisor=None)
    concerns.update(supervisor=None)
    return found


@transaction.atomic
def person_reactivate(*, actor: User, user: User, contract_ends_on: datetime.date | None = None) -> User:
    """Someone comes back: their account works again, on no engagement until they are put on one,
    and with no token or session from before."""
    _require_people_manager(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active and access.account_in_force(locked):
        raise ValidationError("This person's account is active.")
    if locked.role not in STAFF_ROLES:
        raise ValidationError("Only members of staff are reactivated; add a new sponsor contact on its organisation.")
    _check_contract(role=locked.role, is_associate=locked.is_associate, contract_ends_on=contract_ends_on)
    locked.is_active = True
    locked.contract_ends_on = contract_ends_on
    locked.save(update_fields=["is_active", "contract_ends_on"])
    audit_record(
        actor=actor,
        action="person.reactivate",
        obj=locked,
        detail={"ends_on": str(contract_ends_on) if contract_ends_on else ""},
    )
    return locked


def offboard_lapsed(*, as_of: datetime.date | None = None) -> list[Offboarding]:
    """The periodic clean-up after contracts end: each person whose contract's last day is past is
    offboarded (one transaction each), and the administrators are told what needs handing over.
    Auditors whose audit closed keep their account for the next audit; their old tokens are
    revoked and their old sessions ended (both already refused by ``credentials_valid_from``)."""
    as_of = as_of or timezone.localdate()
    done: list[Offboarding] = []
    for user in User.objects.filter(is_active=True, contract_ends_on__lt=as_of).order_by("pk"):
        try:
            done.append(person_offboard(actor=None, user=user, reason=Offboarding.Reason.CONTRACT_ENDED))
        except ValidationError as exc:
            # One person's odd record must not keep everyone after them in the practice. They are
            # refused already (``access.account_in_force``); the administrator is told by the log.
            logger.error("Offboarding person %s after their contract ended failed: %s", user.pk, exc.messages)
    auditors = Group.objects.filter(name=Role.AUDITOR.value).first()
    if auditors is not None:
        for user in auditors.user_set.filter(is_active=True):
            _expire_auditor_credentials(user)
    return done


@transaction.atomic
def _expire_auditor_credentials(user: User) -> None:
    from allauth.usersessions.models import UserSession

    cutoff = access.credentials_valid_from(user)
    if cutoff is None:
        return
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True, created_at__lt=cutoff).update(
        revoked_at=timezone.now()
    )
    sessions = 0
    for session in UserSession.objects.filter(user_id=user.pk, created_at__lt=cutoff):
        session.end()
        sessions += 1
    if tokens or sessions:
        audit_record(
            actor=None, action="person.audit_window_closed", obj=user, detail={"tokens": tokens, "sessions": sessions}
        )


# --- reading --------------------------------------------------------------------------------


def people_for(*, user: User) -> QuerySet[User]:
    """Members of staff, for the administrator: never clients (no client lists but theirs, and
    those are on the Clients page) nor sponsor contacts (on their organisation's page)."""
    if not access.can_manage_people(user):
        raise Http404
    return User.objects.filter(groups__name__in=[r.value for r in STAFF_ROLES]).order_by(
        "-is_active", "display_name", "email"
    )


def staff_count_for(*, user: User) -> int:
    """How many rows ``people_for`` holds, counted on the membership table alone: one row per person
    in a staff group, as the list's join gives them, without reading each person's row (issue 23:
    the people page counted every member of staff through the users' table to show fifty)."""
    if not access.can_manage_people(user):
        raise Http404
    return User.groups.through.objects.filter(group__name__in=[r.value for r in STAFF_ROLES]).count()


def with_roles(users: Any) -> list[User]:
    """The people with their role read from their groups: one query for all, not one each. The
    memberships are read as (person, group name) pairs rather than prefetched: a prefetch builds a
    related manager and a queryset for each person, which cost more than the query (issue 23)."""
    found = list(users)
    names: dict[int, list[str]] = {person.pk: [] for person in found}
    memberships = User.groups.through.objects.filter(user_id__in=list(names)).values_list("user_id", "group__name")
    for person_id, name in memberships:
        names[person_id].append(name)
    for person in found:
        person._role_cache = User.role_from_group_names(names[person.pk])
    return found


def person_get_for(*, user: User, pk: Any) -> User:
    try:
        return people_for(user=user).get(pk=pk)
    except (User.DoesNotExist, ValueError):
        raise Http404 from None


def offboardings_for(*, user: User) -> QuerySet[Offboarding]:
    if not access.can_manage_people(user):
        raise Http404
    return Offboarding.objects.select_related("user", "offboarded_by")


def offboarding_get_for(*, user: User, pk: Any) -> Offboarding:
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        return offboardings_for(user=user).get(pk=pk)
    except (Offboarding.DoesNotExist, DjangoValidationError, ValueError):
        raise Http404 from None


def open_handovers_for(*, user: User) -> QuerySet[OffboardingEngagement]:
    """Engagements waiting for someone to take them over, for the administrator's pages."""
    if not access.can_manage_people(user):
        return OffboardingEngagement.objects.none()
    return OffboardingEngagement.objects.filter(settled_at__isnull=True).select_related(
        "engagement", "offboarding__user"
    )


def replacements_for(*, user: User, handover: OffboardingEngagement) -> QuerySet[User]:
    """Who may take an engagement over: an active coach, or an active contact of the organisation."""
    if not access.can_manage_people(user):
        return User.objects.none()
    on_it = handover.engagement.members.values("user_id")
    if handover.kind == "sponsor":
        found = access.people_in_force(Role.SPONSOR).filter(
            sponsor_contact__organisation_id=handover.engagement.organisation_id,
            sponsor_contact__active=True,
        )
    else:
        found = access.people_in_force(Role.COACH)
    return found.exclude(pk__in=on_it).order_by("display_name", "email")


def own_activity_for(*, user: User) -> QuerySet[Any]:
    """The person's own access history: every audited thing they did, newest first."""
    from confidentiality.models import AuditEvent

    if not getattr(user, "is_authenticated", False):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(actor_id=user.pk).order_by("-seq")


# --- handing engagements over when someone leaves ----------------------------------------------


@transaction.atomic
def sponsor_contact_remove(*, actor: User, contact: SponsorContact) -> Any:
    """A sponsor contact left their organisation: they lose everything at once, exactly as a
    member of staff who leaves (``person_offboard``), and their open engagements are listed
    for another contact of the organisation to take over."""
    require_practice_manager(actor)
    if not contact.active:
        raise ValidationError("This contact has already left the organisation.")
    return person_offboard(actor=actor, user=contact.user, reason=Offboarding.Reason.LEFT_ORGANISATION)


@transaction.atomic
def engagement_reassign(*, actor: User, engagement: Engagement, from_user: User, to_user: User) -> EngagementMember:
    """Hand an engagement from one person to another of the same kind (coach to coach, sponsor
    contact to sponsor contact): the permissions move with the membership, and nothing else
    changes. Notes, documents and reports keep their author; the newcomer reads them because they
    are the engagement's, not the author's."""
    require_practice_manager(actor)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status == Engagement.Status.CLOSED:
        raise ValidationError("A closed engagement is not handed over: nothing more is done on it.")
    if to_user is None:
        raise ValidationError({"to_user": "Choose who takes the engagement over."})
    if to_user.pk == from_user.pk:
        raise ValidationError({"to_user": "Choose someone else to take the engagement over."})
    current = EngagementMember.objects.filter(engagement=engagement, user=from_user).first()
    handovers = OffboardingEngagement.objects.select_for_update().filter(
        engagement=engagement, offboarding__user=from_user, settled_at__isnull=True
    )
    if current is not None:
        kind = current.kind
    else:
        pending = handovers.first()
        if pending is None:
            raise ValidationError("This person is not on the engagement, and no handover of it is waiting.")
        kind = pending.kind
    if not access.account_in_force(to_user):
        raise ValidationError({"to_user": "This person's account is not active."})
    if current is not None:
        current.delete()
        access.revoke_engagement_member(user=from_user, engagement=engagement)
        audit_engagement_event(actor, "engagement.member_remove", engagement, user=from_user.pk, kind=kind)
    member = engagement_services.engagement_member_add(actor=actor, engagement=engagement, user=to_user, kind=kind)
    offboardings = set(handovers.values_list("offboarding_id", flat=True))
    handovers.update(reassigned_to=to_user, settled_at=timezone.now(), settled_by=actor)
    _resolve_settled(offboardings)
    audit_engagement_event(
        actor, "engagement.reassign", engagement, from_user=from_user.pk, to_user=to_user.pk, kind=kind
    )
    notify(
        users=[to_user],
        text=f"You have been put on engagement {engagement.reference} in place of a colleague.",
        link=reverse("engagements:detail", args=[engagement.pk]),
    )
    return member


@transaction.atomic
def handover_settle_without_replacement(*, actor: User, handover: Any) -> Any:
    """Nobody needs to take over: another coach (or contact) of the same kind is still on it."""
    require_practice_manager(actor)
    if handover.settled_at is not None:
        raise ValidationError("This handover is already settled.")
    # Once the engagement has closed there is nothing more to hand over; should a coach be needed
    # later (a disclosure required by law), one can still be put on it (``engagement_member_add``).
    remaining = EngagementMember.objects.filter(
        engagement_id=handover.engagement_id, kind=handover.kind, user__is_active=True
    )
    if handover.engagement.status != Engagement.Status.CLOSED and not remaining.exists():
        raise ValidationError(f"Nobody else is on this engagement as {handover.kind}: choose who takes it over.")
    handover.settled_at = timezone.now()
    handover.settled_by = actor
    handover.save(update_fields=["settled_at", "settled_by"])
    audit_engagement_event(actor, "engagement.handover_settled", handover.engagement, kind=handover.kind)
    _resolve_settled({handover.offboarding_id})
    return handover


def _resolve_settled(offboardings: set[Any]) -> None:
    """An offboarding whose every engagement is settled asks nothing more of the administrators."""
    for pk in offboardings:
        if not OffboardingEngagement.objects.filter(offboarding_id=pk, settled_at__isnull=True).exists():
            resolve(about("offboarding.handover", pk))
