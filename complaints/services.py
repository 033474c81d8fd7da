"""Complaints and breaches of confidentiality: one register, its deadlines, and every write.

Policy 002: clients "will be made aware of their right to complain if they feel
confidentiality has been breached", and "breaches of confidentiality will be dealt with
through the company's staff and volunteer disciplinary procedures".

Every service takes the acting user, asks the access policy, validates everything before it
writes anything (a bad input changes nothing), and audits in the same transaction. Audit
details, notices and errors carry references and field names, never the text.

People without a portal sign-in (issue 21): the administrator records a complaint that arrived by
post, telephone, in person or e-mail on the client's behalf, saying how the person's identity was
checked (required when they have no sign-in: the answers go to them by post). The practice's
responses to such a client are letters: the administrators are asked to post each one, download it
as a PDF and mark it posted. Policy 003: nothing confidential is sent by e-mail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Q, QuerySet, Value
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

import access
from complaints.models import Breach, BreachAffected, BreachCommunication, Complaint, ComplaintResponse
from confidentiality.audit import audit_record
from confidentiality.crypto import data_key_create, load_data_keys
from confidentiality.dates import RECEIVED_BACKDATE_DAYS, day, received_day
from confidentiality.models import ReceivedBy, User
from confidentiality.notify import about as notice_about
from confidentiality.notify import notify, resolve
from engagements.services import ConflictError

COMPLAINT_MAX_CHARS = 10_000
EVIDENCE_MAX_CHARS = 1000
MAX_BACKDATE_DAYS = RECEIVED_BACKDATE_DAYS
BREACH_TEXT_MAX_CHARS = 10_000
REFERENCE_MAX_CHARS = 80
# A clock a few minutes fast must not refuse a discovery time of "now".
_FUTURE_SKEW = datetime.timedelta(minutes=5)
# A moment before this is a typing mistake (a breach "discovered" in 222). Shown in the practice's
# time zone it would also carry a local mean time offset in seconds (London's was -00:01:15), which
# an RFC 3339 date-time, the API's format, cannot state: API clients could not read it back.
_EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


# --- clocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Time left until a deadline, or how long it is overdue. Due exactly now is not overdue."""

    due_at: datetime.datetime
    now: datetime.datetime

    @property
    def seconds_left(self) -> int:
        return int((self.due_at - self.now).total_seconds())

    @property
    def overdue(self) -> bool:
        return self.now > self.due_at

    @property
    def label(self) -> str:
        seconds = self.seconds_left
        if seconds == 0 and not self.overdue:
            return "due now"
        span = _span(abs(seconds))
        return f"overdue by {span}" if self.overdue else f"{span} left"


def _span(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, (rest % 3600) // 60
    if days >= 4:
        return f"{days} days"
    return f"{days * 24 + hours}h {minutes:02d}m"


def clock(due_at: datetime.datetime, now: datetime.datetime | None = None) -> Clock:
    return Clock(due_at=due_at, now=now or timezone.now())


def complaint_next_deadline(complaint: Complaint) -> tuple[str, datetime.datetime] | None:
    if complaint.status == Complaint.Status.RECEIVED:
        return ("Acknowledge", complaint.acknowledge_by)
    if complaint.status == Complaint.Status.ACKNOWLEDGED:
        return ("Respond", complaint.respond_by)
    return None


def breach_next_deadline(breach: Breach) -> tuple[str, datetime.datetime] | None:
    if breach.clock_running:
        return ("Notify the regulator", breach.notify_by)
    return None


# --- validation helpers ---------------------------------------------------------------------


def _text(
    value: object, field: str, label: str, *, required: bool = True, max_chars: int = BREACH_TEXT_MAX_CHARS
) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: f"{label} must be text."})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: f"{label}: this is required."})
    if len(value) > max_chars:
        raise ValidationError({field: f"{label} has at most {max_chars:,} characters."})
    return value


def _moment(value: object, field: str, label: str, *, not_before: datetime.datetime | None = None) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: f"{label} must be a date and time."})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + _FUTURE_SKEW:
        raise ValidationError({field: f"{label} cannot be in the future."})
    if value < _EARLIEST:
        raise ValidationError({field: f"{label} cannot be before {_EARLIEST.year}."})
    if not_before is not None and value < not_before:
        raise ValidationError({field: f"{label} cannot be before the breach was discovered."})
    return value


