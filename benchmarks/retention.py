# ruff: noqa: S608 - the SQL names the benchmark's own fixed tables; values go as parameters
"""`make bench`, retention (issues 7 and 23): the sweep against a plain bulk DELETE, and its memory,
on SQLite and on PostgreSQL (where the copies are ``CREATE DATABASE … TEMPLATE`` and the seeding
is the same rows in PostgreSQL's SQL; the memory figure is this process's, not the server's).

At each size N (10,000 and 100,000 by default) a database of its own is seeded with N
engagements closed three years ago (due under the two-year rule), ten notes each, one member
each with the member's guardian permission rows, and each with its own data key; plus ``KEPT``
engagements closed a year ago, which are not due and must survive. The seeded file is copied,
and on the copies, in the same run, each in a forked process of its own:

- plain DELETE statements for exactly the rows the sweep deletes (the sweep rule's own query
  picks the engagements; then their notes, permission rows, members, the engagements and their
  data keys), in one transaction (``retention_bulk_delete_seconds_<N>``),
- ``retention.sweep.run_sweep`` with the default batch size (``retention_sweep_seconds_<N>``),
  and the ratio of the two (``retention_sweep_vs_bulk_delete_ratio_<N>``, target at most 1.2
  since issue 23; issue 7 had 2);
  beside them the processor times and their ratio (``…_cpu_…``, no target), which other load
  on the machine moves less,
- the sweep's peak memory: how far the process's resident-memory high-water mark
  (``ru_maxrss``) rose during the sweep (``retention_sweep_peak_memory_bytes_<N>``: Python
  objects, SQLite's page cache, allocator overhead), measured in the timed run itself, and the
  ratio of the two sizes (``retention_sweep_peak_memory_ratio_<large>_vs_<small>``, target at
  most 1.2: flat). ``BENCH_TRACEMALLOC=1`` adds a traced sweep per size on a third copy, for
  the cleaner figure of the Python memory alone (``retention_sweep_tracemalloc_…``); tracing
  doubles the sweep's time, so it is not the default,
- and ``retention_sweep_correct_<N>``: no row of a due engagement left (notes, members,
  permission rows, engagements, data keys), every kept engagement intact, and the receipts, in
  the database and in the journal file, counting exactly what was seeded.

The bulk DELETE leaves out what the sweep must do besides deleting: the receipts (with every
id), the journal file, the lease, and the look-ups in every table that may belong to an
engagement (here empty but for notes, members and permission rows). Import this module only after ``django.setup()``.
"""

from __future__ import annotations

import datetime
import gc
import importlib
import json
import os
import resource
import sqlite3
import time
import traceback
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import output

SIZES = (10_000, 100_000)
NOTES_PER_ENGAGEMENT = 10
KEPT = 25  # engagements closed a year ago: not due, they must be left as they are
RATIO_TARGET = 1.2  # issue 23 (issue 7 had 2)
MEMORY_RATIO_TARGET = 1.2
SEED_TABLE = "bench_retention_seed"  # which engagement the benchmark made, and whether it is due
_run_database = ""  # the run's own database, whose name the PostgreSQL copies start with

# What the sweep deletes of each seeded engagement, by receipt kind, per engagement.
COACH_GRANTS = 4  # access.MEMBER_GRANTS["coach"]: checked when seeding
PER_ENGAGEMENT = {
    "engagements.engagement": 1,
    "engagements.note": NOTES_PER_ENGAGEMENT,
    "engagements.engagementmember": 1,
    "engagements.engagementuserobjectpermission": COACH_GRANTS,
    "confidentiality.datakey": 1,
}
# table, column naming the engagement (data keys are reached through the engagement instead)
OWNED_TABLES = (
    ("engagements_note", "engagement_id"),
    ("engagements_engagementuserobjectpermission", "content_object_id"),
    ("engagements_engagementmember", "engagement_id"),
    ("engagements_engagement", "id"),
)


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    output.emit(figure, value, unit, target, met)


def say(message: str) -> None:
    output.say(message)


