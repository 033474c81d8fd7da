"""Subject-access requests: opening one, its deadline, extension, refusal, and the copy's life.

Policy 002: everyone whose data the practice holds is "made aware of their right of access to
their records"; policy 000: "Organisations can access any information held on them by Comas
at any time". UK GDPR art. 12(3): the answer is due "without undue delay and in any event
within one month of receipt", extendable "by two further months where necessary", provided the
requester is told of the extension, with the reasons, within the first month.

The life of a request: received → in progress (the copy is being built) → ready (the
administrator checks its contents page: counts, never content) → completed (released to the
requester, downloadable for ``SUBJECT_ACCESS_DOWNLOAD_DAYS``), or refused with a reason.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import traceback
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

import access
from confidentiality.audit import audit_record
from confidentiality.crypto import data_key_create, data_key_destroy, remember_data_keys
from confidentiality.dates import RECEIVED_BACKDATE_DAYS, day, moment, received_day
from confidentiality.notify import about, notify, resolve
from confidentiality.roles import Role
from rights import exports
from rights.models import OPEN_SUBJECT_ACCESS_STATES, ReceivedBy, Right, SubjectAccessExport, SubjectAccessRequest

if TYPE_CHECKING:
    from confidentiality.models import User

logger = logging.getLogger(__name__)

State = SubjectAccessRequest.State
EXPORT_KEY_PURPOSE = "subject_access_export"
REASON_MAX_CHARS = 500
REFUSAL_MAX_CHARS = 1000
MAX_EXTENSION_MONTHS = 2
# How far back the administrator may date a request that arrived by letter or telephone.
MAX_BACKDATE_DAYS = RECEIVED_BACKDATE_DAYS
DUE_SOON_DAYS = 7
DETAILS_MAX_CHARS = 4000
OUTCOME_MAX_CHARS = 4000
EVIDENCE_MAX_CHARS = 1000
# The rights whose request must say what it is about: which information, and why.
NEEDS_DETAILS = (Right.RECTIFICATION, Right.ERASURE, Right.RESTRICTION, Right.OBJECTION)
DETAILS_ASKED = {
    Right.RECTIFICATION: "Say which information is wrong or incomplete, and what it should say.",
    Right.ERASURE: "Say which information you want deleted, and why.",
    Right.RESTRICTION: "Say which information you want kept but not used, and why.",
    Right.OBJECTION: "Say which use of your information you object to, and why.",
}
# The client's details a correction may change, with the label the pages and the letter give them.
CORRECTABLE = {
    "full_name": "Name",
    "contact_email": "Contact e-mail",
    "phone": "Telephone",
    "postal_address": "Postal address",
}


class ExportUnavailable(Exception):
    """The copy cannot be downloaded now; the message says why, for the requester."""

    def __init__(self, message: str, *, gone: bool) -> None:
        super().__init__(message)
        self.gone = gone


# --- dates ----------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the month's last day when it has no such day (31 January
    → 28 or 29 February), as the regulator counts "one month"."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(received_on: datetime.date) -> datetime.date:
    return add_months(received_on, 1)


def deadline_after_extension(received_on: datetime.date, months: int) -> datetime.date:
    return add_months(received_on, 1 + months)


def is_overdue(request: SubjectAccessRequest, today: datetime.date | None = None) -> bool:
    """Overdue the day after the deadline; answered on the deadline day is in time."""
    today = today or timezone.localdate()
    return request.is_open and today > request.deadline_on


def days_left(request: SubjectAccessRequest, today: datetime.date | None = None) -> int:
    return (request.deadline_on - (today or timezone.localdate())).days


# --- who is told ------------------------------------------------------------------------------


def _admins() -> list[Any]:
    return access.administrators()


def _link(request: SubjectAccessRequest) -> str:
    return reverse("subject_access:detail", args=[request.pk])


def _audit(actor: User | None, action: str, request: SubjectAccessRequest, obj: Any = None, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else request,
        client_id=request.client_id,
        detail={"request": str(request.pk), **detail},
    )


def _tell_requester(request: SubjectAccessRequest, *, text: str, link: str, about_key: str = "") -> None:
    """The requester, through their sign-in. A client without one is answered by post: the
    administrators are asked to post it, until someone marks it posted (``subject_access_mark_posted``)."""
    if request.requester is not None:
        notify(users=[request.requester], text=text, link=link, about=about_key)
        return
    notify(
        users=_admins(),
        text=f"Request {request.reference}: the client has no portal sign-in, so tell them by post (the request's "
        "page gives the letter or the copy to send), then mark it posted.",
        link=_link(request),
        about=about("subject_access.post", request),
    )


def _require_runner(actor: User) -> None:
    if not access.can_run_subject_access(actor):
        raise PermissionDenied("Only the practice administrator can do this.")


def _locked(request: SubjectAccessRequest) -> SubjectAccessRequest:
    return (
        SubjectAccessRequest.objects.select_for_update(of=("self",))
        .select_related("client", "organisation")
        .get(pk=request.pk)
    )


def _refresh(stale: SubjectAccessRequest, fresh: SubjectAccessRequest) -> SubjectAccessRequest:
    stale.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return fresh


# --- opening --------------------------------------------------------------------------------


@transaction.atomic
def subject_access_request_open(
    *,
    actor: User,
    client: Any = None,
    organisation: Any = None,
    requester: User | None = None,
    received_on: datetime.date | None = None,
    right: str = Right.ACCESS,
    details: str = "",
    received_by: str | None = None,
    evidence: str = "",
) -> SubjectAccessRequest:
    """Open a request: a client for themselves, a sponsor contact for their organisation, or
    the administrator on behalf of either (dated when it actually arrived). ``right``: access
    (a copy) for anyone; the other rights are a client's, and say what they are about (``details``)."""
    from engagements.models import SponsorContact

    role = access.role_of(actor)
    today = timezone.localdate()
    how: str = ReceivedBy.PORTAL  # the administrator says otherwise, below
    right, details = _checked_right(right, details, organisation=organisation, role=role)
    if role == Role.CLIENT:
        own = access.client_record_of(actor)
        if own is None or organisation is not None or (client is not None and client.pk != own.pk):
            raise PermissionDenied("You can ask for a copy of your own information only.")
        client, requester, received_on = own, actor, today
    elif role == Role.SPONSOR:
        mine = access.sponsor_organisations_of(actor)
        if client is not None:
            raise PermissionDenied("A contact can ask for their organisation's information only.")
        if organisation is None:
            organisation = mine.first() if mine.count() == 1 else None
            if organisation is None:
                raise ValidationError({"organisation": "Choose your organisation."})
        elif not mine.filter(pk=organisation.pk).exists():
            raise PermissionDenied("A contact can ask for their organisation's information only.")
        requester, received_on = actor, today
    elif role == Role.ADMIN:
        if (client is None) == (organisation is None):
            raise ValidationError("Choose either a client or an organisation.")
        received_on = received_day(received_on, what="request")
        # What the administrator records arrived otherwise than through the portal.
        how = received_by or ReceivedBy.POST
        if how not in ReceivedBy.values or how == ReceivedBy.PORTAL:
            raise ValidationError({"received_by": "Say how the request reached the practice."})
        if client is not None:
            # Policy 003: nothing confidential leaves by e-mail. A client with a sign-in receives the
            # answer behind it; one without is answered by post, once the practice has checked who
            # asked (the evidence says how).
            evidence = (evidence or "").strip() if isinstance(evidence, str) else ""
            if client.user is not None and client.user.is_active:
                requester = client.user
            else:
                requester = None
                evidence = _required_text(
                    evidence,
                    field="evidence",
                    most=EVIDENCE_MAX_CHARS,
                    asked="This client has no portal sign-in, so the answer goes by post: say how the request "
                    "arrived and how you checked it is from them",
                )
            if len(evidence) > EVIDENCE_MAX_CHARS:
                raise ValidationError({"evidence": f"At most {EVIDENCE_MAX_CHARS} characters."})
        else:
            if (
                requester is None
                or not SponsorContact.objects.filter(
                    organisation=organisation, user=requester, active=True, user__is_active=True
                ).exists()
            ):
                raise ValidationError(
                    {"requester": "Name the organisation's contact who asked: they receive the copy."}
                )
    else:
        raise PermissionDenied("You cannot ask for a copy here.")

    # One open request per subject even when two arrive at the same moment: both wait on the
    # subject's row, and the second sees the first's request.
    subject_row = client if client is not None else organisation
    type(subject_row).objects.select_for_update().filter(pk=subject_row.pk).exists()
    # An organisation's copy is its contact's (it holds the engagements they are on): one open per contact.
    subject = Q(client=client) if client is not None else Q(organisation=organisation, requester=requester)
    already = SubjectAccessRequest.objects.select_for_update().filter(
        subject, right=right, state__in=OPEN_SUBJECT_ACCESS_STATES
    )
    existing = already.first()
    if existing is not None and right == Right.ACCESS:
        raise ValidationError(
            f"Request {existing.reference} for the same information is still open (answer due by "
            f"{day(existing.deadline_on)}); it will include everything held when the copy is made."
        )
    if existing is not None:
        raise ValidationError(
            f"Request {existing.reference} under the same right is still open (answer due by "
            f"{day(existing.deadline_on)}). Add to it by writing to the practice; it is answered as a whole."
        )
    due = due_date(received_on)
    request = SubjectAccessRequest(
        subject_kind=SubjectAccessRequest.Subject.CLIENT
        if client is not None
        else SubjectAccessRequest.Subject.ORGANISATION,
        client=client,
        organisation=organisation,
        requester=requester,
        opened_by=actor,
        received_on=received_on,
        due_on=due,
        deadline_on=due,
        right=right,
        details=details or None,
        received_by=how,
        # Only the administrator records how identity was checked, and only for a client.
        evidence=evidence or None if role == Role.ADMIN and client is not None else None,
    )
    request.full_clean()
    request.save(force_insert=True)
    _audit(
        actor,
        "subject_access.open",
        request,
        on_behalf=role == Role.ADMIN,
        right=right,
        received_by=request.received_by,
    )
    if role == Role.ADMIN:
        _tell_requester(
            request,
            text=f"The practice recorded your request {request.reference} "
            + (
                "for a copy of your information."
                if right == Right.ACCESS
                else f"under your right of {request.right_name}."
            ),
            link=_link(request),
        )
    else:
        kind = "Subject-access request" if right == Right.ACCESS else f"Request ({request.right_name})"
        notify(
            users=_admins(),
            text=f"{kind} {request.reference} received: answer due by {day(due)}.",
            link=_link(request),
            about=about("subject_access.answer", request),
        )
    return request


