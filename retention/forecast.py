"""The retention forecast, counted once and kept (issue 23).

``retention.sweep.preview`` counts, for each rule, what is due now, what holds keep and what falls due
in each of the next twelve months. Counting reads every record the schedule covers: some 40 queries,
six seconds at a million engagements. The retention page and the API's preview read the latest count
instead (one query), and say when it was made:

- a worker counts again every ``RETENTION_FORECAST_MINUTES`` minutes (``confidentiality/schedules.py``);
- a count older than twice that (the worker is down), or from another day, is not used: the page
  counts live, and keeps that count;
- what the administrator does on the retention page shows at once: placing or releasing a hold, and a
  sweep, set the kept count aside (``forecast_set_aside``), so the next view counts again;
- "Count again now" on the page counts at once;
- a dry run for another day (``?as_of=``) is always counted live, as asked.

The sweep never reads this: it decides from the records themselves, batch by batch.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from retention.models import RetentionForecast


def forecast_count(as_of: datetime.date | None = None) -> RetentionForecast:
    """Count the forecast from the records now, and keep it in place of the last."""
    from retention.sweep import preview

    as_of = as_of or timezone.localdate()
    started = time.monotonic()
    data = preview(as_of)
    seconds = time.monotonic() - started
    with transaction.atomic():
        RetentionForecast.objects.all().delete()
        return RetentionForecast.objects.create(as_of=as_of, data=data, seconds=round(seconds, 3))


def _usable(kept: RetentionForecast | None, today: datetime.date) -> bool:
    if kept is None or kept.as_of != today:
        return False
    oldest = timezone.now() - datetime.timedelta(minutes=2 * settings.RETENTION_FORECAST_MINUTES)
    return kept.counted_at >= oldest


def forecast_for(as_of: datetime.date | None = None) -> tuple[dict[str, Any], datetime.datetime | None]:
    """The forecast the page shows, and when it was counted (None: counted now, for a dry run)."""
    from retention.sweep import preview

    today = timezone.localdate()
    if as_of is not None and as_of != today:
        return preview(as_of), None
    kept = RetentionForecast.objects.first()
    if not _usable(kept, today):
        kept = forecast_count(today)
    assert kept is not None
    return kept.data, kept.counted_at


def forecast_set_aside() -> None:
    """Something the forecast counts changed by the administrator's hand (a hold, a sweep): the next
    view counts again, so what they did shows at once."""
    RetentionForecast.objects.all().delete()
