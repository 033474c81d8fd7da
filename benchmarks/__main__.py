"""`make bench`: do the pages people open daily stay as fast at 1,000,000 engagements as at
1,000, on SQLite and on PostgreSQL? (issues 3 and 23)

Seeds a practice in a throwaway database at two sizes (1,000 then, growing the same database,
1,000,000 engagements; one coach holding 50 with ten notes each, every other engagement with
two; seeded with SQL, see ``benchmarks/bulk.py``) and, for the pages a coach, a client, a
sponsor and an administrator open daily (``PAGES``: the dashboard of each, an engagement page,
its notes list and its reports, the client's "who has read my file", the retention page and the
administrator's people list), prints:

- the median server time at each size (``<page>_median_ms_<size>``), and beside it the median
  processor time of this process (``<page>_median_cpu_ms_<size>``, target at most 20 ms: on
  SQLite it includes the database's work, on PostgreSQL the server's work is in another process
  and is not counted), which other load on the machine moves less,
- their ratio (``<page>_ratio_<large>_vs_<small>``, target at most 1.2),
- the query count at both sizes (``<page>_queries``, target: equal),
- the same medians and ratio measured a second way (``<page>_paired_…``): after growing, both
  sizes timed again in alternation against the large database and a copy of the database taken
  when it held the small size (a file on SQLite, a ``TEMPLATE`` copy on PostgreSQL). Measured
  one after the other, minutes apart, the two sizes can meet different load on the machine;
  alternating gives them the same, so the paired ratio is the steadier one on a shared machine,
- the page with the most processor time at the large size (``slowest_page_<large>``) and where
  that time went (``slowest_page_profile_<large>``: cProfile's functions with the most time of
  their own, per request; the longer listing goes to stderr),
- and the seeding time of each size (``seed_seconds_<size>``: the larger one is the time to grow
  the database from the smaller size), without a target.

``--engine`` picks SQLite, PostgreSQL or both (the default, one after the other, each in a
process of its own). SQLite's figures keep the names they always had; PostgreSQL's start with
``postgresql_``. The retention figures run on both engines; the finance and subject-access
figures on SQLite only (their seeding is SQLite's SQL).

Every figure is one JSON line on stdout ({"figure", "value", "unit", "target", "met"});
progress goes to stderr. The developer's database in ``var/`` is never touched: everything
lives in a temporary folder (SQLite) or in databases named for this run (PostgreSQL at
``BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432``), removed at the end.

``--sizes`` exists for trying the benchmark quickly (``--sizes 1000,20000 --only pages`` takes
about a minute a engine); the issue's figures are the default.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import output
from benchmarks.engines import ENGINES

SIZES = (1_000, 1_000_000)
RATIO_TARGET = 1.2
CPU_TARGET_MS = 20
PAGES = (
    "coach_dashboard",
    "engagement_page",
    "notes_list",
    "reports",
    "client_dashboard",
    "who_has_read",
    "sponsor_dashboard",
    "admin_dashboard",
    "retention_page",
    "people",
)
PARTS = ("pages", "retention", "finance", "subject-access")
SQLITE_ONLY = ("finance", "subject-access")


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    output.emit(figure, value, unit, target, met)


def say(message: str) -> None:
    output.say(message)


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


def configure(var_dir: Path, *, database_url: str | None = None) -> None:
    """Point the settings at the temporary folder (and database) before Django reads them."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "confidentiality.settings"
    os.environ["DEPLOYMENT"] = "embedded"
    os.environ["VAR_DIR"] = str(var_dir)
    (var_dir / "static").mkdir(exist_ok=True)  # STATIC_ROOT, which whitenoise looks for
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}"
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
        "DATABASE_OWNER_URL",
        "AS_DATABASE_OWNER",
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


def _answers(content: bytes) -> None:
    """Any page that answers 200 (the status is checked for every page)."""


def personas(practice: Any) -> dict[str, Any]:
    """The administrator and the client through the services; the sponsor of the measured coach's
    organisation as seeded (the organisation's sponsor contact)."""
    from confidentiality.models import User
    from confidentiality.roles import Role
    from confidentiality.services import user_create
    from engagements.models import Engagement
    from engagements.services import client_login_give

    admin = user_create(
        actor=None, email="bench.admin@practice.example", role=Role.ADMIN, password="bench admin password 2026"
    )
    engagement = Engagement.objects.select_related("client").get(pk=practice.coach_engagement_ids[0])
    client = client_login_give(actor=admin, client=engagement.client)
    sponsor = User.objects.get(pk=practice.sponsor_ids[0])
    return {"coach": practice.coach, "client": client, "sponsor": sponsor, "admin": admin}