def _required_text(value: Any, *, field: str, most: int, asked: str) -> str:
    """What the requester will read: given, and no longer than ``most`` characters; else refused on ``field``."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text or len(text) > most:
        raise ValidationError({field: f"{asked} (the requester reads it), in up to {most} characters."})
    return text


def _checked_right(right: Any, details: Any, *, organisation: Any, role: Role | None) -> tuple[Right, str]:
    if right not in Right.values:
        raise ValidationError({"right": "Choose one of the rights listed."})
    right = Right(right)
    for_organisation = organisation is not None or role == Role.SPONSOR
    if right != Right.ACCESS and for_organisation:
        raise ValidationError(
            {"right": "An organisation may ask for a copy of its information; the other rights are a person's own."}
        )
    details = (details or "").strip() if isinstance(details, str) else ""
    if details and for_organisation:
        # What a person asks is kept encrypted under their own key; an organisation has none, and
        # its copy needs no explanation.
        raise ValidationError(
            {"details": "An organisation's request for a copy needs no details: leave the box empty."}
        )
    if len(details) > DETAILS_MAX_CHARS:
        raise ValidationError({"details": f"Say it in up to {DETAILS_MAX_CHARS} characters."})
    if right in NEEDS_DETAILS and not details:
        raise ValidationError({"details": DETAILS_ASKED[right]})
    return right, details


# --- answering the other rights ---------------------------------------------------------------


@transaction.atomic
def rectification_apply(*, actor: User, request: SubjectAccessRequest, corrected: dict[str, str]) -> list[str]:
    """Correct the client's details as their correction request asks: each changed detail's earlier
    value is kept, encrypted under the client's key, on the request (and in their copy); the audit
    names the details changed, never a value. Returns the labels of what changed."""
    import json

    from django.core.validators import validate_email

    from confidentiality.crypto import UNREADABLE_REFUSAL, Unreadable
    from engagements.models import Client

    _require_runner(actor)
    locked = _locked(request)
    if locked.right != Right.RECTIFICATION or not locked.is_open:
        raise ValidationError("Only an open request for a correction changes a client's details.")
    assert locked.client_id is not None  # a correction is a client's (the table's constraint)
    client = Client.objects.select_for_update().get(pk=locked.client_id)
    changes: dict[str, str] = {}
    for field in CORRECTABLE:
        new = (corrected.get(field) or "").strip()
        current = getattr(client, field)
        if isinstance(current, Unreadable):
            raise ValidationError(UNREADABLE_REFUSAL)
        if new != (current or ""):
            changes[field] = new
    if not changes:
        raise ValidationError("These are the details already held: nothing was changed.")
    if "full_name" in changes and not changes["full_name"]:
        raise ValidationError({"full_name": "A client has a name: give the corrected one."})
    if changes.get("contact_email"):
        try:
            validate_email(changes["contact_email"])
        except ValidationError:
            raise ValidationError({"contact_email": "Give an e-mail address, such as name@example.org."}) from None
    if any(len(value) > (500 if field == "postal_address" else 200) for field, value in changes.items()):
        raise ValidationError("Each detail fits in 200 characters, a postal address in 500.")
    earlier = json.loads(locked.earlier_values) if locked.earlier_values else {}
    now = timezone.now()
    for field, new in changes.items():
        earlier.setdefault(field, []).append({"value": getattr(client, field) or "", "replaced_at": now.isoformat()})
        setattr(client, field, new)
    client.save(update_fields=list(changes))
    locked.earlier_values = json.dumps(earlier)
    locked.state = State.IN_PROGRESS
    locked.save(update_fields=["earlier_values", "state"])
    _audit(actor, "rights.rectification.apply", locked, fields=sorted(changes))
    return [CORRECTABLE[field] for field in changes]


def earlier_values_of(request: SubjectAccessRequest) -> list[tuple[str, str, str]]:
    """(label, earlier value, replaced at) of each correction made for ``request``, oldest first."""
    import json

    if not request.earlier_values:
        return []
    rows = [
        (CORRECTABLE.get(field, field), entry["value"], entry["replaced_at"])
        for field, entries in json.loads(request.earlier_values).items()
        for entry in entries
    ]
    return sorted(rows, key=lambda row: row[2])


def corrected_labels(request: SubjectAccessRequest) -> list[str]:
    """The details corrected for ``request`` (each once), as the letter and the API name them."""
    return sorted({label for label, _value, _when in earlier_values_of(request)})


@transaction.atomic
def right_answer(*, actor: User, request: SubjectAccessRequest, outcome: str) -> SubjectAccessRequest:
    """Answer a request under a right other than access (access is answered by releasing the copy):
    what the practice did, which the requester reads in the outcome letter, with their right to
    complain to the regulator."""
    _require_runner(actor)
    locked = _locked(request)
    if locked.makes_a_copy:
        raise ValidationError("A request for a copy, or for portability, is answered by releasing its file.")
    if not locked.is_open:
        raise ValidationError("This request is already closed.")
    outcome = _required_text(outcome, field="outcome", most=OUTCOME_MAX_CHARS, asked="Say what the practice did")
    locked.state = State.COMPLETED
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    if locked.right == Right.ERASURE:
        # Answering an erasure carries it out, in this transaction: the answer can never say
        # "deleted" of what is still there. The letter adds what went, what stays and why.
        locked.save(update_fields=["state", "answered_at", "answered_by"])
        carried_out = import_string(settings.RIGHTS_ERASER)(actor=actor, request=locked)
        outcome = f"{outcome}\n\n{carried_out}"
    locked.outcome = outcome
    locked.save(update_fields=["state", "outcome", "answered_at", "answered_by"])
    _audit(actor, "rights.answer", locked, right=locked.right)
    resolve(about("subject_access.answer", locked))
    _tell_requester(
        locked,
        text=f"The practice has answered your request {locked.reference}. Sign in to read its letter.",
        link=_link(locked),
    )
    return _refresh(request, locked)


# --- restriction and objection: processing paused until lifted (arts. 18, 21) ---------------------

PAUSES = (Right.RESTRICTION, Right.OBJECTION)


def restriction_of(request: SubjectAccessRequest) -> Any:
    """The restriction placed for this request, standing or lifted, if any."""
    from engagements.models import ProcessingRestriction

    if request.right not in PAUSES or request.client_id is None:
        return None
    return ProcessingRestriction.objects.filter(
        client_id=request.client_id, request_reference=request.reference
    ).first()


@transaction.atomic
def restriction_place(*, actor: User, request: SubjectAccessRequest, reason: str) -> Any:
    """Pause the processing of the client's records while their restriction (or objection) is
    considered or stands: every engagement of theirs is kept and not used until lifted."""
    from engagements.restrictions import processing_restrict

    _require_runner(actor)
    locked = _locked(request)
    if locked.right not in PAUSES or locked.client is None:
        raise ValidationError("Processing is paused for a request to restrict it, or an objection.")
    if not locked.is_open:
        raise ValidationError("This request is already closed: pause processing before answering it.")
    if restriction_of(locked) is not None:
        raise ValidationError("Processing was already paused for this request.")
    restriction = processing_restrict(
        actor=actor, client=locked.client, right=locked.right, request_reference=locked.reference, reason=reason
    )
    _tell_requester(
        locked,
        text=f"Processing of your information is paused, as you asked ({locked.reference}).",
        link=_link(locked),
    )
    return restriction


@transaction.atomic
def restriction_lift(*, actor: User, request: SubjectAccessRequest, reason: str) -> Any:
    """Lift it; the client is told, with the reason (art. 18(3))."""
    from engagements.restrictions import processing_lift

    _require_runner(actor)
    locked = _locked(request)
    restriction = restriction_of(locked)
    if restriction is None:
        raise ValidationError("Processing was not paused for this request.")
    lifted = processing_lift(actor=actor, restriction=restriction, reason=reason)
    _tell_requester(
        locked,
        text=f"The restriction you asked for ({locked.reference}) is lifted. Sign in to read why.",
        link=_link(locked),
    )
    return lifted


@transaction.atomic
def subject_access_mark_posted(*, actor: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """The answer to a client without a portal sign-in went by post: the letter, or the copy."""
    _require_runner(actor)
    locked = _locked(request)
    if not locked.by_post:
        raise ValidationError("This requester receives the answer through their sign-in.")
    if locked.is_open:
        raise ValidationError("The request is not answered yet: there is nothing to post.")
    if locked.posted_at is not None:
        raise ValidationError("The answer was already marked posted.")
    locked.posted_at = timezone.now()
    locked.posted_by = actor
    locked.save(update_fields=["posted_at", "posted_by"])
    _audit(actor, "subject_access.posted", locked)
    resolve(about("subject_access.post", locked))
    return _refresh(request, locked)


def letter_context(request: SubjectAccessRequest) -> dict[str, Any]:
    """What the outcome letter says. The caller loads the client's key and audits the download."""
    refused = request.state == State.REFUSED
    return {
        "sar": request,
        # An organisation's request always has its contact (a check constraint).
        "to": request.client.full_name
        if request.client is not None
        else request.requester.display_name or request.requester.email,  # type: ignore[union-attr]
        "refused": refused,
        "dated": request.refused_at if refused else request.answered_at,
        "signed_by": request.refused_by if refused else request.answered_by,
        "corrected": corrected_labels(request),
    }


