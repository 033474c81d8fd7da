"""The one access policy: the only code that decides who may see or change what.

Views, the API, exports and tasks ask it; nothing else calls ``has_perm``,
``get_objects_for_user`` or ``assign_perm``. It reads every app's models and nothing above
them, and no model imports it (tests/test_layering.py); the account rules it builds on are the
core's (``confidentiality.accounts``), re-exported here. Rules:

- Deny by default. Anything outside someone's need-to-know answers 404, not 403, so its
  existence is not confirmed; read-but-not-write answers 403.
- ``is_superuser`` opens nothing here. Guardian's ``ObjectPermissionChecker`` grants a
  superuser every object, so object checks go through ``get_objects_for_user`` with
  ``with_superuser=False, accept_global_perms=False`` and never through the checker.
- An inactive user, or one without exactly one role, may do nothing; nor may anyone after the
  last day of their contract (an associate), from the first moment of the next day.
- Staff (and the technical admin site's users) reach nothing confidential until they have
  accepted the current version of each policy in ``policies.REQUIRED_KINDS``
  (``policies_to_accept``); the middleware and the API's permission class ask it.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, get_user_perms, remove_perm

from confidentiality import accounts
from confidentiality.accounts import Capability as Capability
from confidentiality.accounts import account_in_force as account_in_force
from confidentiality.accounts import administrators as administrators
from confidentiality.accounts import can as can
from confidentiality.accounts import is_staff_role as is_staff_role
from confidentiality.accounts import people_in_force as people_in_force
from confidentiality.accounts import require as require
from confidentiality.accounts import role_of as role_of
from confidentiality.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from complaints.models import Breach, Complaint, ComplaintResponse
    from confidentiality.accounts import Person
    from confidentiality.models import User
    from engagements.models import Client, CoachingSession, Document, Engagement, Note
    from finance.models import CreditNote, Invoice, Payment
    from rights.models import SubjectAccessRequest


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


def credentials_valid_from(user: User) -> Any:
    """Sessions begun and API tokens made before this moment no longer work, or None.

    The person was signed out everywhere when they were offboarded; an auditor's credentials
    end with each audit window (its last day's midnight, or the moment it was ended early), so
    whatever was signed in during an audit stops working the moment it closes.
    """
    cutoff = getattr(user, "signed_out_everywhere_at", None)
    if getattr(user, "is_authenticated", False) and user.role == Role.AUDITOR:
        ended = last_audit_end(user)
        if ended is not None and (cutoff is None or ended > cutoff):
            cutoff = ended
    return cutoff


def needs_second_factor(user: Person | None) -> bool:
    """Whoever must sign in with a second factor: staff and the admin site's users always
    (confidentiality.accounts), and the sponsor contacts of an organisation that asks for it."""
    if accounts.needs_second_factor(user):
        return True
    if role_of(user) != Role.SPONSOR:
        return False
    from engagements.models import SponsorContact

    return SponsorContact.objects.filter(
        user=cast("User", user), active=True, organisation__sponsors_need_second_factor=True
    ).exists()


def last_audit_end(user: User) -> Any:
    """The moment the auditor's most recent audit window closed, if one has."""
    import datetime

    now = timezone.now()
    ends = []
    for audit in audits_of(user):
        natural = timezone.make_aware(
            datetime.datetime.combine(audit.ends_on + datetime.timedelta(days=1), datetime.time())
        )
        ends.append(min(audit.ended_at, natural) if audit.ended_at is not None else natural)
    past = [moment for moment in ends if moment <= now]
    return max(past) if past else None


def needs_policy_acceptance(user: Person) -> TypeGuard[User]:
    """Everyone who works inside the practice (associates are coaches), and the technical admin
    site's users: policy 002 binds "staff and volunteers"."""
    if role_of(user) in STAFF_ROLES:
        return True
    return (
        getattr(user, "is_authenticated", False)
        and account_in_force(user)
        and bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))
    )


def policies_to_accept(user: Person) -> list[Any]:
    """The current versions of the required policies this person has not accepted yet, cached
    for the request. Empty for clients, sponsors and anonymous people, and while no policy has
    been recorded (the administrator is told on the dashboard: ``policies.missing_kinds``)."""
    if not needs_policy_acceptance(user):
        return []
    if "_policies_to_accept" not in user.__dict__:
        # The flag on the person's own row makes this free on every request until a version
        # they have not accepted exists. The technical admin site's users (with no staff role,
        # or a client or sponsor given is_staff by hand), made outside the services that set
        # it, are always checked (there are few of them).
        if user.must_accept_policies or role_of(user) not in STAFF_ROLES:
            pending = pending_for(user)
            if user.must_accept_policies:
                settle(user, pending)
        else:
            pending = []
        user.__dict__["_policies_to_accept"] = pending
    return cast("list[Any]", user.__dict__["_policies_to_accept"])  # set just above


# --- the policies staff must accept (policy 002) ------------------------------------------------
# Read here because the gate (``policies_to_accept``) needs them; recording and accepting versions
# is ``people.policies``.

# The retention policy is the practice's own schedule; staff are bound by these two.
REQUIRED_KINDS = ("confidentiality", "data_protection")


def current_documents() -> Any:
    """The current version of each required policy, as a query (``current_required`` lists them)."""
    from people.models import PolicyDocument

    newer = PolicyDocument.objects.filter(kind=OuterRef("kind"), version__gt=OuterRef("version"))
    return PolicyDocument.objects.filter(kind__in=REQUIRED_KINDS).exclude(Exists(newer)).order_by("kind")


def current_required() -> list[Any]:
    """The current version of each required kind."""
    return list(current_documents())


def pending_for(user: User) -> list[Any]:
    """Current required versions the person has not accepted, in one query. Ask
    ``access.policies_to_accept`` rather than this: it decides who must accept at all."""
    from people.models import PolicyAcceptance

    accepted = PolicyAcceptance.objects.filter(user=user, document=OuterRef("pk"))
    return list(current_documents().exclude(Exists(accepted)))


def settle(user: User, pending: list[Any]) -> None:
    """Nothing left to accept: clear the flag so later requests need no query.

    The person's row is locked and what is pending read again under the lock: an administrator
    recording a new version between the caller's read and this update would otherwise have their
    ``ask_everyone_again`` undone, and the person would never be asked (failing open)."""
    if pending:
        return
    with transaction.atomic():
        from confidentiality.models import User

        flagged = User.objects.select_for_update().filter(pk=user.pk, must_accept_policies=True)
        if flagged.exists() and not pending_for(user):
            flagged.update(must_accept_policies=False)
            user.must_accept_policies = False


