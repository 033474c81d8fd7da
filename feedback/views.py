"""Pages for feedback from others: the coach asks and summarises, the client reads at the agreed
anonymity, and a source answers through a single-use link without an account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

import access
from confidentiality.audit import audit_engagement_event
from confidentiality.crypto import load_data_keys
from consent.models import FeedbackAnonymity
from consent.services import current_agreement, work_blockers
from feedback import services as feedback_services
from feedback.forms import UnsolicitedFeedbackForm
from feedback.models import FeedbackRequest, FeedbackSourceCategory, UnsolicitedFeedback

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User

SOURCE_ROWS = 6


def _sources_from(request: HttpRequest) -> list[feedback_services.NewSource]:
    return [
        feedback_services.NewSource(
            email=request.POST.get(f"email_{i}", ""),
            name=request.POST.get(f"name_{i}", ""),
        )
        for i in range(SOURCE_ROWS)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def feedback_list(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    if not access.can_see_feedback_at_all(user, engagement):
        raise Http404
    is_coach = access.can_see_all_feedback(user, engagement)
    form_error = ""
    if request.method == "POST":
        if not is_coach:
            raise Http404
        days = request.POST.get("days", "")
        try:
            created, issued_tokens = feedback_services.feedback_request_create(
                actor=user,
                engagement=engagement,
                kind=request.POST.get("kind", ""),
                source_category=request.POST.get("source_category", ""),
                prompt=request.POST.get("prompt", ""),
                sources=_sources_from(request),
                days=int(days) if days.isdigit() else None,
            )
        except ValidationError as exc:
            form_error = "The request was not made: " + " ".join(exc.messages)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                f"Asked {len(issued_tokens)} {'person' if len(issued_tokens) == 1 else 'people'}. "
                "Each was e-mailed their own link.",
            )
            return redirect("feedback:feedback_detail", pk=created.pk)
    return _render_list(request, engagement, form_error=form_error)


def _render_list(
    request: SignedInRequest,
    engagement: Any,
    *,
    form_error: str = "",
    unsolicited_form: UnsolicitedFeedbackForm | None = None,
) -> HttpResponse:
    """The engagement's feedback page: requests, unsolicited feedback and, for its coaches, the forms."""
    user: User = request.user
    is_coach = access.can_see_all_feedback(user, engagement)
    rows = feedback_services.feedback_rows_for(user=user, engagement=engagement)
    can_ask = access.can_write_confidential(user, engagement)
    # One query, and no text: each item's words are on its own page, where reading them is audited.
    unsolicited = [
        (item, feedback_services.unsolicited_list_label(item, is_coach=is_coach))
        for item in access.unsolicited_feedback_visible_to(user, engagement).defer("text", "source_name")
    ]
    agreement = current_agreement(engagement) if can_ask else None
    if can_ask and unsolicited_form is None:
        unsolicited_form = UnsolicitedFeedbackForm(
            initial={"received_on": timezone.localdate(), "presentation": UnsolicitedFeedback.Presentation.VERBATIM}
        )
    return render(
        request,
        "feedback/feedback_list.html",
        {
            "engagement": engagement,
            "rows": rows,
            "is_coach": is_coach,
            "can_ask": can_ask,
            "work_waits_for": work_blockers(engagement) if can_ask else [],
            "kinds": FeedbackRequest.Kind.choices,
            "categories": FeedbackSourceCategory.choices,
            "source_rows": range(SOURCE_ROWS),
            "form_error": form_error,
            "posted": request.POST if form_error else {},
            "unsolicited": unsolicited,
            "unsolicited_form": unsolicited_form,
            "names_allowed": agreement is not None and agreement.feedback_anonymity == FeedbackAnonymity.BY_NAME,
            "today": timezone.localdate(),
            "share_days": feedback_services.unsolicited_share_days(),
        },
    )