def has_letter(request: SubjectAccessRequest) -> bool:
    """An outcome letter exists once a request under another right is answered, or any request refused."""
    return request.state == State.REFUSED or (request.state == State.COMPLETED and not request.makes_a_copy)


# --- extension and refusal --------------------------------------------------------------------


@transaction.atomic
def subject_access_extend(
    *, actor: User, request: SubjectAccessRequest, months: int, reason: str
) -> SubjectAccessRequest:
    """Extend by up to two further months in all; the requester is told, with the reason, and
    only within the first month (after it, the request is already late)."""
    _require_runner(actor)
    locked = _locked(request)
    if not locked.is_open:
        raise ValidationError("This request is closed: its deadline no longer applies.")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValidationError({"months": "Extend by one or two months."})
    if months <= locked.extension_months:
        raise ValidationError({"months": f"The deadline is already extended by {locked.extension_months} month(s)."})
    reason = _required_text(reason, field="reason", most=REASON_MAX_CHARS, asked="Say why more time is needed")
    today = timezone.localdate()
    if today > locked.due_on:
        raise ValidationError(
            f"An extension must be notified within one month of receipt, by {day(locked.due_on)}. That date has passed."
        )
    now = timezone.now()
    locked.extension_months = months
    locked.extension_reason = reason
    locked.extended_at = now
    locked.extended_by = actor
    locked.deadline_on = deadline_after_extension(locked.received_on, months)
    locked.extension_notified_at = now
    locked.full_clean()
    locked.save(
        update_fields=[
            "extension_months",
            "extension_reason",
            "extended_at",
            "extended_by",
            "deadline_on",
            "extension_notified_at",
        ]
    )
    _audit(actor, "subject_access.extend", locked, months=months)
    # A link only: the reason is read behind sign-in (policy 003).
    _tell_requester(
        locked,
        text=f"The practice needs more time for your request {locked.reference}: it is now due by "
        f"{day(locked.deadline_on)}. Sign in to read why.",
        link=_link(locked),
    )
    return _refresh(request, locked)


