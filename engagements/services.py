"""Writes about organisations, clients and engagements.

Membership and object permissions are written together here and only here, so that
list pages may filter on membership alone: about ten times faster than joining the
permission table, and as safe, because one service writes both.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

import access
from confidentiality.accounts import require_practice_manager
from confidentiality.audit import audit_engagement_event, audit_record
from confidentiality.crypto import data_key_create
from confidentiality.records import record_label
from confidentiality.roles import Role
from consent.services import (
    agreement_missing,
    coaches_and_administrators,
    require_work_allowed,
    signing_asked_no_more,
    tell_sponsors_of_pause,
)
from engagements.models import Client, Engagement, EngagementMember, Organisation, SponsorContact
from engagements.restrictions import restricted_on_creation

if TYPE_CHECKING:
    from confidentiality.models import User


def _require_basic_consent(client: Client, status: str) -> None:
    """Policy 002: without consent to hold basic information, no service can be provided."""
    from consent.models import ConsentRecord
    from consent.services import has_active_consent

    if status == Engagement.Status.ACTIVE and not has_active_consent(client, ConsentRecord.Kind.BASIC_INFORMATION):
        raise ValidationError(
            {
                "status": "The client has not consented to the practice holding their basic information, "
                "so the engagement cannot start. Record their consent first."
            }
        )


@transaction.atomic
def organisation_create(
    *,
    actor: User | None,
    name: str,
    address: str = "",
    keep_hard_copies: bool = False,
    sponsors_need_second_factor: bool = False,
) -> Organisation:
    require_practice_manager(actor)
    organisation = Organisation(
        name=name.strip(),
        address=address.strip(),
        keep_hard_copies=keep_hard_copies,
        sponsors_need_second_factor=sponsors_need_second_factor,
    )
    organisation.full_clean()
    organisation.save()
    audit_record(
        actor=actor,
        action="organisation.create",
        obj=organisation,
        detail={"sponsors_need_second_factor": sponsors_need_second_factor},
    )
    return organisation


@transaction.atomic
def organisation_require_second_factor(*, actor: User | None, organisation: Organisation, required: bool) -> None:
    """Ask (or stop asking) the organisation's sponsor contacts for a second factor at sign-in.
    Those who have none yet are told: they set one up when they next sign in, and until then
    their API tokens do not work (portal.authentication)."""
    require_practice_manager(actor)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if locked.sponsors_need_second_factor == required:
        return
    locked.sponsors_need_second_factor = organisation.sponsors_need_second_factor = required
    locked.save(update_fields=["sponsors_need_second_factor"])
    audit_record(actor=actor, action="organisation.second_factor_required", obj=locked, detail={"required": required})
    if required:
        from allauth.mfa.models import Authenticator

        from confidentiality.notify import notify

        contacts = [c.user for c in locked.contacts.filter(active=True).select_related("user")]
        without = [u for u in contacts if not Authenticator.objects.filter(user=u).exists()]
        notify(
            users=without,
            text="The practice now asks you to use two-factor authentication: you will set it up when you "
            "next sign in.",
            link="/accounts/2fa/",
        )


@transaction.atomic
def sponsor_contact_add(
    *, actor: User | None, organisation: Organisation, user: User, job_title: str = ""
) -> SponsorContact:
    require_practice_manager(actor)
    if access.role_of(user) != Role.SPONSOR:
        raise ValidationError("Only a person with the sponsor role can be an organisation's contact.")
    contact = SponsorContact(organisation=organisation, user=user, job_title=job_title.strip())
    contact.full_clean()
    contact.save()
    access.grant_organisation_contact(user=user, organisation=organisation)
    audit_record(actor=actor, action="organisation.contact_add", obj=organisation, detail={"user": user.pk})
    return contact


@transaction.atomic
def client_create(
    *,
    actor: User | None,
    full_name: str,
    contact_email: str = "",
    phone: str = "",
    postal_address: str = "",
    user: User | None = None,
) -> Client:
    require_practice_manager(actor)
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
        postal_address=postal_address.strip() or None,
    )
    if len(postal_address) > 500:
        raise ValidationError({"postal_address": "A postal address has at most 500 characters."})
    client.full_clean()
    client.save()
    audit_record(actor=actor, action="client.create", obj=client, client_id=client.id)
    return client


@transaction.atomic
def client_login_give(*, actor: User | None, client: Client) -> User:
    """Give an existing client a portal login, at any time: an account at the address in their
    record, a place on each of their engagements that is not closed, and an invitation to choose a
    password. An agreement already waiting for signatures asks them to sign."""
    from confidentiality.crypto import load_data_keys
    from confidentiality.invitations import invitation_send
    from confidentiality.notify import about, notify
    from confidentiality.services import user_create
    from consent.services import current_agreement

    require_practice_manager(actor)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.user_id is not None:
        raise ValidationError("This client already has a portal login.")
    load_data_keys([locked.data_key_id])
    if not locked.contact_email:
        raise ValidationError("Record the client's e-mail address first: the invitation is sent there.")
    user = user_create(actor=actor, email=locked.contact_email, role=Role.CLIENT)
    locked.user = user
    locked.save(update_fields=["user"])
    audit_record(actor=actor, action="client.login_given", obj=locked, client_id=locked.id)
    for engagement in Engagement.objects.filter(client=locked).exclude(status=Engagement.Status.CLOSED):
        engagement_member_add(actor=actor, engagement=engagement, user=user, kind=EngagementMember.Kind.CLIENT)
        agreement = current_agreement(engagement)
        if agreement is not None and agreement.state == "out_for_signature":
            notify(
                users=[user],
                text="A confidentiality agreement is waiting for your signature.",
                link=f"/agreements/{agreement.pk}/",
                about=about("agreement.sign", agreement),
                email=False,  # the invitation is their e-mail; this waits on their dashboard
            )
    invitation_send(actor=actor, user=user)
    return user


@transaction.atomic
def engagement_create(
    *,
    actor: User | None,
    reference: str,
    title: str,
    organisation: Organisation | None,
    client: Client,
    coaches: list[Any],
    sponsors: list[Any],
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    status: str = Engagement.Status.PROPOSED,
) -> Engagement:
    require_practice_manager(actor)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date is before the start date."})
    if not coaches:
        raise ValidationError({"coaches": "An engagement needs at least one coach."})
    if organisation is None and sponsors:
        raise ValidationError(
            {"sponsors": "A private client pays for their own coaching: choose an organisation, or no sponsor contact."}
        )
    if status == Engagement.Status.ACTIVE:
        raise ValidationError(
            {"status": "A new engagement starts as proposed: it becomes active when everyone has signed its agreement."}
        )
    _require_basic_consent(client, status)
    engagement = Engagement(
        reference=reference.strip(),
        title=title.strip(),
        organisation=organisation,
        client=client,
        data_key=data_key_create(purpose="engagement"),
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        restricted=restricted_on_creation(client),
    )
    engagement.full_clean()
    engagement.save()
    audit_engagement_event(actor, "engagement.create", engagement)
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
def engagement_member_add(*, actor: User | None, engagement: Engagement, user: User, kind: str) -> EngagementMember:
    """Put someone on an engagement: membership and permissions in one transaction.

    A closed engagement takes no one new, except a coach when none is left on it (theirs left the
    practice): confidentiality lasts "forever" (policy 001) and a legal requirement to disclose can
    arrive after the end, so someone must be able to read the file and record the disclosure.

    A coach reads the whole file, so this is the widest door to private notes there is (issue 16):
    the administrator never goes through it themselves (their way in is break-glass, which asks a
    reason and tells the coach), and a coach let into a file that already holds notes, documents or
    feedback is named to the client and to the coaches on it (``_tell_of_new_coach``)."""
    from confidentiality.models import User

    require_practice_manager(actor)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(
            "You cannot put yourself on an engagement. To read a private note, use break-glass: "
            "it records your reason and tells the coach."
        )
    kind = EngagementMember.Kind(kind)
    # Read again under a lock: the caller's copy may predate the engagement's closing.
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status == Engagement.Status.CLOSED and (
        kind != EngagementMember.Kind.COACH
        or EngagementMember.objects.filter(engagement=engagement, kind=EngagementMember.Kind.COACH).exists()
    ):
        raise ValidationError("A closed engagement takes no new people, except a coach when it has none left.")
    # Locked, and read again, so that someone offboarded at this moment is not put back on.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not access.account_in_force(user):
        raise ValidationError("This person's account is not active.")
    if access.role_of(user) != _KIND_ROLE[kind]:
        raise ValidationError(
            f"Only a person with the {_KIND_ROLE[kind].label.lower()} role can join as {kind.label.lower()}."
        )
    organisation_id = engagement.organisation_id
    if kind == EngagementMember.Kind.SPONSOR:
        if organisation_id is None:
            raise ValidationError("A private client's engagement has no organisation, so no sponsor contact.")
        if not SponsorContact.objects.filter(user=user, organisation_id=organisation_id, active=True).exists():
            raise ValidationError("This sponsor contact does not belong to the engagement's organisation.")
    if kind == EngagementMember.Kind.CLIENT and engagement.client.user_id != user.pk:
        raise ValidationError("Only the engagement's own client can join as client.")
    if EngagementMember.objects.filter(engagement=engagement, user=user).exists():
        raise ValidationError("This person is already on the engagement.")
    member = EngagementMember.objects.create(engagement=engagement, user=user, kind=kind)
    access.grant_engagement_member(user=user, engagement=engagement, kind=kind.value)
    audit_engagement_event(actor, "engagement.member_add", engagement, user=user.pk, kind=kind.value)
    if kind == EngagementMember.Kind.COACH:
        _tell_of_new_coach(engagement=engagement, coach=user)
    return member


def _tell_of_new_coach(*, engagement: Engagement, coach: User) -> None:
    """Tell the client and the coaches already on it that another coach can now read the file,
    when there is something to read: an engagement being set up tells no one (the client's
    'who has read my file' lists every coach given access either way). The notice says only that
    access was given, and links to where the names are (policy 003: links, never content)."""
    from django.urls import reverse

    from confidentiality.notify import notify

    if not access.engagement_file_holds_records(engagement):
        return
    if engagement.client.user is not None:
        notify(
            users=[engagement.client.user],
            text=f"Another coach was given access to your file on engagement {engagement.reference}.",
            link=reverse("engagements:access_log"),
        )
    coaches = [
        member.user
        for member in EngagementMember.objects.filter(engagement=engagement, kind=EngagementMember.Kind.COACH)
        .exclude(user=coach)
        .select_related("user")
    ]
    notify(
        users=coaches,
        text=f"Another coach was given access to engagement {engagement.reference}: its notes, documents and feedback.",
        link=reverse("engagements:detail", args=[engagement.pk]),
    )


@transaction.atomic
def engagement_member_remove(*, actor: User, engagement: Engagement, user: User) -> None:
    """Take someone off an engagement: membership and permissions go together."""
    require_practice_manager(actor)
    deleted, _ = EngagementMember.objects.filter(engagement=engagement, user=user).delete()
    if not deleted:
        raise ValidationError("This person is not on the engagement.")
    access.revoke_engagement_member(user=user, engagement=engagement)
    signing_asked_no_more(engagement, users=[user])
    audit_engagement_event(actor, "engagement.member_remove", engagement, user=user.pk)


# --- people who leave (issue: offboarding) -------------------------------------------------


@transaction.atomic
def memberships_end_for(*, actor: User | None, user: User) -> list[tuple[Engagement, str]]:
    """Take someone off every engagement and organisation at once: membership and permissions go
    together, as everywhere. Returns the open engagements they were on, with what they were on
    them as, for the administrator to hand over. Called by ``confidentiality.people.person_offboard``
    inside its transaction."""
    require_practice_manager(actor)
    left: list[tuple[Engagement, str]] = []
    members = list(
        EngagementMember.objects.filter(user=user).select_related("engagement").order_by("engagement__reference")
    )
    for member in members:
        engagement = member.engagement
        member.delete()
        access.revoke_engagement_member(user=user, engagement=engagement)
        signing_asked_no_more(engagement, users=[user])
        audit_engagement_event(
            actor, "engagement.member_remove", engagement, user=user.pk, kind=member.kind, leaving=True
        )
        if engagement.status != Engagement.Status.CLOSED:
            left.append((engagement, member.kind))
    for contact in SponsorContact.objects.filter(user=user, active=True).select_related("organisation"):
        contact.active = False
        contact.save(update_fields=["active"])
        access.revoke_organisation_contact(user=user, organisation=contact.organisation)
        audit_record(
            actor=actor, action="organisation.contact_remove", obj=contact.organisation, detail={"user": user.pk}
        )
    return left


# --- engagement changes ------------------------------------------------------------------


class ConflictError(ValidationError):
    """Someone else changed the record since it was opened; nothing was overwritten."""


@transaction.atomic
def engagement_update(
    *,
    actor: User,
    engagement: Engagement,
    expected_version: int,
    title: str,
    status: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> Engagement:
    """Change an engagement's details, refusing a stale form instead of overwriting."""
    require_practice_manager(actor)
    if status == Engagement.Status.CLOSED:
        raise ValidationError(
            {"status": "Close an engagement with 'Close engagement', which starts the retention clock."}
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date is before the start date."})
    if not title.strip():
        raise ValidationError({"title": "An engagement needs a title."})
    if engagement.status == Engagement.Status.CLOSED:
        raise ValidationError("A closed engagement cannot be changed.")
    _require_basic_consent(engagement.client, status)
    if status == Engagement.Status.ACTIVE and engagement.status != Engagement.Status.ACTIVE:
        missing = agreement_missing(engagement)
        if missing:
            raise ValidationError(
                {"status": "The engagement can start only when everyone has signed its agreement. " + " ".join(missing)}
            )
    changed = Engagement.objects.filter(pk=engagement.pk, version=expected_version).update(
        title=title.strip(),
        status=status,
        # A pause for consent ends only with the consent, or with the administrator's own choice.
        paused_for_consent=engagement.paused_for_consent and status == Engagement.Status.PAUSED,
        starts_on=starts_on,
        ends_on=ends_on,
        version=expected_version + 1,
    )
    if not changed:
        raise ConflictError(
            "Someone else changed this engagement since you opened it. Reload it and make your change again."
        )
    if ends_on != engagement.ends_on:
        from confidentiality.notify import about, resolve

        resolve(about("engagement.closes_itself", engagement))  # told again if the new date comes near
    was = engagement.status
    engagement.refresh_from_db()
    if (was == Engagement.Status.PAUSED) != (status == Engagement.Status.PAUSED):
        tell_sponsors_of_pause(engagement, paused=status == Engagement.Status.PAUSED)
    audit_engagement_event(actor, "engagement.update", engagement, status=status, version=engagement.version)
    return engagement


@transaction.atomic
def engagement_close(*, actor: User, engagement: Engagement) -> Engagement:
    """Close an engagement: hard copies become due for return (unless the organisation lets the
    practice keep them, policy 000) and the retention clock starts."""
    require_practice_manager(actor)
    engagement = Engagement.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=engagement.pk)
    if engagement.status == Engagement.Status.CLOSED:
        raise ValidationError("This engagement is already closed.")
    return _close(actor, engagement, timezone.now())


