"""Thin Celery tasks for engagements."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def close_lapsed_task() -> None:
    """Close the engagements nobody closed, their end date past by the grace period, and warn a
    month before (engagements.services.close_lapsed)."""
    from engagements.services import close_lapsed

    closed = close_lapsed()
    if closed:
        logger.info("Closed %s engagements whose end date passed the grace period", len(closed))