@transaction.atomic
def subject_access_refuse(*, actor: User, request: SubjectAccessRequest, reason: str) -> SubjectAccessRequest:
    """Refuse, with the reason the requester reads (they may complain about it)."""
    _require_runner(actor)
    locked = _locked(request)
    if not locked.is_open:
        raise ValidationError("This request is already closed.")
    reason = _required_text(reason, field="reason", most=REFUSAL_MAX_CHARS, asked="Give the reason for refusing")
    locked.state = State.REFUSED
    if locked.client_id is not None:
        locked.refusal = reason
    else:
        locked.refusal_reason = reason
    locked.refused_at = timezone.now()
    locked.refused_by = actor
    locked.save(update_fields=["state", "refusal", "refusal_reason", "refused_at", "refused_by"])
    export = SubjectAccessExport.objects.filter(request=locked).first()
    if export is not None:
        _delete_export(export)
    _audit(actor, "subject_access.refuse", locked)
    resolve(about("subject_access.answer", locked))
    resolve(about("subject_access.release", locked))
    _tell_requester(
        locked,
        text=f"The practice has answered your request {locked.reference}. Sign in to read the answer.",
        link=_link(locked),
    )
    return _refresh(request, locked)


# --- the export -------------------------------------------------------------------------------


def _send(export_id: Any) -> None:
    from rights.tasks import subject_access_export_task

    try:
        subject_access_export_task.delay(str(export_id))
    except Exception as exc:
        # The row is the truth; the periodic re-queue sends the job again once the broker is back.
        logger.warning("Could not queue subject-access export %s: %s", export_id, type(exc).__name__)


