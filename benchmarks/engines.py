"""The benchmark's throwaway databases on PostgreSQL (issue 23).

The server is the one at ``BENCH_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432``,
trust authentication, a superuser: the seeding turns foreign-key triggers off for its own
transactions). Every database the benchmark makes is named ``<run prefix>…`` (the prefix holds
``BENCH_POSTGRES_PREFIX``, default ``bench``, then the process id and random letters, so two runs
never meet; people sharing a server each set their own) and all of them are dropped at the
end, whatever happened. Copies (the smaller size kept for the paired timing, the retention
copies) are ``CREATE DATABASE … TEMPLATE``, PostgreSQL's file-level copy.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PREFIX = os.environ.get("BENCH_POSTGRES_PREFIX", "bench")
ENGINES = ("sqlite", "postgresql")


def run_prefix() -> str:
    if not PREFIX.replace("_", "").isalnum():
        raise ValueError("BENCH_POSTGRES_PREFIX takes letters, digits and underscores only.")
    return f"{PREFIX}_{os.getpid()}_{secrets.token_hex(3)}"


def _maintenance() -> Any:
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"Not a benchmark database name: {name!r}")
    return f'"{name}"'


def create_postgresql(name: str) -> None:
    with _maintenance() as admin:
        admin.execute(f"CREATE DATABASE {_identifier(name)}")


def copy_postgresql(source: str, target: str) -> None:
    """``target`` made from ``source``, which must have no connection open: Django's is closed
    here; an autovacuum worker may hold one a moment, so this waits and tries again."""
    from django.db import connections

    connections.close_all()
    with _maintenance() as admin:
        for attempt in range(30):
            try:
                admin.execute(f"CREATE DATABASE {_identifier(target)} TEMPLATE {_identifier(source)}")
                return
            except Exception as exc:  # "source database … is being accessed by other users"
                if "being accessed" not in str(exc) or attempt == 29:
                    raise
                time.sleep(1)


def drop_postgresql(name: str) -> None:
    with _maintenance() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")


def drop_all_postgresql(prefix: str) -> list[str]:
    """Every database whose name starts with ``prefix``; their names."""
    with _maintenance() as admin:
        names = [
            row[0] for row in admin.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
        ]
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")
    return names
