"""Timing and query counts of real pages, through Django's test client.

The requests go through the whole middleware stack, templates included, with the project's
own settings (``CONN_MAX_AGE=0`` on SQLite, so each request opens its connection). Import
this module only after ``django.setup()``.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
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


# A page: its URL and a check of its content, or the signed-in client to ask it with, its URL
# and the check (pages of several personas measured together).
Check = Callable[[bytes], None]
Pages = Mapping[str, tuple[str, Check] | tuple[HttpClient, str, Check]]
# A slow page (its first request over SLOW_MS) is timed SLOW_RUNS times, not RUNS: a list that
# grows with the practice would otherwise hold the benchmark for many minutes, to the same verdict.
SLOW_MS = 1000
SLOW_RUNS = 5


def _resolved(http: HttpClient, pages: Pages) -> dict[str, tuple[HttpClient, str, Check]]:
    return {name: page if len(page) == 3 else (http, *page) for name, page in pages.items()}


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


def _warm(client: HttpClient, url: str, check: Check) -> float:
    """``WARMUP`` requests; the time of the first, in milliseconds."""
    started = time.perf_counter()
    _get(client, url, check)
    first = (time.perf_counter() - started) * 1000
    for _ in range(WARMUP - 1):
        _get(client, url, check)
    return first


def measure(http: HttpClient, pages: Pages) -> dict[str, PageResult]:
    """Warm up, count the queries of one request per page, then time ``RUNS`` rounds.

    The rounds visit every page in turn, so a burst of other work on the machine lands on
    all pages alike rather than on whichever page was being timed at that moment.
    """
    resolved = _resolved(http, pages)
    queries: dict[str, list[str]] = {}
    runs: dict[str, int] = {}
    for name, (client, url, check) in resolved.items():
        runs[name] = SLOW_RUNS if _warm(client, url, check) > SLOW_MS else RUNS
        with CaptureQueriesContext(connection) as captured:
            _get(client, url, check)
        queries[name] = [query["sql"] for query in captured.captured_queries]
    gc.collect()
    timings: dict[str, list[float]] = {name: [] for name in pages}
    cpu_timings: dict[str, list[float]] = {name: [] for name in pages}
    for run in range(RUNS):
        for name, (client, url, _check) in resolved.items():
            if run < runs[name]:
                _timed(client, url, timings[name], cpu_timings[name])
    return {
        name: _result(url, timings[name], cpu_timings[name], queries[name])
        for name, (_client, url, _check) in resolved.items()
    }


def snapshot_database(target: Path | str) -> None:
    """A copy of the database as it is now: SQLite's backup API (WAL included) to the file
    ``target``; on PostgreSQL a database named ``target`` made from this one as its template."""
    if connection.vendor == "postgresql":
        from benchmarks import engines

        engines.copy_postgresql(str(connection.settings_dict["NAME"]), str(target))
        return
    import sqlite3

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor != "sqlite" or raw is None:
        raise RuntimeError("The benchmark runs on SQLite or PostgreSQL only.")
    copy = sqlite3.connect(target)
    try:
        raw.backup(copy)
    finally:
        copy.close()


def _use_database(name: Path | str) -> None:
    # On SQLite CONN_MAX_AGE=0 closes the connection after every request already; on PostgreSQL
    # the connection is kept between requests, so it is closed here. The next one opens ``name``.
    connection.close()
    connection.settings_dict["NAME"] = str(name)


def measure_paired(
    http: HttpClient, pages: Pages, databases: dict[int, Path | str]
) -> dict[int, dict[str, PageResult]]:
    """The same pages timed against several databases in alternation.

    Measuring one size after the other lets a change in the machine's load between the two
    show up as a change in the ratio; alternating gives both sizes the same conditions. On
    SQLite the database changes request by request (each request opens its connection anyway);
    on PostgreSQL, where a connection is kept and opening one costs more than some pages, it
    changes once a round, and an untimed request opens the connection before the round is timed.
    """
    resolved = _resolved(http, pages)
    per_request = connection.vendor == "sqlite"
    original = connection.settings_dict["NAME"]
    timings: dict[int, dict[str, list[float]]] = {size: {name: [] for name in pages} for size in databases}
    cpu_timings: dict[int, dict[str, list[float]]] = {size: {name: [] for name in pages} for size in databases}
    runs: dict[str, int] = dict.fromkeys(pages, RUNS)
    try:
        for path in databases.values():
            _use_database(path)
            for name, (client, url, check) in resolved.items():
                if _warm(client, url, check) > SLOW_MS:
                    runs[name] = SLOW_RUNS
        gc.collect()
        order = list(databases.items())
        for run in range(RUNS):
            sequence = order if run % 2 == 0 else list(reversed(order))
            if per_request:
                for name, (client, url, _check) in resolved.items():
                    if run < runs[name]:
                        for size, path in sequence:
                            _use_database(path)
                            _timed(client, url, timings[size][name], cpu_timings[size][name])
            else:
                for size, path in sequence:
                    _use_database(path)
                    first_client, first_url, first_check = next(iter(resolved.values()))
                    _get(first_client, first_url, first_check)
                    for name, (client, url, _check) in resolved.items():
                        if run < runs[name]:
                            _timed(client, url, timings[size][name], cpu_timings[size][name])
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
    return {
        size: {
            name: _result(url, timings[size][name], cpu_timings[size][name], [])
            for name, (_client, url, _check) in resolved.items()
        }
        for size in databases
    }


def profile(http: HttpClient, url: str, requests: int = 5, top: int = 15) -> list[tuple[str, float, float]]:
    """Where a page's processor time goes: ``requests`` requests under cProfile; the functions
    with the most time of their own, as (function, own ms a request, cumulative ms a request)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        http.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows: list[tuple[str, float, float]] = []
    for (filename, line, function), (_calls, _primitive, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].split("/wt-bench/")[-1]
        rows.append((f"{where}:{line}({function})", own * 1000 / requests, cumulative * 1000 / requests))
    rows.sort(key=lambda row: row[1], reverse=True)
    return rows[:top]


def expect_count(needle: bytes, count: int, what: str) -> Callable[[bytes], None]:
    """A check that the page shows what the seeded practice holds, so a wrong page fails loudly."""

    def check(content: bytes) -> None:
        found = content.count(needle)
        if found != count:
            raise RuntimeError(f"{what}: expected {count}, found {found}")

    return check
