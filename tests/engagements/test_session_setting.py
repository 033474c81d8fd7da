"""Issue 22, item 7: a session records where it took place and that the setting was private; a
session without that is shown to the coach as incomplete (policy 002: "the physical environment in
which face to face discussions and telephone conversations take place does not compromise
confidentiality")."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import AuditEvent, Notice
from engagements import services
from engagements.models import CoachingSession
from tests.conftest import PERSONAS, World

PLACE = "QZ-Place: the practice's meeting room 2"


def record(world: World, **setting: Any) -> CoachingSession:
    return services.session_record(
        actor=world.people["coach"],
        engagement=world.engagement,
        held_on=timezone.localdate() - datetime.timedelta(days=1),
        duration_minutes=60,
        mode="in_person",
        **setting,
    )


@pytest.mark.django_db
class TestTheSessionsSetting:
    def test_it_records_the_place_and_that_the_setting_was_private(self, world: World) -> None:
        session = record(world, place=PLACE, setting_private=True)
        session.refresh_from_db()
        assert session.place == PLACE
        assert session.setting_private is True
        assert session.setting_complete
        assert not Notice.objects.filter(about=f"session.setting:{session.pk}").exists()
        event = AuditEvent.objects.filter(action="session.record").latest("seq")
        assert PLACE not in str(event.detail)

    def test_it_shows_a_session_without_them_to_the_coach_as_incomplete(self, world: World) -> None:
        session = record(world)
        assert not session.setting_complete
        notice = Notice.objects.get(about=f"session.setting:{session.pk}", done_at__isnull=True)
        assert notice.user == world.people["coach"]
        assert notice.link == reverse("engagements:session_setting", args=[session.pk])
        page = world.http("coach").get(notice.link)
        assert page.status_code == 200
        assert "Incomplete" in page.content.decode()
        engagement_page = world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk]))
        assert "Incomplete: record where it took place and that it was private" in engagement_page.content.decode()
        assert (
            "Incomplete"
            not in world.http("client").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        )
        dashboard = world.http("coach").get("/dashboard/").content.decode()
        assert "is incomplete: record where it took place and that the setting was private" in dashboard
        api = world.api("coach").get(f"/api/v1/engagements/{world.engagement.pk}/sessions/").json()
        row = next(r for r in api["results"] if r["id"] == str(session.pk))
        assert row["setting_complete"] is False

    def test_a_session_in_a_setting_that_was_not_private_is_incomplete(self, world: World) -> None:
        session = record(world, place=PLACE, setting_private=False)
        assert not session.setting_complete
        assert Notice.objects.filter(about=f"session.setting:{session.pk}", done_at__isnull=True).exists()

    def test_the_coach_completes_it_on_the_page(self, world: World) -> None:
        session = record(world)
        url = reverse("engagements:session_setting", args=[session.pk])
        response = world.http("coach").post(url, {"place": PLACE, "setting_private": "on"})
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.setting_complete and session.place == PLACE
        assert not Notice.objects.filter(about=f"session.setting:{session.pk}", done_at__isnull=True).exists()
        event = AuditEvent.objects.filter(action="session.setting").latest("seq")
        assert PLACE not in str(event.detail)

    def test_a_refused_page_keeps_what_was_typed(self, world: World) -> None:
        session = record(world)
        url = reverse("engagements:session_setting", args=[session.pk])
        response = world.http("coach").post(url, {"place": "  ", "setting_private": "on"})
        assert response.status_code == 200
        assert "Say where the session took place" in response.content.decode()
        response = world.http("coach").post(url, {"place": PLACE})
        assert response.status_code == 200
        body = response.content.decode()
        assert "QZ-Place: the practice&#x27;s meeting room 2" in body
        assert "Confirm that no one could overhear or see" in body
        session.refresh_from_db()
        assert not session.setting_complete

    def test_the_coach_completes_it_over_the_api(self, world: World) -> None:
        session = record(world)
        response = world.api("coach").patch(
            f"/api/v1/sessions/{session.pk}/",
            {"place": PLACE, "setting_private": True},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert response.json()["setting_complete"] is True

    def test_the_api_records_them_with_the_session(self, world: World) -> None:
        response = world.api("coach").post(
            f"/api/v1/engagements/{world.engagement.pk}/sessions/",
            {
                "held_on": str(timezone.localdate()),
                "duration_minutes": 50,
                "mode": "phone",
                "place": PLACE,
                "setting_private": True,
            },
            content_type="application/json",
        )
        assert response.status_code == 201
        assert response.json()["setting_complete"] is True

    def test_the_record_form_on_the_engagement_page_asks_for_them(self, world: World) -> None:
        url = reverse("engagements:session_create", args=[world.engagement.pk])
        response = world.http("coach").post(
            url,
            {
                "held_on": str(timezone.localdate()),
                "duration_minutes": 60,
                "mode": "in_person",
                "place": PLACE,
                "setting_private": "on",
            },
        )
        assert response.status_code == 302
        assert CoachingSession.objects.get(engagement=world.engagement, place=PLACE).setting_private

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_on_the_engagement_completes_it(self, world: World, persona: str) -> None:
        session = record(world)
        url = reverse("engagements:session_setting", args=[session.pk])
        response = world.http(persona).post(url, {"place": PLACE, "setting_private": "on"})
        assert response.status_code == {"coach": 302, "anonymous": 302}.get(persona, 404)
        session.refresh_from_db()
        assert session.setting_complete == (persona == "coach")
        if persona not in ("coach", "anonymous"):
            with pytest.raises((PermissionDenied, ValidationError)):
                services.session_record_setting(
                    actor=world.people[persona], session=session, place=PLACE, setting_private=True
                )
