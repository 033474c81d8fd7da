"""The practice's counts, kept by the database (``PracticeCount``; issue 23).

Triggers on the engagements, clients and organisations tables add and take away, in the writing
transaction, whoever writes: an insert adds one to its kind, a change of an engagement's state moves
one across, a delete takes one away (``migrations/0016_practice_counts_kept``). Each trigger upserts,
so a table emptied and filled again (a flush between tests, a restore) counts from nothing.

A later migration that rebuilds one of these tables on SQLite drops its triggers, and must create
them again (``TRIGGER_SQL``); the nightly check (``counts_reconcile``) would find the difference,
put the counts right and tell the administrators.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count

ENGAGEMENT = "engagement:"
CLIENT = "client"
ORGANISATION = "organisation"

# (table, kind expression for a row: NEW or OLD)
_TABLES = {
    "engagements_engagement": "'engagement:' || {row}.status",
    "engagements_client": "'client'",
    "engagements_organisation": "'organisation'",
}


def _bump(kind: str, by: str) -> str:
    # Built from this module's constants only: no value from outside reaches this SQL.
    return (
        f"INSERT INTO engagements_practicecount (kind, n) VALUES ({kind}, {by}) "  # noqa: S608
        f"ON CONFLICT (kind) DO UPDATE SET n = engagements_practicecount.n + ({by});"
    )


def _sqlite_up() -> list[str]:
    statements = []
    for table, kind in _TABLES.items():
        added, taken = _bump(kind.format(row="NEW"), "1"), _bump(kind.format(row="OLD"), "-1")
        statements += [
            f"CREATE TRIGGER {table}_counted_in AFTER INSERT ON {table} BEGIN {added} END;",
            f"CREATE TRIGGER {table}_counted_out AFTER DELETE ON {table} BEGIN {taken} END;",
        ]
    statements.append(
        "CREATE TRIGGER engagements_engagement_counted_across AFTER UPDATE OF status ON engagements_engagement "
        "WHEN OLD.status IS NOT NEW.status BEGIN "
        f"{_bump(_TABLES['engagements_engagement'].format(row='OLD'), '-1')} "
        f"{_bump(_TABLES['engagements_engagement'].format(row='NEW'), '1')} END;"
    )
    return statements


def _sqlite_down() -> list[str]:
    names = [f"{t}_counted_in" for t in _TABLES] + [f"{t}_counted_out" for t in _TABLES]
    return [f"DROP TRIGGER IF EXISTS {name};" for name in [*names, "engagements_engagement_counted_across"]]


def _pg_up() -> list[str]:
    statements = []
    for table, kind in _TABLES.items():
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {table}_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_bump(kind.format(row="NEW"), "1")}
    ELSIF TG_OP = 'DELETE' THEN
        {_bump(kind.format(row="OLD"), "-1")}
    ELSIF {"OLD.status IS DISTINCT FROM NEW.status" if table == "engagements_engagement" else "FALSE"} THEN
        {_bump(kind.format(row="OLD"), "-1")}
        {_bump(kind.format(row="NEW"), "1")}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;"""
        )
        events = "INSERT OR DELETE OR UPDATE OF status" if table == "engagements_engagement" else "INSERT OR DELETE"
        statements.append(
            f"CREATE TRIGGER {table}_counted AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_counted();"
        )
    return statements


def _pg_down() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {t}_counted ON {t}; DROP FUNCTION IF EXISTS {t}_counted();" for t in _TABLES]


def trigger_sql(vendor: str, *, up: bool = True) -> list[str]:
    """The statements that create (or drop) the counting triggers on this database."""
    if vendor == "postgresql":
        return _pg_up() if up else _pg_down()
    if vendor == "sqlite":
        return _sqlite_up() if up else _sqlite_down()
    return []


def counted(engagement_model: Any, client_model: Any, organisation_model: Any) -> dict[str, int]:
    """The counts read from the tables themselves (what the kept counts must equal)."""
    found = {
        f"{ENGAGEMENT}{row['status']}": row["n"]
        for row in engagement_model._default_manager.values("status").annotate(n=Count("pk")).order_by()
    }
    found[CLIENT] = client_model._default_manager.count()
    found[ORGANISATION] = organisation_model._default_manager.count()
    return found


def fill(count_model: Any, engagement_model: Any, client_model: Any, organisation_model: Any) -> None:
    """Set the kept counts to the tables' own (used by the migration and the nightly check)."""
    truth = counted(engagement_model, client_model, organisation_model)
    count_model._default_manager.all().delete()
    count_model._default_manager.bulk_create([count_model(kind=kind, n=n) for kind, n in truth.items()])


def practice_counts() -> dict[str, int]:
    """Engagements by state, clients and organisations: one query, however many there are."""
    from engagements.models import Engagement, PracticeCount

    kept = dict(PracticeCount.objects.values_list("kind", "n"))
    counts = {status: max(kept.get(f"{ENGAGEMENT}{status}", 0), 0) for status in Engagement.Status.values}
    counts["organisations"] = max(kept.get(ORGANISATION, 0), 0)
    counts["clients"] = max(kept.get(CLIENT, 0), 0)
    return counts


@transaction.atomic
def counts_reconcile() -> dict[str, tuple[int, int]]:
    """Check the kept counts against the tables; put right and return any that differ
    (kind: (kept, true)). Run nightly (``engagements.tasks.practice_counts_reconcile_task``)."""
    from engagements.models import Client, Engagement, Organisation, PracticeCount

    # The tables, locked against writers while they are counted (PostgreSQL; SQLite has one writer).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE engagements_engagement, engagements_client, engagements_organisation, "
                "engagements_practicecount IN SHARE MODE"
            )
    truth = counted(Engagement, Client, Organisation)
    kept = dict(PracticeCount.objects.values_list("kind", "n"))
    differ = {
        kind: (kept.get(kind, 0), truth.get(kind, 0))
        for kind in set(truth) | set(kept)
        if kept.get(kind, 0) != truth.get(kind, 0)
    }
    if differ:
        fill(PracticeCount, Engagement, Client, Organisation)
    return differ
