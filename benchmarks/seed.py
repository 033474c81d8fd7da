"""Bulk seeding: a practice grown to a given number of engagements, ten notes each.

Going through the services would cost, per engagement, a data key, a client, a dozen audit
events and a permission write per grant: hours at 100,000 engagements. So the rows are written
with ``bulk_create`` in chunks, in the shape the services give them:

- membership and the guardian object permissions of ``access.MEMBER_GRANTS`` together;
- encrypted fields encrypted by the field's own ``pre_save`` (``bulk_create`` calls it), so
  every ciphertext binds its model, field and row id as the application's do;
- no audit events for the seeded rows (the measured page views append theirs).

One coach (``COACH_EMAIL``) holds exactly ``ENGAGEMENTS_PER_COACH`` engagements at every size;
every other engagement belongs to another coach, each holding as many.

Import this module only after ``django.setup()``.
"""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from access import MEMBER_GRANTS, EngagementAccess
from confidentiality.crypto import data_key_create
from confidentiality.models import User
from confidentiality.roles import Role
from confidentiality.services import ensure_role_groups, user_create
from engagements.models import (
    Client,
    CoachingSession,
    Engagement,
    EngagementMember,
    EngagementUserObjectPermission,
    HardCopy,
    Note,
    Organisation,
    OrganisationUserObjectPermission,
    SponsorContact,
)

COACH_EMAIL = "bench.coach@practice.example"
PASSWORD = "bench practice password 2026"
ENGAGEMENTS_PER_COACH = 50
ENGAGEMENTS_PER_ORGANISATION = 100
NOTES_PER_ENGAGEMENT = 10
SESSIONS_PER_ENGAGEMENT = 3
HARD_COPY_EVERY = 20  # one engagement in twenty has paper due back to the organisation
CHUNK = 500  # engagements per transaction: 5,000 notes per bulk_create
USER_BATCH = 500

_NOTE_TEXTS = (
    "Explored how the client prepares for difficult conversations with the board. Agreed to try "
    "writing down the one outcome that matters before each meeting and to notice what happens "
    "when the conversation drifts. Follow up on delegation next time.",
    "The client described the team restructure and their worry about two senior colleagues. "
    "We looked at what is in their control and what is not. They will ask each colleague what "
    "support they need, and bring what they hear to the next session.",
    "Reviewed the 360 feedback themes: clarity of priorities and listening in meetings. The "
    "client chose listening as the focus for the next month and will ask a trusted peer to give "
    "short feedback after the weekly leadership meeting.",
)


@dataclass
class Practice:
    """What the seeding has made so far, and the ids it reuses."""

    coach: User
    password_hash: str
    group_ids: dict[Role, int]
    engagement_perm_ids: dict[EngagementAccess, int]
    organisation_perm_id: int
    # One data key shared by every bulk-seeded engagement and one by every bulk-seeded client:
    # creating 200,000 keys would measure key generation, not the pages. The measured coach's
    # engagements and clients each get their own key, as the services would give them.
    shared_engagement_key_id: uuid.UUID
    shared_client_key_id: uuid.UUID
    organisations: list[Organisation] = field(default_factory=list)
    sponsor_ids: list[int] = field(default_factory=list)  # one sponsor contact per organisation
    coach_ids: list[int] = field(default_factory=list)  # coach_ids[k] holds engagements [50k, 50k + 50)
    engagements: int = 0
    coach_engagement_ids: list[uuid.UUID] = field(default_factory=list)


def create_practice() -> Practice:
    """The measured coach (through the service), the groups, permissions and shared keys."""
    ensure_role_groups()
    coach = user_create(actor=None, email=COACH_EMAIL, role=Role.COACH, display_name="Bench Coach", password=PASSWORD)
    engagement_type = ContentType.objects.get_for_model(Engagement)
    organisation_type = ContentType.objects.get_for_model(Organisation)
    with transaction.atomic():
        engagement_key = data_key_create(purpose="engagement")
        client_key = data_key_create(purpose="client")
    return Practice(
        coach=coach,
        password_hash=make_password(PASSWORD),
        group_ids={Role(g.name): g.pk for g in Group.objects.filter(name__in=Role.values)},
        engagement_perm_ids={
            access: Permission.objects.get(content_type=engagement_type, codename=access.value).pk
            for access in EngagementAccess
        },
        organisation_perm_id=Permission.objects.get(
            content_type=organisation_type, codename="view_organisation_record"
        ).pk,
        shared_engagement_key_id=engagement_key.id,
        shared_client_key_id=client_key.id,
        coach_ids=[coach.pk],
    )


