"""A throwaway production run on this machine: an environment file made from the template, a
database of its own, a Redis database of its own, and the README's production command,
``python -m deploy.stack --env-file FILE`` (release, then honcho running web, worker and beat).

Only what a real deployment would set differently is filled in: fresh secrets, the loopback
address, and folders under the run's own directory. The clients that drive it stand in for the
TLS proxy in front of gunicorn (see ``deploy.client``).

The drills stop, kill and watch single processes. Honcho runs each Procfile process in a session
of its own with ``HONCHO_PROCESS_NAME`` in its environment, so a process is the session leader
under the run's ``deploy.stack`` whose environment names it (read from ``/proc``); its log is its
lines of honcho's output, which the run keeps in ``stack.log``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from deploy.stack import DEPLOY, ROOT, SERVICES, VENV_BIN, manage_command, process_env, run

ENV_TEMPLATE = DEPLOY / "production.env.example"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/prodsmoke"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


def say(prefix: str, message: str) -> None:
    import sys

    print(f"[{prefix}] {message}", file=sys.stderr, flush=True)


def _roles(name: str) -> tuple[str, str]:
    """The database's two roles, as production has them: the tables' owner and the processes'."""
    return f"{name}_owner", f"{name}_app"


def role_url(database_url: str, role: str) -> str:
    """The URL of ``database_url``'s database for another role (trust authentication: no password)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


def fresh_database(database_url: str) -> tuple[str, str]:
    """Drop and create the database the URL names, through the server's ``postgres`` database,
    owned by a role of its own; and the processes' role, which owns nothing. Returns the owner's
    URL and the processes'."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database name {name!r}")
    if name in {"confidentiality", "test_confidentiality", "postgres"}:
        raise ValueError(f"refusing to drop {name!r}: it belongs to the tests or the server")
    owner, app = _roles(name)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in (app, owner):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.execute(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        conn.execute(f'CREATE ROLE "{app}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        conn.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
    return role_url(database_url, owner), role_url(database_url, app)


def drop_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in _roles(name):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def flush_redis(redis_url: str) -> None:
    import redis

    if urlsplit(redis_url).path.strip("/") == "15":
        raise ValueError("refusing to flush Redis database 15: the test suite uses it")
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def field_key(key_id: str = "k1") -> str:
    return f"{key_id}:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def port_free_or_fail(port: int) -> None:
    """A server left on the port would answer the health check in place of the new one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise RuntimeError(f"port {port} is in use: stop what listens there, or choose --port") from None


def write_env_file(path: Path, values: dict[str, str], template: Path = ENV_TEMPLATE) -> None:
    """The template, with the given values filled in (and any the template lacks appended), mode 0600."""
    lines, done = [], set()
    for raw in template.read_text(encoding="utf-8").splitlines():
        name = raw.partition("=")[0].strip()
        if not raw.lstrip().startswith("#") and name in values:
            lines.append(f"{name}={values[name]}")
            done.add(name)
        else:
            lines.append(raw)
    lines += [f"{name}={value}" for name, value in values.items() if name not in done]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


# --- processes, from /proc ----------------------------------------------------------------------


def process_table() -> dict[int, tuple[str, int, int]]:
    """Every live process: pid -> (state, parent pid, session id)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields after the last ')' are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (fields[0], int(fields[1]), int(fields[3]))
    return table


def descendants(pid: int, table: dict[int, tuple[str, int, int]]) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, (_, ppid, _) in table.items() if ppid == parent]
        found += children
        todo += children
    return found


def procfile_processes(stack_pid: int) -> dict[str, int]:
    """The running Procfile processes honcho started under ``stack_pid``, by name."""
    table = process_table()
    found = {}
    for pid in descendants(stack_pid, table):
        state, _, session = table[pid]
        if session != pid or state == "Z":
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for item in environ:
            if item.startswith(b"HONCHO_PROCESS_NAME="):
                found[item.partition(b"=")[2].decode()] = pid
    return found


def children_of(pid: int) -> list[int]:
    return sorted(child for child, (_, ppid, _) in process_table().items() if ppid == pid)


_PREFIX = re.compile(r"^\d\d:\d\d:\d\d (\S+) *\| ")


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@dataclass
class Run:
    """One throwaway production run; ``with Run(...) as run:`` starts it and always cleans up."""

    name: str
    port: int
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    web_concurrency: int = 2
    worker_concurrency: int = 1
    keep: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    directory: Path = field(init=False)
    env_file: Path = field(init=False)
    env: dict[str, str] = field(init=False)
    log: Path = field(init=False)
    stack: subprocess.Popen[bytes] | None = field(init=False, default=None)
    up: bool = field(init=False, default=False)

    @property
    def database_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        port_free_or_fail(self.port)
        # A CI time limit or a ^C must still stop the processes and drop the database: the run
        # is in a session of its own, so nothing else would stop it.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)
        self.directory = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        self.env_file = self.directory / "production.env"
        self.log = self.directory / "stack.log"
        values = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": field_key(),
            "AUDIT_CHAIN_KEYS": field_key("a1"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://127.0.0.1:{self.port}",
            # As production: the processes connect as a role that owns nothing; the release step
            # migrates as the owner (and the drills inspect as the server's superuser, database_url).
            "DATABASE_URL": role_url(self.database_url, _roles(self.database_name)[1]),
            "DATABASE_OWNER_URL": role_url(self.database_url, _roles(self.database_name)[0]),
            "REDIS_URL": self.redis_url,
            "VAR_DIR": str(self.directory / "var"),
            "RETENTION_JOURNAL": str(self.directory / "journal" / "receipts.jsonl"),
            "AUDIT_ANCHOR_JOURNAL": str(self.directory / "journal" / "anchors.jsonl"),
            # No mail relay here: nothing listens on the port, so every message stays in the outbox,
            # failed after its retries (production refuses a backend that prints mail to the log).
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": "9",
            "EMAIL_TIMEOUT": "5",
            "BIND": f"127.0.0.1:{self.port}",
            # deploy.client stands in for the TLS proxy, on 127.0.0.1.
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "WEB_CONCURRENCY": str(self.web_concurrency),
            "WORKER_CONCURRENCY": str(self.worker_concurrency),
            **self.extra,
        }
        write_env_file(self.env_file, values)
        self.env = process_env(self.env_file)

    def start(self) -> None:
        """A fresh database and Redis database, then the README's command: release, web + worker + beat."""
        fresh_database(self.database_url)
        flush_redis(self.redis_url)
        with self.log.open("ab") as out:
            self.stack = subprocess.Popen(  # noqa: S603 - our own module
                [str(VENV_BIN / "python"), "-m", "deploy.stack", "--env-file", str(self.env_file)],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # The release step (collectstatic most of all) runs first, then the processes start.
        self.wait_http(f"{self.base_url}/healthz", timeout=600, headers={"X-Forwarded-Proto": "https"})
        self.up = True

    def wait_http(self, url: str, timeout: float = 60, *, headers: dict[str, str] | None = None) -> None:
        """Wait until ``url`` answers 2xx, failing early if the run has stopped."""
        assert self.stack is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.stack.poll() is not None:
                raise RuntimeError(f"the production run exited with {self.stack.returncode}:\n{self.tail(lines=40)}")
            try:
                request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if 200 <= response.status < 300:
                        return
                    last = str(response.status)
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise RuntimeError(f"{url} did not answer in {timeout:.0f}s ({last})")

    # --- one-off commands, with the production environment ------------------------------------

    def command(self, command: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(self.env, command, check=check)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.command(manage_command(*args), check=check)

    def fixtures(self, *args: str) -> dict[str, Any]:
        done = self.command("python -m deploy.fixtures " + " ".join(args))
        return json.loads(done.stdout)

    # --- the processes honcho runs ------------------------------------------------------------

    def pids(self) -> dict[str, int]:
        if self.stack is None or self.stack.poll() is not None:
            return {}
        return procfile_processes(self.stack.pid)

    def alive(self, name: str) -> bool:
        return name in self.pids()

    def children(self, name: str) -> list[int]:
        """Pids whose parent is the named process (a Celery worker's pool processes)."""
        pid = self.pids().get(name)
        return children_of(pid) if pid else []

    def tail(self, name: str | None = None, lines: int = 30) -> str:
        """The last lines of the run's output: all of it, or one process's lines (honcho's own are
        ``system``'s)."""
        if not self.log.exists():
            return ""
        found = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        if name is not None:
            found = [line for line in found if (m := _PREFIX.match(line)) and m.group(1) == name]
        return "\n".join(found[-lines:])

    def down(self, timeout: float = 30) -> None:
        """SIGTERM to the run: honcho stops every process (SIGKILL after 5 s)."""
        if self.stack is None:
            return
        groups = list(self.pids().values())
        if self.stack.poll() is None:
            self.stack.send_signal(signal.SIGTERM)
            try:
                self.stack.wait(timeout)
            except subprocess.TimeoutExpired:
                self.stack.kill()
                self.stack.wait(10)
        # Whatever a process left in its group (a pool child) goes too.
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)

    def __enter__(self) -> Run:
        self.prepare()
        try:
            self.start()
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(failed=exc[0] is not None)

    def close(self, *, failed: bool = False) -> None:
        self.down()
        if failed:
            for name in (*SERVICES, "system"):
                tail = self.tail(name, 40)
                if tail:
                    say(self.name, f"--- last lines of {name} ---\n{tail}")
        if self.keep:
            say(self.name, f"kept {self.directory}")
            return
        try:
            drop_database(self.database_url)
        except Exception as exc:  # the server may be the one a drill stopped
            say(self.name, f"could not drop the database: {type(exc).__name__}")
        shutil.rmtree(self.directory, ignore_errors=True)
