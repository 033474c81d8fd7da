"""Secrets in link paths never reach a log line: gunicorn's access log and Django's own log."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from confidentiality.logredact import GunicornLogger, RedactSecretPaths, redact

TOKEN = "Zq3-feedback_TOKEN-9xY"
RESET = "/accounts/password/reset/key/1k-cdq3a1-8c1b2f0d9e7a6b5c4d3e2f1a/"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /feedback/give/{TOKEN}/ HTTP/1.1", "GET /feedback/give/[redacted]/ HTTP/1.1"),
        (
            f"https://practice.example/feedback/give/{TOKEN}/?x=1",
            "https://practice.example/feedback/give/[redacted]/?x=1",
        ),
        (RESET, "/accounts/password/reset/key/1k-[redacted]/"),
        # After the first visit the key is in the session and the path holds none: kept as it is.
        ("/accounts/password/reset/key/1k-set-password/", "/accounts/password/reset/key/1k-set-password/"),
        ("/engagements/feedback/8f0c/", "/engagements/feedback/8f0c/"),
    ],
)
def test_it_takes_the_secret_out_of_a_path(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_gunicorns_access_log_holds_neither_the_link_nor_the_page_it_was_opened_from() -> None:
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = GunicornLogger(cfg)
    lines = Lines()
    logger.access_log.addHandler(lines)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/feedback/give/{TOKEN}/",
        "PATH_INFO": f"/feedback/give/{TOKEN}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
        "HTTP_REFERER": f"https://practice.example/feedback/give/{TOKEN}/",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    resp = SimpleNamespace(status="302 Found", headers=[], sent=0)
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(resp, req, environ, datetime.timedelta(milliseconds=12))
    assert len(lines.lines) == 1
    line = lines.lines[0]
    assert TOKEN not in line
    assert line.count("/feedback/give/[redacted]/") == 2  # the request line and the referring page
    assert '"POST' in line and " 302 " in line  # the rest of the line is as gunicorn writes it


def test_djangos_log_handler_redacts_a_logged_path() -> None:
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecretPaths) for f in h.filters)]
    assert handlers, "settings.LOGGING gives the console handler the redacting filter"
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", (f"/feedback/give/{TOKEN}/",), None
    )
    assert handlers[0].filter(record)
    assert handlers[0].format(record).endswith("Internal Server Error: /feedback/give/[redacted]/")
