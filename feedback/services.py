"""Feedback from others, at the anonymity the agreement settled (policies 003 and 004).

The coach asks a named person, or several people of one kind, through single-use links
that expire. Only a hash of each link's secret is stored. A source answers without an
account, after reading the confidentiality terms they are under. The client sees nothing
until the coach shares it, and then only at the agreed level:

- ``by_name``: each answer with its source's name (or their kind, when none was given);
- ``by_category``: each answer under the kind of person only;
- ``unidentified``: answers with nothing about who gave them.

Where sources are not named, an answer is shown word for word only when at least
``FEEDBACK_MINIMUM_SOURCES`` people answered, so that a lone source cannot be singled out;
below that the client sees the coach's summary and nothing else.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.audit import audit_engagement_event
from confidentiality.dates import day_in_words
from confidentiality.notify import notify
from confidentiality.outbox import HIDE_RECIPIENTS_HEADER
from confidentiality.practice import practice_subject
from consent.models import FeedbackAnonymity
from consent.services import current_agreement, require_work_allowed
from engagements.models import Engagement
from engagements.services import ConflictError
from feedback.models import (
    FeedbackRequest,
    FeedbackSource,
    FeedbackSourceCategory,
    UnsolicitedFeedback,
    UnsolicitedSourceCategory,
)

if TYPE_CHECKING:
    from confidentiality.models import User

PROMPT_MAX_CHARS = 5_000
ANSWER_MAX_CHARS = 10_000
SUMMARY_MAX_CHARS = 10_000
MAX_SOURCES = 20


@dataclass(frozen=True)
class NewSource:
    email: str
    name: str = ""


@dataclass
class ClientView:
    """What the client may see of one request: nothing more is ever computed for them."""

    request: FeedbackRequest
    summary: str
    answers: list[tuple[str, str]] = field(default_factory=list)  # (source as shown, answer)
    withheld_reason: str = ""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(token: str) -> str:
    return settings.SITE_URL + reverse("feedback:feedback_give", args=[token])


def minimum_sources() -> int:
    return int(settings.FEEDBACK_MINIMUM_SOURCES)


# --- the coach ---------------------------------------------------------------------------


def _require_coach(actor: User, engagement: Engagement) -> None:
    if not access.can_write_confidential(actor, engagement):
        raise PermissionDenied("Only a coach on this engagement can ask for feedback.")


def _clean_sources(kind: str, sources: list[NewSource]) -> list[NewSource]:
    cleaned: list[NewSource] = []
    seen: set[str] = set()
    for source in sources:
        email, name = source.email.strip(), source.name.strip()
        if not email and not name:
            continue
        if not email:
            raise ValidationError({"sources": "Give an e-mail address for every person, so they receive their link."})
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"sources": "One of the e-mail addresses is not valid."}) from None
        if email.lower() in seen:
            raise ValidationError({"sources": "The same e-mail address is given twice."})
        if len(name) > 200 or len(email) > 254:
            raise ValidationError({"sources": "A name has at most 200 characters, an e-mail address 254."})
        seen.add(email.lower())
        cleaned.append(NewSource(email=email, name=name))
    if kind == FeedbackRequest.Kind.NAMED:
        if len(cleaned) != 1 or not cleaned[0].name:
            raise ValidationError({"sources": "A request to a named person names exactly one person, with an e-mail."})
    elif not cleaned:
        raise ValidationError({"sources": "Give at least one person to ask."})
    if len(cleaned) > MAX_SOURCES:
        raise ValidationError({"sources": f"Ask at most {MAX_SOURCES} people in one request."})
    return cleaned


@transaction.atomic
def feedback_request_create(
    *,
    actor: User,
    engagement: Engagement,
    kind: str,
    source_category: str,
    prompt: str,
    sources: list[NewSource],
    days: int | None = None,
) -> tuple[FeedbackRequest, list[tuple[FeedbackSource, str]]]:
    """Make the request and one link per person; e-mail each person their link (after commit).

    Returns the request and each source with its link. The links are never stored and
    cannot be shown again; a lost link is replaced by asking again.
    """
    _require_coach(actor, engagement)
    require_work_allowed(engagement, "feedback requests")
    if kind not in FeedbackRequest.Kind.values:
        raise ValidationError({"kind": "Choose a named person or people of one kind."})
    if source_category not in FeedbackSourceCategory.values:
        raise ValidationError({"source_category": "Choose what kind of person is asked."})
    prompt = prompt.strip()
    if not prompt or len(prompt) > PROMPT_MAX_CHARS:
        raise ValidationError({"prompt": f"Write what you ask, in up to {PROMPT_MAX_CHARS:,} characters."})
    days = settings.FEEDBACK_LINK_DAYS if days is None else days
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise ValidationError({"days": "A link may work for 1 to 90 days."})
    cleaned = _clean_sources(kind, sources)
    agreement = current_agreement(engagement)
    assert agreement is not None  # require_work_allowed passed
    expires_at = timezone.now() + datetime.timedelta(days=days)
    request = FeedbackRequest.objects.create(
        engagement=engagement,
        kind=kind,
        source_category=source_category,
        anonymity=agreement.feedback_anonymity,
        prompt=prompt,
        expires_at=expires_at,
        created_by=actor,
    )
    issued: list[tuple[FeedbackSource, str]] = []
    for new in cleaned:
        token = secrets.token_urlsafe(32)
        source = FeedbackSource.objects.create(
            request=request,
            engagement=engagement,
            name=new.name,
            email=new.email,
            token_hash=hash_token(token),
            expires_at=expires_at,
        )
        issued.append((source, token))
        # Handed to the outbox (sealed there: the link is a secret) as the request commits. Its page
        # does not show the administrator who was asked: a source is known to the coach alone.
        message = EmailMessage(
            practice_subject("a request for your feedback"),
            "A coach at our practice has asked for your feedback. The page behind this link says who "
            "will see what you write, and how it is protected, before you answer.\n\n"
            f"{link_for(token)}\n\nThe link works once, until {day_in_words(timezone.localtime(expires_at))}.\n",
            settings.DEFAULT_FROM_EMAIL,
            [new.email],
            headers={HIDE_RECIPIENTS_HEADER: "a person asked for feedback"},
        )
        transaction.on_commit(message.send)
    audit_engagement_event(actor, "feedback.request", engagement, request, sources=len(issued))
    return request, issued


def _locked(request: FeedbackRequest) -> FeedbackRequest:
    return FeedbackRequest.objects.select_for_update().get(pk=request.pk)


def answered_count(request: FeedbackRequest) -> int:
    return request.sources.filter(answered_at__isnull=False).count()


def verbatim_allowed(request: FeedbackRequest, answered: int | None = None) -> bool:
    """Answers are shown word for word only by name, or when enough people answered to hide each one."""
    if request.anonymity == FeedbackAnonymity.BY_NAME:
        return True
    return (answered_count(request) if answered is None else answered) >= minimum_sources()


@transaction.atomic
def feedback_share(
    *, actor: User, request: FeedbackRequest, expected_version: int, summary: str, presentation: str, share: bool
) -> FeedbackRequest:
    """Save the coach's summary and, with ``share``, show the feedback to the client.

    Refused when someone changed it since the coach read it, when word-for-word answers would
    single out a source, or when there is nothing to show.
    """
    _require_coach(actor, request.engagement)
    if share:
        require_work_allowed(request.engagement, "shares with the client")
    locked = _locked(request)
    if locked.version != expected_version:
        raise ConflictError(
            "The summary changed since you opened it (someone else saved it). Nothing was saved; "
            "reload the page to see the current text."
        )
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX_CHARS:
        raise ValidationError({"summary": f"A summary has at most {SUMMARY_MAX_CHARS:,} characters."})
    if presentation not in FeedbackRequest.Presentation.values:
        raise ValidationError({"presentation": "Choose how the client sees the feedback."})
    answered = answered_count(locked)
    if share:
        if answered == 0:
            raise ValidationError("Nobody has answered yet, so there is nothing to share.")
        if not summary:
            raise ValidationError({"summary": "Write the summary the client will read before sharing."})
        if presentation == FeedbackRequest.Presentation.VERBATIM and not verbatim_allowed(locked, answered):
            raise ValidationError(
                {
                    "presentation": f"Only {answered} of the people asked answered. Under the agreed anonymity, "
                    f"fewer than {minimum_sources()} answers are shown only as your summary, so that no one "
                    "can be singled out. Share the summary alone."
                }
            )
    locked.summary = summary
    locked.presentation = presentation
    locked.version += 1
    was_shared = locked.shared_at is not None
    if share:
        # The client sees the answers the coach had when sharing; a later answer waits for the
        # coach to share again, so it cannot be spotted as "the new one" and tied to its source.
        locked.shared_at = timezone.now()
    locked.save(update_fields=["summary", "presentation", "version", "shared_at"])
    audit_engagement_event(actor, "feedback.share" if share else "feedback.summary", locked.engagement, locked)
    client_user = locked.engagement.client.user
    if share and not was_shared and client_user is not None:
        notify(
            users=[client_user],
            text="Your coach has shared feedback from others with you.",
            link=reverse("feedback:feedback_detail", args=[locked.pk]),
        )
    return locked


# --- the client ----------------------------------------------------------------------------


def source_label(request: FeedbackRequest, source: FeedbackSource) -> str:
    """Who the client is told an answer came from: exactly the agreed level, never more."""
    if request.anonymity == FeedbackAnonymity.BY_NAME:
        return source.name or request.get_source_category_display()
    if request.anonymity == FeedbackAnonymity.BY_CATEGORY:
        return request.get_source_category_display()
    return "A person asked for feedback"


def client_view(request: FeedbackRequest) -> ClientView:
    """The one place that decides what a client sees of feedback: pages, the API and exports use it."""
    view = ClientView(request=request, summary=request.summary)
    if request.shared_at is None:
        view.withheld_reason = "Not shared yet."
        return view
    answered = list(request.sources.filter(answered_at__isnull=False, answered_at__lte=request.shared_at))
    if request.presentation != FeedbackRequest.Presentation.VERBATIM:
        view.withheld_reason = "Your coach shares this feedback as a summary."
        return view
    if not verbatim_allowed(request, len(answered)):
        view.withheld_reason = (
            "Too few people answered for their words to be shown without identifying them, "
            "so you see your coach's summary."
        )
        return view
    # Sorted by text, not by time, so the order says nothing about who answered when.
    view.answers = sorted(((source_label(request, s), s.answer) for s in answered), key=lambda pair: pair[1])
    return view


def client_label(request: FeedbackRequest) -> str:
    """How a request is named in the client's list: its kind of person only when that is agreed."""
    if request.anonymity == FeedbackAnonymity.UNIDENTIFIED:
        return "Feedback from others"
    return f"Feedback: {request.get_source_category_display()}"


