"""Nothing confidential opens before the practice's current policies are accepted: every door has the gate.

Policy 002: staff "should treat this information as confidential … under no circumstances should
staff and volunteers share personal information with their own partners, family or friends", so
each of them accepts its current words before the practice's records open (confidentiality/policies.py).

Two gates enforce it, and each test here walks every route the URL configuration has, so a new page or
endpoint cannot be added without one: the API's default permission ``PoliciesAccepted`` on every DRF
view, and ``PolicyAcceptanceMiddleware`` in front of every other page, which lets through only the
paths on its exempt list. The route enumeration is the access matrix's (tests/matrix/routes.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone
from rest_framework.permissions import AND, OR, AllowAny, BasePermission, IsAuthenticated
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

import access
from portal.middleware import _POLICY_EXEMPT
from portal.permissions import PoliciesAccepted
from retention.services import policy_record
from tests.conftest import World, login
from tests.matrix import routes
from tests.matrix.runner import attempt
from tests.matrix.table import ROWS

# --- the API: every DRF view's permissions include PoliciesAccepted ----------------------------------------

# DRF views that answer before the policies are accepted. Each is named by its module and class (an
# ``@api_view`` function by its own name), with the reason it may.
OPEN_BEFORE_ACCEPTANCE = {
    # Tells the token's owner who they are and which policies they must still accept: the one
    # endpoint that can say why every other one answers 403.
    "portal.api.me": "answers who you are and what you must accept",
    # The OpenAPI description and its documentation page: public (anonymous gets them), no records.
    "drf_spectacular.views.SpectacularAPIView": "the API's schema",
    "drf_spectacular.views.SpectacularSwaggerSplitView": "the API's documentation page",
}


@dataclass(frozen=True)
class DrfView:
    name: str  # "engagements.api.EngagementViewSet"
    view_class: type[APIView]
    initkwargs: dict[str, Any]
    actions: dict[str, str] | None  # a viewset's {"get": "list"}; None for an APIView
    route: str


def drf_views() -> list[DrfView]:
    """Every DRF view the URL configuration reaches, once per (class, action map)."""
    found: dict[tuple[Any, ...], DrfView] = {}
    for route in routes.url_patterns():
        view_class = getattr(route.callback, "cls", None)
        if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
            continue
        actions = getattr(route.callback, "actions", None)
        key = (view_class, tuple(sorted((actions or {}).items())))
        name = f"{view_class.__module__}.{view_class.__name__}"
        found.setdefault(
            key, DrfView(name, view_class, dict(getattr(route.callback, "initkwargs", {})), actions, route.route)
        )
    return list(found.values())


def _requires_acceptance(permission: Any) -> bool:
    """``PoliciesAccepted``, alone or in an ``&`` (both must hold); in an ``|`` only if on both sides."""
    if isinstance(permission, PoliciesAccepted):
        return True
    if isinstance(permission, AND):
        return _requires_acceptance(permission.op1) or _requires_acceptance(permission.op2)
    if isinstance(permission, OR):
        return _requires_acceptance(permission.op1) and _requires_acceptance(permission.op2)
    return False


def _permissions_per_method(view: DrfView) -> Iterator[tuple[str, list[Any]]]:
    """The permissions the view checks for each method it answers, asked of the view itself
    (``get_permissions``), so an override per action or per method is seen too."""
    methods = (
        list(view.actions)
        if view.actions
        else [m for m in view.view_class.http_method_names if m != "options" and hasattr(view.view_class, m)]
    )
    factory = APIRequestFactory()
    for method in methods:
        instance = view.view_class(**view.initkwargs)
        if view.actions:
            instance.action_map = view.actions
        instance.args, instance.kwargs, instance.format_kwarg = (), {}, None
        instance.request = instance.initialize_request(factory.generic(method.upper(), "/"))
        yield method.upper(), list(instance.get_permissions())


def ungated(views: list[DrfView], allowed: dict[str, str]) -> list[str]:
    """The views (and methods) whose permissions lack PoliciesAccepted and are not allowed to."""
    found = []
    for view in views:
        if view.name in allowed:
            continue
        for method, permissions in _permissions_per_method(view):
            if not any(_requires_acceptance(p) for p in permissions):
                names = [type(p).__name__ for p in permissions]
                found.append(f"{method} {view.route} ({view.name}): permissions {names}")
    return found


class TestEveryApiViewChecksThePolicies:
    def test_it_finds_the_api(self) -> None:
        names = {view.name for view in drf_views()}
        assert len(names) > 40, names  # the walk reached the API, not an empty URL configuration
        assert "engagements.api.EngagementViewSet" in names

    def test_every_drf_view_requires_the_policies_accepted_unless_allowed(self) -> None:
        found = ungated(drf_views(), OPEN_BEFORE_ACCEPTANCE)
        assert not found, (
            "These API views answer a member of staff who has not accepted the practice's current policies. "
            "Keep portal.permissions.PoliciesAccepted in their permission_classes (it is the default: "
            "setting permission_classes replaces it), or add them to OPEN_BEFORE_ACCEPTANCE with the reason:\n  "
            + "\n  ".join(found)
        )

    def test_the_allow_list_names_only_views_that_exist(self) -> None:
        names = {view.name for view in drf_views()}
        assert set(OPEN_BEFORE_ACCEPTANCE) <= names, sorted(set(OPEN_BEFORE_ACCEPTANCE) - names)

    def test_it_is_the_default(self) -> None:
        assert "portal.permissions.PoliciesAccepted" in settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]


class TestTheApiCheckItself:
    """The check would catch a view that dropped the permission."""

    def fake(self, view_class: type[APIView], actions: dict[str, str] | None = None) -> DrfView:
        return DrfView(f"fake.{view_class.__name__}", view_class, {}, actions, "api/v1/fake/")

    def test_it_flags_a_view_that_set_its_own_permissions(self) -> None:
        class SignedInOnly(APIView):
            permission_classes = [IsAuthenticated]

            def get(self, request: Any) -> None: ...

        assert ungated([self.fake(SignedInOnly)], {}) == [
            "GET api/v1/fake/ (fake.SignedInOnly): permissions ['IsAuthenticated']"
        ]
        assert ungated([self.fake(SignedInOnly)], {"fake.SignedInOnly": "a reason"}) == []

    def test_it_flags_one_action_that_drops_it_and_an_or_that_bypasses_it(self) -> None:
        class OneActionOpen(ViewSet):
            def get_permissions(self) -> list[BasePermission]:
                return [AllowAny()] if self.action == "list" else super().get_permissions()

            def list(self, request: Any) -> None: ...

            def create(self, request: Any) -> None: ...

        class Either(APIView):
            permission_classes = [PoliciesAccepted | AllowAny]

            def post(self, request: Any) -> None: ...

        assert ungated([self.fake(OneActionOpen, {"get": "list", "post": "create"})], {}) == [
            "GET api/v1/fake/ (fake.OneActionOpen): permissions ['AllowAny']"
        ]
        assert len(ungated([self.fake(Either)], {})) == 1

    def test_it_passes_the_default_and_an_and(self) -> None:
        class Default(APIView):
            def get(self, request: Any) -> None: ...

        class Both(APIView):
            permission_classes = [IsAuthenticated & PoliciesAccepted]

            def get(self, request: Any) -> None: ...

        assert ungated([self.fake(Default), self.fake(Both)], {}) == []


# --- the pages: every one is behind the middleware, or on its exempt list ----------------------------------

# Pages outside allauth's sign-in pages (``accounts/``) that open before the policies are accepted,
# each reviewed: none shows a client's records. A new page under an exempt path (``_POLICY_EXEMPT``)
# opens too, unseen, so it fails the test below until it is reviewed and added here.
EXEMPT_ROUTES = {
    "account/": "their own settings: name, tokens, sessions, second factor",
    "account/tokens/<int:pk>/revoke/": "revoking one of their own tokens",
    "account/sessions/<int:pk>/end/": "ending one of their own sessions",
    "account/sessions/end-others/": "signing out their other sessions",
    "account/activity/": "their own history",
    "policies/": "the policies to read and accept",
    "policies/<uuid:pk>/accept/": "accepting one",
    "policies/status/": "who has accepted (the administrator's): names and dates, no records",
    "feedback/give/<str:token>/": "a feedback giver's link: people without an account",
    "subject-access/collect/<str:token>/": "a client without a sign-in collects an answer: the link",
    "subject-access/collect/": "a client without a sign-in collects an answer: the code asked",
    "healthz": "the load balancer's health check",
}
EXEMPT_FAMILIES = ("accounts/",)  # allauth: signing in and out, passwords, the second factor

_SAMPLE = {"uuid": uuid.UUID(int=0), "int": 1, "str": "x", "slug": "x", "path": "x", None: "x"}


def sample_path(route: routes.Route) -> str:
    """A concrete path for the route. The middleware answers before the view looks the object up,
    so any well-formed value will do; a pattern written as a regular expression takes the path the
    access matrix's table gives it, and the admin site's model pages their first row."""
    if route.is_admin_model_page:
        return routes.admin_path(route.route)
    if "(?P<" in route.route:
        for row in ROWS:
            if row.target == route.route and row.obj.startswith("/"):
                return row.obj
        raise KeyError(f"{route.route}: no concrete path; give it a row in tests/matrix/table.py")
    return _fill_samples(route.route.removesuffix("$"))


def _fill_samples(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: str(_SAMPLE[m.group(1)]), route)


def gate_failure(route: str, path: str, code: str) -> str | None:
    """What is wrong with one answer to a member of staff who has not accepted the policies."""
    if not path.startswith(_POLICY_EXEMPT):
        return None if code == "POL" else f"{path} ({route}): {code}, not sent to accept the policies"
    if route in EXEMPT_ROUTES or route.startswith(EXEMPT_FAMILIES) or path.startswith("/static/"):
        return None
    return f"{path} ({route}): opens before the policies are accepted ({code}), on a path the middleware exempts"


@pytest.fixture
def unaccepted_coach(world: World) -> HttpClient:
    """The coach on the engagement, signed in (second factor passed), when a version of the
    confidentiality policy they have not accepted is recorded."""
    policy_record(
        actor=world.people["admin"],
        kind="confidentiality",
        text="We keep what clients say confidential.",
        reviewed_on=timezone.localdate(),
    )
    coach = world.people["coach"]
    assert coach is not None
    coach.refresh_from_db()
    assert access.policies_to_accept(coach)
    return login(HttpClient(raise_request_exception=False), coach)


@pytest.mark.django_db
class TestEveryPageIsBehindTheGate:
    def test_every_page_sends_them_to_accept_the_policies_unless_exempt(self, unaccepted_coach: HttpClient) -> None:
        session_key = unaccepted_coach.session.session_key
        failures, tried = [], 0
        for route in routes.url_patterns():
            if route.route.startswith("api/"):
                continue  # the API: PoliciesAccepted (above), and the matrix's pending_coach
            path = sample_path(route)
            methods = ("GET",) if route.is_admin_model_page else routes.methods_of(route.callback)
            for method in methods:
                # Each request in a savepoint rolled back, signed in afresh: signing out is one of the pages.
                unaccepted_coach.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: session_key or ""})
                outcome = attempt(unaccepted_coach, method, path, policy_gate=True)
                tried += 1
                failure = gate_failure(route.route, path, outcome.code)
                if failure:
                    failures.append(f"{method} {failure}")
        assert tried > 200
        assert not failures, "\n".join(failures)

    def test_every_reviewed_exemption_is_still_a_page_the_middleware_exempts(self) -> None:
        known = {route.route for route in routes.url_patterns()}
        for route in EXEMPT_ROUTES:
            assert route in known, f"{route} is gone: remove it from EXEMPT_ROUTES"
            assert ("/" + route).startswith(_POLICY_EXEMPT), f"{route} is no longer exempt: remove it"


class TestThePageCheckItself:
    def test_it_flags_a_page_that_opens_and_an_unreviewed_exemption(self) -> None:
        notes = "engagements/<uuid:pk>/notes/"
        assert gate_failure(notes, "/engagements/x/notes/", "200") == (
            "/engagements/x/notes/ (engagements/<uuid:pk>/notes/): 200, not sent to accept the policies"
        )
        assert gate_failure(notes, "/engagements/x/notes/", "POL") is None
        assert gate_failure("account/notes/", "/account/notes/", "200") == (
            "/account/notes/ (account/notes/): opens before the policies are accepted (200), "
            "on a path the middleware exempts"
        )
        assert gate_failure("account/", "/account/", "200") is None
        assert gate_failure("accounts/login/", "/accounts/login/", "302") is None

    def test_it_fills_every_kind_of_route(self) -> None:
        assert _fill_samples("people/<int:pk>/") == "/people/1/"
        assert _fill_samples("engagements/<uuid:pk>/x/<slug:action>/") == (
            "/engagements/00000000-0000-0000-0000-000000000000/x/x/"
        )
