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
from consent.services import work_blockers
from feedback import services as feedback_services
from feedback.models import FeedbackRequest, FeedbackSourceCategory

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
    rows = feedback_services.feedback_rows_for(user=user, engagement=engagement)
    can_ask = access.can_write_confidential(user, engagement)
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
