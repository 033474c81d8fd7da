"""Concerns are never left to drift (issue 22, item 8). Policy 004: when an issue is not resolved
the coach should "return to it"; after a disclosure, "analyse the relationship"; "guidance and
surveillance": supervision reviews what happened. An open concern is on the dashboards of its coach
and its supervisor with the days since its last step; a reminder comes at the interval the practice
sets, and resolves itself when a step is taken; the supervision record names who reviewed it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import Notice
from confidentiality.practice import practice_update
from confidentiality.schedules import SCHEDULES
from disclosures import concerns
from disclosures.models import Concern
from tests.conftest import World
from tests.disclosures.test_concerns import start, take

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def days_later(days: int) -> Any:
    return time_machine.travel(START + datetime.timedelta(days=days), tick=False)


def dashboard(world: World, persona: str) -> str:
    return world.http(persona).get(reverse("dashboard")).content.decode()


def reminders(world: World, concern: Concern, *, waiting: bool = True) -> list[str]:
    about = f"concern:{concern.pk}"
    notices = Notice.objects.filter(about=about, done_at__isnull=waiting)
    return sorted(str(n.user) for n in notices)


class TestTheDashboards:
    def test_an_open_concern_is_on_its_coachs_and_supervisors_dashboards_with_the_days_since_its_last_step(
        self, world: World
    ) -> None:
        with days_later(0):
            concern = start(world, supervisor=world.people["other_coach"])
        with days_later(5):
            for persona in ("coach", "other_coach"):
                page = dashboard(world, persona)
                assert 'id="open-concerns"' in page, persona
                assert reverse("disclosures:concern_detail", args=[concern.pk]) in page
                assert "5 days ago" in page and "Verify with the client what you heard" in page
                assert "Samira" not in page  # what was said stays on the concern's own page
            assert 'id="open-concerns"' not in dashboard(world, "client")
        with days_later(6):
            take(world, concern, "verify")
            assert "today" in dashboard(world, "coach").split('id="open-concerns"')[1]

    def test_a_withdrawn_concern_leaves_the_dashboard(self, world: World) -> None:
        concern = start(world)
        concerns.concern_withdraw(actor=world.people["coach"], concern=concern, reason="Raised in error.")
        assert 'id="open-concerns"' not in dashboard(world, "coach")

    def test_the_dashboard_asks_the_same_queries_for_one_concern_and_for_ten(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start(world)
        http = world.http("coach")
        http.get(reverse("dashboard"))
        with CaptureQueriesContext(connection) as one:
            http.get(reverse("dashboard"))
        for _ in range(9):
            start(world)
        with CaptureQueriesContext(connection) as ten:
            page = http.get(reverse("dashboard")).content.decode()
        assert page.count(reverse("disclosures:concerns")) >= 1
        assert len(ten) == len(one), [q["sql"][:100] for q in ten.captured_queries]


class TestTheReminder:
    def test_it_comes_after_the_practices_interval_to_coach_and_supervisor_once_and_resolves_itself(
        self, world: World
    ) -> None:
        practice_update(actor=world.people["admin"], concern_reminder_days=3)
        with days_later(0):
            concern = start(world, supervisor=world.people["other_coach"])
        with days_later(2):
            assert concerns.concern_remind() == 0 and not reminders(world, concern)
        with days_later(3):
            assert concerns.concern_remind() == 1
            assert reminders(world, concern) == sorted(str(world.people[p]) for p in ("coach", "other_coach"))
            assert concerns.concern_remind() == 0  # once per interval, not every night
            notice = Notice.objects.filter(about=f"concern:{concern.pk}").first()
            assert notice is not None and "Samira" not in notice.text and "3 days" in notice.text
        with days_later(4):
            take(world, concern, "verify")
            assert not reminders(world, concern) and len(reminders(world, concern, waiting=False)) == 2
            assert concerns.concern_remind() == 0
        with days_later(7):
            assert concerns.concern_remind() == 1 and len(reminders(world, concern)) == 2

    def test_a_closed_or_withdrawn_concern_is_not_reminded_and_its_reminder_is_done(self, world: World) -> None:
        with days_later(0):
            concern = start(world)
        with days_later(8):
            assert concerns.concern_remind() == 1
            concerns.concern_withdraw(actor=world.people["coach"], concern=concern, reason="Settled.")
            assert not reminders(world, concern)
        with days_later(30):
            assert concerns.concern_remind() == 0

    def test_the_interval_is_the_practices_and_a_bad_one_is_refused(self, world: World) -> None:
        http = world.http("admin")
        page = http.get(reverse("practice_settings")).content.decode()
        assert "concern_reminder_days" in page
        details = {"name": "Lindqvist Coaching", "regulator": "The ICO", "unsolicited_share_days": "5"}
        for bad in ("0", "400", "soon"):
            answer = http.post(reverse("practice_settings"), {**details, "concern_reminder_days": bad})
            field = answer.content.decode().split('id="id_concern_reminder_days"')[1].split("</div>")[0]
            assert answer.status_code == 200 and 'role="alert"' in field, bad
        assert http.post(reverse("practice_settings"), {**details, "concern_reminder_days": "14"}).status_code == 302
        from confidentiality.practice import current_practice

        assert current_practice().concern_reminder_days == 14

    def test_it_runs_every_day(self) -> None:
        assert any(s.task == "disclosures.tasks.concern_remind_task" and s.crontab for s in SCHEDULES)


class TestTheSupervisionRecord:
    def test_it_names_who_reviewed_the_concern_before_it_closes(self, world: World) -> None:
        concern = start(world)
        for step in ("verify", "examine"):
            take(world, concern, step)
        take(world, concern, "client_view", "She agreed.", outcome="agreed")
        take(world, concern, "decision", "Resolved by talking.", outcome="no_disclosure")
        take(world, concern, "review", "We carry on.")
        with pytest.raises(ValidationError) as refused:
            concerns.concern_record_step(
                actor=world.people["coach"], concern=concern, step="supervision", text="On 3 March: handled well."
            )
        assert "detail" in refused.value.message_dict
        concern.refresh_from_db()
        assert concern.state == Concern.State.OPEN
        concerns.concern_record_step(
            actor=world.people["coach"],
            concern=concern,
            step="supervision",
            text="On 3 March: handled well.",
            detail="Tom Achebe, supervising coach",
        )
        concern.refresh_from_db()
        assert concern.state == Concern.State.CLOSED and concern.closed_at is not None
        assert timezone.now() >= concern.closed_at
