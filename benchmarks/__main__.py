"""`make bench`: do a coach's pages stay as fast at 100,000 engagements as at 1,000? (issue 3)

Seeds a practice in a throwaway SQLite database at two sizes (1,000 then, growing the same
database, 100,000 engagements, ten notes each, one coach holding 50) and, for that coach's
dashboard, one of their engagement pages and its notes list, prints:

- the median server time at each size (``<page>_median_ms_<size>``), and beside it the median
  processor time (``<page>_median_cpu_ms_<size>``, no target), which other load on the machine
  moves less: when the ratio misses, it helps tell a slower page from a busy machine,
- their ratio (``<page>_ratio_<large>_vs_<small>``, target at most 1.2),
- the query count at both sizes (``<page>_queries``, target: equal),
- the same medians and ratio measured a second way (``<page>_paired_…``): after growing, both
  sizes timed again in alternation, request by request, against the 100,000 database and a
  copy of the database taken when it held 1,000. Measured one after the other, minutes apart,
  the two sizes can meet different load on the machine; alternating gives them the same, so
  the paired ratio is the steadier one on a shared machine,
- and the seeding time of each size (``seed_seconds_<size>``: the larger one is the time to grow
  the database from the smaller size), without a target.

Every figure is one JSON line on stdout ({"figure", "value", "unit", "target", "met"});
progress goes to stderr. The developer's database in ``var/`` is never touched: everything
lives in a temporary folder that is removed at the end.

``--sizes`` exists for trying the benchmark quickly; the issue's figures are the default.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = (1_000, 100_000)
RATIO_TARGET = 1.2
PAGES = ("coach_dashboard", "engagement_page", "notes_list")


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    print(json.dumps({"figure": figure, "value": value, "unit": unit, "target": target, "met": met}), flush=True)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Progress:
    """Reports seeding progress on stderr every 15 seconds."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.last = started

    def __call__(self, done: int, target: int) -> None:
        now = time.perf_counter()
        if now - self.last > 15 or done == target:
            self.last = now
            say(f"  {done:,}/{target:,} engagements, {now - self.started:.0f} s")


