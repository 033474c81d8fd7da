"""With the cache down (Redis stopped), sign-in says so with a 503 instead of a server error;
found by ``make faults`` (deploy/faults.py, the Redis drill)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from confidentiality.roles import Role
from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_sign_in_with_the_cache_down_answers_503_with_a_clear_message() -> None:
    user = UserFactory(role=Role.CLIENT)
    http = HttpClient(raise_request_exception=False)
    down = RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(cache, "add", side_effect=down), mock.patch.object(cache, "get", side_effect=down):
        response = http.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Briefly unavailable" in response.content.decode()
    assert "Nothing you have saved is lost" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_are_left_alone() -> None:
    http = HttpClient(raise_request_exception=True)
    failing = mock.patch.object(cache, "add", side_effect=RuntimeError("not the cache being down"))
    with failing, pytest.raises(RuntimeError):
        http.post(reverse("account_login"), {"login": "someone@example.com", "password": PASSWORD})


@pytest.mark.django_db
class TestTheDatabaseDown:
    """While PostgreSQL restarts, every page answers a 503 that says so (``make faults`` shows the
    app recovering afterwards without a restart of its own)."""

    def signed_in(self) -> HttpClient:
        from tests.conftest import login

        http = login(HttpClient(raise_request_exception=False), UserFactory(role=Role.COACH))
        assert http.get(reverse("dashboard")).status_code in {200, 302}
        return http

    def test_a_signed_in_page_answers_503_with_a_clear_message(self) -> None:
        from django.db import OperationalError

        from confidentiality.sessions import SessionStore

        http = self.signed_in()
        down = OperationalError("server closed the connection unexpectedly")
        with mock.patch.object(SessionStore, "load", side_effect=down):
            response = http.get(reverse("dashboard"))
        body = response.content.decode()
        assert response.status_code == 503 and response["Retry-After"] == "60"
        assert "Briefly unavailable" in body and "server closed the connection" not in body

    def test_any_other_error_is_a_plain_500_that_says_nothing_of_it(self) -> None:
        from confidentiality.sessions import SessionStore

        http = self.signed_in()
        with mock.patch.object(SessionStore, "load", side_effect=RuntimeError("a secret detail")):
            response = http.get(reverse("dashboard"))
        body = response.content.decode()
        assert response.status_code == 500 and "Retry-After" not in response
        assert "Something went wrong" in body and "a secret detail" not in body
