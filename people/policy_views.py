"""Staff read and accept the practice's policies; the administrator sees who has and who has not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

import access
from confidentiality.addresses import client_address
from confidentiality.forms import PolicyAcceptForm
from people import policies

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _form_for(document: Any, data: Any = None) -> PolicyAcceptForm:
    form = PolicyAcceptForm(
        data, initial={"shown_hash": policies.text_hash(document.text)}, auto_id=f"id_{document.kind}_%s"
    )
    form.fields[
        "confirm"
    ].label = f"I have read the {document.get_kind_display().lower()} (version {document.version}) and I accept it."
    return form


@login_required
@require_GET
def accept_page(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    pending = access.policies_to_accept(user)
    pending_ids = {document.pk for document in pending}
    accepted = [d for d in policies.current_required() if d.pk not in pending_ids]
    return render(
        request,
        "people/policy_accept.html",
        {
            "pending": [(document, _form_for(document)) for document in pending],
            "accepted": accepted if access.needs_policy_acceptance(user) else [],
            "bound": access.needs_policy_acceptance(user),
            "next": _next_url(request),
            "missing": policies.missing_kinds() if access.can_manage_people(user) else [],
        },
    )


@login_required
@require_POST
def accept(request: SignedInRequest, pk: str) -> HttpResponse:
    from people.models import PolicyDocument

    user: User = request.user
    document = PolicyDocument.objects.filter(pk=pk, kind__in=policies.REQUIRED_KINDS).first()
    if document is None:
        raise Http404
    form = _form_for(document, request.POST)
    next_url = _next_url(request)
    if form.is_valid():
        try:
            policies.policy_accept(
                actor=user,
                document=document,
                shown_hash=form.cleaned_data["shown_hash"],
                ip_address=client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, "Not accepted: " + " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Thank you: you accepted the {document.get_kind_display().lower()}, version {document.version}.",
            )
            if not access.policies_to_accept(user):
                return redirect(next_url or "dashboard")
    else:
        messages.error(request, "Not accepted: tick the box to say you have read and accept the policy.")
    target = reverse("policies:accept")
    return redirect(target + ("?" + urlencode({"next": next_url}) if next_url else ""))


@login_required
@require_GET
def status(request: SignedInRequest) -> HttpResponse:
    """Who has and who has not accepted each current version: the administrator's view."""
    statuses = policies.acceptance_status_for(user=request.user)
    return render(
        request,
        "people/policy_status.html",
        {"statuses": statuses, "missing": policies.missing_kinds()},
    )
