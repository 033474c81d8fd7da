from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from confidentiality.roles import Role
from demo.practice import totp_code
from tests.conftest import World, enrol_totp, login
from tests.factories import PASSWORD, UserFactory


def sign_in(http: HttpClient, email: str, password: str = PASSWORD) -> Any:
    return http.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.django_db
class TestLogin:
    def test_it_signs_a_client_in_with_a_password(self) -> None:
        user = UserFactory(role=Role.CLIENT)
        http = HttpClient()
        response = sign_in(http, user.email)
        assert response.status_code == 302
        assert http.get(reverse("dashboard")).status_code == 200

    def test_it_asks_staff_for_their_authenticator_code(self) -> None:
        user = UserFactory(role=Role.COACH)
        secret = enrol_totp(user)
        http = HttpClient()
        response = sign_in(http, user.email)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
        assert http.get(reverse("dashboard")).status_code != 200  # not signed in yet
        response = http.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 302
        assert http.get(reverse("dashboard")).status_code == 200

    def test_a_wrong_code_is_refused(self) -> None:
        user = UserFactory(role=Role.COACH)
        enrol_totp(user)
        http = HttpClient()
        sign_in(http, user.email)
        response = http.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert response.status_code == 200  # the form again, with an error
        assert http.get(reverse("dashboard")).status_code == 302

    @pytest.mark.parametrize(("steps_back", "accepted"), [(1, True), (2, False)])
    def test_a_code_that_just_turned_over_is_accepted_and_an_older_one_is_not(
        self, steps_back: int, accepted: bool
    ) -> None:
        user = UserFactory(role=Role.COACH)
        secret = enrol_totp(user)
        http = HttpClient()
        sign_in(http, user.email)
        http.post(reverse("mfa_authenticate"), {"code": totp_code(secret, steps_back=steps_back)})
        assert (http.get(reverse("dashboard")).status_code == 200) is accepted

    def test_a_code_is_accepted_once_only(self) -> None:
        user = UserFactory(role=Role.COACH)
        secret = enrol_totp(user)
        code = totp_code(secret)
        first, second = HttpClient(), HttpClient()
        sign_in(first, user.email)
        first.post(reverse("mfa_authenticate"), {"code": code})
        assert first.get(reverse("dashboard")).status_code == 200
        sign_in(second, user.email)
        response = second.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 200  # the form again: a code seen once is spent
        assert second.get(reverse("dashboard")).status_code == 302

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.COACH, Role.AUDITOR])
    def test_staff_without_a_second_factor_must_set_one_up(self, role: Role) -> None:
        user = UserFactory(role=role)
        http = HttpClient()
        sign_in(http, user.email)
        response = http.get(reverse("dashboard"))
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
        # Adding a second factor asks for the password once more, then shows the QR code.
        response = http.get(reverse("mfa_activate_totp"))
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        http.post(response["Location"], {"password": PASSWORD})
        page = http.get(reverse("mfa_activate_totp"))
        assert page.status_code == 200
        assert "data:image/svg+xml" in page.content.decode() or "<svg" in page.content.decode()

    @pytest.mark.parametrize("role", [Role.CLIENT, Role.SPONSOR])
    def test_clients_and_sponsors_are_not_forced_to_use_one(self, role: Role) -> None:
        user = UserFactory(role=role)
        http = HttpClient()
        sign_in(http, user.email)
        assert http.get(reverse("dashboard")).status_code == 200

    def test_a_staff_session_opened_without_the_second_factor_is_ended(self) -> None:
        user = UserFactory(role=Role.ADMIN)
        enrol_totp(user)
        http = HttpClient()
        http.force_login(user)  # as any login path that skipped the MFA stage would
        response = http.get(reverse("dashboard"))
        assert response.status_code == 302 and response["Location"] == reverse("account_login")
        assert "_auth_user_id" not in http.session

    def test_it_locks_an_account_after_repeated_failures(self, settings: Any) -> None:
        user = UserFactory(role=Role.CLIENT)
        http = HttpClient()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(http, user.email, "wrong password").status_code == 200
        assert sign_in(http, user.email, "wrong password").status_code == 429  # the limit-th failure locks
        response = sign_in(http, user.email)  # even the right password, now
        assert response.status_code == 429
        assert "temporarily locked" in response.content.decode()
        assert "_auth_user_id" not in http.session

    def test_a_lockout_does_not_spread_to_other_accounts(self, settings: Any) -> None:
        victim, bystander = UserFactory(role=Role.CLIENT), UserFactory(role=Role.CLIENT)
        http = HttpClient()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(http, victim.email, "wrong password")
        assert sign_in(http, bystander.email).status_code == 302

    def test_sign_up_is_closed(self) -> None:
        response = HttpClient().get(reverse("account_signup"))
        assert "closed" in response.content.decode().lower()

    def test_password_reset_sends_a_link_and_nothing_else(self, world: World) -> None:
        response = HttpClient().post(reverse("account_reset_password"), {"email": "client@example.org"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        assert "/accounts/password/reset/key/" in body
        assert "Samira" not in body and world.engagement.reference not in body

    def test_passwords_are_hashed_with_argon2_in_production_settings(self) -> None:
        from django.conf import settings as django_settings

        from confidentiality import settings as project_settings

        assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
        assert django_settings.AUTH_USER_MODEL == "confidentiality.User"


@pytest.mark.django_db
class TestSessions:
    def test_an_idle_session_ends_after_thirty_minutes(self, world: World) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            http = world.http("client")
            assert http.get(reverse("dashboard")).status_code == 200
        with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
            assert http.get(reverse("dashboard")).status_code == 200  # activity pushes expiry on
        with time_machine.travel(start + datetime.timedelta(minutes=29 + 31), tick=False):
            assert http.get(reverse("dashboard")).status_code == 302

    def test_every_page_pushes_the_idle_expiry_on_in_the_query_that_reads_the_session(self, world: World) -> None:
        """Issue 23: one statement on the session's row a page (it was a read, then a write of its own)."""
        from django.contrib.sessions.models import Session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = timezone.now()
        with time_machine.travel(start, tick=False):
            http = world.http("client")
            key = http.session.session_key
            assert http.get(reverse("dashboard")).status_code == 200
            written = Session.objects.get(session_key=key).expire_date
        with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
            with CaptureQueriesContext(connection) as captured:
                assert http.get(reverse("dashboard")).status_code == 200
            assert Session.objects.get(session_key=key).expire_date == written + datetime.timedelta(seconds=30)
        on_the_session = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
        assert len(on_the_session) == 1, on_the_session

    def test_deactivating_a_person_ends_their_session_at_once(self, world: World) -> None:
        http = world.http("coach")
        assert http.get(reverse("dashboard")).status_code == 200
        coach = world.people["coach"]
        coach.is_active = False
        coach.save()
        assert http.get(reverse("dashboard")).status_code == 302

    def test_signed_in_pages_are_not_cached(self, world: World) -> None:
        response = world.http("coach").get(reverse("dashboard"))
        assert response["Cache-Control"] == "no-store"

    def test_security_headers_are_set(self, world: World) -> None:
        response = login(HttpClient(), None).get(reverse("account_login"))
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
class TestIdleSessionsElsewhere:
    def test_listing_a_persons_sessions_does_not_keep_their_idle_sessions_alive(self, world: World) -> None:
        """Only a page of a session moves its idle expiry on: reading another session (the person's
        list of their sessions, and every sign-in, which purges it) leaves its expiry where it was."""
        from allauth.usersessions.models import UserSession

        from people.services import sessions_of

        user = world.people["client"]
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            idle = world.http("client")
            assert idle.get(reverse("dashboard")).status_code == 200
            UserSession.objects.create(user=user, session_key=idle.session.session_key, ip="192.0.2.1")
        with time_machine.travel(start + datetime.timedelta(minutes=20), tick=False):
            assert [s.session_key for s in sessions_of(user=user)] == [idle.session.session_key]
        with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
            assert idle.get(reverse("dashboard")).status_code == 302  # idle for 31 minutes: ended
