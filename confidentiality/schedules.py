"""Every periodic schedule, declared here and nowhere else. Times are UTC.

``manage.py sync_schedules`` writes them to django-celery-beat, where the administrator
sees them in the admin; it is idempotent and runs on every deploy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("worker heartbeat", "confidentiality.tasks.heartbeat_task", every_seconds=60),
    # The outbox's rows are the truth; this wakes the sends whose broker message was lost.
    Schedule("send e-mail that is due", "confidentiality.tasks.outbox_wake_due_task", every_seconds=60),
    Schedule("verify the audit chain", "confidentiality.tasks.audit_verify_chain_task", crontab="15 2 * * *"),
    Schedule("anchor the audit chain", "confidentiality.tasks.audit_anchor_task", crontab="5 * * * *"),
    # Before the sweep: an engagement nobody closed closes itself after its end date and grace period.
    Schedule("close engagements past their end", "engagements.tasks.close_lapsed_task", crontab="10 1 * * *"),
    Schedule("retention sweep", "retention.tasks.retention_sweep_task", crontab="30 1 * * *"),
    # The retention page reads the forecast counted here (retention/forecast.py), not the records.
    Schedule("count the retention forecast", "retention.tasks.retention_forecast_task", every_seconds=10 * 60),
    # After the sweep, whose deletions the totals' triggers take back out: totals equal the records.
    Schedule("reconcile financial totals", "finance.tasks.monthly_totals_reconcile_task", crontab="0 3 * * *"),
    Schedule("check the practice's counts", "engagements.tasks.practice_counts_reconcile_task", crontab="5 3 * * *"),
    # Policy 004: an open concern is returned to. In the morning, when coaches read their notices.
    Schedule("remind coaches of open concerns", "disclosures.tasks.concern_remind_task", crontab="0 7 * * *"),
    # Access already ends at the contract's last midnight (the access policy checks the date);
    # this takes away what is left soon after: permissions, tokens, sessions.
    Schedule("offboard people whose contract ended", "people.tasks.offboard_lapsed_task", every_seconds=15 * 60),
    Schedule(
        "re-queue stale subject-access exports",
        "rights.tasks.subject_access_requeue_stale_task",
        every_seconds=10 * 60,
    ),
)


def sync_schedules() -> list[str]:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    names = []
    with transaction.atomic():
        for schedule in SCHEDULES:
            defaults: dict = {"task": schedule.task, "enabled": True, "interval": None, "crontab": None}
            create_defaults: dict = {}
            if schedule.every_seconds is not None:
                interval, _ = IntervalSchedule.objects.get_or_create(
                    every=schedule.every_seconds, period=IntervalSchedule.SECONDS
                )
                defaults["interval"] = interval
                # A new interval schedule is due at once: on a new deployment beat sends the first
                # heartbeat as it starts, so /healthz proves beat → broker → worker → database within
                # seconds, not a minute later. Later releases keep the time beat recorded.
                create_defaults["last_run_at"] = timezone.now() - timedelta(seconds=schedule.every_seconds)
            else:
                assert schedule.crontab is not None
                minute, hour, dom, month, dow = schedule.crontab.split()
                crontab, _ = CrontabSchedule.objects.get_or_create(
                    minute=minute, hour=hour, day_of_month=dom, month_of_year=month, day_of_week=dow, timezone="UTC"
                )
                defaults["crontab"] = crontab
            PeriodicTask.objects.update_or_create(
                name=schedule.name, defaults=defaults, create_defaults=defaults | create_defaults
            )
            names.append(schedule.name)
        # Schedules removed from this file are removed from the database too.
        PeriodicTask.objects.exclude(name__in=names).exclude(name__startswith="celery.").delete()
    return names
