"""Reads about engagements, each filtered by the one access policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

import access
from confidentiality.crypto import load_data_keys
from confidentiality.roles import Role
from engagements.models import Client, Engagement

if TYPE_CHECKING:
    from confidentiality.models import User


def engagement_list_for(*, user: User) -> QuerySet[Engagement]:
    return access.engagements_visible_to(user).select_related("organisation").order_by("-starts_on", "reference")


def engagement_get_for(*, user: User, pk: Any, annotations: dict[str, Any] | None = None) -> Engagement:
    return access.engagement_get_for(user, pk, annotations=annotations)


def engagement_people_for(*, user: User, engagement: Engagement) -> list[Any]:
    """Who is on the engagement. The client's name is shown only to those who may know it."""
    members = list(engagement.members.select_related("user").order_by("kind", "user__email"))
    if access.role_of(user) == Role.SPONSOR:
        # A sponsor sees the practice's coaches and their own colleagues, as on the agreement.
        return [m for m in members if m.kind != "client"]
    return members


def client_for_engagement(*, user: User, engagement: Engagement) -> Client | None:
    """The client's record, for those on the engagement and the administrator."""
    role = access.role_of(user)
    if role == Role.ADMIN or access.has_engagement_access(user, engagement, access.EngagementAccess.VIEW):
        if role == Role.SPONSOR:
            return None
        client = engagement.client
        load_data_keys([client.data_key_id])
        audit_client_reads(user=user, clients=[client])
        return client
    return None


def audit_client_reads(*, user: User, clients: list[Any]) -> None:
    """Reading a client's personal details is a read of their file: it shows in 'who has read my file'."""
    from confidentiality.audit import audit_record_many

    audit_record_many(
        actor=user,
        action="client.read",
        object_type="engagements.client",
        items=[{"object_id": client.pk, "client_id": client.pk} for client in clients],
    )


def client_list_for(*, user: User) -> QuerySet[Client]:
    access.require(user, access.Capability.LIST_CLIENTS)
    return access.clients_visible_to(user).order_by("created_at")


def practice_counts_for(*, user: User) -> dict[str, int]:
    """Engagements by state, organisations and clients: kept by the database (engagements/counts.py),
    one query however many there are."""
    from engagements.counts import practice_counts

    access.require(user, access.Capability.MANAGE_PRACTICE)
    return practice_counts()


# --- confidential content ---------------------------------------------------------------


def sessions_for(*, user: User, engagement: Engagement) -> QuerySet[Any]:
    return access.sessions_visible_to(user, engagement).order_by("-held_on", "-created_at")


