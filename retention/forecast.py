"""The retention forecast, counted once and kept (issue 23).

``retention.sweep.preview`` counts, for each rule, what is due now, what holds keep and what falls due
in each of the next twelve months. Counting reads every record the schedule covers: some 40 queries,
six seconds at a million engagements. The retention page and the API's preview read the latest count
instead (one query), and say when it was made:

- a worker counts again every ``RETENTION_FORECAST_MINUTES`` minutes (``confidentiality/schedules.py``);
- a count older than twice that (the worker is down), or from another day, is not used: the page
  counts live, and keeps that count;
- what the administrator does shows at once: placing or releasing a hold, and a sweep, set the kept
  count aside (``forecast_set_aside``: a row without data, dated), so the next view counts again;
  a count that began before it was set aside, and finishes after, is never kept (it could not
  have seen the hold);
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
    """Count the forecast from the records now, and keep it in place of the last, unless the kept
    count was set aside after this one began (then it is returned, not kept)."""
    from retention.sweep import preview

    as_of = as_of or timezone.localdate()
    began, started = timezone.now(), time.monotonic()
    data = preview(as_of)
    counted = RetentionForecast(as_of=as_of, counted_at=began, data=data, seconds=round(time.monotonic() - started, 3))
    with transaction.atomic():
        latest = RetentionForecast.objects.select_for_update().order_by("-counted_at").first()
        if latest is not None and latest.counted_at > began:
            return counted  # set aside (or counted again) meanwhile: this count is already old
        RetentionForecast.objects.all().delete()
        counted.save(force_insert=True)
    return counted


def _usable(kept: RetentionForecast | None, today: datetime.date) -> bool:
    if kept is None or kept.data is None or kept.as_of != today:
        return False
    oldest = timezone.now() - datetime.timedelta(minutes=2 * settings.RETENTION_FORECAST_MINUTES)
    return kept.counted_at >= oldest


def forecast_for(as_of: datetime.date | None = None) -> tuple[dict[str, Any], datetime.datetime | None]:
    """The forecast the page shows, and when its count began (None: a dry run, counted now)."""
    from retention.sweep import preview

    today = timezone.localdate()
    if as_of is not None and as_of != today:
        return preview(as_of), None
    kept = RetentionForecast.objects.order_by("-counted_at").first()
    if not _usable(kept, today):
        kept = forecast_count(today)
    assert kept is not None and kept.data is not None
    return kept.data, kept.counted_at


def forecast_set_aside() -> None:
    """Something the forecast counts changed by the administrator's hand (a hold, a sweep): the next
    view counts again, so what they did shows at once; a count already under way is not kept."""
    RetentionForecast.objects.all().delete()
    RetentionForecast.objects.create(as_of=timezone.localdate(), counted_at=timezone.now(), data=None)
