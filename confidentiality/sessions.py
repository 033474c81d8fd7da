"""The session store: Django's database sessions, with the idle timeout pushed forward by the query
that reads the session.

``SESSION_SAVE_EVERY_REQUEST`` wrote the session back at the end of every page to move its expiry on:
an UPDATE in a transaction of its own after the SELECT that had read it (issue 23's query budget).
Here the read is that UPDATE: ``UPDATE … SET expire_date = now + SESSION_COOKIE_AGE WHERE key = …
AND expire_date > now RETURNING session_data``, one statement, so every request still pushes the
idle expiry on and an expired session is still not read. A session whose data changed is saved by
the session middleware as before. A database without ``RETURNING`` (SQLite before 3.35) reads and
writes back as Django does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    # Only the session of the request being answered (``SessionMiddleware``) has its idle expiry
    # pushed on: a session read from elsewhere (the person's list of their sessions, which every
    # sign-in purges, reads each of them) is read as it is, or it would never go idle.
    pushes_expiry = False

    def load(self) -> dict[str, Any]:
        if not self.pushes_expiry:
            plain: dict[str, Any] = super().load()
            return plain
        connection = connections[router.db_for_write(self.model)]
        if not connection.features.can_return_columns_from_insert:
            self.modified = True  # written back, with a new expiry, when the request ends
            data: dict[str, Any] = super().load()
            return data
        now = timezone.now()
        expires = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET expire_date = %s WHERE session_key = %s AND expire_date > %s "  # noqa: S608
                "RETURNING session_data",
                [
                    connection.ops.adapt_datetimefield_value(expires),
                    self.session_key,
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )
            found = cursor.fetchone()
        if found is None:
            self._session_key = None  # as Django does: a missing or expired session starts afresh
            return {}
        loaded: dict[str, Any] = self.decode(found[0])
        return loaded


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, with the request's own session marked as the one whose expiry its pages push on."""

    def process_request(self, request: Any) -> None:
        super().process_request(request)
        if isinstance(request.session, SessionStore):
            request.session.pushes_expiry = True