# --- the databases -----------------------------------------------------------------------


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _database(var_dir: Path, label: str) -> Path:
    """Where a database of this part lives: a file in the temporary folder on SQLite; on
    PostgreSQL a database named after the run's own (its ``name`` is then the file name's stem)."""
    if _postgresql():
        return Path(f"{_run_database}_{label.replace('-', '_')}")
    return var_dir / f"{label}.sqlite3"


def _name(path: Path) -> str:
    return str(path) if not _postgresql() else path.name


def _use(path: Path) -> None:
    connection.close()
    connection.settings_dict["NAME"] = _name(path)


def _copy(source: Path, target: Path) -> None:
    """A page-for-page copy (SQLite's backup API, write-ahead log included; on PostgreSQL a
    ``TEMPLATE`` copy)."""
    connection.close()
    if _postgresql():
        from benchmarks import engines

        engines.copy_postgresql(_name(source), _name(target))
        return
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _remove(path: Path) -> None:
    if _postgresql():
        from benchmarks import engines

        connection.close()
        engines.drop_postgresql(_name(path))
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- seeding -------------------------------------------------------------------------------


def _db_datetime(value: datetime.datetime) -> str:
    return str(connection.ops.adapt_datetimefield_value(value.replace(microsecond=0)))


def seed(size: int) -> None:
    """N due engagements and ``KEPT`` recent ones, with their rows, in one transaction of raw SQL."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from access import MEMBER_GRANTS
    from confidentiality.crypto import data_key_create
    from confidentiality.models import User
    from engagements.models import Client, Engagement, Organisation

    grants = [access.value for access in MEMBER_GRANTS["coach"]]
    if len(grants) != COACH_GRANTS:
        raise RuntimeError(f"A coach now holds {len(grants)} permissions, not {COACH_GRANTS}: update COACH_GRANTS.")
    now = timezone.now()
    if not _postgresql():
        with connection.cursor() as cursor:
            # This seeding connection only (the measured runs open their own, with the defaults).
            cursor.execute("PRAGMA cache_size = -262144")
    ContentType.objects.clear_cache()  # a database other than the one the cache was filled from
    with transaction.atomic():
        coach = User.objects.create(
            email="retention.coach@practice.example", display_name="Retention Coach", password=make_password(None)
        )
        # Created now, so the organisation and client rules find nothing due: the sweep deletes
        # the engagements only, and the same rows as the bulk DELETE. (Created over two years
        # ago, the client would be swept too, once its engagements were gone.)
        organisation = Organisation.objects.create(name="Retention bench organisation", created_at=now)
        client = Client.objects.create(
            data_key=data_key_create(purpose="client"), full_name="Retention bench client", created_at=now
        )
        permission_ids = list(
            Permission.objects.filter(
                content_type=ContentType.objects.get_for_model(Engagement), codename__in=grants
            ).values_list("pk", flat=True)
        )
        closed_long_ago = _db_datetime(now - datetime.timedelta(days=3 * 365))
        closed_recently = _db_datetime(now - datetime.timedelta(days=365))
        organisation_id, client_id = organisation.pk.hex, client.pk.hex
        if _postgresql():
            _seed_postgresql(
                size, coach.pk, organisation_id, client_id, permission_ids, closed_long_ago, closed_recently
            )
        else:
            _seed_sqlite(size, coach.pk, organisation_id, client_id, permission_ids, closed_long_ago, closed_recently)
    _settle()


def _settle() -> None:
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _seed_sqlite(
    size: int,
    coach_id: int,
    organisation_id: str,
    client_id: str,
    permission_ids: list[int],
    closed_long_ago: Any,
    closed_recently: Any,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {SEED_TABLE} (n INTEGER PRIMARY KEY, id char(32) NOT NULL, "
            "key_id char(32) NOT NULL, due bool NOT NULL, closed_at datetime NOT NULL)"
        )
        # Random ids, as uuid4 gives them; the due engagements closed a minute apart.
        cursor.execute(
            f"INSERT INTO {SEED_TABLE} (n, id, key_id, due, closed_at) "
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < %s) "
            "SELECT n, lower(hex(randomblob(16))), lower(hex(randomblob(16))), n < %s, "
            "CASE WHEN n < %s THEN datetime(%s, '-' || n || ' minutes') ELSE %s END FROM seq",
            [size + KEPT, size, size, closed_long_ago, closed_recently],
        )
        cursor.execute(
            "INSERT INTO confidentiality_datakey (id, purpose, kek_id, wrapped, created_at, rewrapped_at) "
            f"SELECT key_id, 'engagement', 'bench', randomblob(60), datetime(closed_at, '-1 years'), NULL "
            f"FROM {SEED_TABLE}"
        )
        cursor.execute(
            "INSERT INTO engagements_engagement (id, reference, title, status, starts_on, ends_on, closed_at, "
            "created_at, version, client_id, data_key_id, organisation_id, paused_for_consent, restricted) "
            "SELECT id, 'ENG-R-' || n, 'Leadership coaching', 'closed', date(closed_at, '-1 years'), "
            "date(closed_at), closed_at, datetime(closed_at, '-1 years'), 1, %s, key_id, %s, 0, 0 "
            f"FROM {SEED_TABLE}",
            [client_id, organisation_id],
        )
        cursor.execute(
            "INSERT INTO engagements_engagementmember (kind, added_at, engagement_id, user_id) "
            f"SELECT 'coach', datetime(closed_at, '-1 years'), id, %s FROM {SEED_TABLE}",
            [coach_id],
        )
        cursor.execute(
            "INSERT INTO engagements_engagementuserobjectpermission (content_object_id, permission_id, user_id) "
            f"SELECT s.id, p.id, %s FROM {SEED_TABLE} s CROSS JOIN auth_permission p "
            f"WHERE p.id IN ({', '.join(['%s'] * len(permission_ids))})",
            [coach_id, *permission_ids],
        )
        # The notes of one engagement are spread through the table, as months of writing
        # leave them; the body has the length of a real ciphertext of a 250-character note.
        cursor.execute(
            "INSERT INTO engagements_note (id, body, shared_with_client, shared_at, created_at, updated_at, "
            "version, author_id, engagement_id, session_id) "
            "WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k + 1 < %s) "
            "SELECT lower(hex(randomblob(16))), 'enc1.' || hex(randomblob(196)), k.k %% 4 = 0, "
            "CASE WHEN k.k %% 4 = 0 THEN datetime(s.closed_at, '-' || (30 * k.k + 1) || ' days') END, "
            "datetime(s.closed_at, '-' || (30 * k.k + 1) || ' days'), "
            "datetime(s.closed_at, '-' || (30 * k.k + 1) || ' days'), 1, %s, s.id, NULL "
            f"FROM k CROSS JOIN {SEED_TABLE} s ORDER BY k.k, s.n",
            [NOTES_PER_ENGAGEMENT, coach_id],
        )


def _seed_postgresql(
    size: int,
    coach_id: int,
    organisation_id: str,
    client_id: str,
    permission_ids: list[int],
    closed_long_ago: Any,
    closed_recently: Any,
) -> None:
    """The rows of ``_seed_sqlite``, in PostgreSQL's SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {SEED_TABLE} (n integer PRIMARY KEY, id uuid NOT NULL, "
            "key_id uuid NOT NULL, due bool NOT NULL, closed_at timestamptz NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {SEED_TABLE} (n, id, key_id, due, closed_at) "
            "SELECT n, gen_random_uuid(), gen_random_uuid(), n < %s, "
            "CASE WHEN n < %s THEN %s::timestamptz - make_interval(mins => n) ELSE %s::timestamptz END "
            "FROM generate_series(0, %s - 1) AS n",
            [size, size, closed_long_ago, closed_recently, size + KEPT],
        )
        cursor.execute(
            "INSERT INTO confidentiality_datakey (id, purpose, kek_id, wrapped, created_at, rewrapped_at) "
            "SELECT key_id, 'engagement', 'bench', "
            "decode(md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(n::text), 'hex'), "
            f"closed_at - interval '1 year', NULL FROM {SEED_TABLE}"
        )
        cursor.execute(
            "INSERT INTO engagements_engagement (id, reference, title, status, starts_on, ends_on, closed_at, "
            "created_at, version, client_id, data_key_id, organisation_id, paused_for_consent, restricted) "
            "SELECT id, 'ENG-R-' || n, 'Leadership coaching', 'closed', (closed_at - interval '1 year')::date, "
            "closed_at::date, closed_at, closed_at - interval '1 year', 1, %s::uuid, key_id, %s::uuid, false, false "
            f"FROM {SEED_TABLE}",
            [client_id, organisation_id],
        )
        cursor.execute(
            "INSERT INTO engagements_engagementmember (kind, added_at, engagement_id, user_id) "
            f"SELECT 'coach', closed_at - interval '1 year', id, %s FROM {SEED_TABLE}",
            [coach_id],
        )
        cursor.execute(
            "INSERT INTO engagements_engagementuserobjectpermission (content_object_id, permission_id, user_id) "
            f"SELECT s.id, p.id, %s FROM {SEED_TABLE} s CROSS JOIN auth_permission p WHERE p.id = ANY(%s)",
            [coach_id, permission_ids],
        )
        cursor.execute(
            "INSERT INTO engagements_note (id, body, shared_with_client, shared_at, created_at, updated_at, "
            "version, author_id, engagement_id, session_id) "
            "SELECT gen_random_uuid(), 'enc1.' || repeat(md5(random()::text), 12), k %% 4 = 0, "
            "CASE WHEN k %% 4 = 0 THEN s.closed_at - make_interval(days => 30 * k + 1) END, "
            "s.closed_at - make_interval(days => 30 * k + 1), s.closed_at - make_interval(days => 30 * k + 1), "
            f"1, %s, s.id, NULL FROM generate_series(0, %s - 1) AS k CROSS JOIN {SEED_TABLE} s ORDER BY k, s.n",
            [coach_id, NOTES_PER_ENGAGEMENT],
        )


