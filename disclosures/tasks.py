"""Thin Celery tasks for concerns."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]  # Celery ships no type hints
def concern_remind_task() -> None:
    """Remind coaches and supervisors of open concerns that have had no step for the practice's
    interval (disclosures.concerns.concern_remind)."""
    from disclosures.concerns import concern_remind

    reminded = concern_remind()
    if reminded:
        logger.info("Reminded the coaches of %s open concerns", reminded)
