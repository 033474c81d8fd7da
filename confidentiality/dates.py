"""One style for the dates people read, on pages, in e-mails, notices, PDFs and exports:
"7 Dec 2026" and "7 Dec 2026 14:05" (the templates' ``date:"j M Y"`` and ``"j M Y H:i"``), and
"7 December 2026" where a sentence or a letter spells the month out (``"j F Y"``)."""

from __future__ import annotations

import datetime

from django.utils import timezone


def day(value: datetime.date) -> str:
    return f"{value.day} {value:%b %Y}"


def day_in_words(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime.datetime) -> str:
    """A moment in the practice's time zone."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.day} {local:%b %Y %H:%M}"
