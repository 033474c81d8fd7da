from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.utils import timezone

from confidentiality.models import ApiToken, AuditEvent, User
from confidentiality.roles import Role
from engagements.models import Client, Engagement
from tests.factories import OrganisationFactory

# Also run on SQLite (CI's embedded pass): the management commands.
pytestmark = pytest.mark.embedded


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class TestAddUser:
    def test_it_creates_a_person_with_one_role(self) -> None:
        run("add_user", "new.coach@example.org", "--role", "coach", "--password", "a long test password 2026")
        user = User.objects.get(email="new.coach@example.org")
        assert user.role == Role.COACH and user.check_password("a long test password 2026")
        assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()

    def test_a_sponsor_joins_their_organisation(self) -> None:
        organisation = OrganisationFactory()
        run("add_user", "contact@example.org", "--role", "sponsor", "--organisation", str(organisation.pk))
        assert User.objects.get(email="contact@example.org").sponsor_contact.organisation == organisation

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["x@example.org", "--role", "sponsor"], "needs --organisation"),
            (["x@example.org", "--role", "coach", "--organisation", "1"], "only for sponsor"),
            (["x@example.org", "--role", "sponsor", "--organisation", "nope"], "No organisation"),
            (["not-an-email", "--role", "coach"], "valid email"),
            (["x@example.org", "--role", "coach", "--password", "short"], "too short"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, args: list[str], message: str) -> None:
        with pytest.raises(CommandError, match=message):
            run("add_user", *args)
        assert not User.objects.exists()

    def test_a_duplicate_email_is_refused(self) -> None:
        run("add_user", "same@example.org", "--role", "coach")
        with pytest.raises(CommandError, match="already exists"):
            run("add_user", "SAME@example.org", "--role", "admin")


@pytest.mark.django_db
class TestApiTokenCommand:
    def test_it_prints_a_working_key(self) -> None:
        run("add_user", "api@example.org", "--role", "client")
        key = run("api_token", "api@example.org").strip()
        response = HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/")
        assert response.status_code == 200 and response.json()["email"] == "api@example.org"

    def test_an_unknown_person_is_a_clear_error(self) -> None:
        with pytest.raises(CommandError, match="No person"):
            run("api_token", "nobody@example.org")


@pytest.mark.django_db
class TestSeedDemo:
    def test_it_is_idempotent(self) -> None:
        from feedback.models import FeedbackRequest, FeedbackSource

        run("seed_demo")
        counts = (User.objects.count(), Client.objects.count(), Engagement.objects.count())
        assert FeedbackRequest.objects.count() == 2
        assert FeedbackSource.objects.filter(answered_at__isnull=False).count() == 3
        run("seed_demo")
        assert (User.objects.count(), Client.objects.count(), Engagement.objects.count()) == counts
        assert FeedbackRequest.objects.count() == 2
        assert {u.role for u in User.objects.all()} == set(Role)

    def test_it_shows_a_leaver_whose_engagement_waits_for_a_new_coach(self) -> None:
        from demo.practice import LEAVER
        from people.models import OffboardingEngagement

        result: dict[str, Any] = json.loads(run("seed_demo", "--json"))
        leaver = User.objects.get(email=LEAVER.email)
        assert not leaver.is_active and leaver.offboardings.get().reason == "contract_ended"
        waiting = OffboardingEngagement.objects.get(settled_at__isnull=True)
        assert waiting.engagement.reference == "ENG-2026-004"
        assert not waiting.engagement.members.filter(kind="coach").exists()
        assert LEAVER.email not in {person["login"] for person in result["people"]}  # not a demo login
        http = HttpClient()
        http.post("/accounts/login/", {"login": LEAVER.email, "password": result["password"]})
        assert "_auth_user_id" not in http.session  # a leaver cannot sign in

    def test_json_gives_every_persona_a_login_and_a_working_token(self) -> None:
        result: dict[str, Any] = json.loads(run("seed_demo", "--json"))
        roles = {person["role"] for person in result["people"]}
        assert roles == set(Role.values)
        for person in result["people"]:
            response = HttpClient(HTTP_AUTHORIZATION=f"Bearer {person['api_token']}").get("/api/v1/me/")
            assert response.json()["email"] == person["login"]
            assert ("totp_secret" in person) == (person["role"] in {"admin", "coach", "auditor"})
        assert sorted(result["engagements"]) == [
            "ENG-2025-011",
            "ENG-2026-001",
            "ENG-2026-002",
            "ENG-2026-003",
            "ENG-2026-005",
            "ENG-2026-006",  # the private client's
        ]
        assert ApiToken.objects.count() == len(result["people"])

    def test_scale_adds_engagements(self) -> None:
        run("seed_demo", "--scale", "4")
        run("seed_demo", "--scale", "4")
        assert Engagement.objects.filter(reference__startswith="ENG-DEMO-").count() == 4

    def test_demo_totp_prints_a_code_the_login_accepts(self) -> None:
        run("seed_demo")
        code = run("demo_totp", "maya.coach@practice.example").strip()
        assert code.isdigit() and len(code) == 6
        with pytest.raises(CommandError):
            run("demo_totp", "sam@client.example")


