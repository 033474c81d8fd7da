"""Accounts and roles: whether a person's account is in force, and what their role lets them ask for
without naming an object. The access policy (``access``) builds on this and re-exports it; the core
asks this module directly, so it needs nothing of the feature apps.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from confidentiality.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest
    from rest_framework.request import Request

    from confidentiality.models import User

    # Whoever is asking: a person with an account, or someone not signed in (``request.user``).
    Person: TypeAlias = User | AnonymousUser

    class SignedInRequest(HttpRequest):
        """A page behind ``login_required``: whoever asks has an account."""

        user: User

    class SignedInApiRequest(Request):
        """An API call past ``IsAuthenticated`` (every view's default permission): whoever asks has an account."""

        user: User


class Capability(enum.StrEnum):
    """What can be asked of the policy without an object."""

    MANAGE_PRACTICE = "manage_practice"  # organisations, clients, engagements
    MANAGE_PEOPLE = "manage_people"  # staff who join and leave, handovers, who accepted which policy
    MANAGE_RETENTION = "manage_retention"  # the schedule, legal holds, sweeps, receipts
    LIST_CLIENTS = "list_clients"  # policies 001 and 003: no client lists but the administrator's
    READ_AUDIT_LOG = "read_audit_log"
    VIEW_OWN_ENGAGEMENTS = "view_own_engagements"
    USE_API = "use_api"


_ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(
        {
            Capability.MANAGE_PRACTICE,
            Capability.MANAGE_PEOPLE,
            Capability.MANAGE_RETENTION,
            Capability.LIST_CLIENTS,
            Capability.READ_AUDIT_LOG,
            Capability.USE_API,
        }
    ),
    Role.COACH: frozenset({Capability.VIEW_OWN_ENGAGEMENTS, Capability.USE_API}),
    Role.AUDITOR: frozenset({Capability.READ_AUDIT_LOG, Capability.USE_API}),
    Role.CLIENT: frozenset({Capability.VIEW_OWN_ENGAGEMENTS, Capability.USE_API}),
    Role.SPONSOR: frozenset({Capability.VIEW_OWN_ENGAGEMENTS, Capability.USE_API}),
}


def account_in_force(user: Person) -> bool:
    """Active, and not past the last day of a contract (in the practice's time zone)."""
    if not user.is_active:
        return False
    ends_on = getattr(user, "contract_ends_on", None)
    return ends_on is None or timezone.localdate() <= ends_on


def people_in_force(role: Role) -> QuerySet[Any]:
    """People of a role whose account works today: active, and not past a contract's last day.
    Whom the practice may ask, name or tell anything (``account_in_force``, for a set)."""
    from confidentiality.models import User

    in_force = Q(contract_ends_on__isnull=True) | Q(contract_ends_on__gte=timezone.localdate())
    return User.objects.filter(in_force, groups__name=role.value, is_active=True)


def administrators() -> list[Any]:
    """The practice's administrators who can act now: the fallback for everything to be told."""
    return list(people_in_force(Role.ADMIN).order_by("pk"))


def role_of(user: Person | None) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not account_in_force(user):
        return None
    return cast("User", user).role  # getattr(is_authenticated) above: not an AnonymousUser


def is_staff_role(user: Person | None) -> bool:
    return role_of(user) in STAFF_ROLES


def needs_second_factor(user: Person | None) -> bool:
    """Administrators, coaches and auditors sign in with a second factor, and so do the technical
    admin site's users (is_staff, is_superuser), whatever their role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_staff_role(user) or bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def can(user: Person | None, capability: Capability) -> bool:
    role = role_of(user)
    return role is not None and capability in _ROLE_CAPABILITIES[role]


def require_practice_manager(actor: User | None) -> None:
    """A write only the practice administrator makes. ``actor=None`` is the system itself (a
    management command run with server access). Refused with 403: the person reached the page."""
    if actor is not None and not can(actor, Capability.MANAGE_PRACTICE):
        raise PermissionDenied("Only the practice administrator can do this.")


def require(user: Person, capability: Capability) -> None:
    """404 when the capability is missing: the page does not exist for this person."""
    if not can(user, capability):
        raise Http404