# --- what is measured ----------------------------------------------------------------------


def bulk_delete(as_of: datetime.date) -> int:
    """Plain DELETE statements for the rows the sweep deletes; returns how many engagements."""
    from retention.schedule import rule_for

    due_sql, params = rule_for("engagement_files").due(as_of).values_list("pk", "data_key_id").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE doomed AS {due_sql}", params)
        cursor.execute("SELECT count(*) FROM doomed")
        (doomed,) = cursor.fetchone()
        cursor.execute("SELECT * FROM doomed LIMIT 0")
        id_column, key_column = (column[0] for column in cursor.description)
        for table, column in OWNED_TABLES:
            cursor.execute(f'DELETE FROM {table} WHERE {column} IN (SELECT "{id_column}" FROM doomed)')
        cursor.execute(f'DELETE FROM confidentiality_datakey WHERE id IN (SELECT "{key_column}" FROM doomed)')
        cursor.execute("DROP TABLE doomed")
    return int(doomed)


def _sweep(as_of: datetime.date, batch_size: int) -> dict[str, int]:
    """The sweep under test; how many records of each kind it deleted."""
    from retention.sweep import run_sweep

    return dict(run_sweep(as_of=as_of, batch_size=batch_size).deleted)


def _left(cursor: Any, due: bool) -> dict[str, int]:
    """Rows still present that belong to the seeded engagements that are due (or are kept)."""
    flag = due
    left = {}
    for table, column in OWNED_TABLES:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE {column} IN (SELECT id FROM {SEED_TABLE} WHERE due = %s)", [flag]
        )
        left[table] = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT count(*) FROM confidentiality_datakey WHERE id IN (SELECT key_id FROM {SEED_TABLE} WHERE due = %s)",
        [flag],
    )
    left["confidentiality_datakey"] = cursor.fetchone()[0]
    return left


