from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

import access
from confidentiality.credentials import has_second_factor

if TYPE_CHECKING:
    from confidentiality.accounts import Person
    from confidentiality.models import User

# Where a session stores when its person signed in (set on every login, portal.apps).
SIGNED_IN_AT = "signed_in_at"

# Pages a staff member must reach before their second factor is in place.
_MFA_EXEMPT = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/reset/",
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/static/",
    "/healthz",
    "/api/",  # the API takes tokens only (no sessions), and only a second-factor session issues them
)


class SecondFactorMiddleware:
    """Whoever needs a second factor (administrators, coaches, auditors, the admin site's users,
    and the sponsor contacts of an organisation that asks: access.needs_second_factor) has one,
    and their session used it.

    Someone without an authenticator is sent to set one up; a session opened without the second
    factor (any login that did not go through allauth's MFA stage) is logged out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Person = request.user
        if user.is_authenticated and not request.path.startswith(_MFA_EXEMPT) and access.needs_second_factor(user):
            if not has_second_factor(user):
                messages.info(request, "Your account needs two-factor authentication. Set it up to continue.")
                return redirect("mfa_activate_totp")
            if not any(record.get("method") == "mfa" for record in get_authentication_records(request, user)):
                logout(request)
                messages.info(request, "Sign in with your password and your authenticator code.")
                return redirect("account_login")
        return self.get_response(request)


class SessionInForceMiddleware:
    """A session stops working on the very next request once its person's access ends.

    An inactive account is already anonymous to Django. This adds the rest: the last day of an
    associate's contract has passed, the person was signed out everywhere when offboarded (so a
    session from before does not come back if they are reactivated), or, for an auditor, an audit
    window closed after the session began. The API takes tokens only and checks them itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Person = request.user
        if not request.path.startswith(("/api/", "/static/")) and user.is_authenticated and _ended(request, user):
            logout(request)
            messages.info(request, "Your session has ended because your access to the practice changed.")
            return redirect("account_login")
        return self.get_response(request)


def _ended(request: HttpRequest, user: User) -> bool:
    if not access.account_in_force(user):
        return True
    cutoff = access.credentials_valid_from(user)
    if cutoff is None:
        return False
    started = request.session.get(SIGNED_IN_AT)
    return not isinstance(started, int | float) or started < cutoff.timestamp()


# Pages a member of staff reaches before accepting the current policies: signing in and out,
# their second factor, their own account (sessions, tokens, their own history) and the policies.
_POLICY_EXEMPT = (
    "/accounts/",
    "/account/",
    "/policies/",
    "/static/",
    "/healthz",
    "/api/",  # the API answers 403 with its own message (confidentiality.permissions)
    "/feedback/give/",  # people without an account
    "/subject-access/collect/",
)


class PolicyAcceptanceMiddleware:
    """Until a member of staff has accepted the current version of each required policy, every
    other page sends them to read and accept it (access.policies_to_accept)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_POLICY_EXEMPT) and access.policies_to_accept(request.user):
            target = reverse("policies:accept")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person are never kept by browsers or proxies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class BackToTheFormMiddleware:
    """A form sent after the session ended is answered with the sign-in page. Once signed in, the
    person comes back to the page the form was on (the request's same-origin Referer), not to the
    address the form was sent to, which may take POST only; static/js/drafts.js then puts the text
    they had typed back into the form. The page, never the text, travels in next=."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or response.status_code != 302 or request.user.is_authenticated:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if response.get("Location", "").partition("?")[0] != login:
            return response
        referer = request.META.get("HTTP_REFERER", "")
        if not referer or not url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return response
        page = urlsplit(referer)
        back = page.path + (f"?{page.query}" if page.query else "")
        # The page itself must be a path of this site: "//host/..." names another site.
        if (
            not page.netloc
            or page.path.startswith("/accounts/")
            or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        ):
            return response
        response["Location"] = f"{login}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        return response
