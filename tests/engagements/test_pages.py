"""The pages of engagements: what the coach and the client are shown, what the pages cost, and
membership opening and closing access. Who may reach each page, and that no response carries text
its persona may not read, is the access matrix's (tests/matrix/table.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from engagements.models import Note
from tests.conftest import BuiltOnce, World, build_world
from tests.engagements.conftest import (
    DOCUMENT_NAME,
    HARD_COPY_TEXT,
    PRIVATE_TEXT,
    SHARED_TEXT,
    Content,
    make_content,
)

SECRETS = (PRIVATE_TEXT, SHARED_TEXT, DOCUMENT_NAME, HARD_COPY_TEXT)


def url(name: str, world: World) -> str:
    return reverse(f"engagements:{name}", args=[world.engagement.pk])


class WorldWithContent(BuiltOnce):
    """The personas' world and its content, built once for the class's tests."""

    @staticmethod
    def build() -> tuple[World, Content]:
        world = build_world()
        return world, make_content(world)

    @pytest.fixture
    def world(self, fresh: tuple[World, Content]) -> World:
        return fresh[0]

    @pytest.fixture
    def content(self, fresh: tuple[World, Content]) -> Content:
        return fresh[1]


@pytest.mark.django_db
class TestPages(WorldWithContent):
    def test_the_coach_page_shows_notes_documents_and_hard_copies(self, world: World, content: Content) -> None:
        body = world.http("coach").get(url("detail", world)).content.decode()
        for secret in SECRETS:
            assert secret in body

    def test_the_client_sees_exactly_what_was_shared(self, world: World, content: Content) -> None:
        body = world.http("client").get(url("detail", world)).content.decode()
        assert SHARED_TEXT in body and "Shared-plan.txt" in body
        assert PRIVATE_TEXT not in body and DOCUMENT_NAME not in body and HARD_COPY_TEXT not in body

    def test_the_engagement_page_costs_a_bounded_number_of_queries(
        self, world: World, content: Content, django_assert_max_num_queries: Any
    ) -> None:
        from engagements import services

        for i in range(10):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body=f"note {i}")
        http = world.http("coach")
        with django_assert_max_num_queries(15):
            assert http.get(url("detail", world)).status_code == 200
        with django_assert_max_num_queries(15):
            assert http.get(url("note_list", world)).status_code == 200

    def test_the_engagement_page_costs_the_same_fifteen_queries_or_fewer_however_much_it_holds(
        self, world: World, content: Content
    ) -> None:
        """Issue 23: its audited reads linked in one append, its permission rows, data keys and the
        client's consent read with the engagement, its agreement and its sessions read once."""
        import datetime

        from django.utils import timezone

        from engagements import services

        coach = world.people["coach"]
        for persona in ("coach", "client", "sponsor", "admin"):
            page_queries(world.http(persona), url("detail", world))  # the test's first request fills caches
        few = {persona: page_queries(world.http(persona), url("detail", world)) for persona in ("coach", "admin")}
        for day in range(1, 4):
            services.session_record(
                actor=coach,
                engagement=world.engagement,
                held_on=timezone.localdate() - datetime.timedelta(days=day),
                duration_minutes=60,
                mode="video",
            )
        for i in range(10):
            services.note_create(actor=coach, engagement=world.engagement, body=f"note {i}", shared_with_client=i % 2)
        services.document_upload(actor=coach, engagement=world.engagement, name="More.txt", content=b"more")
        many = {persona: page_queries(world.http(persona), url("detail", world)) for persona in ("coach", "admin")}
        assert few == many and max(many.values()) <= 15, (few, many)


def page_queries(http: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert http.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
class TestWrites(WorldWithContent):
    def test_a_note_is_shared_only_once_the_coach_confirms(self, world: World, content: Content) -> None:
        response = world.http("coach").post(
            reverse("engagements:note_share", args=[content.private_note.pk]), {"shared": "1", "version": "1"}
        )
        assert response.status_code == 302
        content.private_note.refresh_from_db()
        assert not content.private_note.shared_with_client


@pytest.mark.django_db
class TestMembership(WorldWithContent):
    def test_adding_and_removing_opens_and_closes_access_at_once(self, world: World, content: Content) -> None:
        admin, other = world.http("admin"), world.http("other_coach")
        note_url = reverse("engagements:note_view", args=[content.private_note.pk])
        assert other.get(note_url).status_code == 404
        admin.post(
            reverse("engagements:member_add", args=[world.engagement.pk]),
            {"user": world.people["other_coach"].pk, "kind": "coach"},
        )
        assert other.get(note_url).status_code == 200
        admin.post(reverse("engagements:member_remove", args=[world.engagement.pk, world.people["other_coach"].pk]))
        assert other.get(note_url).status_code == 404
        assert Note.objects.filter(pk=content.private_note.pk).exists()  # nothing they could read was lost

    def test_a_sponsor_of_another_organisation_cannot_be_added(self, world: World) -> None:
        from engagements.models import EngagementMember

        world.http("admin").post(
            reverse("engagements:member_add", args=[world.engagement.pk]),
            {"user": world.people["other_sponsor"].pk, "kind": "sponsor"},
        )
        assert not EngagementMember.objects.filter(
            user=world.people["other_sponsor"], engagement=world.engagement
        ).exists()