@dataclass
class FeedbackRow:
    request: FeedbackRequest
    title: str  # the kind of person asked, for the coaches; ``client_label`` for the client
    label: str  # the title, and for the coaches how it was asked (named or anonymous)
    asked: int
    answered: int


def feedback_rows_for(*, user: User, engagement: Engagement, limit: int | None = None) -> list[FeedbackRow]:
    """The engagement's feedback requests as the person may see them listed (the page and the API),
    newest first: two queries however many."""
    is_coach = access.can_see_all_feedback(user, engagement)
    found = access.feedback_requests_visible_to(user, engagement).prefetch_related("sources")
    rows = []
    for request in found[:limit] if limit is not None else found:
        sources = list(request.sources.all())
        title = request.get_source_category_display() if is_coach else client_label(request)
        rows.append(
            FeedbackRow(
                request=request,
                title=title,
                label=f"{title} ({request.get_kind_display().lower()})" if is_coach else title,
                asked=len(sources),
                answered=sum(1 for source in sources if source.answered_at),
            )
        )
    return rows


# --- the source (no account) ---------------------------------------------------------------


def source_for_token(token: str, *, for_update: bool = False) -> FeedbackSource | None:
    """The source a link belongs to, only while it works: not answered, not expired, engagement open.

    Every failure looks the same to the caller, so a guessed link learns nothing.
    """
    if not token or len(token) > 100:
        return None
    sources = FeedbackSource.objects.select_related("request", "engagement")
    if for_update:
        sources = sources.select_for_update()
    source = sources.filter(token_hash=hash_token(token)).first()
    if source is None or source.answered_at is not None or source.expires_at <= timezone.now():
        return None
    if source.engagement.status == Engagement.Status.CLOSED:
        return None
    if source.engagement.paused_for_consent or source.engagement.restricted:
        # The client withdrew consent to the practice holding their information, or restricted or
        # objected to its use (arts. 18, 21): nothing more about them is taken in, so the link stops
        # working until they give it again or the restriction is lifted.
        return None
    return source


