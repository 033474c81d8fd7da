"""Thin Celery tasks for people who join and leave."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]  # Celery ships no type hints
def offboard_lapsed_task() -> None:
    """Offboard everyone whose contract's last day is past (they are refused already, from the
    first moment of the next day; this removes their permissions, tokens and sessions for good)
    and expire auditors' credentials from before their last audit closed."""
    from people.services import offboard_lapsed

    done = offboard_lapsed()
    if done:
        logger.info("Offboarded %s people whose contract ended", len(done))
