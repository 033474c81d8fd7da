"""The server-error page carries the site's navigation, unless the database itself is down."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from confidentiality.unavailable import server_error
from tests.conftest import World

pytestmark = pytest.mark.django_db


def error_page(world: World, exception: Exception) -> tuple[int, str]:
    request = RequestFactory().get("/dashboard/")
    request.user = world.people["coach"]
    try:
        raise exception
    except Exception:
        response = server_error(request)
    return response.status_code, response.content.decode()


def test_a_server_error_page_keeps_the_navigation(world: World) -> None:
    status, html = error_page(world, RuntimeError("boom"))
    assert status == 500 and "Something went wrong" in html
    assert 'href="/dashboard/"' in html and "Sign out" in html
    assert "boom" not in html


def test_while_the_database_is_down_the_page_asks_nothing_of_it(world: World) -> None:
    status, html = error_page(world, OperationalError("server closed the connection"))
    assert status == 503 and "Briefly unavailable" in html
    assert "Sign out" not in html  # rendered without the request: no query for the menu
