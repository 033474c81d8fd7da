"""A snapshot of everything a database holds, for tests/test_migration_from_main.py.

Run inside a configured Django, by the old code and the new code alike, so it imports only what
both have (``django``, ``django.apps.apps``, ``confidentiality.crypto.EncryptedTextField``)::

    manage.py shell -c "import runpy; runpy.run_path(SCRIPT, init_globals={'OUTPUT': ..., 'SALT': ...})"

It writes one JSON file (``OUTPUT``) with:

- ``tables``: every table's columns and rows by raw SQL (``django_migrations`` left out), keyed
  by primary key, values made JSON-safe;
- ``constraints`` and ``triggers``: what guards those rows (the audit log's append-only triggers);
- ``models``: for each concrete model, its table and how many rows the ORM sees through it;
- ``content_types``: for each content type row, its model name and whether the code running
  this script still has a model for it;
- ``encrypted``: every EncryptedTextField value read through the ORM (so decrypted), as an
  HMAC-SHA256 under ``SALT`` (never the plaintext), keyed ``table.column:pk``; a value that does not
  decrypt is recorded as ``undecryptable:<exception class>``;
- ``audit``: the number of audit events and the chain head.

Table names, not model labels, name everything: a model moved to another app keeps its table.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import hmac
import json
import uuid

from django.apps import apps
from django.db import connection

from confidentiality.crypto import EncryptedTextField

AUDIT_EVENTS = "confidentiality_auditevent"
AUDIT_HEAD = "confidentiality_auditchainhead"


def json_safe(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return {"json": json.dumps(value, sort_keys=True, default=str)}
    return {"repr": repr(value)}


def tables_and_schema(cursor):
    introspection = connection.introspection
    quote = connection.ops.quote_name
    tables, constraints = {}, {}
    for table in sorted(introspection.table_names(cursor)):
        if table == "django_migrations":
            continue
        pk = introspection.get_primary_key_column(cursor, table)
        cursor.execute(f"SELECT * FROM {quote(table)}")  # table names from the introspection
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, (json_safe(v) for v in row), strict=True)) for row in cursor.fetchall()]
        if pk in columns:
            keyed = {str(row[pk]): row for row in rows}
        else:
            keyed = {json.dumps(row, sort_keys=True): row for row in rows}
        tables[table] = {"columns": sorted(columns), "pk": pk, "rows": keyed}
        # Names of unnamed SQLite constraints are made up from their order: compare what they do.
        constraints[table] = sorted(
            json.dumps(
                {
                    "columns": list(info.get("columns") or []),
                    "primary_key": bool(info.get("primary_key")),
                    "unique": bool(info.get("unique")),
                    "foreign_key": list(info.get("foreign_key") or []),
                    "check": bool(info.get("check")),
                    "index": bool(info.get("index")),
                },
                sort_keys=True,
            )
            for info in introspection.get_constraints(cursor, table).values()
        )
    return tables, constraints


def triggers(cursor):
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    elif connection.vendor == "postgresql":
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
        )
    else:
        return {}
    return {name: {"table": table, "definition": definition} for name, table, definition in cursor.fetchall()}


def models_and_secrets(salt: bytes):
    models, encrypted = {}, {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        models[meta.db_table] = {"count": model._base_manager.count()}
        fields = [field for field in meta.concrete_fields if isinstance(field, EncryptedTextField)]
        if not fields:
            continue
        for instance in model._base_manager.order_by("pk").iterator(chunk_size=500):
            for field in fields:
                key = f"{meta.db_table}.{field.column}:{instance.pk}"
                try:
                    value = getattr(instance, field.attname)
                except Exception as exc:  # DecryptionError above all; only its class is kept
                    encrypted[key] = f"undecryptable:{type(exc).__name__}"
                    continue
                if value is None:
                    encrypted[key] = None
                else:
                    encrypted[key] = hmac.new(salt, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return models, encrypted


def content_types():
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return {
        str(ct.pk): {"model": ct.model, "resolves": ct.model_class() is not None}
        for ct in ContentType.objects.order_by("pk")
    }


def audit(cursor):
    cursor.execute(f"SELECT COUNT(*), MAX(seq) FROM {connection.ops.quote_name(AUDIT_EVENTS)}")
    count, last_seq = cursor.fetchone()
    cursor.execute(f"SELECT seq, hash FROM {connection.ops.quote_name(AUDIT_HEAD)}")
    heads = [{"seq": seq, "hash": digest} for seq, digest in cursor.fetchall()]
    return {"events": count, "last_seq": last_seq, "heads": heads}


def snapshot(salt: bytes) -> dict:
    with connection.cursor() as cursor:
        tables, constraints = tables_and_schema(cursor)
        found_triggers = triggers(cursor)
        found_audit = audit(cursor)
    models, encrypted = models_and_secrets(salt)
    return {
        "vendor": connection.vendor,
        "tables": tables,
        "constraints": constraints,
        "triggers": found_triggers,
        "models": models,
        "content_types": content_types(),
        "encrypted": encrypted,
        "audit": found_audit,
    }


if __name__ == "__main__":
    given = globals()  # OUTPUT and SALT come from the caller, through runpy's init_globals
    with open(given["OUTPUT"], "w", encoding="utf-8") as out:
        json.dump(snapshot(given["SALT"].encode("ascii")), out, sort_keys=True)
    print("snapshot written")
