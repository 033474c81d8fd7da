"""Reads about engagements, each filtered by the one access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from confidentiality import access
from confidentiality.crypto import load_data_keys
from confidentiality.roles import Role
from engagements.models import Client, Engagement, Organisation


def engagement_list_for(*, user: Any) -> QuerySet[Engagement]:
    return access.engagements_visible_to(user).select_related("organisation").order_by("-starts_on", "reference")


def dashboard_engagements_for(*, user: Any) -> QuerySet[Engagement]:
    return engagement_list_for(user=user).exclude(status=Engagement.Status.CLOSED)[:50]


def engagement_get_for(*, user: Any, pk: Any) -> Engagement:
    return access.engagement_get_for(user, pk)


def engagement_people_for(*, user: Any, engagement: Engagement) -> list[Any]:
    """Who is on the engagement. The client's name is shown only to those who may know it."""
    members = list(engagement.members.select_related("user").order_by("kind", "user__email"))
    if access.role_of(user) == Role.SPONSOR:
        # A sponsor sees the practice's coaches and their own colleagues, as on the agreement.
        return [m for m in members if m.kind != "client"]
    return members


def client_for_engagement(*, user: Any, engagement: Engagement) -> Client | None:
    """The client's record, for those on the engagement and the administrator."""
    role = access.role_of(user)
    if role == Role.ADMIN or access.has_engagement_access(user, engagement, access.EngagementAccess.VIEW):
        if role == Role.SPONSOR:
            return None
        client = engagement.client
        load_data_keys([client.data_key_id])
        return client
    return None


def client_list_for(*, user: Any) -> QuerySet[Client]:
    access.require(user, access.Capability.LIST_CLIENTS)
    return access.clients_visible_to(user).order_by("created_at")


def practice_counts_for(*, user: Any) -> dict[str, int]:
    access.require(user, access.Capability.MANAGE_PRACTICE)
    by_status = Engagement.objects.aggregate(
        proposed=Count("pk", filter=Q(status=Engagement.Status.PROPOSED)),
        active=Count("pk", filter=Q(status=Engagement.Status.ACTIVE)),
        paused=Count("pk", filter=Q(status=Engagement.Status.PAUSED)),
        closed=Count("pk", filter=Q(status=Engagement.Status.CLOSED)),
    )
    return {
        **by_status,
        "organisations": Organisation.objects.count(),
        "clients": Client.objects.count(),
    }
