"""Thin Celery tasks for data-subject rights: building the copies, and sending again those whose
worker died."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]  # Celery ships no type hints
def subject_access_export_task(export_id: str) -> None:
    """Build one subject-access copy. The export row is the truth: a duplicate message finds the
    job claimed or done and does nothing."""
    from rights.services import export_build

    export_build(export_id=export_id)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]  # Celery ships no type hints
def subject_access_requeue_stale_task() -> None:
    """Send again the copies whose worker died (the filesystem broker loses such a message)."""
    from rights.services import requeue_stale_exports

    requeued = requeue_stale_exports()
    if requeued:
        logger.info("Re-queued %s subject-access exports", requeued)