def _choice(value: Any, field: str, choices: Any, label: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"Choose {label} from the list."})
    return str(value)


def _admins() -> list[User]:
    return access.administrators()


def _audit_complaint(actor: User, action: str, complaint: Complaint, **detail: Any) -> None:
    # Filed under the client (and engagement), so a complaint read shows in "who has read my file".
    audit_record(
        actor=actor,
        action=action,
        obj=complaint,
        client_id=complaint.client_id,
        engagement_id=complaint.engagement_id,
        detail=detail,
    )


# --- complaints -----------------------------------------------------------------------------


@transaction.atomic
def complaint_lodge(*, actor: User, about: str, body: str, engagement: Any = None) -> Complaint:
    """A client complains about how their information was handled; the administrator is told."""
    client = access.client_record_of(actor)
    if client is None:
        raise Http404
    about = _choice(about, "about", Complaint.About, "what the complaint is about")
    body = _text(body, "body", "Your complaint", max_chars=COMPLAINT_MAX_CHARS)
    if engagement is not None and not access.complaint_engagements_for(actor).filter(pk=engagement.pk).exists():
        raise ValidationError({"engagement": "Choose one of your own engagements, or none."})
    complaint = _new_complaint(
        client=client, engagement=engagement, lodged_by=actor, about=about, body=body, lodged_at=timezone.now()
    )
    _audit_complaint(actor, "complaint.lodge", complaint, about=about, reference=complaint.reference)
    notify(
        users=_admins(),
        text=f"A client lodged a complaint ({complaint.reference}). Acknowledge it by "
        f"{day(timezone.localtime(complaint.acknowledge_by))}.",
        link=reverse("complaints:complaint_detail", args=[complaint.pk]),
        about=notice_about("complaint.acknowledge", complaint),
    )
    return complaint


def has_sign_in(client: Any) -> bool:
    """Whether the client reads the practice's answers through a portal sign-in of their own."""
    from confidentiality.accounts import account_in_force

    user = client.user
    return user is not None and account_in_force(user)


def _received_at(received_on: object) -> datetime.datetime:
    """When a complaint recorded on someone's behalf was received: now when it arrived today, else
    the start of that day in the practice's time zone (the earlier moment: the deadlines never run
    later than the client is owed)."""
    day_received = received_day(received_on, what="complaint")
    if day_received == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day_received, datetime.time.min))


@transaction.atomic
def complaint_record_on_behalf(
    *,
    actor: User,
    client: Any,
    about: str,
    body: str,
    received_by: str,
    evidence: str = "",
    received_on: datetime.date | None = None,
    engagement: Any = None,
) -> Complaint:
    """The administrator records a complaint that reached the practice by post, telephone, in person
    or e-mail, for a client with or without a portal sign-in. One without is answered by post, once
    the practice has checked who complained: ``evidence`` says how (encrypted under their key)."""
    if not access.can_record_complaint_on_behalf(actor):
        raise Http404
    if client is None or not access.clients_visible_to(actor).filter(pk=client.pk).exists():
        raise ValidationError({"client": "Choose one of the practice's clients."})
    about = _choice(about, "about", Complaint.About, "what the complaint is about")
    body = _text(body, "body", "The complaint", max_chars=COMPLAINT_MAX_CHARS)
    if received_by not in ReceivedBy.values or received_by == ReceivedBy.PORTAL:
        raise ValidationError({"received_by": "Say how the complaint reached the practice."})
    lodged_at = _received_at(received_on)
    signed_in = has_sign_in(client)
    evidence = _text(
        evidence, "evidence", "How you checked it is from them", required=False, max_chars=EVIDENCE_MAX_CHARS
    )
    if not evidence and not signed_in:
        raise ValidationError(
            {
                "evidence": "This client has no portal sign-in, so the practice's answers go to them by post: "
                "say how you checked the complaint is from them."
            }
        )
    if engagement is not None and engagement.client_id != client.pk:
        raise ValidationError({"engagement": "Choose one of this client's engagements, or none."})
    complaint = _new_complaint(
        client=client,
        engagement=engagement,
        lodged_by=actor,
        received_by=received_by,
        evidence=evidence or None,
        about=about,
        body=body,
        lodged_at=lodged_at,
    )
    _audit_complaint(
        actor,
        "complaint.record",
        complaint,
        on_behalf=True,
        about=about,
        received_by=received_by,
        by_post=not signed_in,
        reference=complaint.reference,
    )
    if signed_in:
        _tell_client(complaint, "The practice recorded your complaint")
    return complaint