def configure(var_dir: Path) -> None:
    """Point the settings at the temporary folder before Django reads them."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "confidentiality.settings"
    os.environ["DEPLOYMENT"] = "embedded"
    os.environ["VAR_DIR"] = str(var_dir)
    (var_dir / "static").mkdir(exist_ok=True)  # STATIC_ROOT, which whitenoise looks for
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Secrets are generated into the temporary folder; no cache, broker or keys are shared
    # with a running instance.
    for name in (
        "REDIS_URL",
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "FIELD_ENCRYPTION_KEYS",
        "FIELD_ENCRYPTION_KEYS_FILE",
        "AUDIT_CHAIN_KEYS",
        "AUDIT_CHAIN_KEYS_FILE",
        "AUDIT_ANCHOR_JOURNAL",
    ):
        os.environ.pop(name, None)

    import django

    django.setup()

    from django.conf import settings

    # Seeding users hashes passwords; the fast hasher keeps that out of the seeding time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def warn_if_busy() -> None:
    """Timings are only comparable on an otherwise idle machine; say so when it is not."""
    load = os.getloadavg()[0]
    processors = os.cpu_count() or 1
    if load > processors / 2:
        say(
            f"warning: load average {load:.1f} on {processors} processors: other work on this machine "
            "may slow some timings (compare the processor-time figures)"
        )


def _normalise(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "'?'", sql)
    return re.sub(r"\b\d+\b", "?", sql)


def explain_difference(page: str, small: list[str], large: list[str], sizes: tuple[int, int]) -> None:
    say(f"{page}: {len(small)} queries at {sizes[0]}, {len(large)} at {sizes[1]}; the difference:")
    diff = difflib.unified_diff(
        [_normalise(q) for q in small], [_normalise(q) for q in large], f"at {sizes[0]}", f"at {sizes[1]}", lineterm=""
    )
    for line in diff:
        say("  " + line)


def run(sizes: tuple[int, int], var_dir: Path, *, show_queries: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import measure, seed

    say("migrating the temporary database")
    call_command("migrate", verbosity=0, interactive=False)
    practice = seed.create_practice()
    http = measure.login(practice.coach)

    results: dict[int, dict[str, measure.PageResult]] = {}
    snapshots: dict[int, Path] = {}
    for size in sizes:
        say(f"seeding up to {size:,} engagements ({seed.NOTES_PER_ENGAGEMENT} notes each)")
        started = time.perf_counter()
        seed.grow(practice, size, progress=Progress(started))
        emit(f"seed_seconds_{size}", round(time.perf_counter() - started, 1), "s")

        engagement_id = practice.coach_engagement_ids[0]
        pages = {
            "coach_dashboard": (
                "/dashboard/",
                measure.expect_count(b"ENG-B-", seed.ENGAGEMENTS_PER_COACH, "engagements on the dashboard"),
            ),
            "engagement_page": (
                f"/engagements/{engagement_id}/",
                measure.expect_count(b'class="note-card"', 5, "notes on the engagement page"),
            ),
            "notes_list": (
                f"/engagements/{engagement_id}/notes/",
                measure.expect_count(b'class="note-card"', seed.NOTES_PER_ENGAGEMENT, "notes on the notes list"),
            ),
        }
        warn_if_busy()
        results[size] = measure.measure(http, pages)
        for page, result in results[size].items():
            say(
                f"  {page} at {size:,}: median {result.median_ms:.1f} ms "
                f"(min {min(result.timings_ms):.1f}, max {max(result.timings_ms):.1f}; "
                f"processor {result.median_cpu_ms:.1f} ms), {len(result.queries)} queries"
            )
            emit(f"{page}_median_ms_{size}", round(result.median_ms, 2), "ms")
            emit(f"{page}_median_cpu_ms_{size}", round(result.median_cpu_ms, 2), "ms of processor time")
            if show_queries:
                for number, sql in enumerate(result.queries, 1):
                    say(f"    {number:>2}. {sql}")
        if size == sizes[0]:
            snapshots[size] = var_dir / f"bench-{size}.sqlite3"
            measure.snapshot_database(snapshots[size])

    small, large = sizes
    for page in PAGES:
        ratio = round(results[large][page].median_ms / results[small][page].median_ms, 3)
        emit(f"{page}_ratio_{large}_vs_{small}", ratio, "ratio", RATIO_TARGET, ratio <= RATIO_TARGET)

    say(f"timing both sizes again in alternation (a copy of the database as it was at {small:,})")
    warn_if_busy()
    paired = measure.measure_paired(
        http, pages, {small: snapshots[small], large: Path(connection.settings_dict["NAME"])}
    )
    for size in sizes:
        for page in PAGES:
            emit(f"{page}_paired_median_ms_{size}", round(paired[size][page].median_ms, 2), "ms")
    for page in PAGES:
        ratio = round(paired[large][page].median_ms / paired[small][page].median_ms, 3)
        say(f"  {page}: paired medians {paired[small][page].median_ms:.1f} and {paired[large][page].median_ms:.1f} ms")
        emit(f"{page}_paired_ratio_{large}_vs_{small}", ratio, "ratio", RATIO_TARGET, ratio <= RATIO_TARGET)
    for page in PAGES:
        counts = [len(results[size][page].queries) for size in sizes]
        emit(f"{page}_queries", counts, f"queries at {small} and {large}", "equal", counts[0] == counts[1])
        if counts[0] != counts[1]:
            explain_difference(page, results[small][page].queries, results[large][page].queries, sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES),
        help="two engagement counts, small then large (default: %(default)s, as issue 3 fixes them)",
    )
    parser.add_argument("--show-queries", action="store_true", help="print each page's SQL to stderr")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument(
        "--only",
        choices=("pages", "retention", "finance", "subject-access"),
        help="run only these figures (default: all)",
    )
    parser.add_argument(
        "--retention-sizes",
        default="10000,100000",
        help="expired engagements swept, small then large (default: %(default)s, as issue 7 fixes them)",
    )
    parser.add_argument(
        "--finance-records",
        default="10000,1000000",
        help="financial records for the auditor's pages, small then large (default: %(default)s, as issue 8 "
        "fixes them; about four minutes on SQLite)",
    )
    args = parser.parse_args(argv)
    try:
        small, large = (int(s) for s in args.sizes.split(","))
    except ValueError:
        parser.error("--sizes takes two counts: SMALL,LARGE")
    if not 50 <= small < large:
        parser.error("--sizes needs two counts, at least 50, the second larger")
    try:
        retention_sizes = tuple(int(s) for s in args.retention_sizes.split(","))
    except ValueError:
        parser.error("--retention-sizes takes two counts: SMALL,LARGE")
    if len(retention_sizes) != 2 or not 1 <= retention_sizes[0] < retention_sizes[1]:
        parser.error("--retention-sizes needs two counts, the second larger")

    try:
        finance_sizes = tuple(int(s) for s in args.finance_records.split(","))
    except ValueError:
        parser.error("--finance-records takes two counts: SMALL,LARGE")
    if len(finance_sizes) != 2 or not 100 <= finance_sizes[0] < finance_sizes[1]:
        parser.error("--finance-records needs two counts, at least 100, the second larger")

    started = time.perf_counter()
    var_dir = Path(tempfile.mkdtemp(prefix="coaching-bench-"))
    say(f"working in {var_dir}")
    try:
        configure(var_dir)
        if args.only in (None, "pages"):
            run((small, large), var_dir, show_queries=args.show_queries)
        if args.only in (None, "retention"):
            from benchmarks import retention

            retention.run(var_dir, retention_sizes)
        if args.only in (None, "finance"):
            from benchmarks import finance

            finance.run(var_dir, finance_sizes, show_queries=args.show_queries)
        if args.only in (None, "subject-access"):
            from benchmarks import subject_access

            subject_access.run(var_dir)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception as exc:  # the folder goes in any case
            say(f"could not close the database connections: {exc}")
        if args.keep:
            say(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    say(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