@transaction.atomic
def feedback_answer(*, token: str, answer: str) -> FeedbackSource:
    """Record an answer through a link, once. A used, expired or unknown link changes nothing."""
    source = source_for_token(token, for_update=True)
    if source is None:
        raise PermissionDenied("This link does not work.")
    answer = answer.strip()
    if not answer or len(answer) > ANSWER_MAX_CHARS:
        raise ValidationError({"answer": f"Write your feedback, in up to {ANSWER_MAX_CHARS:,} characters."})
    source.answer = answer
    source.answered_at = timezone.now()
    source.save(update_fields=["answer", "answered_at"])
    audit_engagement_event(None, "feedback.answer", source.engagement, source.request)
    coaches = [m.user for m in source.engagement.members.filter(kind="coach").select_related("user")]
    notify(
        users=coaches,
        text="Someone answered a feedback request.",
        link=reverse("feedback:feedback_detail", args=[source.request_id]),
    )
    return source


def terms_for(request: FeedbackRequest) -> list[str]:
    """The confidentiality terms the source is under, in plain words (policy 003)."""
    minimum = minimum_sources()
    if request.anonymity == FeedbackAnonymity.BY_NAME:
        shown = "The person being coached may read what you write, with your name."
    elif request.anonymity == FeedbackAnonymity.BY_CATEGORY:
        shown = (
            f"The person being coached may read what you write, described only as "
            f"'{request.get_source_category_display()}', never by name. If fewer than {minimum} people answer, "
            "they see only the coach's summary, so that your words cannot be traced to you."
        )
    else:
        shown = (
            "The person being coached may read what you write, with nothing that says who wrote it. "
            f"If fewer than {minimum} people answer, they see only the coach's summary."
        )
    return [
        "Your answer goes to the coach, who keeps it confidential.",
        shown,
        "Nobody at the organisation that pays for the coaching sees your answer or learns whether you answered.",
        "Your answer is stored encrypted and deleted with the coaching files, two years after the coaching ends.",
        "You need not answer. This link works once, and only until it expires.",
    ]


