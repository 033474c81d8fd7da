"""The administrator's outbox page: every e-mail the practice sent or is trying to send, and a way
to send a failed one again (confidentiality/outbox.py). It shows who and what, never a message."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from confidentiality import outbox as outbox_services
from confidentiality.models import OutgoingEmail

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest


@login_required
@require_http_methods(["GET"])
def outbox(request: SignedInRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    emails = outbox_services.outbox_for(user=request.user, status=status)
    page = Paginator(emails, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/outbox.html",
        {
            "page": page,
            "entries": outbox_services.outbox_entries(page),
            "status": status if status in OutgoingEmail.Status.values else "",
            "statuses": OutgoingEmail.Status.choices,
            "max_attempts": settings.EMAIL_OUTBOX_MAX_ATTEMPTS,
        },
    )


@login_required
@require_POST
def outbox_resend(request: SignedInRequest, pk: UUID) -> HttpResponse:
    email = outbox_services.outbox_email_get_for(user=request.user, pk=pk)
    try:
        outbox_services.outbox_resend(actor=request.user, email=email)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The message will be sent again in a moment.")
    return redirect("outbox")