def _told_it_closes_itself(engagements: list[Engagement]) -> dict[Any, datetime.date]:
    """The day the coaches and administrators were told each engagement will close itself, for
    those told and not since cleared (the notice ``engagement.closes_itself``). One query."""
    from confidentiality.models import Notice
    from confidentiality.notify import about

    pk_of = {about("engagement.closes_itself", e): e.pk for e in engagements}
    told: dict[Any, datetime.date] = {}
    for name, at in (
        Notice.objects.filter(about__in=list(pk_of), done_at__isnull=True)
        .order_by("created_at")
        .values_list("about", "created_at")
    ):
        told.setdefault(pk_of[name], timezone.localdate(at))
    return told


def closing_days(
    engagements: list[Engagement], today: datetime.date | None = None, told: dict[Any, datetime.date] | None = None
) -> dict[Any, datetime.date]:
    """For each open engagement with an end date, the day it closes itself if nobody closes it: its
    end date plus the grace period, and never sooner than ENGAGEMENT_CLOSE_WARNING_DAYS after its
    coaches and the administrators were told (today, for one not told yet)."""
    today = today or timezone.localdate()
    grace = datetime.timedelta(days=settings.ENGAGEMENT_CLOSE_GRACE_DAYS)
    warning = datetime.timedelta(days=settings.ENGAGEMENT_CLOSE_WARNING_DAYS)
    open_ = [e for e in engagements if e.status != Engagement.Status.CLOSED and e.ends_on is not None]
    told = _told_it_closes_itself(open_) if told is None else told
    return {e.pk: max(e.ends_on + grace, told.get(e.pk, today) + warning) for e in open_ if e.ends_on is not None}