def grow(practice: Practice, target: int, *, progress: Any = None) -> None:
    """Add engagements (with clients, members, permissions, sessions, notes) up to ``target``."""
    if target < ENGAGEMENTS_PER_COACH:
        raise ValueError(f"The practice needs at least {ENGAGEMENTS_PER_COACH} engagements.")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Only this seeding connection: the measured requests open their own connections.
            cursor.execute("PRAGMA cache_size = -262144")
    _add_organisations(practice, math.ceil(target / ENGAGEMENTS_PER_ORGANISATION))
    _add_coaches(practice, math.ceil(target / ENGAGEMENTS_PER_COACH))
    today = timezone.localdate()
    now = timezone.now()
    while practice.engagements < target:
        end = min(target, practice.engagements + CHUNK)
        with transaction.atomic():
            _add_engagements(practice, practice.engagements, end, today, now)
        practice.engagements = end
        if progress is not None:
            progress(end, target)
    # A steady-state database, not one whose last writes all sit in a large write-ahead log.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _bulk_users(practice: Practice, role: Role, emails: list[str]) -> list[int]:
    users = [User(email=email, display_name=email.split("@")[0], password=practice.password_hash) for email in emails]
    User.objects.bulk_create(users, batch_size=USER_BATCH)
    if any(user.pk is None for user in users):  # SQLite < 3.35 does not return ids
        by_email = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
        for user in users:
            user.pk = by_email[user.email]
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=user.pk, group_id=practice.group_ids[role]) for user in users], batch_size=USER_BATCH
    )
    return [user.pk for user in users]


@transaction.atomic
def _add_organisations(practice: Practice, wanted: int) -> None:
    start = len(practice.organisations)
    if wanted <= start:
        return
    organisations = [Organisation(id=uuid.uuid4(), name=f"Bench organisation {j:05d}") for j in range(start, wanted)]
    Organisation.objects.bulk_create(organisations, batch_size=USER_BATCH)
    sponsor_ids = _bulk_users(
        practice, Role.SPONSOR, [f"sponsor{j:05d}@organisation.example" for j in range(start, wanted)]
    )
    SponsorContact.objects.bulk_create(
        [
            SponsorContact(organisation_id=org.id, user_id=sponsor_id, job_title="HR business partner")
            for org, sponsor_id in zip(organisations, sponsor_ids, strict=True)
        ],
        batch_size=USER_BATCH,
    )
    OrganisationUserObjectPermission.objects.bulk_create(
        [
            OrganisationUserObjectPermission(
                user_id=sponsor_id, permission_id=practice.organisation_perm_id, content_object_id=org.id
            )
            for org, sponsor_id in zip(organisations, sponsor_ids, strict=True)
        ],
        batch_size=USER_BATCH,
    )
    practice.organisations.extend(organisations)
    practice.sponsor_ids.extend(sponsor_ids)


@transaction.atomic
def _add_coaches(practice: Practice, wanted: int) -> None:
    start = len(practice.coach_ids)
    if wanted <= start:
        return
    practice.coach_ids.extend(
        _bulk_users(practice, Role.COACH, [f"coach{k:05d}@practice.example" for k in range(start, wanted)])
    )


def _status(index: int, mine: bool) -> str:
    """Most engagements active; some paused or proposed; three in ten of the others closed."""
    slot = index % 10
    if slot == 5:
        return Engagement.Status.PAUSED
    if slot == 6:
        return Engagement.Status.PROPOSED
    if slot >= 7 and not mine:
        return Engagement.Status.CLOSED
    return Engagement.Status.ACTIVE