def session_get_for_change(*, user: User, pk: Any) -> Any:
    """One session, for a coach on its engagement to complete; 404 for everyone else."""
    from django.core.exceptions import ValidationError

    from engagements.models import CoachingSession

    try:
        session = CoachingSession.objects.select_related("engagement").get(pk=pk)
    except (CoachingSession.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not access.can_write_confidential(user, session.engagement):
        raise Http404
    return session


def notes_for(*, user: User, engagement: Engagement) -> QuerySet[Any]:
    """Notes the user may read. Reading their text must be audited by the caller (audit_reads)."""
    return access.notes_visible_to(user, engagement).select_related("author", "session").order_by("-created_at")


def note_get_for(*, user: User, pk: Any, for_change: bool = False) -> Any:
    return access.note_get_for(user, pk, for_change=for_change)


def documents_for(*, user: User, engagement: Engagement) -> QuerySet[Any]:
    return access.documents_visible_to(user, engagement).select_related("uploaded_by").order_by("-created_at")


def document_metadata_for(*, user: User, engagement: Engagement) -> QuerySet[Any]:
    return access.document_metadata_for(user, engagement).order_by("-created_at")


def document_get_for(*, user: User, pk: Any) -> Any:
    return access.document_get_for(user, pk)


def hard_copies_for(*, user: User, engagement: Engagement) -> QuerySet[Any]:
    from engagements.models import HardCopy

    if not access.can_see_hard_copies(user, engagement):
        return HardCopy.objects.none()
    return HardCopy.objects.filter(engagement=engagement).order_by("received_on")


def hard_copy_get_for(*, user: User, pk: Any) -> Any:
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from engagements.models import HardCopy

    try:
        copy = HardCopy.objects.select_related("engagement").get(pk=pk)
    except (HardCopy.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not access.can_manage_hard_copies(user, copy.engagement):
        raise Http404
    return copy


def note_index_for_admin(*, user: User, engagement: Engagement) -> QuerySet[Any]:
    """Which notes exist (date, author, shared), without their text: for break-glass requests."""
    from engagements.models import Note

    if not access.can_break_glass(user):
        return Note.objects.none()
    return (
        Note.objects.filter(engagement=engagement)
        .only("id", "engagement_id", "author_id", "created_at", "shared_with_client")
        .select_related("author")
        .order_by("-created_at")
    )


# What a client is told when someone reads their records: every read about them, whoever the
# reader (a supervisor named on a disclosure or concern is not on the engagement, and is listed).
# Each of these actions is audited with the client's id (audit_engagement_event files it so).
READ_ACTIONS = {
    "note.read": "Notes",
    "note.read_break_glass": "A private note (break-glass)",
    "document.download": "A document",
    "shared.read": "Notes shared with you",
    "client.read": "Your personal details",
    "complaint.read": "Your complaint",
    "disclosure.read": "A disclosure about you",
    "disclosure.letter": "The letter about a disclosure",
    "rights.letter.download": "The answer to your request under your rights",
    "finance.invoice.read": "An invoice to you",
    "finance.invoice.download": "An invoice to you",
    "concern.read": "A concern about you",
    "report.read": "A report",
    "report.download": "A report",
    "feedback.read": "Feedback about you",
    "agreement.download": "Your agreement",
}


# A coach put on the engagement can read everything in it: the client sees that too (issue 16).
GIVEN_ACCESS = "Given access to your file"


def access_log_for_client(*, user: User, limit: int = 200) -> list[dict[str, Any]]:
    """Every read of the client's records by another person, and every coach given access to them:
    one row per person, kind of record and day, with how many times, newest first. A coach given
    access is named as the person, and the one who let them in (the administrator, or the system)
    in what was done.

    Grouped in the database (issue 20): a coach opening a note page ten times a day is one row,
    not ten, and the page costs the same three queries however long the file's history."""
    from django.db.models import Case, CharField, Max, Value, When
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import TruncDate

    from confidentiality.models import AuditEvent, User

    if not access.can_see_own_access_log(user):
        return []
    client = getattr(user, "client_profile", None)
    if client is None:
        return []
    given_access = Q(action="engagement.member_add", detail__kind="coach")
    kind = Case(
        *(When(action=action, then=Value(label)) for action, label in READ_ACTIONS.items()),
        default=Value(GIVEN_ACCESS),
        output_field=CharField(),
    )
    given_to = Case(
        When(action="engagement.member_add", then=KeyTextTransform("user", "detail")),
        default=Value(""),
        output_field=CharField(),
    )
    groups = list(
        AuditEvent.objects.filter(Q(action__in=READ_ACTIONS) | given_access, client_id=client.id)
        .exclude(actor_id=user.pk)
        .annotate(kind=kind, given_to=given_to, day=TruncDate("created_at"))
        .values("actor_id", "actor_role", "kind", "given_to", "day")
        .annotate(count=Count("seq"), last=Max("created_at"))
        .order_by("-last", "kind")[:limit]
    )
    wanted = {g["actor_id"] for g in groups} | {int(g["given_to"]) for g in groups if g["given_to"]}
    names = {u.pk: u for u in User.objects.filter(pk__in=wanted - {None})}

    def name_of(pk: Any, otherwise: str) -> str:
        person = names.get(pk) if pk else None
        return (person.display_name or person.email) if person else otherwise

    rows = []
    for group in groups:
        if group["kind"] != GIVEN_ACCESS:
            who, role = name_of(group["actor_id"], "The system"), group["actor_role"] or "system"
            what, count = group["kind"], group["count"]
        else:
            given_to_pk = int(group["given_to"]) if group["given_to"] else None
            who, role = name_of(given_to_pk, "A former coach"), "coach"
            what, count = f"{GIVEN_ACCESS} (by {name_of(group['actor_id'], 'the system')})", 1
        rows.append(
            {"when": group["last"], "day": group["day"], "who": who, "role": role, "what": what, "count": count}
        )
    return rows


def notices_for(*, user: User) -> QuerySet[Any]:
    from confidentiality.models import Notice

    # A notice that asks for something stays, opened or not, until that is done (notify.resolve);
    # one that only tells leaves once it is opened.
    waiting = Q(about="", read_at__isnull=True) | (~Q(about="") & Q(done_at__isnull=True))
    return Notice.objects.filter(waiting, user=user).order_by("-created_at")[:10]


def break_glass_for_coach(*, user: User, engagement: Engagement) -> list[Any]:
    """Every break-glass opening of this engagement's notes, with its reason: the coach is told."""
    from engagements.models import BreakGlassGrant

    if not access.has_engagement_access(user, engagement, access.EngagementAccess.READ_CONFIDENTIAL):
        return []
    return list(
        BreakGlassGrant.objects.filter(engagement=engagement)
        .select_related("note", "granted_to")
        .order_by("-created_at")[:20]
    )
