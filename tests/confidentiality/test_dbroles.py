"""The processes' PostgreSQL role: it reads and writes, and appends to the audit log, but cannot
drop or disable the log's triggers, alter a table, or change, delete or truncate an event
(confidentiality/dbroles.py; the production run uses it: deploy/throwaway.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from confidentiality.audit import audit_record, audit_verify_chain
from confidentiality.checks import processes_role_is_least_privileged
from confidentiality.dbroles import grant_application_role, privileges_in_excess
from confidentiality.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
]


@pytest.fixture
def as_app_role() -> Iterator[str]:
    """A role made as the release step makes it, and this connection acting as it. The role is
    created in the test's transaction, so the rollback removes it."""
    role = f"app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER')
        # As a production database is set up: nothing for PUBLIC, only what the grant gives.
        cursor.execute("SELECT current_database()")
        cursor.execute(f'REVOKE ALL ON DATABASE "{cursor.fetchone()[0]}" FROM PUBLIC')
    grant_application_role(connection, role)
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(caught.value)


def test_the_processes_role_appends_to_the_audit_log_and_can_do_nothing_else_to_it(as_app_role: str) -> None:
    first = audit_record(actor=None, action="test.event", object_type="test", object_id="1")
    audit_record(actor=None, action="note.read", object_type="engagements.note", object_id="n-1")

    assert "must be owner" in refused(
        "DROP TRIGGER confidentiality_auditevent_append_only ON confidentiality_auditevent"
    )
    assert "must be owner" in refused("ALTER TABLE confidentiality_auditevent DISABLE TRIGGER USER")
    assert "must be owner" in refused("ALTER TABLE confidentiality_auditevent ADD COLUMN note text")
    assert "permission denied" in refused(f"UPDATE confidentiality_auditevent SET action = 'x' WHERE id = {first.pk}")
    assert "permission denied" in refused(f"DELETE FROM confidentiality_auditevent WHERE id = {first.pk}")
    assert "permission denied" in refused("TRUNCATE confidentiality_auditevent")
    assert "must be owner" in refused("DROP TABLE engagements_note")
    assert "permission denied" in refused("INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")

    assert AuditEvent.objects.count() == 2
    assert audit_verify_chain(anchor=False).ok
    assert privileges_in_excess(connection) == []


def test_it_still_reads_and_writes_the_application_tables_and_sweeps(
    as_app_role: str, settings: Any, tmp_path: Any
) -> None:
    import datetime

    from django.utils import timezone

    from engagements.models import Engagement
    from retention.sweep import run_sweep
    from tests.conftest import build_world
    from tests.retention.test_retention import closed_on, filled

    settings.RETENTION_JOURNAL = tmp_path / "receipts.jsonl"
    world = build_world()
    engagement, _note, _document = filled(world)
    closed_on(engagement, timezone.localdate() - datetime.timedelta(days=3 * 365))
    run_sweep()  # its batches go through a temporary table
    assert not Engagement.objects.filter(pk=engagement.pk).exists()


def test_the_deploy_check_refuses_a_role_that_owns_the_tables(settings: Any) -> None:
    settings.PRODUCTION = True
    # The test database's tables belong to the role the tests connect as, a superuser.
    (error,) = processes_role_is_least_privileged()
    assert error.id == "confidentiality.E001"
    assert "superuser" in error.msg and "owns" in error.msg


def test_the_deploy_check_passes_the_processes_role(settings: Any, as_app_role: str) -> None:
    settings.PRODUCTION = True
    assert processes_role_is_least_privileged() == []


def test_the_deploy_check_refuses_a_role_that_owns_the_tables_through_another(settings: Any) -> None:
    settings.PRODUCTION = True
    role = f"app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'confidentiality_auditevent'")
        owner = cursor.fetchone()[0]
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER IN ROLE "{owner}"')
    grant_application_role(connection, role)
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        (error,) = processes_role_is_least_privileged()
        assert "through a role it belongs to" in error.msg
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
