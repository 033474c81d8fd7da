"""`make faults`: fault drills against the production run, each printing what it found (issue 9).

    python -m deploy.faults                       # all four
    python -m deploy.faults --only worker         # redis | worker | postgres | backup

The machine's own PostgreSQL and Redis are never touched: the drills start a private PostgreSQL
cluster (``initdb`` into a temporary folder, port 5440, as the ``postgres`` user when run as root)
and a private Redis (port 6390, nothing kept on disk, as the machine's), point the production run
(``deploy.throwaway``: the README's environment file and Procfile) at them, and stop, kill and
restart them and the run's processes. People work through HTTP throughout (``deploy.client``).

1. **Redis stopped while people work.** Signed-in people keep working: pages, a note written, a
   copy of a client's information asked for and started. ``/healthz`` answers 503 naming the cache
   and broker; a new sign-in (its rate limits need the cache) answers 503 with a clear message.
   Redis comes back empty (it keeps nothing on disk); the job started during the outage is still
   queued in the database (its row is the truth) and the periodic re-queue sends it again; the
   drill runs that re-queue with the clock moved past its five-minute wait instead of waiting.
2. **The worker killed mid-task.** The pool process building a copy is killed with SIGKILL. Celery
   (late acknowledgement, reject on worker lost) hands the message out again at once; that retry
   finds the dead attempt's claim and does nothing, as designed (a claim cannot tell a dead
   worker from a slow one until the task time limit has passed). The periodic re-queue then sends
   it again once the claim is older than the limit; the drill ages the claim by that much instead
   of waiting 31 minutes. Checked: one copy built, by the second attempt, one "built" audit event,
   the client downloads it.
3. **PostgreSQL restarted.** A fast restart while people load pages; afterwards the web processes,
   the worker and beat carry on without being restarted: pages, a note, a copy built by the
   worker, and a new worker heartbeat sent by beat.
4. **A backup taken before a sweep, restored after it.** ``manage.py backup`` (as the processes' role)
   before a sweep deletes an engagement; the processes stopped, ``manage.py restore`` as the owner
   with that night's keys: the journal deletes the engagement again and the audit chain verifies.
   Then, that key backup aged out, the same data restored with a later key backup and the journal
   left unapplied: the notes come back, and every one reads "cannot be read".

Each drill prints ``finding:`` lines and ``PASS``/``FAIL``; the run ends with ``N passed, N failed``.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from deploy.client import Browser, api
from deploy.stack import manage_command
from deploy.throwaway import Run

PG_PORT = 5440
REDIS_PORT = 6390
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
WEB_PORT = 8063


def say(message: str) -> None:
    print(message, flush=True)


def finding(message: str) -> None:
    say(f"    finding: {message}")


class Failed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


# --- private servers --------------------------------------------------------------------------


def _as_postgres(command: list[str]) -> list[str]:
    return (
        [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *command]
        if os.geteuid() == 0
        else command
    )


class PrivatePostgres:
    def __init__(self, port: int = PG_PORT) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/pg_ctl: install postgresql")
        self.bin = Path(bins[-1]).parent
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/prodfaults"

    def _ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

    def init(self) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def restart(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.dir / "server.log"), "-m", "fast", "-w", "restart")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    def __init__(self, port: int = REDIS_PORT) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="faults-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(  # noqa: S603
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
                "--pidfile",
                str(self.dir / "redis.pid"),
            ],
            check=True,
        )
        for _ in range(50):
            if self.ping():
                return
            time.sleep(0.1)
        raise RuntimeError("the private Redis did not start")

    def ping(self) -> bool:
        done = subprocess.run(  # noqa: S603
            [REDIS_CLI, "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() == "PONG"

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            [REDIS_CLI, "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False
        )
        for _ in range(50):
            if not self.ping():
                return
            time.sleep(0.1)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the people at work -----------------------------------------------------------------------


class Practice:
    """Signed-in people and the few things the drills ask of them."""

    def __init__(self, run: Run, fixtures: dict[str, Any]) -> None:
        self.run = run
        self.fx = fixtures
        self.base = run.base_url
        password = fixtures["password"]
        coach = fixtures["coaches"][0]
        self.engagement = coach["engagements"][0]["id"]
        self.coach = Browser(self.base, name="faults-coach")
        self.coach.sign_in(coach["email"], password, coach["totp_secret"])
        self.admin_api = api(self.base, fixtures["admin"]["token"])
        self.clients = []
        for client in fixtures["clients"]:
            browser = Browser(self.base, name="faults-client")
            browser.sign_in(client["email"], password)
            self.clients.append(browser)

    def db(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.run.database_url, autocommit=True)

    def pages_ok(self) -> list[str]:
        """The coach's dashboard, engagement and notes: the paths that did not answer 200."""
        bad = []
        for path in ("/dashboard/", f"/engagements/{self.engagement}/", f"/engagements/{self.engagement}/notes/"):
            response = self.coach.get(path)
            if response.status_code != 200 or "Sign out" not in response.text:
                bad.append(f"{path} {response.status_code}")
        return bad

    def write_note(self) -> tuple[int, str]:
        marker = "drill-note-" + secrets.token_hex(5)
        page = self.coach.get(f"/engagements/{self.engagement}/")
        saved = self.coach.submit(page, {"body": marker}, action="/notes/new/")
        return saved.status_code, marker

    def note_listed(self, marker: str) -> bool:
        return marker in self.coach.get(f"/engagements/{self.engagement}/notes/").text

    def ask_for_copy(self, index: int) -> str:
        browser = self.clients[index]
        page = browser.get("/subject-access/")
        asked = browser.submit(page, action="/subject-access/new/")
        found = re.search(r"/subject-access/([0-9a-f-]{36})/", asked.url)
        expect(asked.status_code == 200 and found is not None, f"asking for a copy answered {asked.status_code}")
        assert found is not None
        return found.group(1)

    def start_copy(self, sar: str) -> tuple[int, float]:
        began = time.monotonic()
        response = self.admin_api.post(f"{self.base}/api/v1/subject-access-requests/{sar}/export/", timeout=60)
        return response.status_code, time.monotonic() - began

    def export(self, sar: str) -> dict[str, Any]:
        with self.db() as conn:
            row = conn.execute(
                "SELECT state, attempts, blob_name, id FROM retention_subjectaccessexport WHERE request_id = %s", (sar,)
            ).fetchone()
        if row is None:
            return {}
        return {"state": row[0], "attempts": row[1], "blob_name": row[2], "id": row[3]}

    def wait_export(self, sar: str, state: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.export(sar)
            if found.get("state") == state or time.monotonic() > deadline:
                return found
            time.sleep(0.5)

    def audit_count(self, action: str, object_id: str) -> int:
        with self.db() as conn:
            row = conn.execute(
                "SELECT count(*) FROM confidentiality_auditevent WHERE action = %s AND object_id = %s",
                (action, object_id),
            ).fetchone()
        return int(row[0]) if row else 0

    def requeue_as_if(self, seconds_later: int) -> int:
        """What the periodic re-queue task does, run now with its clock moved ahead."""
        code = (
            "import datetime; from django.utils import timezone; "
            "from rights.services import requeue_stale_exports; "
            f"print(requeue_stale_exports(now=timezone.now() + datetime.timedelta(seconds={seconds_later})))"
        )
        done = self.run.manage("shell", "-c", code)
        return int(done.stdout.strip().splitlines()[-1])

    def release_and_download(self, sar: str, client_index: int) -> int:
        admin = self.admin_browser()
        page = admin.get(f"/subject-access/{sar}/copy/")  # read before release (issue 21)
        admin.submit(page, {"reviewed": "on"}, action="/release/")
        download = self.clients[client_index].get(f"/subject-access/{sar}/download/")
        return download.status_code if download.content.startswith(b"PK") else -download.status_code

    _admin: Browser | None = None

    def admin_browser(self) -> Browser:
        if self._admin is None:
            admin = self.fx["admin"]
            self._admin = Browser(self.base, name="faults-admin")
            self._admin.sign_in(admin["email"], self.fx["password"], admin["totp_secret"])
        return self._admin

    def heartbeat_at(self) -> Any:
        with self.db() as conn:
            row = conn.execute("SELECT beat_at FROM confidentiality_workerheartbeat WHERE name = 'worker'").fetchone()
        return row[0] if row else None

    def blobs(self) -> list[str]:
        folder = self.run.directory / "var" / "media" / "subject-access"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@contextlib.contextmanager
def polling(fn: Callable[[], int], interval: float = 0.1) -> Iterator[list[tuple[float, int]]]:
    """Call ``fn`` (a status code, or 0 for no answer) over and over in a thread while the block runs."""
    seen: list[tuple[float, int]] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                code = fn()
            except Exception:
                code = 0
            seen.append((time.monotonic(), code))
            stop.wait(interval)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(10)


def _codes(seen: list[tuple[float, int]]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for _, code in seen:
        counts[code] = counts.get(code, 0) + 1
    return counts


# --- the drills -------------------------------------------------------------------------------


def drill_redis(practice: Practice, redis: PrivateRedis) -> None:
    before = practice.blobs()
    redis.stop()
    finding("Redis stopped (the cache and the Celery broker)")
    try:
        bad = practice.pages_ok()
        finding(f"signed-in coach's pages: {'all 200' if not bad else 'FAILED ' + ', '.join(bad)}")
        status, marker = practice.write_note()
        finding(f"coach writes a note: {status}")
        health = Browser(practice.base).get("/healthz")
        failing = [k for k, v in health.json().get("checks", {}).items() if v["status"] != "ok"]
        finding(f"/healthz: {health.status_code}, failing checks: {', '.join(failing) or 'none'}")
        sar = practice.ask_for_copy(0)
        finding("client asks for a copy of their information: 200")
        status_start, took = practice.start_copy(sar)
        export = practice.export(sar)
        finding(f"administrator starts the copy: {status_start} in {took:.1f}s; its job is {export.get('state')}")
        fresh = Browser(practice.base)
        sign_in_page = fresh.get("/accounts/login/")
        attempt = fresh.submit(sign_in_page, {"login": practice.fx["clients"][1]["email"], "password": "x" * 12})
        clear = "Briefly unavailable" in attempt.text
        finding(
            f"a new sign-in while Redis is down: {attempt.status_code}"
            + (" with a page saying it is briefly unavailable" if clear else " without a clear message")
        )
    finally:
        redis.start()
    finding("Redis started again, empty")
    deadline = time.monotonic() + 60
    while Browser(practice.base).get("/healthz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(1)
    health = Browser(practice.base).get("/healthz")
    finding(f"/healthz after: {health.status_code}")
    requeued = practice.requeue_as_if(6 * 60)
    finding(f"periodic re-queue (clock +6 min) sent {requeued} job(s) again")
    export = practice.wait_export(sar, "built", 120)
    finding(f"the copy asked for during the outage: {export.get('state')} after {export.get('attempts')} attempt(s)")
    listed = practice.note_listed(marker)
    finding(f"the note written during the outage is in the notes list: {listed}")
    downloaded = practice.release_and_download(sar, 0)
    finding(f"released and downloaded by the client: {downloaded}")
    expect(not bad, "pages failed while Redis was down")
    expect(attempt.status_code == 503 and clear, "sign-in without Redis did not say clearly it is unavailable")
    expect(status == 200 and listed, "the note written during the outage was lost")
    expect(
        status_start in (200, 201, 202) and export.get("state") == "built",
        "the copy was not made after Redis came back",
    )
    expect(health.status_code == 200, "/healthz did not recover")
    expect(downloaded == 200, "the client could not download the copy")
    expect(len(practice.blobs()) == len(before) + 1, "not exactly one stored copy")


def drill_worker(practice: Practice) -> None:
    sar = practice.ask_for_copy(1)
    log_from = len(practice.run.tail("worker", 100000))
    status, _ = practice.start_copy(sar)
    expect(status in (200, 201, 202), f"starting the copy answered {status}")
    children = practice.run.children("worker")
    killed = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export = practice.export(sar)
        if export.get("state") == "building":
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed = pid
            break
        if export.get("state") == "built":
            break
        time.sleep(0.01)
    expect(killed is not None, f"could not catch the copy while it was being built ({practice.export(sar)})")
    finding(f"killed the worker's pool process {killed} (SIGKILL) while it built a copy")
    time.sleep(8)
    export = practice.export(sar)
    log = practice.run.tail("worker", 100000)[log_from:]
    lost = "WorkerLostError" in log
    received = len(re.findall(r"subject_access_export_task\[[0-9a-f-]+\] received", log))
    finding(f"worker log: WorkerLostError reported: {lost}; the export task was received {received} time(s)")
    finding(
        f"after Celery's immediate retry the job is {export.get('state')} (attempts {export.get('attempts')}): "
        "the retry found the dead attempt's claim and left it"
    )
    expect(practice.run.alive("worker"), "the worker itself did not survive the loss of its pool process")
    # A claim is taken over once it is older than the task time limit (30 min) + 60 s; instead of
    # waiting, the drill ages this job's claim by that much, then runs the periodic re-queue.
    with practice.db() as conn:
        conn.execute(
            "UPDATE retention_subjectaccessexport SET claimed_at = claimed_at - interval '31 minutes 5 seconds' "
            "WHERE id = %s",
            (export["id"],),
        )
    requeued = practice.requeue_as_if(0)
    finding(f"claim aged past the task time limit; the periodic re-queue sent {requeued} job(s) again")
    export = practice.wait_export(sar, "built", 120)
    built_events = practice.audit_count("subject_access.export_built", str(export.get("id")))
    finding(
        f"the copy: {export.get('state')} after {export.get('attempts')} attempts; 'built' audit events: {built_events}"
    )
    kept = str(export.get("blob_name", "")).rsplit("/", 1)[-1]
    prefix = str(export.get("id", "")).replace("-", "")
    orphans = [name for name in practice.blobs() if name.startswith(prefix) and name != kept]
    finding(
        f"files left by the killed attempt: {len(orphans)}"
        + (" (the daily purge removes files no export row names)" if orphans else "")
    )
    downloaded = practice.release_and_download(sar, 1)
    finding(f"released and downloaded by the client: {downloaded}")
    expect(export.get("state") == "built", "the copy was never made")
    expect(built_events == 1, f"{built_events} 'built' events: not exactly once")
    expect(downloaded == 200, "the client could not download the copy")


def drill_postgres(practice: Practice, postgres: PrivatePostgres) -> None:
    beat_before = practice.heartbeat_at()
    watcher = Browser(practice.base, name="faults-watch")
    coach = practice.fx["coaches"][0]
    watcher.sign_in(coach["email"], practice.fx["password"], coach["totp_secret"])

    def load_page() -> int:
        return watcher.get(f"/engagements/{practice.engagement}/", timeout=10).status_code

    with polling(load_page) as seen:
        time.sleep(2)
        began = time.monotonic()
        postgres.restart()
        back = time.monotonic()
        time.sleep(5)
    finding(f"PostgreSQL restarted (fast shutdown) in {back - began:.1f}s")
    during = [code for at, code in seen if began <= at <= back + 0.5]
    after = [code for at, code in seen if at > back + 0.5]
    finding(f"page loads during the restart: {_codes([(0, c) for c in during]) or 'none'}")
    finding(f"page loads after it: {_codes([(0, c) for c in after])}")
    bad = practice.pages_ok()
    status, marker = practice.write_note()
    finding(f"pages {'all 200' if not bad else 'FAILED ' + ', '.join(bad)}; a note written: {status}")
    sar = practice.ask_for_copy(2)
    start, _ = practice.start_copy(sar)
    export = practice.wait_export(sar, "built", 120)
    finding(f"a copy started after the restart: {start}, then {export.get('state')} by the worker")
    alive = {name: practice.run.alive(name) for name in ("web", "worker", "beat")}
    finding(f"processes never restarted, still running: {alive}")
    deadline = time.monotonic() + 90
    beat_after = practice.heartbeat_at()
    while beat_after == beat_before and time.monotonic() < deadline:
        time.sleep(2)
        beat_after = practice.heartbeat_at()
    finding(f"beat's next worker heartbeat reached the database: {beat_after != beat_before}")
    expect(all(code == 200 for code in after), "pages failed after PostgreSQL was back")
    expect(not bad and status == 200 and practice.note_listed(marker), "work failed after the restart")
    expect(export.get("state") == "built", "the worker did not recover")
    expect(all(alive.values()), "a process died")
    expect(beat_after != beat_before, "beat did not recover")


def drill_backup(practice: Practice) -> None:
    """A backup taken before a sweep, restored after it: the swept content stays gone, and once the
    key backups made before the sweep have aged out, the restored rows cannot even be read."""
    run, engagement = practice.run, practice.engagement
    status, marker = practice.write_note()
    expect(status == 200, f"writing the note answered {status}")
    closed = run.manage(
        "shell",
        "-c",
        "import datetime; from django.utils import timezone; "
        "from engagements.models import Engagement; from engagements.services import engagement_close; "
        f"e = Engagement.objects.get(pk='{engagement}'); engagement_close(actor=None, engagement=e); "
        "Engagement.objects.filter(pk=e.pk).update(closed_at=timezone.now() - datetime.timedelta(days=3 * 365))",
        check=False,
    )
    expect(closed.returncode == 0, f"closing the engagement failed: {closed.stderr[-300:]}")

    def note_rows() -> int:
        with practice.db() as conn:
            row = conn.execute(
                "SELECT count(*) FROM engagements_note WHERE engagement_id = %s", (engagement,)
            ).fetchone()
        return int(row[0]) if row else 0

    def paths(done: subprocess.CompletedProcess[str]) -> tuple[str, str]:
        lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
        return lines["Data"], lines["Keys"]

    before = note_rows()
    data, keys = paths(run.manage("backup"))  # as the processes' role: pg_dump reads, owns nothing
    finding(f"backup as the processes' role: {Path(data).name} and, apart, {Path(keys).name}")
    run.manage("retention_sweep")
    finding(f"the engagement's notes before the sweep: {before}, after: {note_rows()}")
    _, later_keys = paths(run.manage("backup"))  # tonight's backup: without the swept key
    run.down()  # a restore runs with web, worker and beat stopped
    as_owner = "AS_DATABASE_OWNER=1 "
    restored = run.command(as_owner + manage_command("restore", data, "--keys", keys), check=False)
    expect(restored.returncode == 0, f"restore failed: {restored.stderr[-500:]}")
    after_restore = note_rows()
    finding(f"restored with that night's keys, journal re-applied: {after_restore} of the engagement's notes back")
    chain = run.manage("verify_audit_chain", check=False)
    finding(f"audit chain after the restore: {(chain.stdout or chain.stderr).strip()[:160]}")
    # A month and more later that night's key backup has aged out (KEY_BACKUP_DAYS): only later ones
    # are left. Even with the journal left unapplied, the rows that come back cannot be read.
    Path(keys).unlink()
    bare = run.command(as_owner + manage_command("restore", data, "--keys", later_keys, "--no-reapply"), check=False)
    expect(bare.returncode == 0, f"restore without the journal failed: {bare.stderr[-500:]}")
    read = run.manage(
        "shell",
        "-c",
        "from engagements.models import Note; "
        f"bodies = [n.body for n in Note.objects.filter(engagement_id='{engagement}')]; "
        f"print(len(bodies), sum({marker!r} in b for b in bodies), "
        "sum(b.startswith('This record cannot be read') for b in bodies))",
        check=False,
    )
    counts = (read.stdout.strip().splitlines() or ["? ? ?"])[-1].split()
    finding(
        f"without that key backup and the journal: {counts[0]} notes back, {counts[1]} readable as written, "
        f"{counts[2]} read as 'cannot be read'"
    )
    run.manage("retention_reapply")
    expect(before > 0 and after_restore == 0, "the documented restore brought swept notes back")
    expect(chain.returncode == 0, "the audit chain did not verify after the restore")
    expect(counts[1] == "0" and counts[0] == counts[2] and counts[0] != "0", "a swept note could be read from a backup")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("redis", "worker", "postgres", "backup"), action="append")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs)")
    args = parser.parse_args(argv)
    # The backup drill stops the processes to restore: it comes last.
    chosen = args.only or ["redis", "worker", "postgres", "backup"]
    started = time.monotonic()
    postgres, redis = PrivatePostgres(), PrivateRedis()
    passed = failed = 0
    try:
        postgres.init()
        redis.start()
        say(f"private PostgreSQL on {PG_PORT} and Redis on {REDIS_PORT}; production run on {WEB_PORT}")
        run = Run("prod-faults", WEB_PORT, database_url=postgres.url, redis_url=redis.url, keep=args.keep)
        with run:
            fixtures = run.fixtures("--admin", "--coaches", "1", "--sponsors", "1", "--clients", "3")
            practice = Practice(run, fixtures)
            drills: dict[str, Callable[[], None]] = {
                "redis": lambda: drill_redis(practice, redis),
                "worker": lambda: drill_worker(practice),
                "postgres": lambda: drill_postgres(practice, postgres),
                "backup": lambda: drill_backup(practice),
            }
            titles = {
                "redis": "Redis stopped while people work",
                "worker": "the worker killed mid-task",
                "postgres": "PostgreSQL restarted",
                "backup": "a backup taken before a sweep, restored after it",
            }
            for name in chosen:
                say(f"drill: {titles[name]}")
                began = time.monotonic()
                try:
                    drills[name]()
                except Exception as exc:
                    failed += 1
                    say(f"  FAIL {titles[name]}: {type(exc).__name__}: {exc}")
                else:
                    passed += 1
                    say(f"  PASS {titles[name]} ({time.monotonic() - began:.0f}s)")
    finally:
        redis.destroy()
        postgres.destroy()
    say(f"faults: {passed} passed, {failed} failed ({time.monotonic() - started:.0f}s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
