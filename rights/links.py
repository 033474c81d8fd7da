"""A single-use download link for a client without a portal sign-in (issue 21).

Such a client is answered by post (``services.subject_access_mark_posted``), or, where the practice
holds their e-mail address, by a link to download the answer once: the outcome letter, or the
released copy.

Policy 003: "no confidential information that is revealed will be shared electronically unless
access to the information can be controlled". An e-mail can be read by others, so the link alone
does not open the answer:

- the download asks for a collection code of eight digits, which the administrator is shown once
  and gives the person another way (telephone, post, in person); it is never in the e-mail;
- the link works once, for ``RIGHTS_ANSWER_LINK_DAYS`` days (and never beyond the copy's own
  download period); ``CODE_ATTEMPTS`` wrong codes spend it, and the administrators are told;
- a new link ends the earlier ones;
- neither link nor code is stored, only their hashes; the opened link's hash, never the link,
  waits in the session while the code is asked (``link_views``), so the address bar, the history
  and any referring page hold no secret after the first request, and ``logredact`` takes the link
  out of every log line.

Sending and collecting are audited against the client, so both show in their access log.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from confidentiality.crypto import load_data_keys
from confidentiality.dates import moment
from confidentiality.notify import about, notify, resolve
from confidentiality.practice import current_practice
from rights import services as sar
from rights.models import AnswerLink, SubjectAccessExport, SubjectAccessRequest

if TYPE_CHECKING:
    from confidentiality.models import User

CODE_ATTEMPTS = 5
CODE_DIGITS = 8
TOKEN_MAX_CHARS = 100


@dataclass(frozen=True)
class SentLink:
    link: AnswerLink
    code: str  # shown once to the administrator, who gives it to the person another way
    token: str  # what the e-mailed link carries; only the tests keep it


@dataclass(frozen=True)
class Collected:
    """What a collection code did: ``link`` is set when it opened the answer; else ``error`` says why."""

    link: AnswerLink | None = None
    error: str = ""
    spent: bool = False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(token: str) -> str:
    return settings.SITE_URL + reverse("subject_access:collect_link", args=[token])


def pretty_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def working_links(request: SubjectAccessRequest) -> Any:
    return AnswerLink.objects.filter(request=request, used_at__isnull=True, ended_at__isnull=True)


def latest_link(request: SubjectAccessRequest) -> AnswerLink | None:
    return AnswerLink.objects.filter(request=request).select_related("created_by").first()


def _released_copy(request: SubjectAccessRequest) -> SubjectAccessExport | None:
    """The copy a link downloads: released, and still inside its download period."""
    export = sar.export_of(request)
    if export is None or export.expires_at is None or export.expires_at <= timezone.now():
        return None
    return export


def why_not(request: SubjectAccessRequest) -> str:
    """Why no link can be sent for this request now ("" when one can)."""
    if not request.by_post:
        return "This requester receives the answer through their sign-in."
    if request.is_open:
        return "The request is not answered yet: there is nothing to send."
    if request.posted_at is not None:
        return "The answer was already posted to them."
    if not sar.has_letter(request) and _released_copy(request) is None:
        return "The copy's download period is over: ask for a new copy to be made, or post it."
    if request.client is None or not (request.client.contact_email or "").strip():
        return "The practice holds no e-mail address for this client: post the answer instead."
    return ""


@transaction.atomic
def answer_link_send(*, actor: User, request: SubjectAccessRequest) -> SentLink:
    """E-mail a single-use link to the client's address on file; return the collection code once."""
    sar._require_runner(actor)
    locked = sar._locked(request)
    if locked.client is not None:
        load_data_keys([locked.client.data_key_id])
    reason = why_not(locked)
    if reason:
        raise ValidationError(reason)
    client = locked.client
    assert client is not None  # why_not: a client's request
    now = timezone.now()
    expires = now + datetime.timedelta(days=settings.RIGHTS_ANSWER_LINK_DAYS)
    copy = None if sar.has_letter(locked) else _released_copy(locked)
    if copy is not None and copy.expires_at is not None:
        expires = min(expires, copy.expires_at)
    working_links(locked).update(ended_at=now, ended_because="A newer link was sent.")
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    link = AnswerLink.objects.create(
        request=locked,
        token_hash=hash_token(token),
        code_hash=make_password(code),
        created_by=actor,
        created_at=now,
        expires_at=expires,
    )
    sar._audit(actor, "subject_access.link_sent", locked, obj=link, expires=expires.isoformat())
    context = {
        "practice_name": current_practice().name,
        "name": client.full_name,
        "reference": locked.reference,
        "what": "your copy" if copy is not None else "the practice's letter",
        "link": link_for(token),
        "expires": moment(expires),
        "attempts": CODE_ATTEMPTS,
    }
    address = client.contact_email.strip()
    subject = render_to_string("email/answer_link_subject.txt", context).strip()
    text = render_to_string("email/answer_link_message.txt", context)
    html = render_to_string("email/answer_link_message.html", context)

    def send() -> None:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach_alternative(html, "text/html")
        message.send()

    # Handed to the outbox as the write commits: a link that rolls back is never sent.
    transaction.on_commit(send)
    sar._refresh(request, locked)
    return SentLink(link=link, code=code, token=token)


