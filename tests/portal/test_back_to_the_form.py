"""A form sent after the session ended leads to the sign-in, and the sign-in back to the page the
form was on (its same-origin Referer), never to an address that takes POST only, nor elsewhere."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def next_of(response: object) -> str:
    location = response["Location"]  # type: ignore[index]
    assert urlsplit(location).path == "/accounts/login/"
    return parse_qs(urlsplit(location).query)["next"][0]


def sent(referer: str | None) -> object:
    concern = uuid.uuid4()
    headers = {"HTTP_REFERER": referer} if referer is not None else {}
    return Client().post(f"/concerns/{concern}/step/", {"step": "decision", "text": "typed"}, **headers)


def test_the_sign_in_leads_back_to_the_page_the_form_was_on() -> None:
    assert next_of(sent("http://testserver/concerns/abc/?tab=2")) == "/concerns/abc/?tab=2"


@pytest.mark.parametrize(
    "referer",
    [
        None,
        "http://elsewhere.example/concerns/abc/",
        "http://testserver/accounts/login/",
        "http://testserver//elsewhere.example/x",
    ],
)
def test_without_a_page_of_ours_it_leads_to_the_address_sent_to(referer: str | None) -> None:
    assert next_of(sent(referer)).startswith("/concerns/") and "abc" not in next_of(sent(referer))


def test_the_typed_text_never_travels_in_the_address() -> None:
    assert "typed" not in sent("http://testserver/concerns/abc/")["Location"]  # type: ignore[index]
