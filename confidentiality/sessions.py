"""The session store: Django's database sessions, with the idle timeout pushed forward at most once a
minute rather than on every request.

``SESSION_SAVE_EVERY_REQUEST`` wrote the session back on every page to move its expiry on: an UPDATE
in a transaction of its own on each request, whatever the page (issue 23's query budget). Here a
session whose expiry was written more than ``REFRESH_AFTER`` ago is marked modified as it is loaded,
and the session middleware writes it (with a new expiry) as before. A session therefore ends between
29 and 30 idle minutes after its last request, never later than ``SESSION_COOKIE_AGE``: the idle
rule is kept, at most a minute earlier.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

REFRESH_AFTER = timedelta(seconds=60)


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        found = self._get_session_from_db()  # type: ignore[attr-defined]  # Django's own, unstubbed
        if found is None:
            return {}
        written_ago = timedelta(seconds=settings.SESSION_COOKIE_AGE) - (found.expire_date - timezone.now())
        if written_ago >= REFRESH_AFTER:
            self.modified = True
        data: dict[str, Any] = self.decode(found.session_data)
        return data