# --- unsolicited feedback --------------------------------------------------------------------
#
# Policy 003: "From time to time, I may receive unsolicited (unrequested) feedback, often anonymously,
# from members of the client's systems … I will promptly share this feedback with my clients verbatim
# or in summary form, identifying the source by category of person or specific name (if allowed and
# available)." The coach records it as it arrives, under the anonymity the agreement settled; it stays
# on the coach's dashboard until shared; the client reads it once shared; the sponsor never.

UNSOLICITED_MAX_CHARS = 10_000
SOURCE_NAME_MAX_CHARS = 200
UNIDENTIFIED_UNSOLICITED = "Someone who gave feedback without being asked"


def unsolicited_share_days() -> int:
    """The days the coach has to share it, as the practice sets them (Settings)."""
    from confidentiality.practice import current_practice

    return current_practice().unsolicited_share_days


@transaction.atomic
def unsolicited_feedback_record(
    *,
    actor: User,
    engagement: Engagement,
    source_category: str,
    source_name: str = "",
    presentation: str,
    text: str,
    received_on: datetime.date,
) -> UnsolicitedFeedback:
    """Record feedback nobody asked for, as it arrived; it is due to the client ``unsolicited_share_days``
    after today. A name is kept only where the agreement reports feedback by name: elsewhere it is
    refused, not dropped, so the coach knows it was not kept."""
    if not access.can_write_confidential(actor, engagement):
        raise PermissionDenied("Only a coach on this engagement can record feedback about the client.")
    require_work_allowed(engagement, "feedback")
    agreement = current_agreement(engagement)
    assert agreement is not None  # require_work_allowed passed
    errors: dict[str, str] = {}
    if source_category not in UnsolicitedSourceCategory.values:
        errors["source_category"] = "Choose what kind of person it came from."
    source_name = (source_name or "").strip()
    if source_name and agreement.feedback_anonymity != FeedbackAnonymity.BY_NAME:
        errors["source_name"] = (
            "The agreement does not allow naming the people feedback comes from, so no name is kept: "
            "record the kind of person only."
        )
    elif len(source_name) > SOURCE_NAME_MAX_CHARS:
        errors["source_name"] = f"A name has at most {SOURCE_NAME_MAX_CHARS} characters."
    if presentation not in UnsolicitedFeedback.Presentation.values:
        errors["presentation"] = "Say whether this is the feedback word for word or your summary of it."
    text = (text or "").strip()
    if not text or len(text) > UNSOLICITED_MAX_CHARS:
        errors["text"] = f"Write the feedback, in up to {UNSOLICITED_MAX_CHARS:,} characters."
    today = timezone.localdate()
    if not isinstance(received_on, datetime.date):
        errors["received_on"] = "Give the day it reached you."
    elif received_on > today:
        errors["received_on"] = "The day it reached you cannot be in the future."
    if errors:
        raise ValidationError(errors)
    item = UnsolicitedFeedback(
        engagement=engagement,
        source_category=source_category,
        source_name=source_name,
        anonymity=agreement.feedback_anonymity,
        presentation=presentation,
        text=text,
        received_on=received_on,
        share_by=today + datetime.timedelta(days=unsolicited_share_days()),
        recorded_by=actor,
    )
    item.full_clean()
    item.save(force_insert=True)
    audit_engagement_event(actor, "feedback.unsolicited.record", engagement, item)
    return item