def forget_cached_policies(user: User) -> None:
    user.__dict__.pop("_policies_to_accept", None)


def can_manage_people(user: Person | None) -> bool:
    """Add people, offboard and reactivate them, reassign their engagements, see who accepted
    which policy: the administrator."""
    return can(user, Capability.MANAGE_PEOPLE)


# --- engagements -------------------------------------------------------------------


def engagements_visible_to(user: User) -> QuerySet[Engagement]:
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


def engagement_access_for(user: User, engagement: Engagement) -> frozenset[EngagementAccess]:
    """Everything the user may do with one engagement, in one query, cached for the request.

    ``get_user_perms`` reads the user's own rows of the direct foreign-key table and, unlike
    guardian's checker, grants a superuser nothing extra. Groups are not used for objects.
    """
    role = role_of(user)
    if role is None:
        return frozenset()
    if role == Role.ADMIN:
        if engagement.restricted:
            return KEPT_WHILE_RESTRICTED
        return frozenset({EngagementAccess.VIEW, EngagementAccess.READ_RELEASED})
    if role not in (Role.COACH, Role.CLIENT, Role.SPONSOR):
        return frozenset()
    cache: dict[Any, frozenset[EngagementAccess]] = user.__dict__.setdefault("_engagement_access_cache", {})
    if engagement.pk not in cache:
        _remember_access(user, role, engagement, set(get_user_perms(user, engagement)))
    return cache[engagement.pk]


def _remember_access(user: User, role: Role, engagement: Engagement, codenames: set[str]) -> None:
    """What the user's permission rows on the engagement (``codenames``) let them do, as the rules
    below narrow it, cached for the request."""
    granted = frozenset(a for a in EngagementAccess if a.value in codenames)
    if role in (Role.CLIENT, Role.SPONSOR) and engagement.status == _closed_status():
        granted &= KEPT_AFTER_CLOSE
    if engagement.restricted:
        granted &= KEPT_WHILE_RESTRICTED
    user.__dict__.setdefault("_engagement_access_cache", {})[engagement.pk] = granted


