"""Thin Celery tasks: load, call a service, own the retries."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from confidentiality.audit import ChainBroken, audit_anchor_due, audit_record, audit_verify_chain
from confidentiality.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})


@shared_task(ignore_result=True)
def audit_verify_chain_task() -> None:
    report = audit_verify_chain()
    if not report.ok:
        # Ids only: the audit log holds no content, and neither does this line.
        logger.error("Audit chain broken at event %s: %s", report.first_bad_seq, report.reason)
        audit_record(actor=None, action="audit.chain_broken", detail={"seq": report.first_bad_seq or 0})
    else:
        logger.info("Audit chain verified: %s events, %s anchors", report.checked, report.anchors)


@shared_task(ignore_result=True)
def audit_anchor_task() -> None:
    """The chain's head, written outside the database by the hour (e-mailed once a day)."""
    try:
        anchor = audit_anchor_due()
    except ChainBroken as broken:
        logger.error("Audit chain head not anchored: %s", broken)
        return
    logger.info("Audit chain anchored at event %s", anchor.seq)


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=90)
def outbox_send_task(email_id: str) -> None:
    """Deliver one e-mail of the outbox. The row is the truth and keeps the retries: a duplicate
    wake-up, or one for a message not yet due, does nothing."""
    from confidentiality.outbox import outbox_deliver

    outbox_deliver(email_id=email_id)


@shared_task(ignore_result=True)
def outbox_wake_due_task() -> None:
    """Wake the sends the broker lost, and delete messages kept long enough."""
    from confidentiality.outbox import outbox_purge, outbox_wake_due

    woken, purged = outbox_wake_due(), outbox_purge()
    if woken or purged:
        logger.info("Outbox: woke %s e-mails, deleted %s old ones", woken, purged)