def _new_complaint(*, lodged_at: datetime.datetime, **fields: Any) -> Complaint:
    """A complaint saved, its deadlines to acknowledge and to respond counted from when it was lodged."""
    complaint = Complaint(
        lodged_at=lodged_at,
        acknowledge_by=lodged_at + datetime.timedelta(days=settings.COMPLAINT_ACKNOWLEDGE_DAYS),
        respond_by=lodged_at + datetime.timedelta(days=settings.COMPLAINT_RESPONSE_DAYS),
        **fields,
    )
    complaint.full_clean()
    complaint.save()
    return complaint


def _locked_open_complaint(complaint: Complaint) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.status == Complaint.Status.CLOSED:
        raise ValidationError("This complaint is closed: nothing more can be added to it.")
    return locked


@transaction.atomic
def complaint_respond(*, actor: User, complaint: Complaint, message: str) -> ComplaintResponse:
    """The practice writes to the client about their complaint. The first response acknowledges it."""
    if not access.can_respond_to_complaint(actor, complaint):
        raise Http404
    message = _text(message, "message", "The response", max_chars=COMPLAINT_MAX_CHARS)
    locked = _locked_open_complaint(complaint)
    now = timezone.now()
    if locked.status == Complaint.Status.RECEIVED:
        kind = ComplaintResponse.Kind.ACKNOWLEDGEMENT
        locked.status = Complaint.Status.ACKNOWLEDGED
        locked.acknowledged_at = now
        locked.save(update_fields=["status", "acknowledged_at"])
    else:
        kind = ComplaintResponse.Kind.UPDATE
    response = _add_response(actor, locked, kind, message, now)
    resolve(notice_about("complaint.acknowledge", locked))  # acknowledged, by whoever wrote first
    resolve(notice_about("complaint.reply", locked))  # and the client's reply is answered
    _audit_complaint(
        actor, "complaint.respond", locked, kind=kind.value, response=str(response.pk), by_post=response.by_post
    )
    _deliver(locked, response, "The practice responded to your complaint")
    _refresh(complaint, locked)
    return response


@transaction.atomic
def complaint_reply(*, actor: User, complaint: Complaint, message: str) -> ComplaintResponse:
    """The client answers the practice. A reply to a closed complaint opens it again: the client is
    not satisfied with the final response, and the practice must look at it again. The
    administrators are told (a notice that clears once the practice responds)."""
    if not access.can_reply_to_complaint(actor, complaint):
        raise Http404
    message = _text(message, "message", "Your reply", max_chars=COMPLAINT_MAX_CHARS)
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    now = timezone.now()
    reopened = locked.status == Complaint.Status.CLOSED
    if reopened:
        locked.status = Complaint.Status.ACKNOWLEDGED
        locked.closed_at = None
        locked.save(update_fields=["status", "closed_at"])
    response = _add_response(actor, locked, ComplaintResponse.Kind.CLIENT_REPLY, message, now)
    _audit_complaint(actor, "complaint.reply", locked, reopened=reopened, response=str(response.pk))
    notify(
        users=_admins(),
        text=f"The client replied to complaint {locked.reference}"
        + (", which is open again." if reopened else ".")
        + " Respond to it.",
        link=reverse("complaints:complaint_detail", args=[locked.pk]),
        about=notice_about("complaint.reply", locked),
    )
    _refresh(complaint, locked)
    return response


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, outcome: str, message: str) -> Complaint:
    """Close with an outcome and a final response to the client, who is told."""
    if not access.can_respond_to_complaint(actor, complaint):
        raise Http404
    outcome = _choice(outcome, "outcome", Complaint.Outcome, "an outcome")
    message = _text(message, "message", "The final response", max_chars=COMPLAINT_MAX_CHARS)
    locked = _locked_open_complaint(complaint)
    now = timezone.now()
    response = _add_response(actor, locked, ComplaintResponse.Kind.FINAL, message, now)
    locked.status = Complaint.Status.CLOSED
    locked.outcome = outcome
    locked.acknowledged_at = locked.acknowledged_at or now
    locked.closed_at = now
    locked.full_clean()
    locked.save(update_fields=["status", "outcome", "acknowledged_at", "closed_at"])
    resolve(notice_about("complaint.acknowledge", locked))
    resolve(notice_about("complaint.reply", locked))
    _audit_complaint(
        actor, "complaint.close", locked, outcome=outcome, response=str(response.pk), by_post=response.by_post
    )
    _deliver(locked, response, "The practice sent its final response to your complaint")
    _refresh(complaint, locked)
    return locked


