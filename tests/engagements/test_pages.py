"""Every persona against every page of engagements: the expected status, and no confidential
text in any response a persona should not read."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from engagements.models import CoachingSession, Document, HardCopy, Note
from tests.conftest import PERSONAS, BuiltOnce, World, build_world
from tests.engagements.conftest import (
    DOCUMENT_NAME,
    HARD_COPY_TEXT,
    PRIVATE_TEXT,
    SHARED_TEXT,
    Content,
    make_content,
)

LOGIN = 302


def only(allowed: dict[str, int], default: int = 404) -> dict[str, int]:
    return {p: allowed.get(p, default) for p in PERSONAS} | {"anonymous": LOGIN}


GET_PAGES: dict[str, dict[str, int]] = {
    "engagement": only({"coach": 200, "client": 200, "sponsor": 200, "admin": 200}),
    "note_list": only({"coach": 200, "client": 200}),
    "private_note": only({"coach": 200}),
    "shared_note": only({"coach": 200, "client": 200}),
    "note_edit": only({"coach": 200}),
    "break_glass": only({"admin": 200}),
    "private_document": only({"coach": 200}),
    "shared_document": only({"coach": 200, "client": 200}),
    "access_log": only({"client": 200}),
    "organisations": only({"admin": 200}),
    "organisation_create": only({"admin": 200}),
    "organisation_detail": only({"admin": 200}),
    "client_create": only({"admin": 200}),
    "engagement_create": only({"admin": 200}),
    "engagement_edit": only({"admin": 200}),
}

# Which confidential strings each persona may meet anywhere.
MAY_READ: dict[str, set[str]] = {
    "coach": {PRIVATE_TEXT, SHARED_TEXT, DOCUMENT_NAME, HARD_COPY_TEXT},
    "client": {SHARED_TEXT},
    "admin": {HARD_COPY_TEXT},
}
SECRETS = (PRIVATE_TEXT, SHARED_TEXT, DOCUMENT_NAME, HARD_COPY_TEXT)


def url(name: str, world: World, content: Content) -> str:
    e = world.engagement.pk
    return {
        "engagement": reverse("engagements:detail", args=[e]),
        "note_list": reverse("engagements:note_list", args=[e]),
        "private_note": reverse("engagements:note_view", args=[content.private_note.pk]),
        "shared_note": reverse("engagements:note_view", args=[content.shared_note.pk]),
        "note_edit": reverse("engagements:note_edit", args=[content.private_note.pk]),
        "break_glass": reverse("engagements:break_glass", args=[content.private_note.pk]),
        "private_document": reverse("engagements:document_download", args=[content.private_document.pk]),
        "shared_document": reverse("engagements:document_download", args=[content.shared_document.pk]),
        "access_log": reverse("engagements:access_log"),
        "organisations": reverse("engagements:organisations"),
        "organisation_create": reverse("engagements:organisation_create"),
        "organisation_detail": reverse("engagements:organisation_detail", args=[world.organisation.pk]),
        "client_create": reverse("engagements:client_create"),
        "engagement_create": reverse("engagements:engagement_create"),
        "engagement_edit": reverse("engagements:engagement_edit", args=[e]),
    }[name]


class WorldWithContent(BuiltOnce):
    """The personas' world and its content, built once for a whole persona grid."""

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
class TestPagesByPersona(WorldWithContent):
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("page", sorted(GET_PAGES))
    def test_it_answers_as_the_table_says_and_leaks_nothing(
        self, world: World, content: Content, page: str, persona: str
    ) -> None:
        response = world.http(persona).get(url(page, world, content))
        assert response.status_code == GET_PAGES[page][persona]
        body = response.content.decode("utf-8", "replace")
        for secret in SECRETS:
            if secret not in MAY_READ.get(persona, set()):
                assert secret not in body, f"{persona} met {secret!r} on {page}"

    def test_the_coach_page_shows_notes_documents_and_hard_copies(self, world: World, content: Content) -> None:
        body = world.http("coach").get(url("engagement", world, content)).content.decode()
        for secret in SECRETS:
            assert secret in body

    def test_the_client_sees_exactly_what_was_shared(self, world: World, content: Content) -> None:
        body = world.http("client").get(url("engagement", world, content)).content.decode()
        assert SHARED_TEXT in body and "Shared-plan.txt" in body
        assert PRIVATE_TEXT not in body and DOCUMENT_NAME not in body and HARD_COPY_TEXT not in body

    def test_the_engagement_page_costs_a_bounded_number_of_queries(
        self, world: World, content: Content, django_assert_max_num_queries: Any
    ) -> None:
        from engagements import services

        for i in range(10):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body=f"note {i}")
        http = world.http("coach")
        with django_assert_max_num_queries(36):
            assert http.get(url("engagement", world, content)).status_code == 200
        with django_assert_max_num_queries(20):
            assert http.get(url("note_list", world, content)).status_code == 200


