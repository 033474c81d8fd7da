"""An engagement nobody closes (issue 20, item 6): it closes itself its grace period after its end
date, so its files still go two years after the work ended; its coach and the administrators are
told a month before, and the retention page shows it under the engagement rule."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from confidentiality.models import AuditEvent, Notice
from confidentiality.schedules import SCHEDULES
from engagements import services
from engagements.models import Engagement, HardCopy, Note
from retention.sweep import run_sweep
from tests.conftest import World

GRACE = 90


def ended(world: World, days_ago: int) -> Engagement:
    """The world's engagement, with an end date ``days_ago`` days ago, a note and a paper copy held."""
    engagement = world.engagement
    Engagement.objects.filter(pk=engagement.pk).update(ends_on=timezone.localdate() - datetime.timedelta(days=days_ago))
    engagement.refresh_from_db()
    services.note_create(actor=world.people["coach"], engagement=engagement, body="Worked on delegation.")
    return engagement


@pytest.mark.django_db
class TestClosingItself:
    def test_the_nightly_task_is_scheduled_before_the_sweep(self) -> None:
        names = [schedule.task for schedule in SCHEDULES]
        assert "engagements.tasks.close_lapsed_task" in names

    def test_past_its_grace_period_it_closes_itself_a_month_after_its_people_were_told(
        self, world: World, settings: Any
    ) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        settings.ENGAGEMENT_CLOSE_WARNING_DAYS = 30
        engagement = ended(world, GRACE + 5)
        HardCopy.objects.create(
            engagement=engagement,
            description="Organisation chart",
            location="Cabinet B",
            received_on=engagement.ends_on,
            recorded_by=world.people["coach"],
        )
        today = timezone.localdate()
        assert services.close_lapsed(today) == []  # told first, never closed unannounced
        assert Notice.objects.filter(user=world.people["coach"], text__contains="will close itself").count() == 1
        assert services.close_lapsed(today + datetime.timedelta(days=29)) == []
        closed = services.close_lapsed(today + datetime.timedelta(days=30))
        engagement.refresh_from_db()
        assert [e.pk for e in closed] == [engagement.pk]
        assert engagement.status == Engagement.Status.CLOSED
        assert timezone.localdate(engagement.closed_at) == today + datetime.timedelta(days=30)
        event = AuditEvent.objects.get(action="engagement.close", engagement_id=engagement.pk)
        assert event.actor_id is None and event.detail["automatic"] is True
        assert HardCopy.objects.get(engagement=engagement).state != HardCopy.State.HELD
        assert not Notice.objects.filter(text__contains="will close itself", done_at=None).exists()
        assert services.close_lapsed(today + datetime.timedelta(days=31)) == []  # once only

    def test_one_that_ended_long_ago_is_not_closed_and_swept_the_same_night(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        engagement = ended(world, 3 * 365)
        assert services.close_lapsed() == []
        run_sweep(as_of=timezone.localdate())
        assert Note.objects.filter(engagement_id=engagement.pk).exists()
        assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.ACTIVE

    def test_its_files_then_go_two_years_after_that_day(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        settings.ENGAGEMENT_CLOSE_WARNING_DAYS = 30
        engagement = ended(world, GRACE)
        services.close_lapsed()
        services.close_lapsed(timezone.localdate() + datetime.timedelta(days=30))
        engagement.refresh_from_db()
        day = timezone.localdate(engagement.closed_at)
        run_sweep(as_of=day.replace(year=day.year + 2) - datetime.timedelta(days=1))
        assert Note.objects.filter(engagement_id=engagement.pk).exists()
        run_sweep(as_of=day.replace(year=day.year + 2) + datetime.timedelta(days=1))
        assert not Engagement.objects.filter(pk=engagement.pk).exists()
        assert not Note.objects.filter(engagement_id=engagement.pk).exists()

    def test_within_its_grace_period_it_stays_open(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        engagement = ended(world, GRACE - 1)
        assert services.close_lapsed() == []
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.ACTIVE

    def test_an_engagement_without_an_end_date_is_left_and_the_retention_page_counts_it(
        self, world: World, settings: Any
    ) -> None:
        assert world.engagement.ends_on is None
        assert services.close_lapsed() == []
        page = world.http("admin").get("/retention/").content.decode()
        assert "no end date, so will never close" in page


@pytest.mark.django_db
class TestWarningAMonthBefore:
    def test_the_coach_and_the_administrators_are_told_once(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        settings.ENGAGEMENT_CLOSE_WARNING_DAYS = 30
        engagement = ended(world, GRACE - 20)
        services.close_lapsed()
        services.close_lapsed()
        for persona in ("coach", "admin"):
            told = Notice.objects.filter(user=world.people[persona], text__contains="will close itself")
            assert told.count() == 1
            assert engagement.reference in told.get().text
        assert not Notice.objects.filter(user=world.people["sponsor"], text__contains="close itself").exists()
        assert not Notice.objects.filter(user=world.people["other_coach"], text__contains="close itself").exists()

    def test_not_before_the_month(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        settings.ENGAGEMENT_CLOSE_WARNING_DAYS = 30
        ended(world, GRACE - 31)
        services.close_lapsed()
        assert not Notice.objects.filter(text__contains="will close itself").exists()

    def test_moving_the_end_date_or_closing_it_clears_the_warning(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        engagement = ended(world, GRACE - 20)
        services.close_lapsed()
        services.engagement_update(
            actor=world.people["admin"],
            engagement=engagement,
            expected_version=engagement.version,
            title=engagement.title,
            status=engagement.status,
            starts_on=engagement.starts_on,
            ends_on=timezone.localdate() + datetime.timedelta(days=60),
        )
        assert not Notice.objects.filter(text__contains="will close itself", done_at=None).exists()

    def test_the_retention_page_and_the_engagement_page_show_the_day(self, world: World, settings: Any) -> None:
        settings.ENGAGEMENT_CLOSE_GRACE_DAYS = GRACE
        engagement = ended(world, GRACE - 40)  # not yet a month away: no one has been told
        day = engagement.ends_on + datetime.timedelta(days=GRACE)
        retention = world.http("admin").get("/retention/").content.decode()
        assert engagement.reference in retention.split('id="closing-themselves"')[1]
        assert f"{day:%-d %b %Y}" in retention
        page = world.http("coach").get(f"/engagements/{engagement.pk}/").content.decode()
        assert "Closes itself" in page and f"{day:%-d %b %Y}" in page
        sponsor_page = world.http("sponsor").get(f"/engagements/{engagement.pk}/").content.decode()
        assert "Closes itself" not in sponsor_page


def test_the_retention_page_counts_engagements_without_an_end_date_up_to_a_bound(
    world: World, monkeypatch: Any
) -> None:
    """Issue 23: the count is bounded, so the page costs the same however many there are."""
    from retention import views

    monkeypatch.setattr(views, "WITHOUT_END_DATE_COUNTED", 1)
    assert world.engagement.ends_on is None and world.other_engagement.ends_on is None
    page = world.http("admin").get("/retention/").content.decode()
    assert "More than 1 open engagements have no end date" in page
