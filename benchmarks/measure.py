"""Timing and query counts of real pages, through Django's test client.

The requests go through the whole middleware stack, templates included, with the project's
own settings (``CONN_MAX_AGE=0`` on SQLite, so each request opens its connection). Import
this module only after ``django.setup()``.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

if TYPE_CHECKING:
    from confidentiality.models import User

WARMUP = 3
RUNS = 25


@dataclass
class PageResult:
    url: str
    median_ms: float
    timings_ms: list[float]
    # Processor time of this process: moved less than wall time by other load on the machine.
    median_cpu_ms: float
    queries: list[str]


def login(user: User) -> HttpClient:
    """Sign in as the login page would, second factor included: the tests' own helper."""
    from tests.conftest import login as sign_in

    return sign_in(HttpClient(), user)


def _get(http: HttpClient, url: str, check: Callable[[bytes], None]) -> None:
    response = http.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200 (Location: {response.get('Location')})")
    check(response.content)


Pages = dict[str, tuple[str, Callable[[bytes], None]]]


def _timed(http: HttpClient, url: str, timings: list[float], cpu_timings: list[float]) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    response = http.get(url)
    timings.append((time.perf_counter() - started) * 1000)
    cpu_timings.append((time.process_time() - cpu_started) * 1000)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")


def _result(url: str, timings: list[float], cpu_timings: list[float], queries: list[str]) -> PageResult:
    return PageResult(
        url=url,
        median_ms=statistics.median(timings),
        timings_ms=timings,
        median_cpu_ms=statistics.median(cpu_timings),
        queries=queries,
    )


def measure(http: HttpClient, pages: Pages) -> dict[str, PageResult]:
    """Warm up, count the queries of one request per page, then time ``RUNS`` rounds.

    The rounds visit every page in turn, so a burst of other work on the machine lands on
    all pages alike rather than on whichever page was being timed at that moment.
    """
    queries: dict[str, list[str]] = {}
    for name, (url, check) in pages.items():
        for _ in range(WARMUP):
            _get(http, url, check)
        with CaptureQueriesContext(connection) as captured:
            _get(http, url, check)
        queries[name] = [query["sql"] for query in captured.captured_queries]
    gc.collect()
    timings: dict[str, list[float]] = {name: [] for name in pages}
    cpu_timings: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(RUNS):
        for name, (url, _check) in pages.items():
            _timed(http, url, timings[name], cpu_timings[name])
    return {
        name: _result(url, timings[name], cpu_timings[name], queries[name]) for name, (url, _check) in pages.items()
    }


def snapshot_database(path: Path) -> None:
    """A page-for-page copy of the database as it is now (SQLite's backup API, WAL included)."""
    import sqlite3

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor != "sqlite" or raw is None:
        raise RuntimeError("The benchmark runs on SQLite only.")
    target = sqlite3.connect(path)
    try:
        raw.backup(target)
    finally:
        target.close()


def _use_database(path: Path) -> None:
    # CONN_MAX_AGE=0 closes the connection after every request already; the next one opens
    # the file named here.
    connection.close()
    connection.settings_dict["NAME"] = str(path)


def measure_paired(http: HttpClient, pages: Pages, databases: dict[int, Path]) -> dict[int, dict[str, PageResult]]:
    """The same pages timed against several databases in alternation, request by request.

    Measuring one size after the other lets a change in the machine's load between the two
    show up as a change in the ratio; alternating gives both sizes the same conditions.
    """
    original = connection.settings_dict["NAME"]
    timings: dict[int, dict[str, list[float]]] = {size: {name: [] for name in pages} for size in databases}
    cpu_timings: dict[int, dict[str, list[float]]] = {size: {name: [] for name in pages} for size in databases}
    try:
        for path in databases.values():
            _use_database(path)
            for url, check in pages.values():
                for _ in range(WARMUP):
                    _get(http, url, check)
        gc.collect()
        order = list(databases.items())
        for run in range(RUNS):
            for name, (url, _check) in pages.items():
                for size, path in order if run % 2 == 0 else reversed(order):
                    _use_database(path)
                    _timed(http, url, timings[size][name], cpu_timings[size][name])
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
    return {
        size: {
            name: _result(url, timings[size][name], cpu_timings[size][name], [])
            for name, (url, _check) in pages.items()
        }
        for size in databases
    }


def expect_count(needle: bytes, count: int, what: str) -> Callable[[bytes], None]:
    """A check that the page shows what the seeded practice holds, so a wrong page fails loudly."""

    def check(content: bytes) -> None:
        found = content.count(needle)
        if found != count:
            raise RuntimeError(f"{what}: expected {count}, found {found}")

    return check
