"""A person's own account page: their sessions and devices (and ending one), their API tokens,
their second factors, the policies they accepted and their own access history."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client as HttpClient
from django.urls import reverse

from confidentiality.models import AuditEvent
from engagements import services
from tests.conftest import PERSONAS, World, login


def tracked(http: HttpClient, user: Any, agent: str) -> UserSession:
    """What allauth records when someone signs in through the login page."""
    return UserSession.objects.create(
        user=user, ip="192.0.2.10", session_key=http.session.session_key, user_agent=agent
    )


@pytest.mark.django_db
class TestSessions:
    def test_it_lists_their_own_sessions_only(self, world: World) -> None:
        coach = world.people["coach"]
        laptop, phone = world.http("coach"), login(HttpClient(), coach)
        tracked(laptop, coach, "Laptop browser")
        tracked(phone, coach, "Phone browser")
        other = world.http("other_coach")
        tracked(other, world.people["other_coach"], "Someone else's browser")
        body = laptop.get(reverse("account_settings")).content.decode()
        assert "Laptop browser <strong>(this browser)</strong>" in body
        assert "Phone browser" in body and "Someone else" not in body

    def test_ending_one_signs_that_device_out_on_its_next_request(self, world: World) -> None:
        coach = world.people["coach"]
        laptop, phone = world.http("coach"), login(HttpClient(), coach)
        tracked(laptop, coach, "Laptop browser")
        lost = tracked(phone, coach, "Phone browser")
        assert phone.get(reverse("dashboard")).status_code == 200
        response = laptop.post(reverse("account_session_end", args=[lost.pk]))
        assert response["Location"] == reverse("account_settings")
        assert phone.get(reverse("dashboard")).status_code == 302
        assert laptop.get(reverse("dashboard")).status_code == 200
        assert AuditEvent.objects.filter(action="session.end", actor_id=coach.pk).exists()

    def test_signing_out_everywhere_else(self, world: World) -> None:
        coach = world.people["coach"]
        laptop = world.http("coach")
        tracked(laptop, coach, "Laptop browser")
        others = [login(HttpClient(), coach) for _ in range(2)]
        for n, http in enumerate(others):
            tracked(http, coach, f"Other {n}")
        laptop.post(reverse("account_sessions_end_others"))
        assert all(http.get(reverse("dashboard")).status_code == 302 for http in others)
        assert laptop.get(reverse("dashboard")).status_code == 200

    def test_ending_this_session_signs_out_here(self, world: World) -> None:
        laptop = world.http("client")
        mine = tracked(laptop, world.people["client"], "Laptop browser")
        assert laptop.post(reverse("account_session_end", args=[mine.pk]))["Location"] == reverse("account_login")
        assert laptop.get(reverse("dashboard")).status_code == 302

    def test_nobody_ends_someone_elses_session(self, world: World) -> None:
        victim = world.http("coach")
        theirs = tracked(victim, world.people["coach"], "Coach browser")
        assert world.http("other_coach").post(reverse("account_session_end", args=[theirs.pk])).status_code == 404
        assert victim.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
class TestWhatElseItShows:
    def test_second_factors_and_tokens(self, world: World) -> None:
        http = world.http("coach")
        http.post(reverse("account_settings"), {"name": "reporting script"})
        body = http.get(reverse("account_settings")).content.decode()
        assert "Second factors" in body and "TOTP Authenticator" in body
        assert "reporting script" in body

    def test_their_own_access_history_and_nobody_elses(self, world: World) -> None:
        coach = world.people["coach"]
        note = services.note_create(actor=coach, engagement=world.engagement, body="A note")
        services.note_create(actor=world.people["other_coach"], engagement=world.other_engagement, body="Other")
        http = world.http("coach")
        page = http.get(reverse("account_activity"))
        assert page.status_code == 200
        body = page.content.decode()
        assert "note.create" in body and str(note.pk)[:8] in body
        assert body.count("note.create") == 1
        events = list(page.context["page"])
        assert events and all(event.actor_id == coach.pk for event in events)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_everyone_signed_in_has_one(self, world: World, persona: str) -> None:
        expected = 302 if persona == "anonymous" else 200
        http = world.http(persona)
        assert http.get(reverse("account_settings")).status_code == expected
        assert http.get(reverse("account_activity")).status_code == expected
        # allauth's own sessions page (allauth.usersessions) works too.
        assert http.get(reverse("usersessions_list")).status_code == expected
