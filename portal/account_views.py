"""A person's own account: where they are signed in (and ending a session), their second
factors, the policies they accepted and their own access history. Everyone has one; none of it
is anyone else's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

import access
from people import policies
from people import services as people_services

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def account_extras(request: SignedInRequest) -> dict[str, Any]:
    """What the account page shows beside the API tokens."""
    from allauth.mfa.models import Authenticator

    user: User = request.user
    current_key = request.session.session_key
    sessions = people_services.sessions_of(user=user)
    return {
        "sessions": [(session, session.session_key == current_key) for session in sessions],
        "authenticators": list(Authenticator.objects.filter(user=user).order_by("type", "created_at")),
        "acceptances": policies.acceptances_of(user=user),
        "bound_by_policies": access.needs_policy_acceptance(user),
        "recent_activity": list(people_services.own_activity_for(user=user)[:10]),
    }


@login_required
@require_POST
def session_end(request: SignedInRequest, pk: int) -> HttpResponse:
    session = people_services.session_get_for(user=request.user, pk=pk)
    current = session.session_key == request.session.session_key
    people_services.session_end(actor=request.user, session=session)
    if current:
        logout(request)
        messages.info(request, "You signed out of this browser.")
        return redirect("account_login")
    messages.success(request, "That session has ended: the browser or device using it is signed out.")
    return redirect("account_settings")


@login_required
@require_POST
def sessions_end_others(request: SignedInRequest) -> HttpResponse:
    ended = people_services.sessions_end_others(actor=request.user, current_key=request.session.session_key)
    messages.success(
        request, f"{ended} other session{'s' if ended != 1 else ''} ended. Only this browser is signed in now."
    )
    return redirect("account_settings")


@login_required
@require_GET
def activity(request: SignedInRequest) -> HttpResponse:
    """Everything the audit log holds about what this person did, newest first."""
    page = Paginator(people_services.own_activity_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "portal/account_activity.html", {"page": page})