def _add_response(actor: User, complaint: Complaint, kind: str, message: str, now: Any) -> ComplaintResponse:
    # The practice's words to a client without a sign-in are a letter to post; fixed when written.
    by_post = kind != ComplaintResponse.Kind.CLIENT_REPLY and not has_sign_in(complaint.client)
    response = ComplaintResponse(
        complaint=complaint, author=actor, kind=kind, body=message, created_at=now, by_post=by_post
    )
    response.full_clean()
    response.save()
    return response


def _tell_client(complaint: Complaint, text: str) -> None:
    user = complaint.client.user
    if user is not None and user.is_active:
        notify(
            users=[user],
            text=f"{text} ({complaint.reference}).",
            link=reverse("complaints:complaint_detail", args=[complaint.pk]),
        )


def _deliver(complaint: Complaint, response: ComplaintResponse, text: str) -> None:
    """Through the client's sign-in, or (none) by post: the administrators are asked to post the
    letter, until someone marks it posted. The notice names the reference, never the words."""
    if not response.by_post:
        _tell_client(complaint, text)
        return
    what = "final response" if response.kind == ComplaintResponse.Kind.FINAL else "response"
    notify(
        users=_admins(),
        text=f"Complaint {complaint.reference}: the client has no portal sign-in, so post them the practice's "
        f"{what} (download the letter from the complaint's page), then mark it posted.",
        link=reverse("complaints:complaint_detail", args=[complaint.pk]) + f"#letter-{response.pk}",
        about=notice_about("complaint.post", response),
    )


@transaction.atomic
def complaint_letter_mark_posted(*, actor: User, response: ComplaintResponse) -> ComplaintResponse:
    """The administrator printed the letter of a response to a client without a sign-in and posted it."""
    if not access.can_post_complaint_letters(actor):
        raise Http404
    locked = ComplaintResponse.objects.select_for_update().select_related("complaint").get(pk=response.pk)
    if not locked.by_post:
        raise ValidationError("This response reached the client through their portal sign-in: nothing to post.")
    if locked.posted_at is not None:
        raise ValidationError("This letter is already marked posted.")
    locked.posted_at = timezone.now()
    locked.posted_by = actor
    locked.save(update_fields=["posted_at", "posted_by"])
    _audit_complaint(actor, "complaint.letter.post", locked.complaint, response=str(locked.pk))
    resolve(notice_about("complaint.post", locked))
    _refresh(response, locked)
    return locked


def complaint_letter_read(*, user: User, response: ComplaintResponse) -> dict[str, Any]:
    """What the letter of a response to post says, for its PDF; the download is audited. The caller
    got ``response`` through ``access.complaint_letter_get_for``."""
    from confidentiality.practice import current_practice

    complaint = response.complaint
    load_data_keys([complaint.client.data_key_id])
    _audit_complaint(user, "complaint.letter.download", complaint, response=str(response.pk))
    return {
        "practice": current_practice(),
        "complaint": complaint,
        "response": response,
        "final": response.kind == ComplaintResponse.Kind.FINAL,
        "acknowledgement": response.kind == ComplaintResponse.Kind.ACKNOWLEDGEMENT,
        "to": complaint.client.full_name,
        "address": complaint.client.postal_address or "",
        "dated": response.created_at,
        "signed_by": response.author,
    }


