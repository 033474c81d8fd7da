"""The outbox: every e-mail the practice sends, whatever sends it (``notify``, feedback links,
django-allauth's password resets), is a row first and a delivery later.

- ``settings.EMAIL_BACKEND`` is ``OutboxEmailBackend``: sending stores the message, sealed, in the
  caller's transaction and wakes a worker once it commits. Our own senders (``notify``, feedback
  links) hand their messages over as their write commits, so a write that rolls back tells no one.
- The worker (``outbox_send_task``) delivers it through ``settings.EMAIL_DELIVERY_BACKEND`` (the
  ``EMAIL_BACKEND`` variable: SMTP or a provider's backend in production, files in ``var/mail/`` in
  the embedded default). A send is claimed with a conditional update, so a duplicate wake-up sends
  nothing twice; a worker killed mid-send leaves a claim that goes stale and is taken again (a
  message may then arrive twice, never not at all).
- A failure is kept in the row: the attempt count, the kind of error (its class: an SMTP error's
  message names the recipients) and when to try again, backing off up to
  ``EMAIL_OUTBOX_MAX_ATTEMPTS``. Then the message is *failed*: the administrators are told on their
  dashboard (not by e-mail, which is what is failing), see it on the outbox page and can send it
  again (``outbox_resend``, audited). Nothing drops a message quietly: no ``fail_silently``.
- The broker only wakes workers (the filesystem transport loses a message with a killed worker):
  ``outbox_wake_due`` runs every minute and wakes whatever is due or abandoned.
- Secrets: reset and feedback links are single-use secrets, so recipients, subject and message are
  sealed with the key-encryption keys (the row's id bound in), the message is blanked once
  delivered, sent rows are deleted after ``EMAIL_OUTBOX_KEEP_SENT_DAYS`` (failed ones after
  ``EMAIL_OUTBOX_KEEP_FAILED_DAYS``), and no log line carries
  anything of a message: ids, counts and error classes only.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import smtplib
import traceback
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.mime.base import MIMEBase
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from confidentiality import accounts
from confidentiality.audit import audit_record
from confidentiality.crypto import DecryptionError, kek_id_of_sealed, open_with_kek, seal_with_kek
from confidentiality.models import OutgoingEmail
from confidentiality.notify import about, notify, resolve

if TYPE_CHECKING:
    from confidentiality.accounts import Person
    from confidentiality.models import User

logger = logging.getLogger(__name__)

# A send is bounded by the task's time limit (tasks.py); a claim older than this is a dead worker's.
CLAIM_STALE_AFTER = datetime.timedelta(minutes=10)
# A message just stored is woken by its own commit; the periodic wake-up leaves it that long first.
WAKE_GRACE = datetime.timedelta(seconds=30)
WAKE_BATCH = 200
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 6 * 3600

Status = OutgoingEmail.Status

# A sender marks a message whose recipients the outbox page must not show, with the reason as the
# value: who was asked for feedback is the coach's to know, not the administrator's (access policy:
# "third-party feedback: none" for the administrator). The header is taken off before storing.
HIDE_RECIPIENTS_HEADER = "X-Outbox-Hide-Recipients"


def _purpose(email_id: uuid.UUID, part: str) -> str:
    return f"outbox {part} {email_id}"


def _seal(email_id: uuid.UUID, part: str, value: Any) -> str:
    return seal_with_kek(json.dumps(value), purpose=_purpose(email_id, part))


def _open(email: OutgoingEmail, part: str) -> Any:
    return json.loads(open_with_kek(getattr(email, f"sealed_{part}"), purpose=_purpose(email.id, part)))


_SEALED_PARTS = ("recipients", "subject", "message")


def reseal_under(primary: str) -> int:
    """Seal every waiting message again under the primary key-encryption key (key rotation), so
    that the old key can be retired without losing mail still to be sent. Returns how many."""
    resealed = 0
    with transaction.atomic():
        for email in OutgoingEmail.objects.select_for_update().order_by("pk"):
            stale = [
                part
                for part in _SEALED_PARTS
                if getattr(email, f"sealed_{part}") and kek_id_of_sealed(getattr(email, f"sealed_{part}")) != primary
            ]
            if not stale:
                continue
            for part in stale:
                setattr(email, f"sealed_{part}", _seal(email.id, part, _open(email, part)))
            email.save(update_fields=[f"sealed_{part}" for part in stale])
            resealed += 1
    return resealed


# --- what is kept of a message, and the message made again from it ----------------------------


def _encode(content: str | bytes) -> dict[str, str]:
    if isinstance(content, bytes):
        return {"base64": base64.b64encode(content).decode("ascii")}
    return {"text": content}


def _decode(content: dict[str, str]) -> str | bytes:
    return base64.b64decode(content["base64"]) if "base64" in content else content["text"]


def _hidden_because(message: EmailMessage) -> str | None:
    for name, value in message.extra_headers.items():
        if str(name).lower() == HIDE_RECIPIENTS_HEADER.lower():
            return str(value)
    return None


def _message_fields(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            # Nothing here attaches MIME parts; refusing is better than sending a message without it.
            raise TypeError("The outbox keeps attachments given as (name, content, type), not MIME parts.")
        filename, content, mimetype = attachment
        attachments.append([filename, _encode(content), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "content_subtype": message.content_subtype,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {
            str(k): str(v) for k, v in message.extra_headers.items() if str(k).lower() != HIDE_RECIPIENTS_HEADER.lower()
        },
        "alternatives": [[_encode(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": attachments,
    }


def _message_from(fields: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=fields["subject"],
        body=fields["body"],
        from_email=fields["from_email"],
        to=fields["to"],
        cc=fields["cc"],
        bcc=fields["bcc"],
        reply_to=fields["reply_to"],
        headers=fields["headers"],
    )
    message.content_subtype = fields["content_subtype"]
    for content, mimetype in fields["alternatives"]:
        message.attach_alternative(_decode(content), mimetype)
    for filename, content, mimetype in fields["attachments"]:
        message.attach(filename, _decode(content), mimetype)
    return message


# --- storing ----------------------------------------------------------------------------------


class OutboxEmailBackend(BaseEmailBackend):
    """``settings.EMAIL_BACKEND``: sending a message stores it in the outbox. Storing never fails
    quietly, whatever ``fail_silently`` says: a message that cannot be stored is an error."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        stored = 0
        for message in email_messages:
            if not message.recipients():
                continue
            outbox_store(message=message)
            stored += 1
        return stored