def closes_itself_on(engagement: Engagement) -> datetime.date | None:
    """The day an engagement nobody closes closes itself (``closing_days``); None once closed."""
    return closing_days([engagement]).get(engagement.pk)


def close_lapsed(today: datetime.date | None = None) -> list[Engagement]:
    """Daily (policy 000: files go two years after the work ends, and work never closed would be kept
    for ever). Tell the coaches and the administrators, once, of every engagement that will close
    itself within ENGAGEMENT_CLOSE_WARNING_DAYS (its end date past by the grace period, or soon), so
    that they close it themselves or move its end date; and close those whose day has come, told at
    least that long before. Nothing closes, nor starts its two years, before anyone was told."""
    from confidentiality.notify import about, notify

    today = today or timezone.localdate()
    grace = datetime.timedelta(days=settings.ENGAGEMENT_CLOSE_GRACE_DAYS)
    warning = datetime.timedelta(days=settings.ENGAGEMENT_CLOSE_WARNING_DAYS)
    near = list(
        Engagement.objects.exclude(status=Engagement.Status.CLOSED)
        .filter(ends_on__isnull=False, ends_on__lte=today - grace + warning)
        .order_by("ends_on", "reference")
    )
    told = _told_it_closes_itself(near)
    days = closing_days(near, today, told)
    closed = []
    for engagement in near:
        if engagement.pk not in told:
            notify(
                users=coaches_and_administrators(engagement),
                text=f"Engagement {engagement.reference} will close itself on {days[engagement.pk]:%-d %b %Y}, "
                f"{grace.days} days after its end date. Close it now if the work is over, or change its end date.",
                link=f"/engagements/{engagement.pk}/",
                about=about("engagement.closes_itself", engagement),
            )
            continue
        if days[engagement.pk] > today:
            continue
        with transaction.atomic():
            locked = (
                Engagement.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=engagement.pk)
            )
            if locked.status == Engagement.Status.CLOSED or locked.ends_on != engagement.ends_on:
                continue
            day = timezone.make_aware(datetime.datetime.combine(days[engagement.pk], datetime.time.min))
            closed.append(_close(None, locked, day, automatic=True))
    return closed


