"""Deleting a record with everything that belongs to it, fast, and saying exactly what went.

The plan for a kind of record ("root") is read from the models themselves: every model that
points at the root, directly or through other such models, belongs to it and goes with it,
whatever its ``on_delete`` says, except

- relations declared as *blocking* for the rule (a client is not deleted while an engagement
  of theirs exists): roots with such rows are kept and reported;
- ``SET_NULL`` relations, which are detached (an invoice keeps its figures when the
  engagement it named is deleted; a released legal hold keeps its case record).

A model added later joins the plan by pointing at the root; nothing here names it. Rows are
deleted children first, a statement a kind (``DELETE … WHERE <path to the root> IN <the batch's
roots>``), with no per-object signals, so memory depends on the batch size only. Each kind's ids
are returned for the deletion receipt by the DELETE itself (``RETURNING``, PostgreSQL and SQLite
3.35+): reading them first and deleting after read every row twice, the largest part of what
the sweep cost beyond a plain DELETE (issue 23).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import DeleteQuery

from confidentiality.records import record_label

CHUNK = 500


@dataclass(frozen=True)
class Step:
    model: type[models.Model]
    lookup: str  # filter path from the model to the root's primary key, e.g. "agreement__engagement"


@dataclass(frozen=True)
class Detach:
    model: type[models.Model]
    field_name: str
    lookup: str


@dataclass
class Plan:
    root: type[models.Model]
    steps: list[Step]  # deletion order: children first, the root last
    detach: list[Detach]
    blockers: list[tuple[type[models.Model], str]]

    def kinds(self) -> list[str]:
        return [label(step.model) for step in self.steps]


@dataclass
class Outcome:
    deleted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    kept: list[str] = field(default_factory=list)  # root ids kept because something blocks them
    # The deleted roots' values of ``execute``'s ``also`` column, as the database stores them.
    also: list[Any] = field(default_factory=list)


def label(model: type[models.Model]) -> str:
    return record_label(model)


def make_plan(root: type[models.Model], *, blocking: Iterable[str] = ()) -> Plan:
    blocking = set(blocking)
    owned: dict[type[models.Model], str] = {root: "pk"}
    detach: list[Detach] = []
    blockers: list[tuple[type[models.Model], str]] = []
    queue: list[type[models.Model]] = [root]
    while queue:
        parent = queue.pop(0)
        parent_lookup = owned[parent]
        # Hidden relations too (related_name="+"): they are rows pointing at the parent all the same.
        relations: list[Any] = [
            f
            for f in parent._meta.get_fields(include_hidden=True)
            if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
        ]
        for relation in relations:
            child: type[models.Model] = relation.related_model
            fk_name = relation.field.name
            lookup = fk_name if parent_lookup == "pk" else f"{fk_name}__{parent_lookup}"
            if label(child) in blocking:
                blockers.append((child, lookup))
                continue
            if relation.on_delete is models.SET_NULL:
                detach.append(Detach(child, fk_name, lookup))
                continue
            if child in owned:
                continue  # reached already, by a path at least as short
            owned[child] = lookup
            queue.append(child)
    return Plan(root=root, steps=_children_first(owned), detach=detach, blockers=blockers)


def _children_first(owned: dict[type[models.Model], str]) -> list[Step]:
    """Order so that every model is deleted before any model it points at."""
    points_at: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in owned}
    for model in owned:
        for f in model._meta.concrete_fields:
            target = getattr(f, "related_model", None)
            if f.is_relation and target in owned and target is not model:
                points_at[model].add(target)
    ordered: list[type[models.Model]] = []
    remaining = dict(points_at)
    while remaining:
        # A model nobody remaining points at can go now.
        pointed_at = {t for targets in remaining.values() for t in targets}
        free = [m for m in remaining if m not in pointed_at]
        if not free:
            names = ", ".join(sorted(label(m) for m in remaining))
            raise RuntimeError(f"Records point at each other in a cycle and cannot be deleted in order: {names}")
        for model in sorted(free, key=label):
            ordered.append(model)
            del remaining[model]
    return [Step(model, owned[model]) for model in ordered]


def blocked_ids(plan: Plan, root_ids: list[Any]) -> set[Any]:
    """Roots that something declared blocking still points at."""
    blocked: set[Any] = set()
    for model, lookup in plan.blockers:
        blocked.update(model._default_manager.filter(**{f"{lookup}__in": root_ids}).values_list(lookup, flat=True))
    return blocked


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Given each kind's rows just before they are deleted (a lazy queryset: a hook that has nothing to
# do for that kind reads nothing), e.g. to remove the stored files the rows name.
BeforeDelete = Callable[[type[models.Model], QuerySet[Any]], None]


BATCH_TABLE = "retention_batch_roots"


@contextmanager
def _batch_table(root: type[models.Model], roots: list[Any]) -> Iterator[RawSQL]:
    """The batch's root ids in a temporary table, so every step filters on one small subquery
    instead of re-sending hundreds of ids with each statement."""
    pk_field = root._meta.pk
    assert pk_field is not None
    db_type = pk_field.rel_db_type(connection)  # type: ignore[attr-defined]  # as a foreign key column would
    table = connection.ops.quote_name(BATCH_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (id {db_type} PRIMARY KEY)")
        values = [(pk_field.get_db_prep_value(pk, connection),) for pk in roots]
        for chunk in _chunks(values, 1000):
            cursor.executemany("INSERT INTO retention_batch_roots (id) VALUES (%s)", chunk)
    yield RawSQL("SELECT id FROM retention_batch_roots", ())
    # Not in a ``finally``: after an error the transaction is rolled back, and the table with it
    # (DDL is transactional on PostgreSQL and SQLite); a DROP there would hide the real error.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _deletes_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def _id_text_sql(pk_field: Any) -> str:
    """SQL giving a primary key's text as ``str(instance.pk)`` would, made by the database: on
    SQLite a UUID is stored as 32 hex digits, hyphenated here. ``uuid.UUID`` and ``str`` on each
    of a batch's tens of thousands of ids cost more than the rest of the sweep's Python (issue 23)."""
    column = connection.ops.quote_name(pk_field.column)
    if connection.vendor == "postgresql":
        return f"{column}::text"  # a UUID's canonical text, lower case and hyphenated
    if isinstance(pk_field, models.UUIDField) and not connection.features.has_native_uuid_field:
        pieces = " || '-' || ".join(f"substr({column}, {start}, {length})" for start, length in _UUID_PIECES)
        return f"CASE WHEN length({column}) = 32 THEN lower({pieces}) ELSE {column} END"
    return f"CAST({column} AS TEXT)"


_UUID_PIECES = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def delete_returning_ids(rows: QuerySet[Any]) -> list[str]:
    """Delete ``rows`` with one statement and return their primary keys as text (``str(pk)``).

    ``DELETE … RETURNING`` where the database has it (PostgreSQL; SQLite since 3.35): the rows
    are found once. Elsewhere, the ids are read first and the same rows deleted after."""
    return [row[0] for row in delete_returning(rows)]


def delete_returning(rows: QuerySet[Any], *, also: str = "") -> list[tuple[Any, ...]]:
    """``delete_returning_ids``, each id (as text) with the value of column ``also`` as the
    database stores it (e.g. an engagement's data key, to be destroyed once the engagement is
    gone): one statement finds, deletes and reports the rows."""
    model = rows.model
    pk_field = model._meta.pk
    assert pk_field is not None
    rows = rows.order_by()
    if not _deletes_returning():
        names = ("pk", also) if also else ("pk",)
        found = list(rows.values_list(*names))
        if found:
            rows._raw_delete(rows.db)
        if also:
            column = model._meta.get_field(also)
            db_values = [column.get_db_prep_value(row[1], connection) for row in found]
            return [(str(row[0]), value) for row, value in zip(found, db_values, strict=True)]
        return [(str(row[0]),) for row in found]
    query = rows.query.clone()
    query.__class__ = DeleteQuery
    try:
        sql, params = query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:  # e.g. ``pk__in=[]``: nothing to delete
        return []
    returning = _id_text_sql(pk_field)
    if also:
        returning += ", " + connection.ops.quote_name(model._meta.get_field(also).column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {returning}", params)
        return cursor.fetchall()


def delete_by_stored_ids(model: type[models.Model], stored_ids: list[Any]) -> list[str]:
    """Delete the rows of ``model`` whose primary keys are ``stored_ids``, as the database stores
    them (as ``delete_returning`` gave them); their ids as text. No conversion of each id on the
    way in or out: a batch's thousands of data keys go for the price of the statements."""
    pk_field = model._meta.pk
    assert pk_field is not None
    if not _deletes_returning():
        ids = [pk_field.to_python(value) for value in stored_ids]
        manager = model._default_manager
        return [pk for chunk in _chunks(ids) for pk in delete_returning_ids(manager.filter(pk__in=chunk))]
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(pk_field.column)
    returning = _id_text_sql(pk_field)
    deleted: list[str] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(stored_ids):
            marks = ", ".join(["%s"] * len(chunk))
            # The names are the model's own; the ids go as parameters.
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks}) RETURNING {returning}", chunk)  # noqa: S608
            deleted.extend(row[0] for row in cursor.fetchall())
    return deleted