def check(size: int, *, journal: Path | None) -> list[str]:
    """What is wrong after a sweep (``journal`` given) or a bulk DELETE; empty when all is right."""
    from retention.models import DeletionReceipt

    problems = []
    kept_expected = {table: KEPT * PER_ENGAGEMENT.get(_kind(table), 0) for table, _ in OWNED_TABLES}
    kept_expected["confidentiality_datakey"] = KEPT
    with connection.cursor() as cursor:
        left = {table: count for table, count in _left(cursor, due=True).items() if count}
        if left:
            problems.append(f"rows of due engagements left: {left}")
        kept = _left(cursor, due=False)
    if kept != kept_expected:
        problems.append(f"kept engagements' rows: {kept}, expected {kept_expected}")
    if journal is None:
        return problems
    expected = {kind: size * per for kind, per in PER_ENGAGEMENT.items()}
    in_database: Counter[str] = Counter()
    for kind, count in DeletionReceipt.objects.filter(rule="engagement_files").values_list("kind", "count"):
        in_database[kind] += count
    if dict(in_database) != expected:
        problems.append(f"receipts count {dict(in_database)}, expected {expected}")
    in_journal: Counter[str] = Counter()
    with open(journal, encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            if entry["rule"] == "engagement_files":
                in_journal[entry["kind"]] += entry["count"]
                if len(entry["ids"]) != entry["count"]:
                    problems.append(f"a journal line names {len(entry['ids'])} ids for a count of {entry['count']}")
    if dict(in_journal) != expected:
        problems.append(f"journal counts {dict(in_journal)}, expected {expected}")
    return problems


def _kind(table: str) -> str:
    return table.replace("_", ".", 1)


def _journal_at(path: Path) -> None:
    settings.RETENTION_JOURNAL = path
    path.unlink(missing_ok=True)


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    memory_bytes: int  # the rise of the resident-memory high-water mark, or the tracemalloc peak
    result: Any


def in_child(work: Callable[[], Any], *, traced: bool = False) -> Run:
    """Run ``work`` in a forked process, which opens its own connection, and time it there.

    Forked, the child's resident-memory high-water mark starts at what it holds then, so its
    rise during ``work`` is the peak memory of ``work`` alone (``ru_maxrss``: Python objects,
    SQLite's page cache and the allocator's overhead), whatever the parent held before. With
    ``traced``, it is instead the peak of the Python memory allocated during ``work``
    (``tracemalloc``, which also slows ``work`` down: the times are then not comparable).
    """
    connection.close()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read_end)
            gc.collect()
            if traced:
                tracemalloc.start()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started, cpu_started = time.perf_counter(), time.process_time()
            result = work()
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
            if traced:
                memory = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            else:  # kibibytes on Linux
                memory = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
            connection.close()
            os.write(write_end, json.dumps([seconds, cpu_seconds, memory, result]).encode())
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not answer:
        raise RuntimeError(f"The measured run failed (exit status {status}); its error is above.")
    seconds, cpu_seconds, memory, result = json.loads(answer)
    return Run(seconds, cpu_seconds, memory, result)