def page_list(practice: Any, people: dict[str, Any]) -> Any:
    from benchmarks import measure, seed

    http = {role: measure.login(user) for role, user in people.items()}
    engagement_id = practice.coach_engagement_ids[0]
    return {
        "coach_dashboard": (
            http["coach"],
            "/dashboard/",
            measure.expect_count(b"ENG-B-", seed.ENGAGEMENTS_PER_COACH, "engagements on the dashboard"),
        ),
        "engagement_page": (
            http["coach"],
            f"/engagements/{engagement_id}/",
            measure.expect_count(b'class="note-card"', 5, "notes on the engagement page"),
        ),
        "notes_list": (
            http["coach"],
            f"/engagements/{engagement_id}/notes/",
            measure.expect_count(b'class="note-card"', seed.NOTES_PER_ENGAGEMENT, "notes on the notes list"),
        ),
        "reports": (http["coach"], f"/engagements/{engagement_id}/reports/", _answers),
        "client_dashboard": (
            http["client"],
            "/dashboard/",
            measure.expect_count(b"ENG-B-000000", 1, "the client's engagement on their dashboard"),
        ),
        "who_has_read": (http["client"], "/engagements/my-file/who-has-read-it/", _answers),
        "sponsor_dashboard": (http["sponsor"], "/dashboard/", _answers),
        "admin_dashboard": (http["admin"], "/dashboard/", _answers),
        "retention_page": (http["admin"], "/retention/", _answers),
        "people": (http["admin"], "/people/", _answers),
    }


