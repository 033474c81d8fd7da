"""Secrets that travel in a URL path never reach a log line.

Three links carry a secret in their path, because the person opening them is not signed in: a
feedback link (``/feedback/give/<token>/``), a link to collect the answer to a request
(``/subject-access/collect/<token>/``) and a password-reset link
(``/accounts/password/reset/key/<uid>-<key>/``). Whatever logs a request line, a path or a
referring page (gunicorn's access log, Django's error log) writes ``[redacted]`` in their place.
Django's handlers take ``RedactSecretPaths`` (``settings.LOGGING``); gunicorn takes
``GunicornLogger`` (``--logger-class``, deploy/Procfile and deploy/Procfile.embedded).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn import glogging

SECRET_IN_PATH = re.compile(
    r"(?P<before>/feedback/give/|/subject-access/collect/|/accounts/password/reset/key/[0-9A-Za-z]+-)(?!set-password/)[^/\s\"?#]+"
)


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\g<before>[redacted]", text)


class RedactSecretPaths(logging.Filter):
    """Formats the record's message once, with the secrets taken out of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, with the access and error logs redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecretPaths) for f in log.filters):
                log.addFilter(RedactSecretPaths())