def _enqueue(export_id: Any) -> None:
    transaction.on_commit(lambda: _send(export_id))


@transaction.atomic
def subject_access_export_start(*, actor: User, request: SubjectAccessRequest) -> SubjectAccessExport:
    """Queue the copy to be built in the background. Starting again after a failure retries."""
    _require_runner(actor)
    locked = _locked(request)
    if not locked.makes_a_copy:
        raise ValidationError(f"A request for {locked.right_name} is answered with a letter, not a copy.")
    if locked.state not in (State.RECEIVED, State.IN_PROGRESS):
        raise ValidationError("The copy of this request is already made, or the request is closed.")
    export = SubjectAccessExport.objects.select_for_update().filter(request=locked).first()
    if export is not None and export.state != SubjectAccessExport.State.FAILED:
        raise ValidationError("The copy is already being made.")
    if export is None:
        export = SubjectAccessExport(request=locked, data_key=data_key_create(purpose=EXPORT_KEY_PURPOSE))
        export.save(force_insert=True)
    else:
        SubjectAccessExport.objects.filter(pk=export.pk).update(
            state=SubjectAccessExport.State.QUEUED, claimed_at=None, claim=None, progress=0, step="", error=""
        )
    locked.state = State.IN_PROGRESS
    locked.save(update_fields=["state"])
    _audit(actor, "subject_access.export_start", locked, obj=export)
    _enqueue(export.pk)
    _refresh(request, locked)
    return export


def stale_claim_before(now: datetime.datetime) -> datetime.datetime:
    """A claim older than the longest a task may run belongs to a worker that died."""
    return now - datetime.timedelta(seconds=int(settings.CELERY_TASK_TIME_LIMIT) + 60)