def outbox_store(*, message: EmailMessage) -> OutgoingEmail:
    """Keep one message, sealed, in the caller's transaction (one INSERT); wake a worker when it commits."""
    email = OutgoingEmail(id=uuid.uuid4())
    # The recipients as the outbox page shows them (the message itself holds the real ones).
    hidden = _hidden_because(message)
    shown = [f"hidden: {hidden}"] if hidden else message.recipients()
    email.sealed_recipients = _seal(email.id, "recipients", shown)
    email.sealed_subject = _seal(email.id, "subject", str(message.subject))
    email.sealed_message = _seal(email.id, "message", _message_fields(message))
    email.full_clean(validate_unique=False)  # a fresh random id: no query to ask whether it is taken
    email.save(force_insert=True)
    transaction.on_commit(partial(_wake, email.id))
    return email


def _wake(email_id: uuid.UUID, countdown: int | None = None) -> None:
    from confidentiality.tasks import outbox_send_task

    try:
        outbox_send_task.apply_async((str(email_id),), countdown=countdown)
    except Exception as exc:
        # The row is the truth; the periodic wake-up finds it once the broker is back.
        logger.warning("Could not queue e-mail %s: %s", email_id, type(exc).__name__)


# --- delivering -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    """After the n-th failed attempt: 1, 4, 16, 64, 256 minutes, then every 6 hours."""
    return datetime.timedelta(seconds=min(FIRST_RETRY_SECONDS * 4 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS))


def outbox_deliver(*, email_id: Any) -> bool:
    """Send one message if it is due and nobody else is sending it. Returns whether this call
    delivered it. Idempotent: a duplicate wake-up finds it claimed, sent, failed or not yet due."""
    now = timezone.now()
    claim = uuid.uuid4()
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id)
        .filter(
            Q(status=Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER)
        )
        .update(status=Status.SENDING, claimed_at=now, claim=claim, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    mine = OutgoingEmail.objects.filter(pk=email_id, claim=claim)
    try:
        message = _message_from(_open(email, "message"))
        with get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False) as connection:
            connection.send_messages([message])
    except Exception as exc:
        _failed(email, mine, exc)
        return False
    mine.update(status=Status.SENT, sent_at=timezone.now(), sealed_message="", claimed_at=None, claim=None)
    logger.info("E-mail %s sent (attempt %s)", email.pk, email.attempts)
    return True