def run(sizes: tuple[int, int], var_dir: Path, *, show_queries: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import bulk, measure, seed

    say("migrating the temporary database")
    call_command("migrate", verbosity=0, interactive=False)
    practice = seed.create_practice()

    results: dict[int, dict[str, measure.PageResult]] = {}
    snapshots: dict[int, Path | str] = {}
    pages: Any = None
    for size in sizes:
        say(f"seeding up to {size:,} engagements with SQL on {connection.vendor}")
        started = time.perf_counter()
        bulk.grow(practice, size, progress=Progress(started))
        emit(f"seed_seconds_{size}", round(time.perf_counter() - started, 1), "s")
        say(f"  {bulk.rows_in()}")
        if pages is None:
            pages = page_list(practice, personas(practice))
        warn_if_busy()
        results[size] = measure.measure(None, pages)  # type: ignore[arg-type]
        for page, result in results[size].items():
            say(
                f"  {page} at {size:,}: median {result.median_ms:.1f} ms "
                f"(min {min(result.timings_ms):.1f}, max {max(result.timings_ms):.1f}; "
                f"processor {result.median_cpu_ms:.1f} ms), {len(result.queries)} queries"
            )
            emit(f"{page}_median_ms_{size}", round(result.median_ms, 2), "ms")
            emit(
                f"{page}_median_cpu_ms_{size}",
                round(result.median_cpu_ms, 2),
                "ms of processor time",
                CPU_TARGET_MS,
                result.median_cpu_ms <= CPU_TARGET_MS,
            )
            if show_queries:
                for number, sql in enumerate(result.queries, 1):
                    say(f"    {number:>2}. {sql}")
        if size == sizes[0]:
            if connection.vendor == "postgresql":
                snapshots[size] = f"{connection.settings_dict['NAME']}_small"
            else:
                snapshots[size] = var_dir / f"bench-{size}.sqlite3"
            measure.snapshot_database(snapshots[size])

    small, large = sizes
    for page in PAGES:
        ratio = round(results[large][page].median_ms / results[small][page].median_ms, 3)
        emit(f"{page}_ratio_{large}_vs_{small}", ratio, "ratio", RATIO_TARGET, ratio <= RATIO_TARGET)

    slowest = max(PAGES, key=lambda page: results[large][page].median_cpu_ms)
    emit(
        f"slowest_page_{large}",
        slowest,
        f"the page with the most processor time at {large} ({results[large][slowest].median_cpu_ms:.1f} ms)",
    )
    client, url, _check = pages[slowest]
    top = measure.profile(client, url)
    say(f"where {slowest}'s processor time goes at {large:,} (cProfile, per request, own time first):")
    for function, own, cumulative in top:
        say(f"  {own:8.2f} ms own {cumulative:9.2f} ms cumulative  {function}")
    emit(
        f"slowest_page_profile_{large}",
        [[function, round(own, 2), round(cumulative, 2)] for function, own, cumulative in top[:8]],
        "function, own ms and cumulative ms per request (cProfile)",
    )

    say(f"timing both sizes again in alternation (a copy of the database as it was at {small:,})")
    warn_if_busy()
    paired = measure.measure_paired(
        None,  # type: ignore[arg-type]
        pages,
        {small: snapshots[small], large: str(connection.settings_dict["NAME"])},
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


def _pairs(parser: argparse.ArgumentParser, value: str, option: str, minimum: int) -> tuple[int, int]:
    try:
        counts = tuple(int(s) for s in value.split(","))
    except ValueError:
        parser.error(f"{option} takes two counts: SMALL,LARGE")
    if len(counts) != 2 or not minimum <= counts[0] < counts[1]:
        parser.error(f"{option} needs two counts, at least {minimum}, the second larger")
    return counts[0], counts[1]


def _each_engine(engines: list[str], argv: list[str]) -> int:
    """Each engine in a process of its own, one after the other (Django reads its database once)."""
    failed = 0
    for engine in engines:
        say(f"--- {engine} ---")
        status = subprocess.call([sys.executable, "-m", "benchmarks", *argv, "--engine", engine])  # noqa: S603
        if status != 0:
            say(f"{engine}: exit status {status}")
            failed = status
    return failed


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES),
        help="two engagement counts, small then large (default: %(default)s, as issue 23 fixes them)",
    )
    parser.add_argument(
        "--engine",
        default=",".join(ENGINES),
        help="sqlite, postgresql, or both one after the other (default: %(default)s)",
    )
    parser.add_argument("--show-queries", action="store_true", help="print each page's SQL to stderr")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"which figures, among {', '.join(PARTS)} (default: all; finance and subject-access on SQLite only)",
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
    sizes = _pairs(parser, args.sizes, "--sizes", 50)
    retention_sizes = _pairs(parser, args.retention_sizes, "--retention-sizes", 1)
    finance_sizes = _pairs(parser, args.finance_records, "--finance-records", 100)
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    if not parts or set(parts) - set(PARTS):
        parser.error(f"--only takes some of: {', '.join(PARTS)}")
    engines = [engine.strip() for engine in args.engine.split(",") if engine.strip()]
    if not engines or set(engines) - set(ENGINES):
        parser.error(f"--engine takes sqlite, postgresql or both: {', '.join(ENGINES)}")
    if len(engines) > 1:
        without = []
        skip = False
        for item in argv:
            if skip:
                skip = False
            elif item == "--engine":
                skip = True
            elif not item.startswith("--engine="):
                without.append(item)
        return _each_engine(engines, without)
    (engine,) = engines

    from benchmarks import engines as databases

    started = time.perf_counter()
    var_dir = Path(tempfile.mkdtemp(prefix="coaching-bench-"))
    say(f"working in {var_dir}")
    prefix = databases.run_prefix()
    database_url = None
    if engine == "postgresql":
        output.prefix = "postgresql_"
        databases.create_postgresql(prefix)
        database_url = f"{databases.SERVER}/{prefix}"
        say(f"PostgreSQL database {prefix} (and copies named {prefix}_…), dropped at the end")
    try:
        configure(var_dir, database_url=database_url)
        if "pages" in parts:
            run(sizes, var_dir, show_queries=args.show_queries)
        if "retention" in parts:
            from benchmarks import retention

            retention.run(var_dir, retention_sizes)
        for part in SQLITE_ONLY:
            if part in parts and engine != "sqlite":
                say(f"{part}: SQLite only, left out on {engine}")
        if "finance" in parts and engine == "sqlite":
            from benchmarks import finance

            finance.run(var_dir, finance_sizes, show_queries=args.show_queries)
        if "subject-access" in parts and engine == "sqlite":
            from benchmarks import subject_access

            subject_access.run(var_dir)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception as exc:  # the folder goes in any case
            say(f"could not close the database connections: {exc}")
        if engine == "postgresql":
            try:
                say(f"dropped {', '.join(databases.drop_all_postgresql(prefix)) or 'nothing'}")
            except Exception as exc:
                say(f"could not drop the databases named {prefix}…: {exc}")
        if args.keep:
            say(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    say(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
