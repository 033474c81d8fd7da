"""The outbox as production runs it, for a test: every message is stored by the outbox backend,
and the worker's wake-ups are recorded instead of sent to a broker, so a test says when the
worker runs (``deliver``). Delivery goes to Django's locmem backend (``mail.outbox``) unless a
test names another (``RefusingBackend``: a relay that turns every message away)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from confidentiality import tasks

OUTBOX_BACKEND = "confidentiality.outbox.OutboxEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
REFUSING = "tests.confidentiality.outbox_helpers.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A relay that refuses every recipient; its error names them, as smtplib's does."""

    def send_messages(self, email_messages: Any) -> int:
        refused = {address: (550, b"mailbox unavailable") for m in email_messages for address in m.recipients()}
        raise smtplib.SMTPRecipientsRefused(refused)


@dataclass
class Outbox:
    woken: list[tuple[str, int | None]] = field(default_factory=list)

    def deliver(self) -> int:
        """Run the send task for every wake-up so far, as a worker would; how many it ran."""
        ran = 0
        while self.woken:
            email_id, _ = self.woken.pop(0)
            tasks.outbox_send_task(email_id)
            ran += 1
        return ran


def enable_outbox(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    # Django's test set-up replaces EMAIL_BACKEND with locmem; put the project's own back.
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    mail.outbox.clear()
    box = Outbox()

    def apply_async(args: Any = (), kwargs: Any = None, countdown: int | None = None, **options: Any) -> None:
        box.woken.append((str(args[0]), countdown))

    monkeypatch.setattr(tasks.outbox_send_task, "apply_async", apply_async)
    return box
