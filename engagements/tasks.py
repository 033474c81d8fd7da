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


@shared_task(ignore_result=True)
def practice_counts_reconcile_task() -> None:
    """Nightly: the practice's kept counts against the tables (engagements/counts.py); a difference is
    put right and the administrators are told."""
    import access
    from confidentiality.notify import notify
    from engagements.counts import counts_reconcile

    differ = counts_reconcile()
    if differ:
        logger.error("The practice's kept counts differed from the tables for %s", ", ".join(sorted(differ)))
        notify(
            users=access.administrators(),
            text="The dashboard's counts of engagements, clients or organisations differed from the records "
            f"({', '.join(sorted(differ))}) and have been put right. If it happens again, tell your technical "
            "support: a database change may have dropped the triggers that keep them.",
        )