@transaction.atomic
def unsolicited_feedback_share(*, actor: User, feedback: UnsolicitedFeedback) -> UnsolicitedFeedback:
    """Show it to the client, once, at the anonymity it was recorded under; the client is told (no text)."""
    if not access.can_write_confidential(actor, feedback.engagement):
        raise PermissionDenied("Only a coach on this engagement can share feedback with the client.")
    require_work_allowed(feedback.engagement, "shares with the client")
    locked = UnsolicitedFeedback.objects.select_for_update().select_related("engagement").get(pk=feedback.pk)
    if locked.shared_at is not None:
        raise ValidationError("This feedback was already shared with the client.")
    locked.shared_at = timezone.now()
    locked.save(update_fields=["shared_at"])
    audit_engagement_event(actor, "feedback.unsolicited.share", locked.engagement, locked)
    client_user = locked.engagement.client.user
    if client_user is not None:
        notify(
            users=[client_user],
            text="Your coach has shared feedback someone gave about you.",
            link=reverse("feedback:unsolicited_detail", args=[locked.pk]),
        )
    return locked


def unsolicited_source_label(feedback: UnsolicitedFeedback) -> str:
    """Who the client is told it came from: exactly the agreed level, never more."""
    if feedback.anonymity == FeedbackAnonymity.BY_NAME and feedback.source_name:
        return str(feedback.source_name)
    if feedback.anonymity in (FeedbackAnonymity.BY_NAME, FeedbackAnonymity.BY_CATEGORY):
        return feedback.get_source_category_display()
    return UNIDENTIFIED_UNSOLICITED


def unsolicited_list_label(feedback: UnsolicitedFeedback, *, is_coach: bool) -> str:
    """How an item is named in a list, without decrypting anything: the kind of person, for the
    coaches, or for the client where the agreement lets the kind be said."""
    if is_coach or feedback.anonymity != FeedbackAnonymity.UNIDENTIFIED:
        return feedback.get_source_category_display()
    return UNIDENTIFIED_UNSOLICITED


@dataclass
class UnsolicitedToShare:
    feedback: UnsolicitedFeedback
    overdue: bool


DASHBOARD_UNSOLICITED = 50


def unsolicited_to_share_for(*, user: User) -> list[UnsolicitedToShare]:
    """The coach's unshared unsolicited feedback, soonest due first: one query however many."""
    today = timezone.localdate()
    found = (
        access.unsolicited_feedback_to_share_for(user)
        .select_related("engagement")
        .defer("text", "source_name")  # the dashboard names it; its words stay on its page
        .order_by("share_by", "recorded_at")
    )
    return [UnsolicitedToShare(item, item.share_by < today) for item in found[:DASHBOARD_UNSOLICITED]]