def execute(plan: Plan, root_ids: list[Any], *, before_delete: BeforeDelete | None = None, also: str = "") -> Outcome:
    """Delete the roots and all they own; the caller holds the transaction. Returns what went.

    Each kind is deleted with one statement, which also gives its ids (for the receipt), and for
    the roots the values of their column ``also`` (``Outcome.also``): the data keys of exactly
    the roots deleted, without a query of their own."""
    outcome = Outcome()
    if not root_ids:
        return outcome
    blocked = blocked_ids(plan, root_ids)
    outcome.kept = sorted(str(pk) for pk in blocked)
    roots = [pk for pk in root_ids if pk not in blocked]
    if not roots:
        return outcome
    with _batch_table(plan.root, roots) as batch:
        for item in plan.detach:
            item.model._default_manager.filter(**{f"{item.lookup}__in": batch}).update(**{item.field_name: None})
        for step in plan.steps:
            rows = step.model._default_manager.filter(**{f"{step.lookup}__in": batch}).order_by()
            if before_delete is not None:
                before_delete(step.model, rows)
            # No per-object signals or cascades: the plan did that work.
            if also and step.model is plan.root:
                found = delete_returning(rows, also=also)
                ids = [row[0] for row in found]
                outcome.also.extend(row[1] for row in found if row[1] is not None)
            else:
                ids = delete_returning_ids(rows)
            if ids:
                outcome.deleted[label(step.model)].extend(ids)
    return outcome


def existing(model: type[models.Model], ids: Iterable[str]) -> list[Any]:
    """Which of these ids are (again) present, e.g. after a backup was restored."""
    found: list[Any] = []
    for chunk in _chunks(list(ids)):
        found.extend(model._default_manager.filter(Q(pk__in=chunk)).values_list("pk", flat=True))
    return found
