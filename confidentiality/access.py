"""The one access policy: the only code that decides who may see or change what.

Views, the API, exports and tasks ask it; nothing else calls ``has_perm``,
``get_objects_for_user`` or ``assign_perm``. Rules (DESIGN.md §2):

- Deny by default. Anything outside someone's need-to-know answers 404, not 403, so its
  existence is not confirmed; read-but-not-write answers 403.
- ``is_superuser`` opens nothing here. Guardian's ``ObjectPermissionChecker`` grants a
  superuser every object, so object checks go through ``get_objects_for_user`` with
  ``with_superuser=False, accept_global_perms=False`` and never through the checker.
- An inactive user, or one without exactly one role, may do nothing.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, get_user_perms, remove_perm

from confidentiality.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from engagements.models import CoachingSession, Document, Engagement, Note


class Capability(enum.StrEnum):
    """What can be asked of the policy without an object."""

    MANAGE_PRACTICE = "manage_practice"  # organisations, clients, engagements, people
    LIST_CLIENTS = "list_clients"  # policies 001 and 003: no client lists but the administrator's
    READ_AUDIT_LOG = "read_audit_log"
    VIEW_OWN_ENGAGEMENTS = "view_own_engagements"
    USE_API = "use_api"


_ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(
        {Capability.MANAGE_PRACTICE, Capability.LIST_CLIENTS, Capability.READ_AUDIT_LOG, Capability.USE_API}
    ),
    Role.COACH: frozenset({Capability.VIEW_OWN_ENGAGEMENTS, Capability.USE_API}),
    Role.AUDITOR: frozenset({Capability.READ_AUDIT_LOG, Capability.USE_API}),
    Role.CLIENT: frozenset({Capability.VIEW_OWN_ENGAGEMENTS, Capability.USE_API}),
    Role.SPONSOR: frozenset({Capability.VIEW_OWN_ENGAGEMENTS, Capability.USE_API}),
}


class EngagementAccess(enum.StrEnum):
    """What a person may do with one engagement; each is a guardian object permission."""

    VIEW = "view_engagement"  # the engagement's metadata
    READ_CONFIDENTIAL = "read_confidential"  # private notes, documents: the coaches on it only
    READ_SHARED = "read_shared"  # what the coach shared with the client
    READ_RELEASED = "read_released"  # released reports


# What joining an engagement as each kind of member grants.
MEMBER_GRANTS: dict[str, tuple[EngagementAccess, ...]] = {
    "coach": (
        EngagementAccess.VIEW,
        EngagementAccess.READ_CONFIDENTIAL,
        EngagementAccess.READ_SHARED,
        EngagementAccess.READ_RELEASED,
    ),
    "client": (EngagementAccess.VIEW, EngagementAccess.READ_SHARED, EngagementAccess.READ_RELEASED),
    "sponsor": (EngagementAccess.VIEW, EngagementAccess.READ_RELEASED),
}


def role_of(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_staff_role(user: Any) -> bool:
    return role_of(user) in STAFF_ROLES


def can(user: Any, capability: Capability) -> bool:
    role = role_of(user)
    return role is not None and capability in _ROLE_CAPABILITIES[role]


def require(user: Any, capability: Capability) -> None:
    """404 when the capability is missing: the page does not exist for this person."""
    if not can(user, capability):
        raise Http404


# --- engagements -------------------------------------------------------------------


def engagements_visible_to(user: Any) -> QuerySet[Engagement]:
    """Engagements whose metadata the user may see.

    Lists filter on the membership relation itself, which is ten times faster than the
    permission join; it is safe because ``engagements.services`` writes membership and
    permissions together in one transaction.
    """
    from engagements.models import Engagement

    role = role_of(user)
    if role == Role.ADMIN:
        return Engagement.objects.all()
    if role in (Role.COACH, Role.CLIENT, Role.SPONSOR):
        return Engagement.objects.filter(members__user=user, members__kind=role.value)
    return Engagement.objects.none()


def engagement_access_for(user: Any, engagement: Engagement) -> frozenset[EngagementAccess]:
    """Everything the user may do with one engagement, in one query, cached for the request.

    ``get_user_perms`` reads the user's own rows of the direct foreign-key table and, unlike
    guardian's checker, grants a superuser nothing extra. Groups are not used for objects.
    """
    role = role_of(user)
    if role is None:
        return frozenset()
    if role == Role.ADMIN:
        return frozenset({EngagementAccess.VIEW, EngagementAccess.READ_RELEASED})
    if role not in (Role.COACH, Role.CLIENT, Role.SPONSOR):
        return frozenset()
    cache: dict[Any, frozenset[EngagementAccess]] = user.__dict__.setdefault("_engagement_access_cache", {})
    if engagement.pk not in cache:
        codenames = set(get_user_perms(user, engagement))
        cache[engagement.pk] = frozenset(a for a in EngagementAccess if a.value in codenames)
    return cache[engagement.pk]


def has_engagement_access(user: Any, engagement: Engagement, access: EngagementAccess) -> bool:
    return access in engagement_access_for(user, engagement)


def forget_cached_access(user: Any) -> None:
    user.__dict__.pop("_engagement_access_cache", None)


def engagement_get_for(user: Any, pk: Any, access: EngagementAccess = EngagementAccess.VIEW) -> Engagement:
    """The engagement, or 404 when it does not exist or is outside the user's need-to-know."""
    from django.core.exceptions import ValidationError

    from engagements.models import Engagement

    try:
        engagement = engagements_visible_to(user).select_related("organisation", "client").get(pk=pk)
    except (ValidationError, ValueError, Engagement.DoesNotExist):
        raise Http404 from None
    if access != EngagementAccess.VIEW and not has_engagement_access(user, engagement, access):
        raise Http404
    return engagement