def link_by_hash(token_hash: str, *, for_update: bool = False) -> AnswerLink | None:
    """The link with this hash, only while it works: not used, not ended, not expired, its request
    still answered. Every failure looks the same, so a guessed link learns nothing."""
    if not token_hash or len(token_hash) != 64:
        return None
    links = AnswerLink.objects.select_related("request", "request__client")
    if for_update:
        links = links.select_for_update(of=("self",))
    link = links.filter(token_hash=token_hash).first()
    if link is None or link.used_at is not None or link.ended_at is not None or link.expires_at <= timezone.now():
        return None
    if link.request.is_open or (not sar.has_letter(link.request) and _released_copy(link.request) is None):
        return None
    return link


def link_by_token(token: str) -> AnswerLink | None:
    if not token or len(token) > TOKEN_MAX_CHARS:
        return None
    return link_by_hash(hash_token(token))


def _digits(code: Any) -> str:
    """The code's digits, as ASCII: typed with spaces or dashes, or as another script's digits (full
    width, as some keyboards type them), the same code is the same code."""
    if not isinstance(code, str):
        return ""
    return "".join(str(unicodedata.decimal(ch)) for ch in code if ch.isdecimal())


@transaction.atomic
def answer_link_collect(*, token_hash: str, code: Any) -> Collected:
    """Check the collection code. Right, the link is spent and returned: the caller hands over the
    answer. Wrong, the failure is counted (and kept: nothing is raised, so it commits); the last
    wrong code spends the link and tells the administrators."""
    link = link_by_hash(token_hash, for_update=True)
    if link is None:
        return Collected(error="This link no longer works.", spent=True)
    request = link.request
    digits = _digits(code)
    if len(digits) != CODE_DIGITS or not check_password(digits, link.code_hash):
        link.failed_codes += 1
        left = CODE_ATTEMPTS - link.failed_codes
        if left > 0:
            link.save(update_fields=["failed_codes"])
            return Collected(
                error=f"That is not the collection code. Check it and try again ({left} "
                f"{'try' if left == 1 else 'tries'} left)."
            )
        link.ended_at = timezone.now()
        link.ended_because = "Too many wrong collection codes."
        link.save(update_fields=["failed_codes", "ended_at", "ended_because"])
        sar._audit(None, "subject_access.link_spent", request, obj=link, failed_codes=link.failed_codes)
        notify(
            users=sar._admins(),
            text=f"Request {request.reference}: the download link was spent by {CODE_ATTEMPTS} wrong collection "
            "codes. If the client asks, send a new link, or post the answer.",
            link=sar._link(request),
            about=about("subject_access.post", request),
        )
        return Collected(error="That code was wrong too many times: this link no longer works.", spent=True)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    sar._audit(None, "subject_access.link_download", request, obj=link)
    resolve(about("subject_access.post", request))
    return Collected(link=link)
