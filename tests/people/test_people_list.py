"""The administrator's people page: fifty a page, counted and read at the same cost whatever the
number of staff (issue 23)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from confidentiality.roles import Role
from people import services as people_services
from tests.conftest import World
from tests.factories import UserFactory


def _staff(count: int) -> None:
    roles = (Role.COACH, Role.AUDITOR, Role.ADMIN)
    for k in range(count):
        UserFactory(role=roles[k % len(roles)])


@pytest.mark.django_db
class TestPeopleList:
    def test_it_counts_the_staff_the_list_holds(self, world: World) -> None:
        admin = world.people["admin"]
        assert admin is not None
        _staff(4)
        # Clients and sponsor contacts are not staff: counted no more than listed.
        assert (
            people_services.staff_count_for(user=admin)
            == people_services.people_for(user=admin).count()
            == 4 + 4  # the world's coach, other coach, administrator, auditor
        )

    def test_it_refuses_the_count_to_anyone_but_the_administrator(self, world: World) -> None:
        from django.http import Http404

        for persona in ("coach", "client", "sponsor", "auditor"):
            user = world.people[persona]
            assert user is not None
            with pytest.raises(Http404):
                people_services.staff_count_for(user=user)

    def test_it_pages_by_the_count(self, world: World) -> None:
        _staff(50)  # 54 staff with the world's: two pages
        http = world.http("admin")
        first = http.get(reverse("people:list")).content.decode()
        assert "Page 1 of 2" in first
        second = http.get(reverse("people:list"), {"page": 2}).content.decode()
        assert "Page 2 of 2" in second
        admin = world.people["admin"]
        assert admin is not None
        shown = list(people_services.people_for(user=admin).values_list("email", flat=True))
        assert sum(f'muted">{email}<' in first for email in shown) == 50
        assert [email for email in shown if f'muted">{email}<' in second] == shown[50:]

    def test_it_makes_the_same_queries_with_5_and_60_staff(self, world: World) -> None:
        http = world.http("admin")
        http.get(reverse("people:list"))  # sessions, caches: warm before counting
        _staff(1)  # 5 staff
        with CaptureQueriesContext(connection) as few:
            assert http.get(reverse("people:list")).status_code == 200
        _staff(55)  # 60 staff
        with CaptureQueriesContext(connection) as many:
            assert http.get(reverse("people:list")).status_code == 200
        assert len(many.captured_queries) == len(few.captured_queries) <= 15
