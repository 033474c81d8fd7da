"""Thin Celery tasks for retention and subject access."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def retention_sweep_task() -> None:
    """The daily sweep, then the week-ahead warning to the administrators."""
    from retention.services import warn_week_ahead
    from retention.sweep import run_sweep

    outcome = run_sweep()
    logger.info("Retention sweep %s: %s", outcome.sweep.state, dict(outcome.deleted))
    warn_week_ahead(timezone.localdate(), settings.RETENTION_WARNING_DAYS)


# --- subject access ---------------------------------------------------------------------------


@shared_task(ignore_result=True)
def subject_access_export_task(export_id: str) -> None:
    """Build one subject-access copy. The export row is the truth: a duplicate message finds the
    job claimed or done and does nothing."""
    from retention.subject_access import export_build

    export_build(export_id=export_id)


@shared_task(ignore_result=True)
def subject_access_requeue_stale_task() -> None:
    """Send again the copies whose worker died (the filesystem broker loses such a message)."""
    from retention.subject_access import requeue_stale_exports

    requeued = requeue_stale_exports()
    if requeued:
        logger.info("Re-queued %s subject-access exports", requeued)
