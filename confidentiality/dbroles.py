"""Least privilege on PostgreSQL: the processes' role owns nothing and may not touch the audit log.

Only a table's owner (or a superuser) can drop or disable its triggers, alter it or drop it, so the
processes connect as a role that owns no table and is no superuser. It may read and write the
application's tables, and on the audit log only read and append: no UPDATE, DELETE or TRUNCATE.
The release step runs ``grant_app_role`` as the owner after every migration (new tables included).
"""

from __future__ import annotations

from typing import Any

# Read and append only: the append-only triggers stay as a second line behind this.
APPEND_ONLY_TABLES = ("confidentiality_auditevent",)
READ_ONLY_TABLES = ("django_migrations",)


def grant_application_role(connection: Any, role: str) -> None:
    """Give ``role`` exactly what the processes need, on every table and sequence of the schema."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
        statements = [
            # TEMPORARY: the sweep stages each batch's ids in a temporary table (retention/engine.py).
            f"GRANT CONNECT, TEMPORARY ON DATABASE {quote(database)} TO {quote(role)}",
            f"GRANT USAGE ON SCHEMA public TO {quote(role)}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quote(role)}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}",
        ]
        statements += [f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(t)} FROM {quote(role)}" for t in APPEND_ONLY_TABLES]
        # Which migrations ran is the owner's to say: the processes could otherwise mark one applied.
        statements += [f"REVOKE INSERT, UPDATE, DELETE ON {quote(t)} FROM {quote(role)}" for t in READ_ONLY_TABLES]
        for statement in statements:
            cursor.execute(statement)


def privileges_in_excess(connection: Any) -> list[str]:
    """What the connected role may do that the processes must not (empty on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            found.append("it is a superuser")
        # Owned directly, or through a role it is a member of (which would let it alter them too).
        cursor.execute(
            "SELECT count(*) FROM pg_tables "
            "WHERE schemaname = 'public' AND pg_has_role(current_user, tableowner, 'USAGE')"
        )
        owned = cursor.fetchone()[0]
        if owned:
            found.append(f"it owns {owned} tables, itself or through a role it belongs to")
        cursor.execute("SELECT has_schema_privilege(current_user, 'public', 'CREATE')")
        if cursor.fetchone()[0]:
            found.append("it may create tables in the schema")
        for table in APPEND_ONLY_TABLES:
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, 'UPDATE') "
                "OR has_table_privilege(current_user, %s, 'DELETE')",
                [table, table],
            )
            if cursor.fetchone()[0]:
                found.append(f"it may change or delete rows of {table}")
    return found