def _close(
    actor: User | None, engagement: Engagement, closed_at: datetime.datetime, automatic: bool = False
) -> Engagement:
    from confidentiality.notify import about, resolve
    from engagements.models import HardCopy

    engagement.status = Engagement.Status.CLOSED
    engagement.closed_at = closed_at
    engagement.ends_on = engagement.ends_on or timezone.localdate()
    engagement.version += 1
    engagement.save(update_fields=["status", "closed_at", "ends_on", "version"])
    resolve(about("engagement.closes_itself", engagement))
    signing_asked_no_more(engagement)
    held = HardCopy.objects.filter(engagement=engagement, state=HardCopy.State.HELD)
    # A private client's paper goes back to the client; an organisation's, unless it lets us keep it.
    if engagement.organisation is not None and engagement.organisation.keep_hard_copies:
        returned = 0
        kept = held.update(state=HardCopy.State.KEPT)
    else:
        kept = 0
        returned = held.update(
            state=HardCopy.State.RETURN_DUE, return_due_on=timezone.localdate() + datetime.timedelta(days=14)
        )
    audit_engagement_event(
        actor,
        "engagement.close",
        engagement,
        hard_copies_to_return=returned,
        hard_copies_kept=kept,
        **({"automatic": True} if automatic else {}),
    )
    return engagement


