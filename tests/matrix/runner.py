"""Trying one request as one persona, and reading what came back.

Every request runs in a savepoint that is rolled back, so each one meets the same world: an
allowed persona's POST does not change what the next persona sees. Before the rollback, a
denied persona's request is checked to have changed nothing at all (``fingerprint``).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import built_once, login
from tests.matrix import routes
from tests.matrix.table import DENIED, Row
from tests.matrix.world import MatrixWorld

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")
MARKER = re.compile(r"QZ-([A-Za-z]+)-([AB])")

# Tables a request may write without changing anything a person keeps: the session itself (saved
# on every request) and when a token was last used.
_IGNORED_TABLES = {"django_session"}
_IGNORED_COLUMNS = {"confidentiality_apitoken": {"last_used_at"}}
_FINGERPRINT_APPS = (
    "confidentiality",
    "engagements",
    "consent",
    "disclosures",
    "feedback",
    "reports",
    "complaints",
    "rights",
    "people",
    "testimonials",
    "retention",
    "finance",
    "auth",
    "guardian",
    "mfa",
)


# What the matrix covered in this run, for the summary line (tests/conftest.py prints it).
SIZE: dict[str, int] = {}


def summary_line(size: dict[str, int]) -> str:
    return (
        f"{size['url_patterns']} URL patterns (the API's {size['api_patterns']} tried as its"
        f" {size['api_operations']} operations) × {size['personas']} personas × {size['objects']} objects:"
        f" {size['rows']} table rows; held at the door: {size['gate_personas']} personas × {size['gate_rows']}"
        f" rows; {size.get('requests', 0)} requests tried"
    )


def record_size(**counts: int) -> None:
    SIZE.update(counts)


def count_requests(n: int) -> None:
    SIZE["requests"] = SIZE.get("requests", 0) + n


@dataclass
class Outcome:
    code: str  # "200", "404", "LOG" (sent to sign in), "EXC" (the view raised)
    body: str
    markers: set[str] = field(default_factory=set)
    changed: bool = False
    error: str = ""
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # the security headers it carried
    queries: int = 0  # the database queries the request made

    @property
    def inline_html(self) -> bool:
        """An HTML page a browser would run: it must carry no inline script."""
        return self.content_type.startswith("text/html")


def status_code(response: Any, *, policy_gate: bool = False) -> str:
    """With ``policy_gate``, a redirect to the page where staff accept the practice's policies is POL
    (the middleware's answer to someone who has not accepted them yet). Only the gate pass asks for
    it: the policy pages themselves send people there too, and the main table calls that 302."""
    location = response.get("Location", "") if response.status_code == 302 else ""
    if location.startswith(resolve_url(settings.LOGIN_URL)):
        return "LOG"
    if policy_gate and location.partition("?")[0] == reverse("policies:accept"):
        return "POL"
    return str(response.status_code)


class Personas:
    """A signed-in browser session and an API token for each persona, made once per world; for the
    personas held at the door, the session and token they already held (``MatrixWorld.held``)."""

    def __init__(self, people: dict[str, Any], held: dict[str, tuple[str, str]] | None = None) -> None:
        from tests.conftest import issue_token

        self.sessions: dict[str, str | None] = {}
        self._browsers: dict[str, HttpClient] = {}
        self._apis: dict[str, HttpClient] = {}
        self.keys: dict[str, str | None] = {}
        for persona, user in people.items():
            if user is None:
                self.sessions[persona] = self.keys[persona] = None
                continue
            self.sessions[persona] = login(HttpClient(), user).session.session_key
            self.keys[persona] = issue_token(user, "matrix")
        for persona, (session_key, key) in (held or {}).items():
            self.sessions[persona], self.keys[persona] = session_key, key

    def browser(self, persona: str) -> HttpClient:
        """The persona's browser, signed in afresh: a logout answered to one request must not sign the
        persona out of the next one (the session row itself comes back with the rollback). One client
        per persona, because each new client loads the whole middleware stack again."""
        http = self._browsers.get(persona)
        if http is None:
            http = self._browsers[persona] = HttpClient(raise_request_exception=False)
        http.cookies = SimpleCookie()
        key = self.sessions[persona]
        if key is not None:
            http.cookies[settings.SESSION_COOKIE_NAME] = key
        return http

    def api(self, persona: str) -> HttpClient:
        http = self._apis.get(persona)
        if http is None:
            key = self.keys[persona]
            headers = {} if key is None else {"Authorization": f"Bearer {key}"}
            http = self._apis[persona] = HttpClient(raise_request_exception=False, headers=headers)
        http.cookies = SimpleCookie()
        return http


@dataclass
class Matrix:
    world: MatrixWorld
    personas: Personas
    baseline: str  # the fingerprint of the world as built


def _queries() -> dict[str, str]:
    """Per table a person's rows live in, the query that reads every row of it."""
    queries = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.app_label not in _FINGERPRINT_APPS or not model._meta.managed or table in _IGNORED_TABLES:
            continue
        skip = _IGNORED_COLUMNS.get(table, set())
        columns = ", ".join(
            connection.ops.quote_name(f.column) for f in model._meta.concrete_fields if f.column not in skip
        )
        queries[table] = f"SELECT {columns} FROM {connection.ops.quote_name(table)} ORDER BY 1"  # noqa: S608
    return dict(sorted(queries.items()))


_QUERIES: dict[str, str] = {}
# Per fingerprint taken, the digest of each table it read: a request that wrote to two tables is
# then checked by reading those two again, not every table.
_DIGESTS: dict[str, dict[str, str]] = {}
# On PostgreSQL, the tables' ids in the order of ``_QUERIES``.
_OIDS: list[int] = []

# What rows_written returns: per table (PostgreSQL), or one count for the connection (SQLite).
Written = tuple[int, ...] | int | None


def _tables() -> dict[str, str]:
    if not _QUERIES:
        _QUERIES.update(_queries())
    return _QUERIES


def rows_written() -> Written:
    """Rows inserted, updated or deleted so far, rolled back or not: on PostgreSQL per table the
    fingerprint reads, by this transaction (the statistics functions, one query); on SQLite on this
    connection, in any table (``total_changes``); None where neither is known."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        tables = _tables()
        with connection.cursor() as cursor:
            if not _OIDS:
                cursor.execute(
                    "SELECT c.relname, c.oid FROM pg_class c WHERE c.relname = ANY(%s)"
                    " AND c.relkind = 'r' AND pg_table_is_visible(c.oid)",
                    [list(tables)],
                )
                oid_of = dict(cursor.fetchall())
                _OIDS.extend(oid_of[table] for table in tables)
            cursor.execute(
                "SELECT pg_stat_get_xact_tuples_inserted(o) + pg_stat_get_xact_tuples_updated(o)"
                " + pg_stat_get_xact_tuples_deleted(o) FROM unnest(%s::oid[]) WITH ORDINALITY AS t(o, n) ORDER BY n",
                [_OIDS],
            )
            return tuple(row[0] for row in cursor.fetchall())
    return getattr(connection.connection, "total_changes", None)


def changed_since(written_before: Written, baseline: str, *, except_reads: bool = False) -> bool:
    """Whether the world differs from ``baseline``, a fingerprint taken earlier (``except_reads`` as
    it was taken). Only the tables written since ``written_before`` are read again; if none was
    written the world cannot differ. With nothing known of the writes, every table is read."""
    written = rows_written() if written_before is not None else None
    if written is not None and written == written_before:
        return False
    if isinstance(written, tuple) and isinstance(written_before, tuple) and baseline in _DIGESTS:
        tables = [table for table, now, then in zip(_tables(), written, written_before, strict=True) if now != then]
        before = _DIGESTS[baseline]
        return _digests(tables, except_reads=except_reads) != {table: before[table] for table in tables}
    return fingerprint(except_reads=except_reads) != baseline


def _digests(tables: list[str], *, except_reads: bool) -> dict[str, str]:
    audit = "confidentiality_auditevent"
    digests = {}
    with connection.cursor() as cursor:
        for table in tables:
            query = _tables()[table]
            if except_reads and table == audit:
                query = query.replace(" ORDER BY 1", " WHERE action NOT LIKE '%%.read' ORDER BY 1")
            elif except_reads and table == "confidentiality_auditchainhead":
                digests[table] = ""  # the chain's head moves with every event, reads included
                continue
            cursor.execute(query)
            digests[table] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digests


def fingerprint(*, except_reads: bool = False) -> str:
    """A digest of every row a person keeps: equal before and after means nothing changed. With
    ``except_reads``, the audit log's records of reads are left out: a refused form shown again
    shows the page it is on, and reading a page is audited."""
    digests = _digests(list(_tables()), except_reads=except_reads)
    result = hashlib.sha256(repr(sorted(digests.items())).encode()).hexdigest()
    _DIGESTS[result] = digests
    return result


def readable(response: Any) -> str:
    """The response as text a person could read: PDFs and ZIP archives opened up."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    if content_type.startswith("application/zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                return "\n".join(
                    archive.read(name).decode("utf-8", "replace")
                    for name in archive.namelist()
                    if not name.endswith(".pdf")
                )
        except (zipfile.BadZipFile, RuntimeError):  # sealed (encrypted) archives stay opaque
            return ""
    return raw.decode("utf-8", "replace")


def _send(http: HttpClient, method: str, path: str, body: tuple[str, dict[str, Any]] | None, api: bool) -> Any:
    kind, data = body if body is not None else ("json" if api else "form", {})
    if method == "GET":
        return http.get(path)
    if method == "DELETE":
        return http.delete(path)
    if kind == "multipart":
        if method != "POST":
            raise ValueError("multipart bodies are sent with POST")
        return http.post(path, data)
    if kind == "json":
        return http.generic(method, path, json.dumps(data).encode(), "application/json")
    return http.generic(method, path, urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded")


def attempt(
    http: HttpClient,
    method: str,
    path: str,
    *,
    body: tuple[str, dict[str, Any]] | None = None,
    api: bool = False,
    check_unchanged: str | None = None,
    policy_gate: bool = False,
    nothing_written: str | None = None,
) -> Outcome:
    """One request in a savepoint that is rolled back. With ``check_unchanged`` (the world's
    fingerprint), whether the request changed anything is measured before the rollback. With
    ``nothing_written`` (the world's fingerprint leaving out the records of reads), it is measured
    whatever the answer: a form refused and shown again has read its page and written nothing else."""
    written = rows_written() if check_unchanged is not None or nothing_written is not None else None
    with transaction.atomic():
        try:
            with CaptureQueriesContext(connection) as captured:
                response = _send(http, method, path, body, api)
            code, text, error = status_code(response, policy_gate=policy_gate), readable(response), ""
            content_type = response.get("Content-Type", "")
            headers = {name: response[name] for name in SECURITY_HEADERS if name in response}
        except Exception as exc:  # the client re-raises some failures even when told not to
            code, text, error, content_type, headers = "EXC", "", f"{type(exc).__name__}: {exc}", "", {}
        queries = len(captured.captured_queries)
        # Only a denied request must have changed nothing (an allowed read is audited, a write writes).
        changed = check_unchanged is not None and code in DENIED and changed_since(written, check_unchanged)
        if nothing_written is not None and not changed:
            changed = changed_since(written, nothing_written, except_reads=True)
        transaction.set_rollback(True)
    markers = {f"{m.group(1)}-{m.group(2)}" for m in MARKER.finditer(text)}
    return Outcome(code, text, markers, changed, error, content_type=content_type, headers=headers, queries=queries)


@contextmanager
def built_world(django_db_blocker: Any, media_root: Path, *, hostile: bool = False) -> Iterator[Matrix]:
    """The world, built once inside a transaction that is rolled back when the caller is done.

    For a module-scoped fixture: each test then runs in a savepoint of that transaction
    (pytest-django's ``db``), and each request in a savepoint of its own (``attempt``).
    """
    from tests.matrix.world import build

    with built_once(django_db_blocker, media_root) as make:
        world = make(lambda: build(hostile=hostile))
        with django_db_blocker.unblock():
            yield Matrix(world, Personas(world.people, world.held), fingerprint())


MISSING_UUID = uuid.UUID(int=0)

# DRF's format-suffix patterns: the path each row's object stands for. (Other patterns written as
# regular expressions name their path in the object column, starting with "/".)
REGEX_PATHS: dict[str, Callable[[MatrixWorld, str], str]] = {
    r"api/v1/engagements\.(?P<format>[a-z0-9]+)/?$": lambda w, k: "/api/v1/engagements.json",
    r"api/v1/engagements/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$": lambda w, k: f"/api/v1/engagements/{w.pk(k)}.json",
}


def path_for(row: Row, world: MatrixWorld) -> str:
    if row.obj.startswith("/"):
        return row.obj
    if row.target in REGEX_PATHS:
        return REGEX_PATHS[row.target](world, row.obj)
    key, _, extra = row.obj.partition(":")
    if row.is_api_operation:
        if "{id}" not in row.target:
            return row.target
        return row.target.replace("{id}", str(MISSING_UUID if key == "missing" else world.pk(key)))
    values: dict[str, Any] = {}
    for name in routes.kwarg_names(row.target):
        if name == "pk" and key == "user":  # a person's account: "user:coach"
            person = world.people[extra]
            assert person is not None
            values[name] = person.pk
        elif name == "pk":
            is_int = "<int:pk>" in row.target
            values[name] = (0 if is_int else MISSING_UUID) if key == "missing" else world.pk(key)
        elif name == "user_id":
            person = world.people[extra]
            assert person is not None
            values[name] = person.pk
        elif name in ("action", "scope", "kind"):
            values[name] = extra
        elif name == "token":
            values[name] = world.tokens.get(key, key)
        else:
            raise KeyError(f"{row.id}: no value for <{name}>; teach path_for in test_matrix.py")
    return routes.fill(row.target, values)


def uses_api_client(row: Row) -> bool:
    return row.is_api_operation or row.target.startswith("api/v1/")