def can_change_engagement(user: Any) -> bool:
    return role_of(user) == Role.ADMIN


# --- granting (called only by the services that change membership) ------------------


def grant_engagement_member(*, user: Any, engagement: Engagement, kind: str) -> None:
    for access in MEMBER_GRANTS[kind]:
        assign_perm(f"engagements.{access.value}", user, engagement)
    forget_cached_access(user)


def revoke_engagement_member(*, user: Any, engagement: Engagement) -> None:
    for access in EngagementAccess:
        remove_perm(f"engagements.{access.value}", user, engagement)
    forget_cached_access(user)


def grant_organisation_contact(*, user: Any, organisation: Any) -> None:
    assign_perm("engagements.view_organisation_record", user, organisation)


def revoke_organisation_contact(*, user: Any, organisation: Any) -> None:
    remove_perm("engagements.view_organisation_record", user, organisation)


def organisations_visible_to(user: Any) -> QuerySet[Any]:
    from engagements.models import Organisation

    role = role_of(user)
    if role == Role.ADMIN:
        return Organisation.objects.all()
    if role == Role.SPONSOR:
        return get_objects_for_user(
            user,
            "engagements.view_organisation_record",
            klass=Organisation,
            use_groups=False,
            with_superuser=False,
            accept_global_perms=False,
        )
    if role == Role.COACH:
        return Organisation.objects.filter(
            engagements__members__user=user, engagements__members__kind="coach"
        ).distinct()
    return Organisation.objects.none()


def clients_visible_to(user: Any) -> QuerySet[Any]:
    """Only the administrator may list clients (policies 001 and 003)."""
    from engagements.models import Client

    if can(user, Capability.LIST_CLIENTS):
        return Client.objects.all()
    return Client.objects.none()


# --- confidential content: sessions, notes, documents --------------------------------


def can_write_confidential(user: Any, engagement: Engagement) -> bool:
    """Coaches on the engagement write sessions, notes and documents while it is not closed."""
    from engagements.models import Engagement as EngagementModel

    return (
        has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)
        and engagement.status != EngagementModel.Status.CLOSED
    )


def can_see_sessions(user: Any, engagement: Engagement) -> bool:
    """Sessions are dates and durations: the coaches, the client and the administrator."""
    if role_of(user) == Role.ADMIN:
        return True
    return has_engagement_access(user, engagement, EngagementAccess.READ_SHARED)


def sessions_visible_to(user: Any, engagement: Engagement) -> QuerySet[CoachingSession]:
    from engagements.models import CoachingSession

    if not can_see_sessions(user, engagement):
        return CoachingSession.objects.none()
    return CoachingSession.objects.filter(engagement=engagement)


def notes_visible_to(user: Any, engagement: Engagement) -> QuerySet[Note]:
    """All notes for the coaches on it; shared ones for the client; none for anyone else.

    The administrator reaches a private note only through a break-glass grant, one note at
    a time (``note_get_for``), never through a list.
    """
    from engagements.models import Note

    granted = engagement_access_for(user, engagement)
    if EngagementAccess.READ_CONFIDENTIAL in granted:
        return Note.objects.filter(engagement=engagement)
    if EngagementAccess.READ_SHARED in granted and role_of(user) == Role.CLIENT:
        return Note.objects.filter(engagement=engagement, shared_with_client=True)
    return Note.objects.none()


def active_break_glass(user: Any, note: Note) -> Any:
    from engagements.models import BreakGlassGrant

    if role_of(user) != Role.ADMIN:
        return None
    return BreakGlassGrant.objects.filter(granted_to=user, note=note, expires_at__gt=timezone.now()).first()