# POST endpoints: persona -> expected status; anything but the allowed persona changes nothing.
@pytest.mark.django_db
class TestWritesByPersona(WorldWithContent):
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_on_it_writes_a_note(self, world: World, persona: str) -> None:
        before = Note.objects.count()
        response = world.http(persona).post(
            reverse("engagements:note_create", args=[world.engagement.pk]), {"body": "A new note"}
        )
        expected = {"coach": 302, "anonymous": LOGIN}.get(persona, 404)
        assert response.status_code == expected
        assert Note.objects.count() == before + (1 if persona == "coach" else 0)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_on_it_records_a_session(self, world: World, persona: str) -> None:
        from django.utils import timezone

        before = CoachingSession.objects.count()
        response = world.http(persona).post(
            reverse("engagements:session_create", args=[world.engagement.pk]),
            {"held_on": timezone.localdate().isoformat(), "duration_minutes": 45, "mode": "phone"},
        )
        assert response.status_code == {"coach": 302, "anonymous": LOGIN}.get(persona, 404)
        assert CoachingSession.objects.count() == before + (1 if persona == "coach" else 0)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_on_it_shares_a_note(self, world: World, content: Content, persona: str) -> None:
        response = world.http(persona).post(
            reverse("engagements:note_share", args=[content.private_note.pk]),
            {"shared": "1", "version": "1", "confirm": "yes"},
        )
        assert response.status_code == {"coach": 302, "anonymous": LOGIN}.get(persona, 404)
        content.private_note.refresh_from_db()
        assert content.private_note.shared_with_client == (persona == "coach")

    def test_a_note_is_shared_only_once_the_coach_confirms(self, world: World, content: Content) -> None:
        response = world.http("coach").post(
            reverse("engagements:note_share", args=[content.private_note.pk]), {"shared": "1", "version": "1"}
        )
        assert response.status_code == 302
        content.private_note.refresh_from_db()
        assert not content.private_note.shared_with_client

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_on_it_uploads(self, world: World, persona: str) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("plan.txt", b"a plan", content_type="text/plain")
        before = Document.objects.count()
        response = world.http(persona).post(
            reverse("engagements:document_upload", args=[world.engagement.pk]), {"file": upload}
        )
        assert response.status_code == {"coach": 302, "anonymous": LOGIN}.get(persona, 404)
        assert Document.objects.count() == before + (1 if persona == "coach" else 0)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_hard_copies_are_the_coach_and_administrators_business(
        self, world: World, content: Content, persona: str
    ) -> None:
        response = world.http(persona).post(reverse("engagements:hard_copy_return", args=[content.hard_copy.pk]))
        allowed = persona in {"coach", "admin"}
        assert response.status_code == (302 if allowed or persona == "anonymous" else 404)
        content.hard_copy.refresh_from_db()
        assert (content.hard_copy.state == HardCopy.State.RETURNED) == allowed

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_closes_an_engagement(self, world: World, persona: str) -> None:
        response = world.http(persona).post(reverse("engagements:engagement_close", args=[world.engagement.pk]))
        assert response.status_code == {"admin": 302, "anonymous": LOGIN}.get(persona, 404)
        world.engagement.refresh_from_db()
        assert (world.engagement.status == "closed") == (persona == "admin")

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_opens_break_glass(self, world: World, content: Content, persona: str) -> None:
        from engagements.models import BreakGlassGrant

        before = BreakGlassGrant.objects.count()
        response = world.http(persona).post(
            reverse("engagements:break_glass", args=[content.private_note.pk]),
            {"reason": "Court order reference 2026/114 requires disclosure review"},
        )
        assert response.status_code == {"admin": 302, "anonymous": LOGIN}.get(persona, 404)
        assert BreakGlassGrant.objects.count() == before + (1 if persona == "admin" else 0)


@pytest.mark.django_db
class TestMembership(WorldWithContent):
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_adds_a_person(self, world: World, persona: str) -> None:
        from engagements.models import EngagementMember

        response = world.http(persona).post(
            reverse("engagements:member_add", args=[world.engagement.pk]),
            {"user": world.people["other_coach"].pk, "kind": "coach"},
        )
        assert response.status_code == {"admin": 302, "anonymous": LOGIN}.get(persona, 404)
        added = EngagementMember.objects.filter(engagement=world.engagement, user=world.people["other_coach"]).exists()
        assert added == (persona == "admin")

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
