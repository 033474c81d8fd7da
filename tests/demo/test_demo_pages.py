"""The demo practice as ``make run`` leaves it: each role's main pages answer, on the engine the
suite runs on (CI's SQLite pass included), with what that role came to see and nothing it must not."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from confidentiality.models import User
from demo.practice import PEOPLE, seed_demo
from tests.conftest import login

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

# demo person -> (address, what the page must show, what it must not)
MAIN_PAGES: dict[str, list[tuple[str, str, str | None]]] = {
    "coach": [("/dashboard/", "Your engagements", None), ("/engagements/", "ENG-2026-001", "ENG-2026-002")],
    "client": [("/dashboard/", "Leadership coaching", "Career transition coaching")],
    "sponsor": [("/dashboard/", "ENG-2026-001", "ENG-2026-002")],
    "admin": [("/dashboard/", "Practice dashboard", None), ("/retention/", "Retention: what is kept", None)]
    + [("/people/", "Jo Bell", None)],
    "auditor": [("/dashboard/", "Audit", "Sam Carter"), ("/finance/", "Finance", "Sam Carter")],
}


def test_each_role_finds_its_main_pages_in_the_demo_practice() -> None:
    seed_demo()
    emails = {person.key: person.email for person in PEOPLE}
    for role, pages in MAIN_PAGES.items():
        http = login(HttpClient(), User.objects.get(email=emails[role]))
        for address, shown, hidden in pages:
            response = http.get(address)
            body = response.content.decode()
            assert response.status_code == 200, f"{role} {address}: {response.status_code}"
            assert shown in body, f"{role} {address} does not show {shown!r}"
            if hidden:
                assert hidden not in body, f"{role} {address} shows {hidden!r}"


def test_the_demo_sponsor_sees_the_organisations_own_document_and_not_the_coachs() -> None:
    seed_demo()
    from engagements.models import Engagement

    engagement = Engagement.objects.get(reference="ENG-2026-001")
    page = login(HttpClient(), User.objects.get(email="priya@northwind.example")).get(f"/engagements/{engagement.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Role profile - Northwind" in body and "Development plan - Sam" not in body