# --- sessions and notes --------------------------------------------------------------------


def _is_organisations_contact(actor: User, engagement: Engagement) -> bool:
    """An active sponsor contact of the engagement's own organisation, on the engagement."""
    return access.sponsor_organisation_id(actor) == engagement.organisation_id and access.has_engagement_access(
        actor, engagement, access.EngagementAccess.VIEW
    )


def _require_writer(actor: User, engagement: Engagement, what: str | None) -> None:
    """A coach on the open engagement, and, for new work of kind ``what``, nothing standing in its
    way: the agreement signed by everyone and the client's consent to hold their information (a
    withdrawal stops new records at once). Taking a share back (``what`` None) is never held up."""
    if not access.can_write_confidential(actor, engagement):
        if engagement.status == Engagement.Status.CLOSED and access.has_engagement_access(
            actor, engagement, access.EngagementAccess.READ_CONFIDENTIAL
        ):
            raise ValidationError("This engagement is closed: nothing more can be recorded.")
        raise PermissionDenied("Only a coach on this engagement can do this.")
    if what is not None:
        require_work_allowed(engagement, what)


@transaction.atomic
def session_record(
    *,
    actor: User,
    engagement: Engagement,
    held_on: datetime.date,
    duration_minutes: int,
    mode: str,
    place: str = "",
    setting_private: bool = False,
) -> Any:
    """A session held. Without where it took place and that the setting was private (policy 002) it
    is recorded all the same, as incomplete, and its coach is asked to complete it."""
    from engagements.models import CoachingSession

    _require_writer(actor, engagement, "sessions")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "A session cannot be recorded before it has happened."})
    if not 5 <= duration_minutes <= 600:
        raise ValidationError({"duration_minutes": "A session lasts between 5 minutes and 10 hours."})
    session = CoachingSession(
        engagement=engagement,
        held_on=held_on,
        duration_minutes=duration_minutes,
        mode=mode,
        place=place.strip(),
        setting_private=setting_private,
        recorded_by=actor,
    )
    session.full_clean()
    session.save()
    # The place stays out of the audit detail: where a client was coached can say who they are.
    audit_engagement_event(actor, "session.record", engagement, session, setting_complete=session.setting_complete)
    if not session.setting_complete:
        _ask_for_the_setting(actor, session)
    return session


SESSION_SETTING_ASK = (
    "The session of {date} on {reference} is incomplete: record where it took place and that the setting was private."
)


def _ask_for_the_setting(actor: User, session: Any) -> None:
    """The coach who recorded an incomplete session is asked, on their dashboard, to complete it.
    The notice names the date and the engagement's reference only, never the place."""
    from django.urls import reverse

    from confidentiality.dates import day
    from confidentiality.notify import about, notify

    notify(
        users=[actor],
        text=SESSION_SETTING_ASK.format(date=day(session.held_on), reference=session.engagement.reference),
        link=reverse("engagements:session_setting", args=[session.pk]),
        about=about("session.setting", session),
        email=False,
    )


@transaction.atomic
def session_record_setting(*, actor: User, session: Any, place: str, setting_private: bool) -> Any:
    """Complete (or correct) where a session took place and whether the setting was private."""
    from confidentiality.notify import about, resolve
    from engagements.models import CoachingSession

    locked = CoachingSession.objects.select_for_update().select_related("engagement").get(pk=session.pk)
    _require_writer(actor, locked.engagement, "session records")
    place = place.strip()
    if not place:
        raise ValidationError({"place": "Say where the session took place (a room, a video call from home)."})
    locked.place = place
    locked.setting_private = setting_private
    locked.full_clean()
    locked.save(update_fields=["place", "setting_private"])
    audit_engagement_event(
        actor, "session.setting", locked.engagement, locked, setting_complete=locked.setting_complete
    )
    if locked.setting_complete:
        resolve(about("session.setting", locked))
    return locked


NOTE_MAX_CHARS = 50_000