@login_required
@require_http_methods(["POST"])
def unsolicited_record(request: SignedInRequest, pk: str) -> HttpResponse:
    """The coach records feedback nobody asked for; a refusal shows the page again with what was typed
    and each error beside its field."""
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    if not access.can_see_all_feedback(user, engagement):
        raise Http404
    form = UnsolicitedFeedbackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            feedback_services.unsolicited_feedback_record(
                actor=user,
                engagement=engagement,
                source_category=data["source_category"],
                source_name=data["source_name"],
                presentation=data["presentation"],
                text=data["text"],
                received_on=data["received_on"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Recorded. It is on your dashboard until you share it with the client.")
            return redirect("feedback:feedback_list", pk=engagement.pk)
    return _render_list(request, engagement, unsolicited_form=form)


def _add_errors(form: UnsolicitedFeedbackForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def unsolicited_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    """One item: the coach reads it as recorded and shares it; the client reads it once shared, at the
    anonymity recorded with it. Every read is audited."""
    user: User = request.user
    item = access.unsolicited_feedback_get_for(user, pk)
    engagement = item.engagement
    is_coach = access.can_see_all_feedback(user, engagement)
    if request.method == "POST":
        if not is_coach:
            raise Http404
        try:
            feedback_services.unsolicited_feedback_share(actor=user, feedback=item)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, "Not shared: " + " ".join(exc.messages))
        else:
            messages.success(request, "Shared with the client.")
        return redirect("feedback:unsolicited_detail", pk=item.pk)
    load_data_keys([engagement.data_key_id])
    audit_engagement_event(user, "feedback.unsolicited.read", engagement, item)
    return render(
        request,
        "feedback/unsolicited_detail.html",
        {
            "item": item,
            "engagement": engagement,
            "is_coach": is_coach,
            "source": feedback_services.unsolicited_source_label(item),
            "overdue": item.shared_at is None and item.share_by < timezone.localdate(),
            "can_share": is_coach and item.shared_at is None and access.can_write_confidential(user, engagement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    fr = access.feedback_request_get_for(user, pk)
    engagement = fr.engagement
    is_coach = access.can_see_all_feedback(user, engagement)
    load_data_keys([engagement.data_key_id])
    if request.method == "POST":
        if not is_coach:
            raise Http404
        try:
            seen = int(request.POST.get("version", ""))
        except ValueError:
            messages.error(request, "The form was incomplete; reload the page and try again.")
            return redirect("feedback:feedback_detail", pk=fr.pk)
        share = request.POST.get("share") == "1"
        try:
            feedback_services.feedback_share(
                actor=user,
                request=fr,
                expected_version=seen,
                summary=request.POST.get("summary", ""),
                presentation=request.POST.get("presentation", ""),
                share=share,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, "Nothing was saved: " + " ".join(exc.messages))
        else:
            messages.success(request, "Shared with the client." if share else "Summary saved.")
        return redirect("feedback:feedback_detail", pk=fr.pk)
    context: dict[str, Any] = {"fr": fr, "engagement": engagement, "is_coach": is_coach}
    if is_coach:
        sources = list(fr.sources.all())
        context |= {
            "sources": sources,
            "now": timezone.now(),
            "answered": sum(1 for s in sources if s.answered_at),
            "verbatim_allowed": feedback_services.verbatim_allowed(fr),
            "minimum": feedback_services.minimum_sources(),
            "presentations": FeedbackRequest.Presentation.choices,
        }
    else:
        context |= {"view": feedback_services.client_view(fr), "label": feedback_services.client_label(fr)}
    audit_engagement_event(user, "feedback.read", engagement, fr)
    return render(request, "feedback/feedback_detail.html", context)


@require_http_methods(["GET", "POST"])
def feedback_give(request: HttpRequest, token: str) -> HttpResponse:
    """The source's page: the terms first, then the form. Works once, without an account.

    An unknown, used or expired link, or one for a closed engagement, gets the same plain page.
    """
    source = feedback_services.source_for_token(token)
    if source is None:
        return render(request, "feedback/feedback_link_invalid.html", status=404)
    fr = source.request
    load_data_keys([source.engagement.data_key_id, source.engagement.client.data_key_id])
    error = ""
    if request.method == "POST":
        if request.POST.get("terms_read") != "1":
            error = "Please confirm you have read the terms before answering."
        else:
            try:
                feedback_services.feedback_answer(token=token, answer=request.POST.get("answer", ""))
            except PermissionDenied:
                return render(request, "feedback/feedback_link_invalid.html", status=404)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return render(request, "feedback/feedback_thanks.html")
    coach = source.engagement.members.filter(kind="coach").select_related("user").first()
    return render(
        request,
        "feedback/feedback_give.html",
        {
            "fr": fr,
            "client_name": source.engagement.client.full_name,
            "coach_name": str(coach.user) if coach else "",
            "terms": feedback_services.terms_for(fr),
            "error": error,
            "answer": request.POST.get("answer", "") if error else "",
            "max_chars": feedback_services.ANSWER_MAX_CHARS,
        },
    )
