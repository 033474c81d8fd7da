"""Thin Celery tasks for the financial records."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def monthly_totals_reconcile_task() -> None:
    """Nightly: the monthly totals against the records; the administrators are told of a difference."""
    from finance.services import monthly_totals_reconcile

    found = monthly_totals_reconcile(actor=None)
    if found:
        logger.error("Monthly financial totals differ from the records in %d places", len(found))