def _clean_note_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError({"body": "A note cannot be empty."})
    if len(body) > NOTE_MAX_CHARS:
        raise ValidationError({"body": f"A note has at most {NOTE_MAX_CHARS:,} characters."})
    return body


@transaction.atomic
def note_create(
    *, actor: User, engagement: Engagement, body: str, session: Any = None, shared_with_client: bool = False
) -> Any:
    """A note is private unless the coach chooses to share it with the client."""
    from engagements.models import Note

    _require_writer(actor, engagement, "notes")
    if session is not None and session.engagement_id != engagement.pk:
        raise ValidationError({"session": "That session belongs to another engagement."})
    now = timezone.now()
    note = Note(
        engagement=engagement,
        session=session,
        author=actor,
        body=_clean_note_body(body),
        shared_with_client=shared_with_client,
        shared_at=now if shared_with_client else None,
    )
    note.full_clean()
    note.save()
    audit_engagement_event(actor, "note.create", engagement, note, shared=shared_with_client)
    return note


@transaction.atomic
def note_update(*, actor: User, note: Any, body: str, expected_version: int) -> Any:
    """Change a note's text; a stale edit is refused, so no one's change is lost silently."""
    from engagements.models import Note

    _require_writer(actor, note.engagement, "changes to notes")
    body = _clean_note_body(body)
    locked = Note.objects.select_for_update().select_related("engagement").get(pk=note.pk)
    if locked.shared_with_client:
        # The client has read it: it is never rewritten, only corrected (the original stays).
        raise ValidationError(SHARED_IS_CORRECTED)
    if locked.version != expected_version:
        raise ConflictError(
            "This note was changed by someone else since you opened it. Your text is kept below: "
            "compare it with the current note and save again."
        )
    locked.body = body
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["body", "version", "updated_at"])
    audit_engagement_event(actor, "note.update", locked.engagement, locked, version=locked.version)
    return locked


SHARED_IS_CORRECTED = (
    "This note is shared with the client, so it is not rewritten: append a correction to it on the note's "
    "page, and the original stays with the correction beside it."
)
CORRECTION_MAX_CHARS = 5_000


@transaction.atomic
def note_correct(*, actor: User, note: Any, body: str) -> Any:
    """Append a correction to a note: the note's text stays; the correction says what was wrong and
    what is right. A coach on the open engagement; the client is told when the note is shared with them."""
    from confidentiality.notify import notify
    from engagements.models import Note, NoteCorrection

    _require_writer(actor, note.engagement, None)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Say what was wrong in the note and what is right."})
    if len(body) > CORRECTION_MAX_CHARS:
        raise ValidationError({"body": f"A correction has at most {CORRECTION_MAX_CHARS:,} characters."})
    locked = Note.objects.select_for_update().select_related("engagement__client").get(pk=note.pk)
    correction = NoteCorrection(note=locked, engagement=locked.engagement, author=actor, body=body)
    correction.full_clean()
    correction.save(force_insert=True)
    locked.corrected_at = correction.created_at
    locked.save(update_fields=["corrected_at"])
    audit_engagement_event(actor, "note.correct", locked.engagement, locked, shared=locked.shared_with_client)
    client_user = locked.engagement.client.user
    if locked.shared_with_client and client_user is not None:
        notify(
            users=[client_user],
            text=f"Your coach added a correction to a note shared with you ({locked.engagement.reference}).",
            link=f"/engagements/notes/{locked.pk}/",
        )
    return correction


@transaction.atomic
def note_set_shared(*, actor: User, note: Any, shared: bool, expected_version: int) -> Any:
    """Share exactly the text the coach saw: if the note changed since, nothing is shared."""
    from engagements.models import Note

    _require_writer(actor, note.engagement, "shares" if shared else None)
    locked = Note.objects.select_for_update().select_related("engagement").get(pk=note.pk)
    if locked.version != expected_version:
        raise ConflictError("This note changed since you opened the page, so it was not shared. Read it again first.")
    if locked.shared_with_client == shared:
        return locked
    locked.shared_with_client = shared
    locked.shared_at = timezone.now() if shared else None
    locked.version += 1
    locked.save(update_fields=["shared_with_client", "shared_at", "version"])
    audit_engagement_event(actor, "note.share" if shared else "note.unshare", locked.engagement, locked)
    if shared and locked.engagement.client.user_id:
        from confidentiality.notify import notify

        notify(
            users=[locked.engagement.client.user],
            text="Your coach shared a note with you.",
            link=f"/engagements/{locked.engagement_id}/notes/",
        )
    return locked


def audit_reads(*, actor: User, action: str, engagement: Engagement, objects: list[Any]) -> None:
    """One event per page of confidential records read: who, which records, when."""
    if not objects:
        return
    audit_record(
        actor=actor,
        action=action,
        object_type=record_label(objects[0]),
        object_id=str(objects[0].pk) if len(objects) == 1 else "",
        engagement_id=engagement.id,
        client_id=engagement.client_id,
        detail={"ids": [str(o.pk) for o in objects], "count": len(objects)},
    )