def measure_size(
    size: int, empty: Path, var_dir: Path, as_of: datetime.date, batch_size: int, *, traced: bool
) -> dict[str, int]:
    """Seed, copy, bulk-DELETE one copy and sweep the other; print the figures of this size."""
    copies = {name: _database(var_dir, f"retention-{size}-{name}") for name in ("base", "bulk", "sweep", "traced")}
    if not traced:
        del copies["traced"]
    _copy(empty, copies["base"])
    _use(copies["base"])
    say(f"retention: seeding {size:,} expired engagements ({NOTES_PER_ENGAGEMENT} notes each) and {KEPT} recent ones")
    started = time.perf_counter()
    seed(size)
    emit(f"retention_seed_seconds_{size}", round(time.perf_counter() - started, 1), "s")
    for name in ("bulk", "sweep", "traced"):
        if name in copies:
            _copy(copies["base"], copies[name])
    _remove(copies["base"])

    _use(copies["bulk"])
    bulk = in_child(lambda: bulk_delete(as_of))
    if bulk.result != size:
        raise RuntimeError(f"The sweep rule finds {bulk.result:,} engagements due, not the {size:,} seeded.")
    problems = [f"bulk DELETE: {p}" for p in check(size, journal=None)]
    say(f"  bulk DELETE: {bulk.seconds:.2f} s (processor {bulk.cpu_seconds:.2f} s)")
    _remove(copies["bulk"])

    _use(copies["sweep"])
    journal = var_dir / f"retention-{size}-journal.jsonl"
    _journal_at(journal)
    sweep = in_child(lambda: _sweep(as_of, batch_size))
    say(
        f"  sweep (batches of {batch_size}): {sweep.seconds:.2f} s (processor {sweep.cpu_seconds:.2f} s), "
        f"resident memory +{sweep.memory_bytes / 2**20:.1f} MiB, deleted {sweep.result}"
    )
    problems += check(size, journal=journal)
    _remove(copies["sweep"])

    ratio = round(sweep.seconds / bulk.seconds, 2)
    emit(f"retention_sweep_seconds_{size}", round(sweep.seconds, 2), "s")
    emit(f"retention_bulk_delete_seconds_{size}", round(bulk.seconds, 2), "s")
    emit(f"retention_sweep_vs_bulk_delete_ratio_{size}", ratio, "ratio", RATIO_TARGET, ratio <= RATIO_TARGET)
    # Processor time, which other load on the machine moves less than wall time (no target).
    emit(f"retention_sweep_cpu_seconds_{size}", round(sweep.cpu_seconds, 2), "s of processor time")
    emit(f"retention_bulk_delete_cpu_seconds_{size}", round(bulk.cpu_seconds, 2), "s of processor time")
    emit(f"retention_sweep_vs_bulk_delete_cpu_ratio_{size}", round(sweep.cpu_seconds / bulk.cpu_seconds, 2), "ratio")
    emit(f"retention_sweep_peak_memory_bytes_{size}", sweep.memory_bytes, "bytes (ru_maxrss rise during the sweep)")
    peaks = {"rss": sweep.memory_bytes}
    if "traced" in copies:
        _use(copies["traced"])
        _journal_at(var_dir / f"retention-{size}-journal-traced.jsonl")
        peaks["tracemalloc"] = in_child(lambda: _sweep(as_of, batch_size), traced=True).memory_bytes
        say(f"  sweep under tracemalloc: peak {peaks['tracemalloc'] / 2**20:.2f} MiB")
        emit(
            f"retention_sweep_tracemalloc_peak_bytes_{size}",
            peaks["tracemalloc"],
            "bytes (tracemalloc peak within the sweep call)",
        )
        _remove(copies["traced"])
    for problem in problems:
        say(f"  WRONG: {problem}")
    emit(
        f"retention_sweep_correct_{size}",
        not problems,
        "no due row left, kept rows intact, receipts and journal count what was seeded",
        True,
        not problems,
    )
    return peaks