def _add_engagements(practice: Practice, start: int, end: int, today: datetime.date, now: datetime.datetime) -> None:
    clients: list[Client] = []
    engagements: list[Engagement] = []
    members: list[EngagementMember] = []
    grants: list[EngagementUserObjectPermission] = []
    sessions: list[CoachingSession] = []
    hard_copies: list[HardCopy] = []
    notes: list[Note] = []
    for index in range(start, end):
        mine = index < ENGAGEMENTS_PER_COACH
        coach_id = practice.coach_ids[index // ENGAGEMENTS_PER_COACH]
        organisation = practice.organisations[index // ENGAGEMENTS_PER_ORGANISATION]
        sponsor_id = practice.sponsor_ids[index // ENGAGEMENTS_PER_ORGANISATION]
        if mine:
            engagement_key_id = data_key_create(purpose="engagement").id
            client_key_id = data_key_create(purpose="client").id
        else:
            engagement_key_id = practice.shared_engagement_key_id
            client_key_id = practice.shared_client_key_id
        # Encrypted fields need the row's id before insert (it is bound into the ciphertext).
        client = Client(
            id=uuid.uuid4(),
            data_key_id=client_key_id,
            full_name=f"Bench client {index:06d}",
            contact_email=f"client{index:06d}@example.org",
            phone="",
            created_at=now,
        )
        clients.append(client)
        status = _status(index, mine)
        starts_on = today - datetime.timedelta(days=30 + index % 700)
        closed = status == Engagement.Status.CLOSED
        engagement = Engagement(
            id=uuid.uuid4(),
            reference=f"ENG-B-{index:06d}",
            title="Leadership coaching",
            organisation_id=organisation.id,
            client_id=client.id,
            data_key_id=engagement_key_id,
            status=status,
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=180) if closed else None,
            closed_at=now - datetime.timedelta(days=index % 300) if closed else None,
            created_at=now,
        )
        engagements.append(engagement)
        if mine:
            practice.coach_engagement_ids.append(engagement.id)
        for user_id, kind in ((coach_id, EngagementMember.Kind.COACH), (sponsor_id, EngagementMember.Kind.SPONSOR)):
            members.append(EngagementMember(engagement_id=engagement.id, user_id=user_id, kind=kind, added_at=now))
            grants.extend(
                EngagementUserObjectPermission(
                    user_id=user_id, permission_id=practice.engagement_perm_ids[access], content_object_id=engagement.id
                )
                for access in MEMBER_GRANTS[kind]
            )
        held: list[CoachingSession] = []
        if status != Engagement.Status.PROPOSED:
            for k in range(SESSIONS_PER_ENGAGEMENT):
                # Some engagements had their last session over 30 days ago: the dashboard says so.
                held_on = today - datetime.timedelta(days=(index % 45) + 21 * k)
                held.append(
                    CoachingSession(
                        id=uuid.uuid4(),
                        engagement_id=engagement.id,
                        held_on=held_on,
                        duration_minutes=60,
                        mode=CoachingSession.Mode.VIDEO if k % 2 else CoachingSession.Mode.IN_PERSON,
                        recorded_by_id=coach_id,
                        created_at=now,
                    )
                )
            sessions.extend(held)
        if index % HARD_COPY_EVERY == 0:
            hard_copies.append(
                HardCopy(
                    id=uuid.uuid4(),
                    engagement=engagement,
                    description="Organisation chart and 360 feedback summary (paper, 6 pages)",
                    location="Locked cabinet B",
                    received_on=today - datetime.timedelta(days=40),
                    state=HardCopy.State.RETURN_DUE,
                    return_due_on=today - datetime.timedelta(days=5),
                    recorded_by_id=coach_id,
                )
            )
        for k in range(NOTES_PER_ENGAGEMENT):
            written = now - datetime.timedelta(days=3 * (NOTES_PER_ENGAGEMENT - k), minutes=index % 600)
            shared = k % 4 == 0
            notes.append(
                Note(
                    id=uuid.uuid4(),
                    # The object, not only engagement_id: Note.body's pre_save reads
                    # instance.engagement.data_key_id, which would otherwise query per row.
                    engagement=engagement,
                    session_id=held[k].id if k < len(held) else None,
                    author_id=coach_id,
                    body=_NOTE_TEXTS[(index + k) % len(_NOTE_TEXTS)],
                    shared_with_client=shared,
                    shared_at=written if shared else None,
                    created_at=written,
                    updated_at=written,
                )
            )
    Client.objects.bulk_create(clients)
    Engagement.objects.bulk_create(engagements)
    EngagementMember.objects.bulk_create(members)
    EngagementUserObjectPermission.objects.bulk_create(grants)
    CoachingSession.objects.bulk_create(sessions)
    HardCopy.objects.bulk_create(hard_copies)
    Note.objects.bulk_create(notes)