# --- documents -----------------------------------------------------------------------------


# The stored files of documents uploaded inside ``atomic_with_uploads``, to delete on a rollback.
_uploads_in_block: ContextVar[list[str] | None] = ContextVar("uploads_in_block", default=None)


@contextlib.contextmanager
def atomic_with_uploads() -> Iterator[None]:
    """``transaction.atomic``, and if it rolls back, the stored files of documents uploaded inside it
    are deleted: their rows went with the rollback, and a file must not stay behind, unowned and out
    of retention's reach (evidence uploaded with a consent or a disclosure the service refuses)."""
    stored: list[str] = []
    token = _uploads_in_block.set(stored)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        from django.core.files.storage import default_storage

        for name in stored:
            default_storage.delete(name)
        raise
    finally:
        _uploads_in_block.reset(token)


def document_aad(document_id: Any, engagement_id: Any) -> bytes:
    """A document's file is bound to the document and its engagement: a row moved to another
    engagement no longer opens its file."""
    return f"engagements.document.content:{document_id}|owner:{engagement_id}".encode()


def document_content(document: Any, blob: bytes) -> bytes:
    """The file's content (a file written before files were bound to their engagement opens with
    the document alone, until bind_ciphertexts rewrites it)."""
    from confidentiality.crypto import decrypt_blob

    return decrypt_blob(
        blob,
        aad=document_aad(document.pk, document.engagement_id),
        unbound_aad=f"engagements.document.content:{document.pk}".encode(),
        where=f"document {document.pk}",
    )


@transaction.atomic
def document_upload(
    *,
    actor: User,
    engagement: Engagement,
    name: str,
    content: bytes,
    shared_with_client: bool = False,
    supplied_by_organisation: bool = False,
) -> Any:
    """Store a document encrypted under a random name; type and size are checked first."""
    if _is_organisations_contact(actor, engagement):
        # The organisation's own upload: it is what "supplied by the organisation" means, the one
        # kind of document its contacts see; never shared with the client from here.
        supplied_by_organisation, shared_with_client = True, False
        if engagement.status == Engagement.Status.CLOSED:
            raise ValidationError("This engagement is closed: nothing more can be added.")
        require_work_allowed(engagement, "documents")
    else:
        _require_writer(actor, engagement, "documents")
    return _store_document(actor, engagement, name, content, shared_with_client, supplied_by_organisation)


def consent_evidence_upload(*, actor: User, engagement: Engagement, kind: str, name: str, content: bytes) -> Any:
    """The scan of a consent form the client signed on paper, kept on the engagement as the consent's
    evidence and private to its coaches. The work gates do not hold up the consent to hold the
    client's information (before the agreement is signed, or given again after a withdrawal: it is
    what opens them), nor a consent to a disclosure (the evidence a disclosure rests on). Any other
    consent's scan is a document like any other."""
    from consent.models import ConsentRecord

    if access.role_of(actor) not in (Role.ADMIN, Role.COACH) or not access.can_record_consent(actor, engagement.client):
        raise PermissionDenied("Only the administrator or a coach on this engagement records the client's consent.")
    if engagement.status == Engagement.Status.CLOSED:
        raise ValidationError("This engagement is closed: nothing more can be added.")
    if kind not in (ConsentRecord.Kind.BASIC_INFORMATION, ConsentRecord.Kind.DISCLOSURE):
        require_work_allowed(engagement, "documents")
    return _store_document(actor, engagement, name, content, False, False)


def _store_document(
    actor: User, engagement: Engagement, name: str, content: bytes, shared_with_client: bool, supplied: bool
) -> Any:
    import uuid as uuid_module

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from confidentiality.crypto import encrypt_blob
    from engagements.documents import clean_name, detect_type
    from engagements.models import Document

    content_type = detect_type(name, content, max_bytes=settings.DOCUMENT_MAX_BYTES)
    document_id = uuid_module.uuid4()
    blob_name = f"documents/{uuid_module.uuid4().hex}.bin"
    document = Document(
        id=document_id,
        engagement=engagement,
        uploaded_by=actor,
        original_name=clean_name(name),
        content_type=content_type,
        size=len(content),
        blob_name=blob_name,
        shared_with_client=shared_with_client,
        supplied_by_organisation=supplied,
    )
    document.full_clean()
    sealed = encrypt_blob(content, key_id=engagement.data_key_id, aad=document_aad(document_id, engagement.pk))
    stored_name = default_storage.save(blob_name, ContentFile(sealed))
    if stored_name != blob_name:
        default_storage.delete(stored_name)
        raise ValidationError("Could not store the file; try again.")
    # If the row cannot be written, the blob must not linger on disk.
    try:
        document.save(force_insert=True)
        audit_engagement_event(actor, "document.upload", engagement, document, size=len(content), type=content_type)
    except Exception:
        default_storage.delete(blob_name)
        raise
    pending = _uploads_in_block.get()
    if pending is not None:
        pending.append(blob_name)
    return document