# Beyond this many clients a page does not list them all by name (each name is opened with its own
# key, on every view): the client is named another way (from the clients' list, or by an engagement).
CLIENT_CHOICES_MAX = 200


def bounded_clients(user: User, *, named: Any = None) -> list[Any] | None:
    """The clients ``user`` may choose from, their keys loaded, in one query; None where there are
    more than ``CLIENT_CHOICES_MAX``. ``named`` (a client's id): only that client, if visible."""
    from confidentiality.crypto import remember_data_keys

    visible = access.clients_visible_to(user).select_related("data_key", "user").order_by("created_at")
    if named is not None:
        visible = visible.filter(pk=named)
    clients = list(visible[: CLIENT_CHOICES_MAX + 1])
    if len(clients) > CLIENT_CHOICES_MAX:
        return None
    remember_data_keys(c.data_key for c in clients)
    return clients


def client_choices_for(*, user: User, named: Any = None) -> list[tuple[str, str]]:
    """The clients a complaint may be recorded for, by name, saying who has no sign-in; where there are
    too many to list, only the client ``named`` from the clients' list (or none)."""
    clients = bounded_clients(user)
    if clients is None:
        clients = bounded_clients(user, named=named) if named is not None else []
    assert clients is not None
    return [
        (str(c.pk), c.full_name if has_sign_in(c) else f"{c.full_name} (no portal sign-in: answered by post)")
        for c in clients
    ]


def _refresh(stale: Any, fresh: Any) -> None:
    """Give the caller's instance the saved state, without another query."""
    for field in type(fresh)._meta.concrete_fields:
        stale.__dict__[field.attname] = fresh.__dict__[field.attname]


def complaints_for(*, user: User) -> QuerySet[Complaint]:
    """The complaints the user may see, without reading any text (lists are not audited)."""
    return access.complaints_visible_to(user).select_related("engagement").order_by("-lodged_at")


def complaint_read(*, user: User, complaint: Complaint) -> list[ComplaintResponse]:
    """Open a complaint's text and its responses, and audit that it was read."""
    load_data_keys([complaint.client.data_key_id])
    responses = list(complaint.responses.select_related("author", "posted_by").order_by("created_at"))
    for item in responses:
        item.complaint = complaint  # the key path, without a query per response
    _audit_complaint(user, "complaint.read", complaint, responses=len(responses))
    return responses


# --- breaches -------------------------------------------------------------------------------

# The fields a person writes when recording or reporting a breach, with their labels.
REPORT_FIELDS = {
    "what_happened": "What happened",
    "information_involved": "What information was involved",
    "people_affected": "Who was affected",
}
# The fields only the administrator handles afterwards.
HANDLING_TEXT_FIELDS = {
    "containment": "Containment",
    "notification_reason": "The reason for the decision",
    "outcome": "Outcome",
    "disciplinary_follow_up": "Disciplinary follow-up",
}
UPDATABLE_FIELDS = frozenset(
    {
        *REPORT_FIELDS,
        *HANDLING_TEXT_FIELDS,
        "discovered_at",
        "people_affected_count",
        "notification",
        "cause",
        "regulator_notified_at",
        "regulator_reference",
    }
)