def run(var_dir: Path, sizes: tuple[int, ...] = SIZES, *, batch_size: int | None = None) -> None:
    """Seed, copy, bulk-DELETE and sweep at both sizes; print the figures.

    ``BENCH_TRACEMALLOC=1`` in the environment adds a third, traced sweep at each size (it
    about doubles this part's time): the peak of the Python memory the sweep allocates.
    """
    traced = os.environ.get("BENCH_TRACEMALLOC", "") not in ("", "0")
    original_name = connection.settings_dict["NAME"]
    original_journal = settings.RETENTION_JOURNAL
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    as_of = timezone.localdate()
    global _run_database
    _run_database = str(original_name)
    empty = _database(var_dir, "retention-empty")
    try:
        if _postgresql():
            from benchmarks import engines

            engines.create_postgresql(_name(empty))
        _use(empty)
        say("retention: migrating an empty database of its own")
        call_command("migrate", verbosity=0, interactive=False)
        _settle()
        # Imported here, not first in a measured child (each child would pay for it).
        for module in ("retention.sweep", "rights.services", "finance.retention"):
            importlib.import_module(module)

        peaks = {size: measure_size(size, empty, var_dir, as_of, batch_size, traced=traced) for size in sizes}
        small, large = sizes
        for kind, suffix, unit in (("rss", "", "ru_maxrss"), ("tracemalloc", "_tracemalloc", "tracemalloc")):
            if kind in peaks[small]:
                ratio = round(peaks[large][kind] / peaks[small][kind], 3)
                emit(
                    f"retention_sweep{suffix}_peak_memory_ratio_{large}_vs_{small}",
                    ratio,
                    f"ratio ({unit})",
                    MEMORY_RATIO_TARGET,
                    ratio <= MEMORY_RATIO_TARGET,
                )
    finally:
        _use(Path(original_name))
        settings.RETENTION_JOURNAL = original_journal
        _remove(empty)