@transaction.atomic
def document_read(*, actor: User, document: Any) -> bytes:
    """The decrypted content, for someone the policy already let see the document. Audited."""
    from django.core.files.storage import default_storage

    with default_storage.open(document.blob_name, "rb") as handle:
        blob = handle.read()
    content = document_content(document, blob)
    audit_engagement_event(actor, "document.download", document.engagement, document)
    return content


# --- hard copies ---------------------------------------------------------------------------


@transaction.atomic
def hard_copy_record(
    *, actor: User, engagement: Engagement, description: str, location: str, received_on: datetime.date
) -> Any:
    from engagements.models import HardCopy

    if not access.can_manage_hard_copies(actor, engagement):
        raise PermissionDenied("Only the administrator or a coach on this engagement can do this.")
    if engagement.status == Engagement.Status.CLOSED:
        raise ValidationError("This engagement is closed: record paper received before closing it.")
    if not description.strip():
        raise ValidationError({"description": "Say what the paper is, e.g. 'Organisation chart, 3 pages'."})
    if not location.strip():
        raise ValidationError({"location": "Say where it is kept."})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The date received cannot be in the future."})
    copy = HardCopy(
        engagement=engagement,
        description=description.strip(),
        location=location.strip(),
        received_on=received_on,
        recorded_by=actor,
        state=HardCopy.State.HELD,
    )
    copy.full_clean()
    copy.save()
    audit_engagement_event(actor, "hard_copy.record", engagement, copy)
    return copy


@transaction.atomic
def hard_copy_mark_returned(*, actor: User, hard_copy: Any, returned_on: datetime.date) -> Any:
    from engagements.models import HardCopy

    if not access.can_manage_hard_copies(actor, hard_copy.engagement):
        raise PermissionDenied("Only the administrator or a coach on this engagement can do this.")
    if hard_copy.state == HardCopy.State.RETURNED:
        raise ValidationError("This hard copy was already returned.")
    if returned_on > timezone.localdate() or returned_on < hard_copy.received_on:
        raise ValidationError({"returned_on": "The return date must be between the day it was received and today."})
    hard_copy.state = HardCopy.State.RETURNED
    hard_copy.returned_on = returned_on
    hard_copy.save(update_fields=["state", "returned_on"])
    audit_engagement_event(actor, "hard_copy.return", hard_copy.engagement, hard_copy)
    return hard_copy


# --- break-glass ---------------------------------------------------------------------------


def break_glass_reason_clean(reason: str) -> str:
    """A break-glass reason is a sentence someone could act on: the coach is shown it, and a
    reviewer must be able to tell why a private note was opened (issue 20: twenty "x" passed).
    So: not a character or two repeated, at least 20 characters, and at least four different
    words of two or more letters. A check of form, not of truth; the coach and the log judge that."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "State why you need to read this note; it is shown to the coach."})
    if len({c.casefold() for c in reason if not c.isspace()}) < 3:
        raise ValidationError(
            {"reason": "The reason repeats one character (or two), not a sentence: say why you need to read this note."}
        )
    if len(reason) < 20:
        raise ValidationError({"reason": "State the reason in at least 20 characters; it is shown to the coach."})
    words = {w.casefold() for w in re.findall(r"[^\W\d_]{2,}", reason)}
    if len(words) < 4:
        raise ValidationError(
            {
                "reason": (
                    f"Write the reason as a sentence of at least four different words (it has {len(words)}): "
                    "what happened and why this note must be read."
                )
            }
        )
    if len(reason) > 2000:
        raise ValidationError({"reason": "Keep the reason under 2,000 characters."})
    return reason


@transaction.atomic
def break_glass_open(*, actor: User, note: Any, reason: str) -> Any:
    """The administrator opens one private note: a stated reason, a time-boxed grant, an audit
    event, and a notice to every coach on the engagement."""
    from django.conf import settings

    from confidentiality.notify import notify
    from engagements.models import BreakGlassGrant, EngagementMember

    if not access.can_break_glass(actor):
        raise PermissionDenied("Only the practice administrator can use break-glass access.")
    reason = break_glass_reason_clean(reason)
    grant = BreakGlassGrant(
        note=note,
        engagement=note.engagement,
        granted_to=actor,
        reason=reason,
        expires_at=timezone.now() + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    grant.full_clean()
    grant.save()
    audit_engagement_event(
        actor, "break_glass.open", note.engagement, note, grant=str(grant.pk), minutes=settings.BREAK_GLASS_MINUTES
    )
    coaches = [
        m.user for m in EngagementMember.objects.filter(engagement=note.engagement, kind="coach").select_related("user")
    ]
    notify(
        users=coaches,
        text=(
            f"The practice administrator opened one of your private notes on {note.engagement.reference} (break-glass)."
        ),
        link=f"/engagements/{note.engagement_id}/",
    )
    return grant
