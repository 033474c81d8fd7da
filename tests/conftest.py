"""Personas (CONVENTIONS.md), reused by every test that touches confidential data.

The coach on the engagement, another coach, the client, the sponsor of that organisation,
a sponsor of another organisation, the administrator, an auditor, a superuser, anonymous.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client as HttpClient

from confidentiality import crypto
from confidentiality.models import User
from confidentiality.roles import STAFF_ROLES, Role
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

PERSONAS = (
    "coach",
    "other_coach",
    "client",
    "sponsor",
    "other_sponsor",
    "admin",
    "auditor",
    "superuser",
    "anonymous",
)


@pytest.fixture(autouse=True)
def _fast_hashing_and_fresh_keys(settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    crypto.data_key_cache.clear()
    yield
    crypto.data_key_cache.clear()


@pytest.fixture(autouse=True)
def _audit_triggers_around_flush(request: pytest.FixtureRequest) -> Any:
    """Transactional tests end by flushing every table; SQLite's append-only triggers
    refuse that DELETE, so they are lifted for the flush and restored before the next test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    import importlib

    from django.db import connection

    request.getfixturevalue("transactional_db")
    migration = importlib.import_module("confidentiality.migrations.0002_audit_append_only")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_DOWN + migration.SQLITE_UP:
                cursor.execute(statement)
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_DOWN:
                cursor.execute(statement)


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any, tmp_path: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }


def enrol_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def login(http: HttpClient, user: User | None) -> HttpClient:
    """Sign a persona in as the login page would, second factor included for staff."""
    if user is None:
        return http
    http.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    records: list[dict[str, Any]] = [{"method": "password", "at": time.time(), "email": user.email}]
    # Staff roles and the technical admin site's users pass the second factor; the matrix then
    # shows what a superuser who did so can reach (nothing confidential).
    if user.role in STAFF_ROLES or user.is_staff or user.is_superuser:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            enrol_totp(user)
        records.append({"method": "mfa", "at": time.time(), "type": "totp"})
    session = http.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return http


def bearer(user: User | None) -> HttpClient:
    """An API client authenticated as an integration would be: with a personal token."""
    if user is None:
        return HttpClient()
    from confidentiality.services import api_token_issue

    _, key = api_token_issue(actor=user, user=user, name="test")
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}")


@dataclass
class World:
    """One practice with two organisations, as every access test needs it."""

    people: dict[str, User | None]
    organisation: Any
    other_organisation: Any
    engagement: Any
    other_engagement: Any
    client_record: Any

    def http(self, persona: str) -> HttpClient:
        return login(HttpClient(), self.people[persona])

    def api(self, persona: str) -> HttpClient:
        return bearer(self.people[persona])


@pytest.fixture
def world(db: Any) -> World:
    organisation = OrganisationFactory(name="Northwind Trading")
    other_organisation = OrganisationFactory(name="Harbour Health Trust")
    people: dict[str, User | None] = {
        "coach": UserFactory(role=Role.COACH, email="coach@example.org"),
        "other_coach": UserFactory(role=Role.COACH, email="other.coach@example.org"),
        "client": UserFactory(role=Role.CLIENT, email="client@example.org"),
        "sponsor": UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation),
        "other_sponsor": UserFactory(
            role=Role.SPONSOR, email="other.sponsor@example.org", organisation=other_organisation
        ),
        "admin": UserFactory(role=Role.ADMIN, email="admin@example.org"),
        "auditor": UserFactory(role=Role.AUDITOR, email="auditor@example.org"),
        "superuser": User.objects.create_superuser("root@example.org", "a long test password 2026"),
        "anonymous": None,
    }
    client_record = ClientFactory(full_name="Samira Quentin-Marsh", user=people["client"])
    engagement = EngagementFactory(
        organisation=organisation,
        client=client_record,
        coaches=[people["coach"]],
        sponsors=[people["sponsor"]],
        title="Leadership coaching",
    )
    other_engagement = EngagementFactory(
        organisation=other_organisation,
        client=ClientFactory(full_name="Bartholomew Xerxes-Lund", user=UserFactory(role=Role.CLIENT)),
        coaches=[people["other_coach"]],
        sponsors=[people["other_sponsor"]],
        title="Career transition coaching",
    )
    return World(people, organisation, other_organisation, engagement, other_engagement, client_record)
