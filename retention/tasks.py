"""Thin Celery tasks for retention."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def retention_forecast_task() -> None:
    """Count the retention page's forecast again (retention/forecast.py)."""
    from retention.forecast import forecast_count

    kept = forecast_count()
    logger.info("Retention forecast counted in %.2f s", kept.seconds)


@shared_task(ignore_result=True)
def retention_sweep_task() -> None:
    """The daily sweep, then the week-ahead warning to the administrators."""
    from retention.services import warn_week_ahead
    from retention.sweep import run_sweep

    outcome = run_sweep()
    logger.info("Retention sweep %s: %s", outcome.sweep.state, dict(outcome.deleted))
    warn_week_ahead(timezone.localdate(), settings.RETENTION_WARNING_DAYS)