def _with_permission_rows(user: User, engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """The engagements, each with the EngagementAccess permission rows the user holds on it
    (``_permission_bits``: bit ``i`` for the ``i``-th EngagementAccess), the rows ``get_user_perms``
    reads, in the same query as the engagement. One scalar subquery written out: as four ORM
    ``Exists`` it cost more processor time to build than the query it saved (issue 23)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import IntegerField
    from django.db.models.expressions import RawSQL

    from engagements.models import Engagement, EngagementUserObjectPermission

    rows, permissions = EngagementUserObjectPermission._meta, Permission._meta
    quote = _quote_name
    bits = " ".join(f"WHEN %s THEN {1 << i}" for i, _ in enumerate(EngagementAccess))
    sql = (
        f"SELECT COALESCE(SUM(CASE p.{quote('codename')} {bits} ELSE 0 END), 0) "  # noqa: S608 (names, not input)
        f"FROM {quote(rows.db_table)} r INNER JOIN {quote(permissions.db_table)} p "
        f"ON p.{quote('id')} = r.{quote(rows.get_field('permission').column)} "
        f"WHERE r.{quote(rows.get_field('content_object').column)} = {quote(Engagement._meta.db_table)}.{quote('id')} "
        f"AND r.{quote(rows.get_field('user').column)} = %s AND p.{quote('content_type_id')} = %s"
    )
    params = [*(a.value for a in EngagementAccess), user.pk, ContentType.objects.get_for_model(Engagement).pk]
    # Only table and column names are written into the SQL; every value is a parameter.
    return engagements.annotate(_permission_bits=RawSQL(sql, params, output_field=IntegerField()))  # noqa: S611


def _quote_name(name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(name)


# Policy 001: confidentiality "does not stop when the relationship with the consumer comes to an
# end". Once an engagement has closed, its client and sponsor contacts keep what policy lets them
# keep until retention deletes it: the engagement's record and its released reports (and, through
# their own pages, their agreement, consents, complaints, disclosures about them and the right to
# a copy of everything: retention/subject_access.py). Working material (shared notes, documents
# shared with the client, sessions, feedback, reports under review) is no longer theirs to browse.
KEPT_AFTER_CLOSE = frozenset({EngagementAccess.VIEW, EngagementAccess.READ_RELEASED})

# UK GDPR arts. 18 and 21: while the client's restriction or objection stands, their records are
# kept and not used: the engagement's own record (and the reason, on its page) is all that is left
# to anyone, coaches included (engagements/restrictions.py). What art. 18(2) still allows goes on
# through its own doors: a concern about someone's safety and the disclosures the law requires
# (their registers), and a break-glass grant to one note.
KEPT_WHILE_RESTRICTED = frozenset({EngagementAccess.VIEW})


def _closed_status() -> str:
    from engagements.models import Engagement

    return Engagement.Status.CLOSED


def has_engagement_access(user: User, engagement: Engagement, access: EngagementAccess) -> bool:
    return access in engagement_access_for(user, engagement)


def forget_cached_access(user: User) -> None:
    user.__dict__.pop("_engagement_access_cache", None)


def engagement_get_for(
    user: User, pk: Any, access: EngagementAccess = EngagementAccess.VIEW, *, annotations: dict[str, Any] | None = None
) -> Engagement:
    """The engagement, or 404 when it does not exist or is outside the user's need-to-know; with
    ``annotations``, what a page needs of it besides, in the same query."""
    from django.core.exceptions import ValidationError

    from engagements.models import Engagement

    role = role_of(user)
    # A member's permission rows come with the engagement: one query where there were two (issue 23).
    members_rows = role in (Role.COACH, Role.CLIENT, Role.SPONSOR)
    # The data keys come along (two joins): a page that decrypts the engagement's records or the
    # client's details unwraps them without a query of its own (crypto.remember_data_keys).
    found = engagements_visible_to(user).select_related("organisation", "client", "data_key", "client__data_key")
    if annotations:
        found = found.annotate(**annotations)
    try:
        engagement = (_with_permission_rows(user, found) if members_rows else found).get(pk=pk)
    except (ValidationError, ValueError, Engagement.DoesNotExist):
        raise Http404 from None
    if members_rows and role is not None:
        bits = int(getattr(engagement, "_permission_bits", 0) or 0)
        codenames = {a.value for i, a in enumerate(EngagementAccess) if bits & (1 << i)}
        _remember_access(user, role, engagement, codenames)
    if access != EngagementAccess.VIEW and not has_engagement_access(user, engagement, access):
        raise Http404
    return engagement


def can_change_engagement(user: User) -> bool:
    return role_of(user) == Role.ADMIN


# --- granting (called only by the services that change membership) ------------------


def grant_engagement_member(*, user: User, engagement: Engagement, kind: str) -> None:
    for access in MEMBER_GRANTS[kind]:
        assign_perm(f"engagements.{access.value}", user, engagement)
    forget_cached_access(user)


def engagement_file_holds_records(engagement: Engagement) -> bool:
    """Whether a coach joining now would open something already written: a note, a document,
    feedback, a session record, a report, a disclosure or a concern (issue 16). The membership
    service asks it to decide whether the client and the coaches on the engagement are told; one
    query, whatever the file's size."""
    from disclosures.models import Concern, Disclosure
    from engagements.models import CoachingSession, Document, Note
    from feedback.models import FeedbackRequest, UnsolicitedFeedback
    from reports.models import SponsorReport

    written = (
        Exists(Note.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(Document.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(FeedbackRequest.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(UnsolicitedFeedback.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(CoachingSession.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(SponsorReport.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(Disclosure.objects.filter(engagement_id=OuterRef("pk")))
        | Exists(Concern.objects.filter(engagement_id=OuterRef("pk")))
    )
    return type(engagement).objects.filter(written, pk=engagement.pk).exists()


def revoke_engagement_member(*, user: User, engagement: Engagement) -> None:
    for access in EngagementAccess:
        remove_perm(f"engagements.{access.value}", user, engagement)
    forget_cached_access(user)


def grant_organisation_contact(*, user: User, organisation: Any) -> None:
    assign_perm("engagements.view_organisation_record", user, organisation)


def revoke_organisation_contact(*, user: User, organisation: Any) -> None:
    remove_perm("engagements.view_organisation_record", user, organisation)


def revoke_all_object_permissions(user: User) -> int:
    """Every object permission the person holds, on every object, gone from the database: the
    direct foreign-key tables and guardian's generic one (unused, but nothing may survive there).
    Called by the offboarding service after the membership services took them off everything."""
    from django.apps import apps
    from guardian.models import UserObjectPermissionBase

    removed = 0
    for model in apps.get_models():
        if issubclass(model, UserObjectPermissionBase):
            removed += model.objects.filter(user=user).delete()[0]
    forget_cached_access(user)
    return removed


def organisations_visible_to(user: User) -> QuerySet[Any]:
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


def clients_visible_to(user: User) -> QuerySet[Any]:
    """Only the administrator may list clients (policies 001 and 003)."""
    from engagements.models import Client

    if can(user, Capability.LIST_CLIENTS):
        return Client.objects.all()
    return Client.objects.none()


# --- confidential content: sessions, notes, documents --------------------------------


def can_write_confidential(user: User, engagement: Engagement) -> bool:
    """Coaches on the engagement write sessions, notes and documents while it is not closed."""
    from engagements.models import Engagement as EngagementModel

    return (
        has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)
        and engagement.status != EngagementModel.Status.CLOSED
    )


def can_see_sessions(user: User, engagement: Engagement) -> bool:
    """Sessions are dates and durations: the coaches, the client and the administrator."""
    if role_of(user) == Role.ADMIN:
        return not engagement.restricted
    return has_engagement_access(user, engagement, EngagementAccess.READ_SHARED)


def sessions_visible_to(user: User, engagement: Engagement) -> QuerySet[CoachingSession]:
    from engagements.models import CoachingSession

    if not can_see_sessions(user, engagement):
        return CoachingSession.objects.none()
    return CoachingSession.objects.filter(engagement=engagement)


def notes_visible_to(user: User, engagement: Engagement) -> QuerySet[Note]:
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


def active_break_glass(user: User, note: Note) -> Any:
    from engagements.models import BreakGlassGrant

    if role_of(user) != Role.ADMIN:
        return None
    return BreakGlassGrant.objects.filter(granted_to=user, note=note, expires_at__gt=timezone.now()).first()


def note_get_for(user: User, pk: Any, *, for_change: bool = False) -> Note:
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


def documents_visible_to(user: User, engagement: Engagement) -> QuerySet[Document]:
    """Coaches: all. Client: those shared with them. Sponsor: while the engagement is open, those
    their organisation supplied, which is to say uploaded by one of its sponsor contacts: a coach's
    upload never reaches a sponsor, whatever it is marked.

    The administrator sees documents' metadata through ``document_metadata_for`` only.
    """
    from engagements.models import Document, Engagement

    granted = engagement_access_for(user, engagement)
    role = role_of(user)
    if EngagementAccess.READ_CONFIDENTIAL in granted:
        return Document.objects.filter(engagement=engagement)
    if role == Role.CLIENT and EngagementAccess.READ_SHARED in granted:
        return Document.objects.filter(engagement=engagement, shared_with_client=True)
    if (
        role == Role.SPONSOR
        and EngagementAccess.VIEW in granted
        and engagement.status != Engagement.Status.CLOSED
        and not engagement.restricted  # the client's restriction or objection pauses it (arts. 18, 21)
    ):
        return organisation_supplied_documents().filter(engagement=engagement)
    return Document.objects.none()


def organisation_supplied_documents() -> QuerySet[Document]:
    """The documents an organisation supplied: uploaded by one of its own sponsor contacts to one of
    its engagements. A coach's upload is never one, however it is marked."""
    from engagements.models import Document

    return Document.objects.filter(
        supplied_by_organisation=True, uploaded_by__sponsor_contact__organisation_id=F("engagement__organisation_id")
    )


def document_metadata_for(user: User, engagement: Engagement) -> QuerySet[Document]:
    """Type, size and date of every document, without names or content: the administrator's view."""
    from engagements.models import Document

    if role_of(user) != Role.ADMIN:
        return Document.objects.none()
    return Document.objects.filter(engagement=engagement).only(
        "id", "engagement_id", "content_type", "size", "created_at", "shared_with_client", "supplied_by_organisation"
    )


def document_get_for(user: User, pk: Any) -> Document:
    from django.core.exceptions import ValidationError

    from engagements.models import Document

    try:
        document = Document.objects.select_related("engagement").get(pk=pk)
    except (Document.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not documents_visible_to(user, document.engagement).filter(pk=document.pk).exists():
        raise Http404
    return document


# --- feedback from others ------------------------------------------------------------


def can_see_all_feedback(user: User, engagement: Engagement) -> bool:
    """The coaches on the engagement read feedback as given; nobody else does: the client
    reads only what the coach shares, at the agreed anonymity; the sponsor never."""
    return has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)


def feedback_requests_visible_to(user: User, engagement: Engagement) -> QuerySet[Any]:
    """Coaches: every request. The client: those the coach has shared, and only at the agreed
    anonymity (``engagements.feedback.client_view``). Sponsors, the administrator: none."""
    from feedback.models import FeedbackRequest

    if can_see_all_feedback(user, engagement):
        return FeedbackRequest.objects.filter(engagement=engagement)
    if role_of(user) == Role.CLIENT and has_engagement_access(user, engagement, EngagementAccess.READ_SHARED):
        return FeedbackRequest.objects.filter(engagement=engagement, shared_at__isnull=False)
    return FeedbackRequest.objects.none()


def can_see_feedback_at_all(user: User, engagement: Engagement) -> bool:
    return can_see_all_feedback(user, engagement) or (
        role_of(user) == Role.CLIENT and has_engagement_access(user, engagement, EngagementAccess.READ_SHARED)
    )


def feedback_request_get_for(user: User, pk: Any) -> Any:
    from django.core.exceptions import ValidationError

    from feedback.models import FeedbackRequest

    try:
        request = FeedbackRequest.objects.select_related("engagement").get(pk=pk)
    except (FeedbackRequest.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not feedback_requests_visible_to(user, request.engagement).filter(pk=request.pk).exists():
        raise Http404
    return request


def unsolicited_feedback_visible_to(user: User, engagement: Engagement) -> QuerySet[Any]:
    """Feedback nobody asked for (policy 003), gated like requested feedback: the coaches on the
    engagement read all of it; the client only what the coach has shared, at the anonymity recorded
    with it; the sponsor, the administrator and everyone else nothing."""
    from feedback.models import UnsolicitedFeedback

    if can_see_all_feedback(user, engagement):
        return UnsolicitedFeedback.objects.filter(engagement=engagement)
    if role_of(user) == Role.CLIENT and has_engagement_access(user, engagement, EngagementAccess.READ_SHARED):
        return UnsolicitedFeedback.objects.filter(engagement=engagement, shared_at__isnull=False)
    return UnsolicitedFeedback.objects.none()


def unsolicited_feedback_get_for(user: User, pk: Any) -> Any:
    from django.core.exceptions import ValidationError

    from feedback.models import UnsolicitedFeedback

    try:
        item = UnsolicitedFeedback.objects.select_related("engagement", "engagement__client").get(pk=pk)
    except (UnsolicitedFeedback.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not unsolicited_feedback_visible_to(user, item.engagement).filter(pk=item.pk).exists():
        raise Http404
    return item


def unsolicited_feedback_to_share_for(user: User) -> QuerySet[Any]:
    """What a coach still has to share, on the engagements they coach that are not closed. Filtered on
    the membership relation itself (as ``engagements_visible_to``), so it is one query."""
    from feedback.models import UnsolicitedFeedback

    if role_of(user) != Role.COACH:
        return UnsolicitedFeedback.objects.none()
    return UnsolicitedFeedback.objects.filter(
        shared_at__isnull=True,
        engagement__members__user=user,
        engagement__members__kind=Role.COACH.value,
    ).exclude(engagement__status=_closed_status())


# --- retention ------------------------------------------------------------------------


def can_manage_retention(user: Person | None) -> bool:
    """The retention schedule, legal holds, sweeps and receipts: the administrator only."""
    return can(user, Capability.MANAGE_RETENTION)


def can_manage_records_of_processing(user: Person | None) -> bool:
    """The record of processing (UK GDPR article 30): its activities and processors, and the PDF.
    The administrator only: it describes the practice's work, not anyone's file, but the auditor's
    access is to the books alone (their journey: "must not see anything outside finance"). The
    privacy notice made from it is public: it holds no personal data."""
    return can(user, Capability.MANAGE_PRACTICE)


def can_see_hard_copies(user: User, engagement: Engagement) -> bool:
    return role_of(user) == Role.ADMIN or has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)


def can_manage_hard_copies(user: User, engagement: Engagement) -> bool:
    return can_see_hard_copies(user, engagement)


def can_break_glass(user: User) -> bool:
    return role_of(user) == Role.ADMIN


def can_see_own_access_log(user: Person | None) -> bool:
    return role_of(user) == Role.CLIENT


# --- agreements and consent ---------------------------------------------------------------


def can_draft_agreement(user: User, engagement: Engagement) -> bool:
    """The administrator and the coaches on the engagement draft its agreement."""
    return role_of(user) == Role.ADMIN or has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)


def agreement_party(user: User, engagement: Engagement) -> str | None:
    """Which party of the agreement the user signs for, if any."""
    role = role_of(user)
    granted = engagement_access_for(user, engagement)
    if EngagementAccess.VIEW not in granted or role not in (Role.CLIENT, Role.SPONSOR, Role.COACH):
        return None
    return role.value


def can_read_agreements(user: User, engagement: Engagement) -> bool:
    return role_of(user) == Role.ADMIN or agreement_party(user, engagement) is not None


def consents_visible_to(user: User) -> QuerySet[Any]:
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


def coach_engagements_of(user: User) -> QuerySet[Any]:
    from engagements.models import Engagement

    return Engagement.objects.filter(members__user=user, members__kind="coach")


def can_record_consent(user: User, client: Client) -> bool:
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if role == Role.CLIENT:
        return client.user_id == user.pk
    if role == Role.COACH:
        return client.engagements.filter(members__user=user, members__kind="coach").exists()
    return False


def can_withdraw_consent(user: User, consent: Any) -> bool:
    """The client withdraws their own; the administrator or a coach it concerns records it for them."""
    if role_of(user) == Role.COACH:
        return consents_visible_to(user).filter(pk=consent.pk).exists()
    return can_record_consent(user, consent.client)


def can_record_consent_on(user: User, engagement: Engagement) -> bool:
    """``can_record_consent`` for the engagement's client, asked on the engagement's page: a coach
    holding the engagement's confidential access is one of its coaches (membership and permissions
    are written together), so they coach this client and no query is needed."""
    if role_of(user) == Role.COACH and has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL):
        return True
    return can_record_consent(user, engagement.client)


def can_record_consent_anywhere(user: Person | None) -> bool:
    """Whether the consents page exists for this person at all."""
    return role_of(user) in (Role.ADMIN, Role.CLIENT, Role.COACH)


# --- the testimonials and case-studies register ----------------------------------------------
# Policies 001 and 003: nothing about a client is used in marketing without their written consent,
# and no client list is public. The register is the administrator's (it lists clients); a client
# reads the items about them, so they can see what rests on their consent; no one else sees any.


def can_manage_testimonials(user: Person | None) -> bool:
    return can(user, Capability.MANAGE_PRACTICE)


def testimonials_visible_to(user: User) -> QuerySet[Any]:
    from testimonials.models import Testimonial

    if can_manage_testimonials(user):
        return Testimonial.objects.all()
    if role_of(user) == Role.CLIENT:
        return Testimonial.objects.filter(client__user=user)
    return Testimonial.objects.none()


def testimonial_get_for(user: User, pk: Any) -> Any:
    """One item, or 404 when it does not exist or is not the caller's to see."""
    from django.core.exceptions import ValidationError

    from testimonials.models import Testimonial

    try:
        return testimonials_visible_to(user).select_related("client", "consent").get(pk=pk)
    except (Testimonial.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


# --- sharing between organisations ------------------------------------------------------------
# Policy 000: information is "only shared by agreement with the organisations involved". The register
# is the administrator's; a sponsor contact (while active) sees the sharings that concern their own
# organisation, to give or refuse its permission; no one else sees any, not even that one exists.


def can_manage_sharings(user: Person | None) -> bool:
    return can(user, Capability.MANAGE_PRACTICE)


def sharings_visible_to(user: User) -> QuerySet[Any]:
    from disclosures.models import OrganisationSharing, SharingPermission

    if can_manage_sharings(user):
        return OrganisationSharing.objects.all()
    organisation_id = sponsor_organisation_id(user)
    if organisation_id is not None:
        concerns_it = SharingPermission.objects.filter(sharing=OuterRef("pk"), organisation_id=organisation_id)
        return OrganisationSharing.objects.filter(Exists(concerns_it))
    return OrganisationSharing.objects.none()


def shows_sharings_link(user: Person | None) -> bool:
    return can_manage_sharings(user) or (
        role_of(user) == Role.SPONSOR and sponsor_organisation_id(cast("User", user)) is not None
    )


def sharing_get_for(user: User, pk: Any) -> Any:
    """One sharing, or 404 when it does not exist or does not concern the caller's organisation."""
    from django.core.exceptions import ValidationError

    from disclosures.models import OrganisationSharing

    try:
        return sharings_visible_to(user).select_related("organisation", "to_organisation").get(pk=pk)
    except (OrganisationSharing.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def sharing_organisation_for(user: User, sharing: Any) -> Any:
    """The organisation a sponsor contact decides for on this sharing: their own, when it concerns
    it; else None (the administrator records a permission, never gives one)."""
    organisation_id = sponsor_organisation_id(user)
    if organisation_id is None:
        return None
    permission = sharing.permissions.filter(organisation_id=organisation_id).select_related("organisation").first()
    return permission.organisation if permission is not None else None


# --- complaints and breaches --------------------------------------------------------------
# Policy 002: clients "will be made aware of their right to complain if they feel
# confidentiality has been breached", and "breaches of confidentiality will be dealt with
# through the company's staff and volunteer disciplinary procedures". The register of both is
# the administrator's. A client sees their own complaints; a coach sees the breaches they
# reported (not how they were handled: the follow-up may concern them); no one else sees any.


def client_record_of(user: User) -> Any:
    """The client record behind a client's login, or None."""
    if role_of(user) != Role.CLIENT:
        return None
    return getattr(user, "client_profile", None)


def can_see_register(user: Person | None) -> bool:
    return role_of(user) == Role.ADMIN


def can_lodge_complaint(user: User) -> bool:
    return client_record_of(user) is not None


def shows_complaints_link(user: Person | None) -> bool:
    """Whether the navigation offers "Complaints": every client, decided without a query."""
    return role_of(user) == Role.CLIENT


def complaints_visible_to(user: User) -> QuerySet[Complaint]:
    from complaints.models import Complaint

    role = role_of(user)
    if role == Role.ADMIN:
        return Complaint.objects.all()
    if role == Role.CLIENT:
        return Complaint.objects.filter(client__user=user)
    return Complaint.objects.none()


def complaint_get_for(user: User, pk: Any) -> Complaint:
    """One complaint, or 404 when it does not exist or is not the caller's to see."""
    from django.core.exceptions import ValidationError

    from complaints.models import Complaint

    try:
        return complaints_visible_to(user).select_related("client__user", "engagement", "lodged_by").get(pk=pk)
    except (Complaint.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def can_respond_to_complaint(user: User, complaint: Any) -> bool:
    return role_of(user) == Role.ADMIN


def can_reply_to_complaint(user: User, complaint: Any) -> bool:
    """The client the complaint is about, through their own sign-in; not whoever recorded it (the
    administrator records one on a client's behalf, and must not answer the practice as them)."""
    record = client_record_of(user)
    return record is not None and complaint.client_id == record.pk


def can_record_complaint_on_behalf(user: Person | None) -> bool:
    """Issue 21: a complaint that arrived by post, telephone, in person or e-mail is recorded by the
    administrator, who checks who sent it; no one else speaks for a client."""
    return role_of(user) == Role.ADMIN


def can_post_complaint_letters(user: Person | None) -> bool:
    """The letters to a client without a sign-in: printed, posted and marked by the administrator."""
    return role_of(user) == Role.ADMIN


def complaint_letter_get_for(user: User, pk: Any) -> ComplaintResponse:
    """A response of the practice that goes by post (its letter), or 404: the administrator's only."""
    from django.core.exceptions import ValidationError

    from complaints.models import ComplaintResponse

    if not can_post_complaint_letters(user):
        raise Http404
    try:
        return ComplaintResponse.objects.select_related("complaint__client", "author").get(pk=pk, by_post=True)
    except (ComplaintResponse.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def complaint_engagements_for(user: User) -> QuerySet[Engagement]:
    """The engagements a client may name in a complaint: their own."""
    from engagements.models import Engagement

    if client_record_of(user) is None:
        return Engagement.objects.none()
    return engagements_visible_to(user)


def can_report_breach(user: User) -> bool:
    """The administrator records a breach; a coach reports a suspected one."""
    return role_of(user) in (Role.ADMIN, Role.COACH)


def breaches_visible_to(user: User) -> QuerySet[Breach]:
    from complaints.models import Breach

    role = role_of(user)
    if role == Role.ADMIN:
        return Breach.objects.all()
    if role == Role.COACH:
        return Breach.objects.filter(reported_by=user)
    return Breach.objects.none()


def breach_get_for(user: User, pk: Any) -> Any:
    from django.core.exceptions import ValidationError

    from complaints.models import Breach

    try:
        # Its letters' decision and text (UK GDPR art. 34) in the same query: the page shows them.
        return breaches_visible_to(user).select_related("communication").get(pk=pk)
    except (Breach.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def can_handle_breach(user: User, breach: Any) -> bool:
    """Containment, the decision to notify, the outcome and disciplinary follow-up: the administrator."""
    return role_of(user) == Role.ADMIN


# UK GDPR art. 34: the letters to the people a breach affects. The administrator manages them (as
# the rest of the register); a client reads their own letter, once produced; a sponsor contact the
# letters to their organisation, while still its contact. Nobody else, the superuser included.


def breach_letters_visible_to(user: User) -> QuerySet[Any]:
    from complaints.models import BreachAffected

    produced = BreachAffected.objects.filter(letter_produced_at__isnull=False)
    role = role_of(user)
    if role == Role.ADMIN:
        return produced
    if role == Role.CLIENT:
        client = client_record_of(user)
        return produced.filter(client=client) if client is not None else BreachAffected.objects.none()
    if role == Role.SPONSOR:
        organisation_id = sponsor_organisation_id(user)
        if organisation_id is not None:
            return produced.filter(organisation_id=organisation_id)
    return BreachAffected.objects.none()


def breach_letter_get_for(user: User, pk: Any) -> Any:
    """One produced letter, or 404 when it does not exist or is not the caller's to read."""
    from django.core.exceptions import ValidationError

    from complaints.models import BreachAffected

    try:
        # The letter's text and both data keys come in the same query: a letter page costs little.
        return (
            breach_letters_visible_to(user)
            .select_related(
                "breach__communication", "breach__data_key", "client__data_key", "organisation", "letter_produced_by"
            )
            .get(pk=pk)
        )
    except (BreachAffected.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def breach_affected_get_for(user: User, pk: Any) -> Any:
    """A person named as affected, for the administrator to act on; 404 for everyone else."""
    from django.core.exceptions import ValidationError

    from complaints.models import BreachAffected

    if role_of(user) != Role.ADMIN:
        raise Http404
    try:
        return BreachAffected.objects.select_related("breach", "client", "organisation").get(pk=pk)
    except (BreachAffected.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


# --- disclosures and concerns -------------------------------------------------------------
# Disclosures and concerns: the administrator reads; the coach writes (their own engagements);
# the client reads those about them; sponsors and auditors see none. Two additions, both
# need-to-know: a supervisor named on a concern or disclosure reads it, to give the second
# approval policy 004 asks for; and a client
# does not see a serious-danger concern while it is open, because the coach agrees with them the
# "method, time and place" of telling (policy 004), and telling early may add to the danger.


def can_write_disclosures(user: User, engagement: Engagement) -> bool:
    """The coaches on the engagement, even after it closed: confidentiality "will remain
    confidential forever" (policy 001), and a legal requirement can arrive after the end."""
    return role_of(user) == Role.COACH and has_engagement_access(user, engagement, EngagementAccess.READ_CONFIDENTIAL)


def can_read_disclosures(user: User, engagement: Engagement) -> bool:
    role = role_of(user)
    if role == Role.ADMIN or can_write_disclosures(user, engagement):
        return True
    return role == Role.CLIENT and engagement.client.user_id == user.pk


def can_read_disclosure_register(user: Person | None) -> bool:
    """The register across clients: the administrator only (policies 001 and 003: no client lists)."""
    return role_of(user) == Role.ADMIN


def disclosures_visible_to(user: User, engagement: Engagement | None = None) -> QuerySet[Any]:
    """Administrator: all. Coach: their engagements' and those they are named to approve.
    Client: those made about them (one waiting for approval has not happened); not an escalation of
    a concern about the organisation, which is not about them (as its concern is not theirs to read)."""
    from disclosures.models import Disclosure

    role = role_of(user)
    found = Disclosure.objects.all() if engagement is None else Disclosure.objects.filter(engagement=engagement)
    if role == Role.ADMIN:
        return found
    if role == Role.COACH:
        return found.filter(Q(engagement__in=coach_engagements_of(user)) | Q(supervisor=user))
    if role == Role.CLIENT:
        return found.filter(client__user=user, state=Disclosure.State.MADE).exclude(
            basis=Disclosure.Basis.ORGANISATION_CONDUCT
        )
    return Disclosure.objects.none()


def disclosure_get_for(user: User, pk: Any) -> Any:
    from django.core.exceptions import ValidationError

    from disclosures.models import Disclosure

    try:
        return (
            disclosures_visible_to(user)
            .select_related("engagement__organisation", "client", "authorised_by", "second_approved_by", "supervisor")
            .get(pk=pk)
        )
    except (Disclosure.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def can_approve_disclosure(user: User, disclosure: Any) -> bool:
    """The second person: the administrator, or the supervisor named on it; never its author."""
    from disclosures.models import Disclosure

    if disclosure.state != Disclosure.State.AWAITING_APPROVAL or user.pk == disclosure.authorised_by_id:
        return False
    role = role_of(user)
    return role == Role.ADMIN or (role == Role.COACH and disclosure.supervisor_id == user.pk)


def supervisors_for(user: User) -> QuerySet[Any]:
    """Whom a coach may name as supervisor: another active coach of the practice."""
    from confidentiality.models import User

    if role_of(user) != Role.COACH:
        return User.objects.none()
    # Associates are limited to the engagements they are put on: they supervise no one else's.
    return people_in_force(Role.COACH).filter(is_associate=False).exclude(pk=user.pk).order_by("email")


def can_be_supervisor(user: User, *, for_user: User) -> bool:
    return supervisors_for(for_user).filter(pk=user.pk).exists()


def approvers_of(disclosure: Any) -> list[Any]:
    """Who is asked for the second approval: the named supervisor while their account is in force,
    else the administrators."""
    if disclosure.supervisor_id is not None and account_in_force(disclosure.supervisor):
        return [disclosure.supervisor]
    return administrators()


def concerns_visible_to(user: User) -> QuerySet[Any]:
    from disclosures.models import Concern

    role = role_of(user)
    if role == Role.ADMIN:
        return Concern.objects.all()
    if role == Role.COACH:
        return Concern.objects.filter(Q(engagement__in=coach_engagements_of(user)) | Q(supervisor=user))
    if role == Role.CLIENT:
        # A concern about the organisation's conduct is not about the client.
        return Concern.objects.filter(
            engagement__client__user=user, kind=Concern.Kind.BREAKING_CONFIDENTIALITY
        ).exclude(serious_danger=True, state__in=[Concern.State.OPEN, Concern.State.WITHDRAWN])
    return Concern.objects.none()


def concern_get_for(user: User, pk: Any) -> Any:
    from django.core.exceptions import ValidationError

    from disclosures.models import Concern

    try:
        return (
            concerns_visible_to(user)
            # The engagement's data key comes along: the concern's page decrypts with it.
            .select_related(
                "engagement__organisation", "engagement__client", "engagement__data_key", "opened_by", "supervisor"
            )
            .get(pk=pk)
        )
    except (Concern.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def can_work_on_concern(user: User, concern: Any) -> bool:
    return can_write_disclosures(user, concern.engagement)


# --- finance ------------------------------------------------------------------------------
# Policy 000: "We keep our own financial records for five years ... These files are also
# confidential but are open to scrutiny by auditors". Invoices and payments: the
# administrator reads and writes; a sponsor reads their own organisation's; an auditor reads
# all, never writes, and only while an audit (a window of dates) is open for them; nobody else
# sees any. Drafts are the administrator's work in progress, not yet records: only they see them.
# Read-but-not-write answers 403; no read at all answers 404.


class FinanceAccess(enum.IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2


def audits_of(user: User) -> list[Any]:
    """Every audit of the auditor, latest end first: one query per user object and day, shared by
    ``active_audit_for`` and ``last_audit_end`` (a page and the session check both ask)."""
    from finance.models import Audit

    today = timezone.localdate()
    cache: dict[Any, list[Audit]] = user.__dict__.setdefault("_active_audit_cache", {})
    if today not in cache:
        cache[today] = list(Audit.objects.filter(auditor=user).order_by("-ends_on", "-starts_on"))
    return cache[today]


def active_audit_for(user: User) -> Any:
    """The auditor's audit open today (first and last day included, practice time zone), or None."""
    if role_of(user) != Role.AUDITOR:
        return None
    today = timezone.localdate()
    return next(
        (a for a in audits_of(user) if a.starts_on <= today <= a.ends_on and a.ended_at is None),
        None,
    )


def forget_cached_audit(user: User) -> None:
    user.__dict__.pop("_active_audit_cache", None)


def sponsor_organisation_id(user: User) -> Any:
    """The organisation a sponsor contact speaks for, while the contact is active; else None."""
    from engagements.models import SponsorContact

    if role_of(user) != Role.SPONSOR:
        return None
    try:
        contact = user.sponsor_contact
    except SponsorContact.DoesNotExist:  # a sponsor not (yet) at an organisation
        return None
    return contact.organisation_id if contact.active else None


def finance_access_for(user: User) -> FinanceAccess:
    role = role_of(user)
    if role == Role.ADMIN:
        return FinanceAccess.WRITE
    if role == Role.AUDITOR and active_audit_for(user) is not None:
        return FinanceAccess.READ
    if role == Role.SPONSOR and sponsor_organisation_id(user) is not None:
        return FinanceAccess.READ
    if pays_for_own_coaching(user):
        return FinanceAccess.READ
    return FinanceAccess.NONE


def require_finance_read(user: User) -> None:
    if finance_access_for(user) < FinanceAccess.READ:
        raise Http404


def require_finance_write(user: User) -> None:
    """403 for those who may read but not write (an auditor, a sponsor); 404 for everyone else."""
    from django.core.exceptions import PermissionDenied

    granted = finance_access_for(user)
    if granted == FinanceAccess.WRITE:
        return
    if granted == FinanceAccess.READ:
        raise PermissionDenied("Financial records are read-only for you.")
    raise Http404


def can_write_finance(user: User) -> bool:
    return finance_access_for(user) == FinanceAccess.WRITE


def shows_finance_link(user: Person | None) -> str | None:
    """The navigation's label for finance, decided by role alone (no query): an auditor outside
    an audit window follows it to a page that says so, not to any record."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.AUDITOR):
        return "Finance"
    if role == Role.SPONSOR:
        return "Invoices"
    return None


def _financial_records_visible_to(user: User, model: type[Invoice] | type[Payment] | type[CreditNote]) -> QuerySet[Any]:
    role = role_of(user)
    if role == Role.ADMIN:
        return model.objects.all()
    if role == Role.AUDITOR and active_audit_for(user) is not None:
        return model.objects.all()
    organisation_id = sponsor_organisation_id(user)
    if organisation_id is not None:
        return model.objects.filter(organisation_id=organisation_id)
    if role == Role.CLIENT:
        # A private client pays for their own coaching: their own invoices, and what was paid and
        # credited against them (while their engagement's record is kept).
        return model.objects.filter(_own_private_records(user, model))
    return model.objects.none()


def _own_private_records(user: User, model: type[Invoice] | type[Payment] | type[CreditNote]) -> Q:
    from finance.models import Invoice

    through = "" if model is Invoice else "invoice__"
    return Q(organisation__isnull=True, **{f"{through}engagement__client__user": user})


def pays_for_own_coaching(user: User) -> bool:
    """A client with an engagement of their own, that no organisation pays for (a private client)."""
    from engagements.models import Engagement

    if role_of(user) != Role.CLIENT:
        return False
    return Engagement.objects.filter(client__user=user, organisation__isnull=True).exists()


def is_payer(user: User) -> bool:
    """Someone who reads the invoices sent to them and nothing else of the books: a sponsor contact
    for their organisation, or a private client for themselves."""
    return role_of(user) in (Role.SPONSOR, Role.CLIENT)


def invoices_visible_to(user: User) -> QuerySet[Any]:
    from finance.models import Invoice

    found = _financial_records_visible_to(user, Invoice)
    if role_of(user) != Role.ADMIN:
        found = found.exclude(state=Invoice.State.DRAFT)
    return found


def payments_visible_to(user: User) -> QuerySet[Any]:
    from finance.models import Payment

    return _financial_records_visible_to(user, Payment)


def credit_notes_visible_to(user: User) -> QuerySet[Any]:
    from finance.models import CreditNote

    return _financial_records_visible_to(user, CreditNote)


def finance_organisations_for(user: User) -> QuerySet[Any]:
    """Organisations a person may filter financial records by: all for the administrator and an
    auditor in their window (names only: "no client data beyond the organisation named on an
    invoice"); a sponsor sees only their own records, so needs no choice."""
    from engagements.models import Organisation

    role = role_of(user)
    if role == Role.ADMIN:
        return Organisation.objects.order_by("name")
    if role == Role.AUDITOR and finance_access_for(user) >= FinanceAccess.READ:
        # Only organisations named on an issued record: the filter must not become a client list.
        # One probe per organisation on the (organisation, issued_on, number) index (a draft has
        # no issued_on), not a scan of every invoice: the choices cost the same at a million.
        from finance.models import Invoice

        issued = Invoice.objects.filter(organisation=OuterRef("pk"), issued_on__isnull=False).exclude(
            state=Invoice.State.DRAFT
        )
        return Organisation.objects.filter(Exists(issued)).order_by("name")
    return Organisation.objects.none()


def can_manage_audits(user: User) -> bool:
    return role_of(user) == Role.ADMIN


# --- the audit log ------------------------------------------------------------------------
# The administrator reads the whole log; an auditor only its finance events, and
# only inside an open audit (policy 000 opens the *financial records* to auditors, nothing else:
# the rest of the log names engagements and clients, and who read which note, concern,
# disclosure or complaint); nobody else reads it. A person's own activity is ``people``'s.

# The finance events: every event the finance app writes (its services, pages and API name their
# actions "finance.<record>.<verb>": invoices, payments, credit notes, audits, and reads of them).
FINANCE_EVENT_PREFIX = "finance."


def finance_events() -> Q:
    return Q(action__startswith=FINANCE_EVENT_PREFIX)


def can_read_audit_log(user: Person | None) -> bool:
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    return role == Role.AUDITOR and active_audit_for(cast("User", user)) is not None


def audit_events_visible_to(user: Person | None) -> QuerySet[Any]:
    """The events of the log the person may read, newest first; none outside their need-to-know."""
    from confidentiality.models import AuditEvent

    if not can_read_audit_log(user):
        return AuditEvent.objects.none()
    found = AuditEvent.objects.order_by("-seq")
    if role_of(user) != Role.ADMIN:
        found = found.filter(finance_events())
    return found


# --- subject access -----------------------------------------------------------------------
# Subject-access copies: the administrator runs them; a client asks for and downloads their own;
# a sponsor contact their organisation's; nobody else. A client's request is theirs alone: the sponsor
# is not told that a client asked. The administrator runs the export but never downloads a
# client's copy (it holds private notes, which the administrator may not read).


def sponsor_organisations_of(user: User) -> QuerySet[Any]:
    """The organisations a sponsor contact may request a copy for: their own."""
    from engagements.models import Organisation

    if role_of(user) != Role.SPONSOR:
        return Organisation.objects.none()
    return organisations_visible_to(user)


def can_request_subject_access(user: User) -> bool:
    """Whether the request pages exist for this person: a client, a sponsor contact, the administrator."""
    return role_of(user) in (Role.CLIENT, Role.SPONSOR, Role.ADMIN)


def can_run_subject_access(user: User) -> bool:
    """Open on someone's behalf, start the export, extend, refuse, release: the administrator."""
    return role_of(user) == Role.ADMIN


def shows_subject_access_link(user: Person | None) -> bool:
    return role_of(user) in (Role.CLIENT, Role.SPONSOR, Role.ADMIN)


def subject_access_requests_visible_to(user: User) -> QuerySet[SubjectAccessRequest]:
    from rights.models import SubjectAccessRequest

    role = role_of(user)
    if role == Role.ADMIN:
        return SubjectAccessRequest.objects.all()
    if role == Role.CLIENT:
        return SubjectAccessRequest.objects.filter(subject_kind="client", client__user=user)
    if role == Role.SPONSOR:
        # The contact's own requests: a copy holds the engagements its contact is on, so it is theirs.
        return SubjectAccessRequest.objects.filter(
            subject_kind="organisation", organisation__in=sponsor_organisations_of(user), requester=user
        )
    return SubjectAccessRequest.objects.none()


def subject_access_request_get_for(user: User, pk: Any) -> SubjectAccessRequest:
    """One request, or 404 when it does not exist or is not the caller's to see."""
    from django.core.exceptions import ValidationError

    from rights.models import SubjectAccessRequest

    # Its copy and the copy's key joined in (a request has at most one): the download reads them
    # with the request rather than in two more queries (issue 23's budget).
    visible = subject_access_requests_visible_to(user)
    try:
        return visible.select_related("client", "organisation", "export__data_key").get(pk=pk)
    except (SubjectAccessRequest.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def can_download_subject_access_export(user: User, request: SubjectAccessRequest) -> bool:
    """The client whose copy it is; the organisation's contact named on the request, while still its
    contact (the copy holds the engagements they are on, so it is theirs alone); the administrator,
    for a client without a sign-in, to post it. Nobody else."""
    role = role_of(user)
    if role == Role.ADMIN:
        # A client without a portal sign-in is answered by post: the administrator downloads the
        # copy to post it (each download audited, like the requester's).
        return request.subject_kind == "client" and request.requester_id is None
    if role == Role.CLIENT:
        # A check constraint: a request about a client always has its client.
        return request.subject_kind == "client" and request.client.user_id == user.pk  # type: ignore[union-attr]
    if role == Role.SPONSOR:
        return (
            request.subject_kind == "organisation"
            and request.requester_id == user.pk
            and sponsor_organisations_of(user).filter(pk=request.organisation_id).exists()
        )
    return False
