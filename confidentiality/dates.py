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


# How far back the administrator may date something that reached the practice by letter,
# telephone or in person (a request under a right, a complaint): further back is a typing mistake,
# or something already answered late.
RECEIVED_BACKDATE_DAYS = 90


def received_day(value: object, *, what: str) -> datetime.date:
    """The day ``what`` ("request", "complaint") reached the practice, as the administrator records
    it: today when not given; never in the future, nor more than RECEIVED_BACKDATE_DAYS back."""
    from django.core.exceptions import ValidationError

    today = timezone.localdate()
    if value is None or value == "":
        return today
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({"received_on": f"The day the {what} was received must be a date."})
    if value > today:
        raise ValidationError({"received_on": f"The {what} cannot have been received in the future."})
    if value < today - datetime.timedelta(days=RECEIVED_BACKDATE_DAYS):
        raise ValidationError({"received_on": f"Record a {what} within {RECEIVED_BACKDATE_DAYS} days of receiving it."})
    return value