def _count(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({"people_affected_count": "The number of people affected is a whole number, 0 or more."})
    return value


@transaction.atomic
def breach_record(
    *,
    actor: User,
    discovered_at: datetime.datetime,
    what_happened: str,
    information_involved: str,
    people_affected: str,
    people_affected_count: int | None = None,
    containment: str = "",
    complaint: Complaint | None = None,
) -> Breach:
    """The administrator records a breach (open); a coach reports a suspected one, which lands in
    the administrator's register to be assessed. The notification clock starts at discovery."""
    if not access.can_report_breach(actor):
        raise Http404
    is_admin = access.can_see_register(actor)
    given = {
        "what_happened": what_happened,
        "information_involved": information_involved,
        "people_affected": people_affected,
    }
    texts = {name: _text(given[name], name, label) for name, label in REPORT_FIELDS.items()}
    containment = _text(containment, "containment", "Containment", required=False)
    discovered_at = _moment(discovered_at, "discovered_at", "When it was discovered")
    count = _count(people_affected_count)
    if complaint is not None:
        if not is_admin:
            raise ValidationError({"complaint": "Only the administrator links a breach to a complaint."})
        complaint = access.complaint_get_for(actor, complaint.pk)
    breach = Breach(
        data_key=data_key_create(purpose="breach"),
        status=Breach.Status.OPEN if is_admin else Breach.Status.SUSPECTED,
        reported_by=actor,
        discovered_at=discovered_at,
        people_affected_count=count,
        containment=containment,
        complaint=complaint,
        **texts,
    )
    breach.full_clean()
    breach.save()
    audit_record(
        actor=actor,
        action="breach.record" if is_admin else "breach.report",
        obj=breach,
        detail={"reference": breach.reference, "complaint": str(complaint.pk) if complaint else None},
    )
    if not is_admin:
        notify(
            users=_admins(),
            text=f"A coach reported a suspected breach of confidentiality ({breach.reference}). "
            f"The notification clock runs from its discovery.",
            link=reverse("complaints:breach_detail", args=[breach.pk]),
        )
    return breach


def _locked_for_change(actor: User, breach: Breach, expected_version: Any) -> Breach:
    if not access.can_handle_breach(actor, breach):
        raise Http404
    locked = Breach.objects.select_for_update().get(pk=breach.pk)
    if locked.status == Breach.Status.CLOSED:
        raise ValidationError("This breach is closed: its record can no longer change.")
    if locked.version != expected_version:
        raise ConflictError(
            "Someone changed this breach since you opened it. Open it again to see their change, then save yours."
        )
    return locked


@transaction.atomic
def breach_update(*, actor: User, breach: Breach, expected_version: int, changes: dict[str, Any]) -> Breach:
    """The administrator records what was done: containment, the decision to notify and why, the
    notification made, the outcome and disciplinary follow-up. All checked before anything is saved."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    locked = _locked_for_change(actor, breach, expected_version)
    load_data_keys([locked.data_key_id])
    clean: dict[str, Any] = {}
    for name, label in REPORT_FIELDS.items():
        if name in changes:
            clean[name] = _text(changes[name], name, label)
    for name, label in HANDLING_TEXT_FIELDS.items():
        if name in changes:
            clean[name] = _text(changes[name], name, label, required=False)
    if "discovered_at" in changes:
        clean["discovered_at"] = _moment(changes["discovered_at"], "discovered_at", "When it was discovered")
    if "people_affected_count" in changes:
        clean["people_affected_count"] = _count(changes["people_affected_count"])
    if "notification" in changes:
        clean["notification"] = _choice(changes["notification"], "notification", Breach.Notification, "a decision")
    if "cause" in changes:
        clean["cause"] = _choice(changes["cause"], "cause", Breach.Cause, "what caused it")
    if "regulator_reference" in changes:
        clean["regulator_reference"] = _text(
            changes["regulator_reference"],
            "regulator_reference",
            "The regulator's reference",
            required=False,
            max_chars=REFERENCE_MAX_CHARS,
        )
    discovered_at = clean.get("discovered_at", locked.discovered_at)
    if "regulator_notified_at" in changes:
        value = changes["regulator_notified_at"]
        clean["regulator_notified_at"] = (
            None
            if value is None
            else _moment(value, "regulator_notified_at", "When the regulator was notified", not_before=discovered_at)
        )
    # Check the record as it would stand after the change, before writing any of it.
    after = {name: clean.get(name, getattr(locked, name)) for name in UPDATABLE_FIELDS}
    notified_at = after["regulator_notified_at"]
    if notified_at is not None and notified_at < discovered_at:
        raise ValidationError({"discovered_at": "The breach cannot be discovered after the regulator was notified."})
    if notified_at is not None and after["notification"] != Breach.Notification.REQUIRED:
        raise ValidationError(
            {"regulator_notified_at": "Record a notification only when the decision is that it must be notified."}
        )
    if after["regulator_reference"] and notified_at is None:
        raise ValidationError(
            {"regulator_reference": "Give the reference together with when the regulator was notified."}
        )
    if after["notification"] == Breach.Notification.NOT_REQUIRED and not after["notification_reason"]:
        raise ValidationError(
            {"notification_reason": "Say why the breach need not be notified: the reasoning must be kept."}
        )
    changed = sorted(name for name, value in clean.items() if getattr(locked, name) != value)
    if not changed:
        return locked
    if "notification" in changed:
        locked.decided_at = None if clean["notification"] == Breach.Notification.UNDECIDED else timezone.now()
    for name in changed:
        setattr(locked, name, clean[name])
    locked.version += 1
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="breach.update", obj=locked, detail={"fields": changed, "version": locked.version})
    _refresh(breach, locked)
    return locked


@transaction.atomic
def breach_confirm(*, actor: User, breach: Breach, expected_version: int) -> Breach:
    """The administrator assesses a coach's report and confirms that it is a breach."""
    locked = _locked_for_change(actor, breach, expected_version)
    if locked.status != Breach.Status.SUSPECTED:
        raise ValidationError("Only a suspected breach can be confirmed.")
    locked.status = Breach.Status.OPEN
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit_record(actor=actor, action="breach.confirm", obj=locked, detail={"version": locked.version})
    _refresh(breach, locked)
    return locked


@transaction.atomic
def breach_close(*, actor: User, breach: Breach, expected_version: int) -> Breach:
    """Close a breach once its record is complete. A suspected breach found not to be one closes
    with its outcome alone; a confirmed one needs containment, the decision to notify (and the
    notification made, or why none was needed), its cause and its outcome; one caused by a member of
    staff, the disciplinary follow-up as well (policy 002)."""
    locked = _locked_for_change(actor, breach, expected_version)
    load_data_keys([locked.data_key_id])
    missing: dict[str, str] = {}
    if not locked.outcome:
        missing["outcome"] = "Record the outcome before closing."
    if locked.status == Breach.Status.OPEN:
        if not locked.containment:
            missing["containment"] = "Record how the breach was contained before closing."
        if locked.notification == Breach.Notification.UNDECIDED:
            missing["notification"] = "Decide whether the regulator must be notified before closing."
        elif locked.notification == Breach.Notification.REQUIRED and (
            locked.regulator_notified_at is None or not locked.regulator_reference
        ):
            missing["regulator_notified_at"] = (
                "Record when the regulator was notified and its reference before closing."
            )
        if locked.cause == Breach.Cause.UNKNOWN:
            missing["cause"] = "Record what caused the breach before closing."
        elif locked.cause == Breach.Cause.STAFF and not locked.disciplinary_follow_up:
            missing["disciplinary_follow_up"] = (
                "A breach caused by a member of staff is dealt with through the disciplinary procedures "
                "(policy 002): record the follow-up before closing."
            )
        letters_missing = _letters_missing(locked)
        if letters_missing:
            missing["letters"] = letters_missing
    if missing:
        raise ValidationError(missing)
    locked.status = Breach.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.version += 1
    locked.save(update_fields=["status", "closed_at", "closed_by", "version"])
    audit_record(actor=actor, action="breach.close", obj=locked, detail={"version": locked.version})
    _refresh(breach, locked)
    return locked


def _letters_missing(breach: Breach) -> str:
    """UK GDPR art. 34: once the decision is to tell the people affected, a breach closes only when
    each has their letter, sent to their portal or posted."""
    communication = BreachCommunication.objects.filter(breach=breach).first()
    if communication is None or not communication.tells:
        return ""
    affected = BreachAffected.objects.filter(breach=breach)
    if not affected.exists():
        return "The decision is to tell the people affected: name them and write to them before closing."
    waiting = affected.filter(Q(letter_produced_at__isnull=True) | Q(sent_at__isnull=True, posted_at__isnull=True))
    if waiting.exists():
        return (
            "The decision is to tell the people affected: each must have their letter, sent to their portal "
            "or posted, before closing."
        )
    return ""


def breaches_for(*, user: User) -> QuerySet[Breach]:
    return access.breaches_visible_to(user).order_by("-discovered_at")


def breach_read(*, user: User, breach: Breach) -> None:
    """Audit that the breach's text was opened; the caller then reads the fields it may show."""
    load_data_keys([breach.data_key_id])
    audit_record(
        actor=user, action="breach.read", obj=breach, detail={"handling": access.can_handle_breach(user, breach)}
    )


def complaint_for_breach(*, user: User, pk: Any) -> Complaint | None:
    """The complaint a new breach record starts from, if the administrator came from one."""
    if not pk or not access.can_see_register(user):
        return None
    try:
        return access.complaint_get_for(user, pk)
    except Http404:
        return None


# --- the register and its deadlines ---------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    kind: str  # "complaint" or "breach"
    item: Complaint | Breach
    opened_at: datetime.datetime
    deadline: str | None
    clock: Clock | None

    @property
    def url(self) -> str:
        name = "complaints:complaint_detail" if self.kind == "complaint" else "complaints:breach_detail"
        return reverse(name, args=[self.item.pk])


REGISTER_FILTERS = ("open", "closed", "all")


def register_for(*, user: User, state: str = "open") -> QuerySet[Any]:
    """Complaints and breaches in one list, newest first, as (kind, id, opened_at) rows.

    One union query, so a page of the register costs the same however long the register is;
    ``register_rows`` then loads the page's records in two queries.
    """
    if not access.can_see_register(user):
        raise Http404
    complaints = access.complaints_visible_to(user)
    breaches = access.breaches_visible_to(user)
    if state == "open":
        complaints = complaints.exclude(status=Complaint.Status.CLOSED)
        breaches = breaches.exclude(status=Breach.Status.CLOSED)
    elif state == "closed":
        complaints = complaints.filter(status=Complaint.Status.CLOSED)
        breaches = breaches.filter(status=Breach.Status.CLOSED)
    first = complaints.order_by().annotate(kind=Value("complaint", CharField()), opened_at=F("lodged_at"))
    second = breaches.order_by().annotate(kind=Value("breach", CharField()), opened_at=F("discovered_at"))
    return (
        first.values("kind", "id", "opened_at").union(second.values("kind", "id", "opened_at")).order_by("-opened_at")
    )


def register_rows(rows: list[dict[str, Any]], now: datetime.datetime | None = None) -> list[RegisterRow]:
    now = now or timezone.now()
    complaints = Complaint.objects.in_bulk([r["id"] for r in rows if r["kind"] == "complaint"])
    breaches = Breach.objects.in_bulk([r["id"] for r in rows if r["kind"] == "breach"])
    result = []
    for row in rows:
        item: Complaint | Breach | None = (complaints if row["kind"] == "complaint" else breaches).get(row["id"])
        if item is None:
            continue
        result.append(_row(row["kind"], item, now))
    return result


def _row(kind: str, item: Complaint | Breach, now: datetime.datetime) -> RegisterRow:
    if isinstance(item, Complaint):
        due = complaint_next_deadline(item)
        opened = item.lodged_at
    else:
        due = breach_next_deadline(item)
        opened = item.discovered_at
    return RegisterRow(
        kind=kind,
        item=item,
        opened_at=opened,
        deadline=due[0] if due else None,
        clock=clock(due[1], now) if due else None,
    )


DASHBOARD_DEADLINES = 20


def deadlines_for(*, user: User, now: datetime.datetime | None = None) -> list[RegisterRow]:
    """Open deadlines for the administrator's dashboard, soonest (or most overdue) first:
    72-hour notification clocks of breaches, and complaints to acknowledge or answer."""
    if not access.can_see_register(user):
        return []
    now = now or timezone.now()
    breaches = (
        access.breaches_visible_to(user)
        .exclude(status=Breach.Status.CLOSED)
        .exclude(notification=Breach.Notification.NOT_REQUIRED)
        .filter(regulator_notified_at__isnull=True)
        .order_by("discovered_at")[:DASHBOARD_DEADLINES]
    )
    complaints = (
        access.complaints_visible_to(user)
        .exclude(status=Complaint.Status.CLOSED)
        .order_by("respond_by")[:DASHBOARD_DEADLINES]
    )
    rows = [_row("breach", b, now) for b in breaches] + [_row("complaint", c, now) for c in complaints]
    rows = [r for r in rows if r.clock is not None]
    rows.sort(key=lambda r: r.clock.due_at if r.clock else now)
    return rows[:DASHBOARD_DEADLINES]
