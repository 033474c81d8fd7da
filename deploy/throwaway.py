"""A throwaway production run on this machine: an environment file made from the template, a
database of its own, a Redis database of its own, and the Procfile's processes.

Only what a real deployment would set differently is filled in: fresh secrets, the loopback
address, and folders under the run's own directory. The clients that drive it stand in for the
TLS proxy in front of gunicorn (see ``deploy.client``).
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from deploy.stack import SERVICES, Stack, write_env_file

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/prodsmoke"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


def say(prefix: str, message: str) -> None:
    import sys

    print(f"[{prefix}] {message}", file=sys.stderr, flush=True)


def fresh_database(database_url: str) -> None:
    """Drop and create the database the URL names, through the server's ``postgres`` database."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database name {name!r}")
    if name in {"confidentiality", "test_confidentiality", "postgres"}:
        raise ValueError(f"refusing to drop {name!r}: it belongs to the tests or the server")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    stack: Stack = field(init=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> Stack:
        port_free_or_fail(self.port)
        # A CI time limit or a ^C must still stop the processes and drop the database: the
        # processes run in sessions of their own, so nothing else would stop them.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)
        self.directory = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        self.env_file = self.directory / "production.env"
        values = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": field_key(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://127.0.0.1:{self.port}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "VAR_DIR": str(self.directory / "var"),
            "RETENTION_JOURNAL": str(self.directory / "journal" / "receipts.jsonl"),
            # No mail relay here: messages (links only, never content) go to the processes' logs.
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.web_concurrency),
            "WORKER_CONCURRENCY": str(self.worker_concurrency),
            **self.extra,
        }
        write_env_file(self.env_file, values)
        self.stack = Stack(self.env_file, log_dir=self.directory / "log")
        return self.stack

    def start(self, names: tuple[str, ...] = SERVICES) -> None:
        fresh_database(self.database_url)
        flush_redis(self.redis_url)
        self.stack.release()
        self.stack.up(names)
        self.stack.wait_http(f"{self.base_url}/healthz", timeout=90, headers={"X-Forwarded-Proto": "https"})

    def fixtures(self, *args: str) -> dict[str, Any]:
        done = self.stack.run("python -m deploy.fixtures " + " ".join(args))
        return json.loads(done.stdout)

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
        self.stack.down()
        if failed:
            for name in SERVICES:
                tail = self.stack.tail(name, 40)
                if tail:
                    say(self.name, f"--- last lines of {name}.log ---\n{tail}")
        if self.keep:
            say(self.name, f"kept {self.directory}")
            return
        try:
            drop_database(self.database_url)
        except Exception as exc:  # the server may be the one a drill stopped
            say(self.name, f"could not drop the database: {type(exc).__name__}")
        shutil.rmtree(self.directory, ignore_errors=True)