def note_get_for(user: Any, pk: Any, *, for_change: bool = False) -> Note:
    """One note, or 404. ``for_change``: only the coaches on the engagement may change it."""
    from django.core.exceptions import ValidationError

    from engagements.models import Note

    try:
        note = Note.objects.select_related("engagement", "engagement__organisation").get(pk=pk)
    except (Note.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    granted = engagement_access_for(user, note.engagement)
    if EngagementAccess.READ_CONFIDENTIAL in granted:
        if for_change and not can_write_confidential(user, note.engagement):
            raise Http404
        return note
    if for_change:
        raise Http404
    if note.shared_with_client and EngagementAccess.READ_SHARED in granted and role_of(user) == Role.CLIENT:
        return note
    if active_break_glass(user, note) is not None:
        return note
    raise Http404


def documents_visible_to(user: Any, engagement: Engagement) -> QuerySet[Document]:
    """Coaches: all. Client: those shared with them. Sponsor: those their organisation supplied.

    The administrator sees documents' metadata through ``document_metadata_for`` only.
    """
    from engagements.models import Document

    granted = engagement_access_for(user, engagement)
    role = role_of(user)
    if EngagementAccess.READ_CONFIDENTIAL in granted:
        return Document.objects.filter(engagement=engagement)
    if role == Role.CLIENT and EngagementAccess.READ_SHARED in granted:
        return Document.objects.filter(engagement=engagement, shared_with_client=True)
    if role == Role.SPONSOR and EngagementAccess.VIEW in granted:
        return Document.objects.filter(engagement=engagement, supplied_by_organisation=True)
    return Document.objects.none()


def document_metadata_for(user: Any, engagement: Engagement) -> QuerySet[Document]:
    """Type, size and date of every document, without names or content: the administrator's view."""
    from engagements.models import Document

    if role_of(user) != Role.ADMIN:
        return Document.objects.none()
    return Document.objects.filter(engagement=engagement).only(
        "id", "engagement_id", "content_type", "size", "created_at", "shared_with_client", "supplied_by_organisation"
    )


def document_get_for(user: Any, pk: Any) -> Document:
    from django.core.exceptions import ValidationError

    from engagements.models import Document

    try:
        document = Document.objects.select_related("engagement").get(pk=pk)
    except (Document.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not documents_visible_to(user, document.engagement).filter(pk=document.pk).exists():
        raise Http404
    return document


def can_see_hard_copies(user: Any, engagement: Engagement) -> bool:
    return role_of(user) == Role.ADMIN or has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)


def can_manage_hard_copies(user: Any, engagement: Engagement) -> bool:
    return can_see_hard_copies(user, engagement)


def can_break_glass(user: Any) -> bool:
    return role_of(user) == Role.ADMIN


def can_see_own_access_log(user: Any) -> bool:
    return role_of(user) == Role.CLIENT


# --- agreements and consent ---------------------------------------------------------------


def can_draft_agreement(user: Any, engagement: Engagement) -> bool:
    """The administrator and the coaches on the engagement draft its agreement."""
    return role_of(user) == Role.ADMIN or has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)


def agreement_party(user: Any, engagement: Engagement) -> str | None:
    """Which party of the agreement the user signs for, if any."""
    role = role_of(user)
    granted = engagement_access_for(user, engagement)
    if EngagementAccess.VIEW not in granted or role not in (Role.CLIENT, Role.SPONSOR, Role.COACH):
        return None
    return role.value


def can_read_agreements(user: Any, engagement: Engagement) -> bool:
    return role_of(user) == Role.ADMIN or agreement_party(user, engagement) is not None


def consents_visible_to(user: Any) -> QuerySet[Any]:
    """The administrator: all. A client: their own. A coach: those of their engagements. No one else."""
    from consent.models import ConsentRecord

    role = role_of(user)
    if role == Role.ADMIN:
        return ConsentRecord.objects.all()
    if role == Role.CLIENT:
        return ConsentRecord.objects.filter(client__user=user)
    if role == Role.COACH:
        # A consent tied to an engagement concerns that engagement's coaches only; a client-wide
        # one (to hold basic information, testimonials) concerns every coach of that client.
        mine = coach_engagements_of(user)
        return ConsentRecord.objects.filter(
            Q(engagement__in=mine) | Q(engagement__isnull=True, client__engagements__in=mine)
        ).distinct()
    return ConsentRecord.objects.none()


def coach_engagements_of(user: Any) -> QuerySet[Any]:
    from engagements.models import Engagement

    return Engagement.objects.filter(members__user=user, members__kind="coach")


def can_record_consent(user: Any, client: Any) -> bool:
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if role == Role.CLIENT:
        return client.user_id == user.pk
    if role == Role.COACH:
        return client.engagements.filter(members__user=user, members__kind="coach").exists()
    return False


def can_withdraw_consent(user: Any, consent: Any) -> bool:
    """The client withdraws their own; the administrator or a coach it concerns records it for them."""
    if role_of(user) == Role.COACH:
        return consents_visible_to(user).filter(pk=consent.pk).exists()
    return can_record_consent(user, consent.client)


def can_record_consent_anywhere(user: Any) -> bool:
    """Whether the consents page exists for this person at all."""
    return role_of(user) in (Role.ADMIN, Role.CLIENT, Role.COACH)
