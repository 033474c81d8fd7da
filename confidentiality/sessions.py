"""Idle sessions end ``SESSION_COOKIE_AGE`` after the last request (30 minutes by default).

Django's way, ``SESSION_SAVE_EVERY_REQUEST``, saves the session on every request to push its
expiry on: every page paid a transaction that updates the session's row (three queries, and a
commit the database flushes to disk), the most frequent write the application makes. Here the
expiry is pushed on only when the last push is at least ``refresh_interval()`` old (a thirtieth
of the idle time: a minute of thirty). A session therefore ends between 29 and 30 minutes after
its last request: sooner by at most that minute, never later. A session that changes for its own
reasons (a sign-in, a message) is saved as before, and that save pushes the expiry on as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REFRESHED_AT = "_expiry_refreshed_at"


def refresh_interval() -> int:
    return max(1, settings.SESSION_COOKIE_AGE // 30)


class SessionExpiryMiddleware:
    """Marks the session to be saved (so its expiry moves on) when the last save is
    ``refresh_interval()`` or more ago. After SessionMiddleware, which does the saving."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.session_key is not None:
            refreshed_at = session.get(REFRESHED_AT)  # loads it: an unknown key is then dropped
            now = int(time.time())
            stale = not isinstance(refreshed_at, int) or not 0 <= now - refreshed_at < refresh_interval()
            if session.session_key is not None and stale:
                session[REFRESHED_AT] = now
        response = self.get_response(request)
        if request.session.modified and request.session.session_key is not None:
            # Saved anyway (a sign-in, a message): the expiry moves on with it.
            request.session[REFRESHED_AT] = int(time.time())
        return response