def export_build(*, export_id: Any) -> bool:
    """Build the copy: claim the job, write the sealed ZIP, mark it built. Idempotent: a second
    run, or a duplicate message, finds the claim taken or the copy built and does nothing.
    Returns whether this call built it."""
    now = timezone.now()
    claim = uuid.uuid4()
    claimed = (
        SubjectAccessExport.objects.filter(
            pk=export_id, state__in=[SubjectAccessExport.State.QUEUED, SubjectAccessExport.State.BUILDING]
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale_claim_before(now)))
        .update(
            claimed_at=now,
            claim=claim,
            state=SubjectAccessExport.State.BUILDING,
            attempts=F("attempts") + 1,
            progress=0,
            step="Starting",
        )
    )
    if not claimed:
        return False
    export = SubjectAccessExport.objects.select_related(
        "request__client__user", "request__organisation", "request__requester"
    ).get(pk=export_id)
    mine = SubjectAccessExport.objects.filter(pk=export.pk, claim=claim)
    last = {"percent": 0}

    def progress(percent: int, step: str) -> None:
        percent = max(0, min(99, percent))
        if percent != last["percent"]:
            last["percent"] = percent
            mine.update(progress=percent, step=step[:80])

    blob_name = exports.blob_name_for(export, claim)
    try:
        built = exports.build(export.request, export, blob_name=blob_name, progress=progress)
    except Exception as exc:
        # Ids, the kind of failure and where it happened; not its message, which could carry content.
        logger.error(
            "Subject-access export %s failed: %s\n%s",
            export.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        _delete_blob(blob_name)
        with transaction.atomic():
            if mine.update(state=SubjectAccessExport.State.FAILED, error=type(exc).__name__[:200], step="Failed"):
                notify(
                    users=_admins(),
                    text=f"Making the copy for subject-access request {export.request.reference} failed. "
                    "Try again from its page.",
                    link=_link(export.request),
                )
        return False
    with transaction.atomic():
        done = mine.update(
            state=SubjectAccessExport.State.BUILT,
            progress=100,
            step="Done",
            blob_name=built.blob_name,
            size=built.size,
            sha256=built.sha256,
            manifest=built.manifest,
            finished_at=timezone.now(),
        )
        if not done:
            # Another attempt took the job over (or the request was refused): its copy is kept.
            transaction.on_commit(lambda: _delete_blob(built.blob_name))
            return False
        request = export.request
        SubjectAccessRequest.objects.filter(pk=request.pk, state=State.IN_PROGRESS).update(state=State.READY)
        _audit(None, "subject_access.export_built", request, obj=export, files=built.manifest["files"])
        notify(
            users=_admins(),
            text=f"The copy for subject-access request {request.reference} is ready for you to check and release.",
            link=_link(request),
            about=about("subject_access.release", request),
        )
    return True


# --- reviewing the copy before it is released ----------------------------------------------------

REDACTION_PHRASE_MAX_CHARS = 200


def _finished_copy(
    request: SubjectAccessRequest, export: SubjectAccessExport | None, *, to: str
) -> SubjectAccessExport:
    """The copy, built and waiting for the administrator to read it, then release it; else refused."""
    if request.state != State.READY or export is None or export.state != SubjectAccessExport.State.BUILT:
        raise ValidationError(f"There is no finished copy to {to}.")
    return export


def copy_for_review(*, actor: User, request: SubjectAccessRequest) -> dict[str, Any]:
    """The built copy's contents as the requester will read them (its information.json), for the
    administrator to read before releasing it; the read is audited in the client's access log."""
    import json
    import tempfile
    import zipfile

    from rights.exports import iter_plaintext

    _require_runner(actor)
    request = SubjectAccessRequest.objects.select_related("client").get(pk=request.pk)
    export = _finished_copy(request, export_of(request), to="read")
    name = "your-data.json" if request.right == Right.PORTABILITY else "information.json"
    # The ZIP, documents and all, goes to a temporary file a chunk at a time (it is deleted on
    # closing): only its text is read into memory, however many files the copy holds.
    with tempfile.TemporaryFile() as spool:
        for chunk in iter_plaintext(export):
            spool.write(chunk)
        spool.seek(0)
        with zipfile.ZipFile(spool) as archive:
            document = json.loads(archive.read(name))
            # The copy's own entries (README, JSON, the PDF's volumes) are at the top; the documents
            # are in folders.
            files = [n for n in archive.namelist() if "/" in n]
    SubjectAccessExport.objects.filter(pk=export.pk).update(reviewed_at=timezone.now(), reviewed_by=actor)
    _audit(actor, "subject_access.review_read", request, obj=export)
    return {"document": document, "files": files}


@transaction.atomic
def redaction_add(*, actor: User, request: SubjectAccessRequest, phrase: str, reason: str) -> Any:
    """Withhold a third party's details from a client's copy, with the reason the law allows it; the
    copy is made again without them, to be read again before it is released."""
    from rights.models import Redaction

    _require_runner(actor)
    locked = _withholding_from(request)
    phrase = _required_text(phrase, field="phrase", most=REDACTION_PHRASE_MAX_CHARS, asked="Give the words to withhold")
    if len(phrase) < 3:
        raise ValidationError({"phrase": "Give at least three characters: a name, an address, a number."})
    reason = _required_text(reason, field="reason", most=300, asked="Say why the law allows withholding it")
    redaction = Redaction(request=locked, phrase=phrase, reason=reason, created_by=actor)
    redaction.save(force_insert=True)
    _audit(actor, "subject_access.redact", locked, obj=redaction)
    _make_again(actor, locked)
    return redaction


def _withholding_from(request: SubjectAccessRequest) -> SubjectAccessRequest:
    """The request, locked, while its client's copy may still have something withheld from it."""
    locked = _locked(request)
    if not locked.makes_a_copy or locked.client_id is None:
        raise ValidationError("Details are withheld from a client's copy only.")
    if locked.state not in (State.IN_PROGRESS, State.READY):
        raise ValidationError("Details are withheld before the copy is released.")
    return locked


def _make_again(actor: User, locked: SubjectAccessRequest) -> None:
    """Something was withheld: the copy is made again, to be read again before release."""
    export = SubjectAccessExport.objects.select_for_update().filter(request=locked).first()
    if export is not None:
        # Built, failed, or still being made from the list before this one: made again. A worker
        # still building finds its job gone when it finishes, and discards what it made.
        _delete_export(export)
        locked.state = State.IN_PROGRESS
        locked.save(update_fields=["state"])
        subject_access_export_start(actor=actor, request=locked)


@transaction.atomic
def file_withhold(*, actor: User, request: SubjectAccessRequest, document_id: Any, reason: str) -> Any:
    """Withhold a whole file from a client's copy, with the reason the law allows it (a document
    mostly about someone else, legally privileged advice): the copy lists it as withheld, and why,
    and leaves it out. The copy is made again, to be read again before it is released."""
    from engagements.models import Document
    from rights.models import WithheldFile

    _require_runner(actor)
    locked = _withholding_from(request)
    try:
        document_id = uuid.UUID(str(document_id))
    except ValueError:
        raise ValidationError({"document": "Choose a file in the copy."}) from None
    in_copy = Document.objects.filter(pk=document_id, engagement__client=locked.client, shared_with_client=True)
    if not in_copy.exists():
        raise ValidationError({"document": "Choose a file in the copy."})
    if WithheldFile.objects.filter(request=locked, document_id=document_id).exists():
        raise ValidationError({"document": "This file is already withheld."})
    reason = _required_text(reason, field="reason", most=300, asked="Say why the law allows withholding it")
    withheld = WithheldFile.objects.create(request=locked, document_id=document_id, reason=reason, created_by=actor)
    _audit(actor, "subject_access.withhold_file", locked, obj=withheld, document=str(document_id))
    _make_again(actor, locked)
    return withheld


@transaction.atomic
def subject_access_release(*, actor: User, request: SubjectAccessRequest, reviewed: bool) -> SubjectAccessRequest:
    """Release the checked copy to the requester, who can download it for the set number of days.
    It must have been read (``copy_for_review`` records who read it, and when), and ``reviewed``:
    the administrator confirms they withheld what the law allows."""
    _require_runner(actor)
    locked = _locked(request)
    export = _finished_copy(
        locked, SubjectAccessExport.objects.select_for_update().filter(request=locked).first(), to="release"
    )
    if export.reviewed_at is None or not reviewed:
        raise ValidationError(
            "Read the copy first, and withhold what the law allows (someone else's details): then confirm it."
        )
    now = timezone.now()
    export.expires_at = now + datetime.timedelta(days=settings.SUBJECT_ACCESS_DOWNLOAD_DAYS)
    export.save(update_fields=["expires_at"])
    locked.state = State.COMPLETED
    locked.released_at = now
    locked.save(update_fields=["state", "released_at"])
    _audit(actor, "subject_access.release", locked, obj=export)
    resolve(about("subject_access.answer", locked))
    resolve(about("subject_access.release", locked))
    _tell_requester(
        locked,
        text=f"Your copy for request {locked.reference} is ready. Download it by "
        f"{moment(export.expires_at)}; it is deleted after that.",
        link=_link(locked),
        about_key=about("subject_access.download", locked),
    )
    return _refresh(request, locked)


def export_of(request: SubjectAccessRequest) -> SubjectAccessExport | None:
    return SubjectAccessExport.objects.filter(request=request).first()


@transaction.atomic
def export_download(*, actor: User, request: SubjectAccessRequest) -> SubjectAccessExport:
    """The released copy, for its requester only (the client, or the contact named on the request),
    within the download period. Each download is audited. Raises Http404 for anyone else."""
    from django.http import Http404

    if not access.can_download_subject_access_export(actor, request):
        raise Http404
    try:
        # Loaded with the request by ``access.subject_access_request_get_for``, with its key.
        export: SubjectAccessExport | None = request.export
    except SubjectAccessExport.DoesNotExist:
        export = None
    if request.state != State.COMPLETED:
        raise ExportUnavailable("The copy has not been released yet.", gone=False)
    if export is None or export.expires_at is None or export.expires_at <= timezone.now():
        raise ExportUnavailable(
            f"The copy could be downloaded for {settings.SUBJECT_ACCESS_DOWNLOAD_DAYS} days after it was released; "
            "that time is over and it has been deleted. You may ask for a new copy.",
            gone=True,
        )
    _audit(actor, "subject_access.download", request, obj=export, bytes=export.size)
    resolve(about("subject_access.download", request), users=[actor])
    remember_data_keys([export.data_key])  # the stream decrypts with it: not read a second time
    return export


def download_name(request: SubjectAccessRequest) -> str:
    if request.right == Right.PORTABILITY:
        return f"your-data-{request.reference}.zip"
    return f"information-{request.reference}.zip"


# --- deleting copies ----------------------------------------------------------------------------


def _delete_blob(name: str) -> None:
    from django.core.files.storage import default_storage

    if name:
        default_storage.delete(name)


def _delete_export(export: SubjectAccessExport, *, blob_after_commit: bool = True) -> None:
    """Row, key and blob. Once the key is gone, any copy of the blob (a backup) is unreadable."""
    from django.core.files.storage import default_storage

    blob_name, key_id = export.blob_name, export.data_key_id
    resolve(about("subject_access.download", export.request_id))  # nothing is left to download
    export.delete()
    data_key_destroy(key_id=key_id)
    if not blob_name:
        return
    if blob_after_commit:
        transaction.on_commit(lambda: default_storage.delete(blob_name))
    else:
        default_storage.delete(blob_name)


def purge_expired_exports(now: datetime.datetime) -> int:
    """Delete every copy whose download period ended: blob, row and data key. Returns how many.

    Also crypto-shreds export keys and deletes stored copies whose row is gone (a retention sweep
    deleted the request with its client or organisation), so nothing of a copy outlives it.
    """
    from django.core.files.storage import default_storage

    from confidentiality.models import DataKey

    purged = 0
    unreleased_before = now - datetime.timedelta(days=settings.SUBJECT_ACCESS_UNRELEASED_DAYS)
    while True:
        batch = list(
            SubjectAccessExport.objects.filter(
                Q(expires_at__lte=now)
                | Q(expires_at__isnull=True, state=SubjectAccessExport.State.BUILT, finished_at__lte=unreleased_before)
            )
            .select_related("request")
            .order_by("pk")[:100]
        )
        if not batch:
            break
        for export in batch:
            with transaction.atomic():
                request = export.request
                # The blob goes at once: the copy has expired, whatever becomes of this transaction.
                _delete_export(export, blob_after_commit=False)
                if export.expires_at is None:
                    _unreleased_copy_deleted(request, export)
                else:
                    _audit(None, "subject_access.export_purged", request, export=str(export.pk))
            purged += 1
    orphans = DataKey.objects.filter(purpose=EXPORT_KEY_PURPOSE).exclude(
        id__in=SubjectAccessExport.objects.values("data_key_id")
    )
    for key_id in list(orphans.values_list("id", flat=True)):
        data_key_destroy(key_id=key_id)
    try:
        _folders, names = default_storage.listdir("subject-access")
    except (FileNotFoundError, NotImplementedError):
        names = []
    if names:
        kept = set(SubjectAccessExport.objects.exclude(blob_name="").values_list("blob_name", flat=True))
        for name in names:
            path = f"subject-access/{name}"
            if path not in kept and not _being_written(path):
                default_storage.delete(path)
    return purged


def _unreleased_copy_deleted(request: SubjectAccessRequest, export: SubjectAccessExport) -> None:
    """The request goes back to waiting for its copy, and the administrators are told."""
    SubjectAccessRequest.objects.filter(pk=request.pk, state=State.READY).update(state=State.IN_PROGRESS)
    _audit(None, "subject_access.export_purged_unreleased", request, export=str(export.pk))
    resolve(about("subject_access.release", request))  # this notice replaces it
    notify(
        users=_admins(),
        text=f"The copy for subject-access request {request.reference} was not released within "
        f"{settings.SUBJECT_ACCESS_UNRELEASED_DAYS} days and has been deleted. Make it again to release it.",
        link=_link(request),
    )


def _being_written(path: str) -> bool:
    """A copy stored moments ago whose row is not yet marked built: leave it to its worker."""
    return (
        SubjectAccessExport.objects.filter(
            state__in=[SubjectAccessExport.State.QUEUED, SubjectAccessExport.State.BUILDING]
        )
        .filter(id__in=[_export_id_of(path)])
        .exists()
    )


def _export_id_of(path: str) -> Any:
    stem = path.rsplit("/", 1)[-1].split(".", 1)[0].split("-", 1)[0]
    try:
        return uuid.UUID(hex=stem)
    except ValueError:
        return uuid.UUID(int=0)


def requeue_stale_exports(now: datetime.datetime | None = None) -> int:
    """The broker only wakes workers: a message lost with a killed worker is sent again here."""
    now = now or timezone.now()
    stale = SubjectAccessExport.objects.filter(
        Q(state=SubjectAccessExport.State.BUILDING, claimed_at__lt=stale_claim_before(now))
        | Q(state=SubjectAccessExport.State.QUEUED, created_at__lt=now - datetime.timedelta(minutes=5))
    )
    ids = list(stale.values_list("pk", flat=True)[:100])
    for export_id in ids:
        _send(export_id)
    return len(ids)


# --- reads ------------------------------------------------------------------------------------

REGISTER_FILTERS = {
    "open": "Open",
    "overdue": "Overdue",
    "closed": "Completed or refused",
    "all": "All",
}


def requests_for(
    *, user: User, state: str = "all", today: datetime.date | None = None
) -> QuerySet[SubjectAccessRequest]:
    today = today or timezone.localdate()
    found = access.subject_access_requests_visible_to(user).select_related("client", "organisation", "export")
    if state == "open":
        found = found.filter(state__in=OPEN_SUBJECT_ACCESS_STATES)
    elif state == "overdue":
        found = found.filter(state__in=OPEN_SUBJECT_ACCESS_STATES, deadline_on__lt=today)
    elif state == "closed":
        found = found.exclude(state__in=OPEN_SUBJECT_ACCESS_STATES)
    if state in ("open", "overdue"):
        return found.order_by("deadline_on", "created_at")
    return found.order_by("-received_on", "-created_at")


@dataclass(frozen=True)
class DeadlineRow:
    request: SubjectAccessRequest
    overdue: bool
    days: int

    @property
    def label(self) -> str:
        if self.overdue:
            return f"overdue by {-self.days} day{'s' if self.days != -1 else ''}"
        if self.days == 0:
            return "due today"
        return f"{self.days} day{'s' if self.days != 1 else ''} left"


def deadline_rows(requests: list[SubjectAccessRequest], today: datetime.date | None = None) -> list[DeadlineRow]:
    today = today or timezone.localdate()
    return [DeadlineRow(r, is_overdue(r, today), days_left(r, today)) for r in requests]


def dashboard_deadlines_for(*, user: User, today: datetime.date | None = None) -> list[DeadlineRow]:
    """The administrator's dashboard: open requests overdue or due within a week, soonest first."""
    if not access.can_run_subject_access(user):
        return []
    today = today or timezone.localdate()
    rows = (
        access.subject_access_requests_visible_to(user)
        .filter(state__in=OPEN_SUBJECT_ACCESS_STATES, deadline_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
        .order_by("deadline_on", "created_at")[:20]
    )
    return deadline_rows(list(rows), today)


def subject_label(request: SubjectAccessRequest) -> str:
    """How the register names the subject. A client's name is decrypted for the administrator only."""
    if request.subject_kind == SubjectAccessRequest.Subject.ORGANISATION:
        return request.organisation.name if request.organisation else "An organisation"
    return request.client.full_name if request.client else "A client"