@pytest.mark.django_db
class TestSchedulesAndHealth:
    def test_schedules_are_written_once_and_kept_in_step(self) -> None:
        from django_celery_beat.models import PeriodicTask

        from confidentiality.schedules import SCHEDULES

        run("sync_schedules")
        run("sync_schedules")
        assert set(PeriodicTask.objects.values_list("name", flat=True)) == {s.name for s in SCHEDULES}

    def test_a_new_deployment_sends_the_first_heartbeat_as_beat_starts_and_a_release_keeps_beats_clock(
        self,
    ) -> None:
        """Without this /healthz says "no heartbeat yet" for the first minute of every new deployment."""
        from django_celery_beat.models import PeriodicTask
        from django_celery_beat.schedulers import ModelEntry

        run("sync_schedules")
        heartbeat = PeriodicTask.objects.get(name="worker heartbeat")
        assert ModelEntry(heartbeat, app=None).is_due().is_due
        ran_at = timezone.now()
        PeriodicTask.objects.filter(pk=heartbeat.pk).update(last_run_at=ran_at)  # beat ran it
        run("sync_schedules")
        heartbeat.refresh_from_db()
        assert heartbeat.last_run_at == ran_at
        assert not ModelEntry(heartbeat, app=None).is_due().is_due

    def test_healthz_reports_database_cache_and_broker(self) -> None:
        response = HttpClient().get("/healthz")
        assert response.status_code == 200
        checks = response.json()["checks"]
        assert {"database", "cache", "broker", "worker"} <= set(checks)
        assert all(checks[name]["status"] == "ok" for name in ("database", "cache", "broker"))

    def test_healthz_says_error_when_the_database_is_down(self, monkeypatch: Any) -> None:
        from confidentiality import health

        def broken() -> str:
            raise ConnectionError("down")

        monkeypatch.setattr(health, "_database", broken)
        response = HttpClient().get("/healthz")
        assert response.status_code == 503 and response.json()["checks"]["database"]["status"] == "error"

    def test_the_heartbeat_task_is_seen_by_healthz(self) -> None:
        from confidentiality.tasks import heartbeat_task

        heartbeat_task.apply()
        assert "last heartbeat" in HttpClient().get("/healthz").json()["checks"]["worker"]["detail"]

    def test_the_chain_task_reports_a_broken_chain(self, caplog: Any) -> None:
        from confidentiality.audit import audit_record
        from confidentiality.models import AuditChainHead
        from confidentiality.tasks import audit_verify_chain_task

        audit_record(actor=None, action="test.event")
        AuditChainHead.objects.filter(pk=1).update(hash="f" * 64)
        audit_verify_chain_task.apply()
        assert "Audit chain broken" in caplog.text
        assert AuditEvent.objects.filter(action="audit.chain_broken").exists()


@pytest.mark.django_db
class TestTechnicalAdmin:
    def test_the_admin_site_signs_in_through_the_second_factor(self) -> None:
        response = HttpClient().get("/admin/login/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_it_registers_no_confidential_model(self) -> None:
        from django.contrib import admin

        from confidentiality.crypto import encrypted_fields

        registered = set(admin.site._registry)
        assert not {model for model, _ in encrypted_fields()} & registered


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="runs in CI's PostgreSQL + Redis pass")
class TestScaleOutMode:
    def test_redis_carries_the_cache_and_the_broker(self) -> None:
        from django.conf import settings
        from django.core.cache.backends.redis import RedisCache

        from confidentiality import settings as project_settings
        from confidentiality.health import _broker

        assert project_settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
        cache = RedisCache(project_settings.REDIS_URL, {})
        cache.set("ci:probe", "kept", 10)
        assert cache.get("ci:probe") == "kept"
        assert _broker() == "connected" or "redis" in _broker()