def _failed(email: OutgoingEmail, mine: QuerySet[OutgoingEmail], exc: Exception) -> None:
    error = type(exc).__name__[:100]
    # A relay's refusal or a lost connection is expected now and then; anything else is a bug,
    # whose frames (code, not values) are worth a log line. Never the exception's message.
    where = (
        ""
        if isinstance(exc, smtplib.SMTPException | OSError)
        else "\n" + "".join(traceback.format_tb(exc.__traceback__))
    )
    maximum = settings.EMAIL_OUTBOX_MAX_ATTEMPTS
    if email.attempts >= maximum:
        with transaction.atomic():
            if mine.update(status=Status.FAILED, claimed_at=None, claim=None, last_error=error):
                notify(
                    users=accounts.administrators(),
                    text=f"An e-mail could not be sent after {email.attempts} attempts. See it in the outbox.",
                    link=reverse("outbox"),
                    email=False,
                    about=about("email.failed", email),
                )
        logger.error("E-mail %s failed after %s attempts: %s%s", email.pk, email.attempts, error, where)
        return
    delay = retry_delay(email.attempts)
    mine.update(
        status=Status.QUEUED, next_attempt_at=timezone.now() + delay, claimed_at=None, claim=None, last_error=error
    )
    logger.warning(
        "E-mail %s not sent (attempt %s of %s): %s; next attempt in %s s%s",
        email.pk,
        email.attempts,
        maximum,
        error,
        int(delay.total_seconds()),
        where,
    )
    _wake(email.pk, countdown=int(delay.total_seconds()))


def outbox_wake_due(*, now: datetime.datetime | None = None) -> int:
    """Wake a worker for every message that is due, or whose worker died mid-send: the broker
    may have lost its wake-up (a killed worker on the filesystem transport, a broker down)."""
    now = now or timezone.now()
    due = OutgoingEmail.objects.filter(
        Q(status=Status.QUEUED, next_attempt_at__lte=now - WAKE_GRACE)
        | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER)
    ).order_by("next_attempt_at")
    ids = list(due.values_list("pk", flat=True)[:WAKE_BATCH])
    for email_id in ids:
        _wake(email_id)
    return len(ids)


def outbox_purge(*, now: datetime.datetime | None = None) -> int:
    """Sent messages are kept a while for the administrator to see, then deleted: their sealed
    recipients are personal data the practice no longer needs. Failed ones are kept longer, to be
    sent again, but not for ever: the links they carry have long expired by then."""
    now = now or timezone.now()
    sent_before = now - datetime.timedelta(days=settings.EMAIL_OUTBOX_KEEP_SENT_DAYS)
    failed_before = now - datetime.timedelta(days=settings.EMAIL_OUTBOX_KEEP_FAILED_DAYS)
    deleted, _ = OutgoingEmail.objects.filter(
        Q(status=Status.SENT, sent_at__lt=sent_before) | Q(status=Status.FAILED, created_at__lt=failed_before)
    ).delete()
    return deleted


@transaction.atomic
def outbox_resend(*, actor: User, email: OutgoingEmail) -> OutgoingEmail:
    """The administrator sends a failed message again: it starts over, attempts and all."""
    accounts.require_practice_manager(actor)
    locked = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
    if locked.status != Status.FAILED:
        raise ValidationError("Only a message that failed can be sent again.")
    attempts = locked.attempts
    locked.status, locked.attempts, locked.next_attempt_at = Status.QUEUED, 0, timezone.now()
    locked.claimed_at = locked.claim = None
    locked.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "claim"])
    audit_record(actor=actor, action="email.resend", obj=locked, detail={"attempts_before": attempts})
    resolve(about("email.failed", locked))
    transaction.on_commit(partial(_wake, locked.pk))
    return locked


# --- the administrator's page -----------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox page: who and what, never the message itself."""

    id: uuid.UUID
    created_at: datetime.datetime
    recipients: str
    subject: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    next_attempt_at: datetime.datetime
    sent_at: datetime.datetime | None

    @property
    def can_resend(self) -> bool:
        return self.status == Status.FAILED


def outbox_for(*, user: Person, status: str = "") -> QuerySet[OutgoingEmail]:
    """The practice's outgoing e-mail, newest first: the administrator's alone."""
    accounts.require(user, accounts.Capability.MANAGE_PRACTICE)
    emails = OutgoingEmail.objects.defer("sealed_message").order_by("-created_at")
    return emails.filter(status=status) if status in Status.values else emails


def outbox_email_get_for(*, user: Person, pk: Any) -> OutgoingEmail:
    accounts.require(user, accounts.Capability.MANAGE_PRACTICE)
    email = OutgoingEmail.objects.defer("sealed_message").filter(pk=pk).first()
    if email is None:
        raise Http404
    return email


def outbox_entries(emails: Iterable[OutgoingEmail]) -> list[OutboxEntry]:
    entries = []
    for email in emails:
        try:
            recipients, subject = ", ".join(_open(email, "recipients")), str(_open(email, "subject"))
        except DecryptionError:
            # Sealed under a key-encryption key since removed from FIELD_ENCRYPTION_KEYS.
            recipients = subject = "(cannot be opened: its key is no longer configured)"
        entries.append(
            OutboxEntry(
                id=email.id,
                created_at=email.created_at,
                recipients=recipients,
                subject=subject,
                status=email.status,
                status_label=email.get_status_display(),
                attempts=email.attempts,
                last_error=email.last_error,
                next_attempt_at=email.next_attempt_at,
                sent_at=email.sent_at,
            )
        )
    return entries
