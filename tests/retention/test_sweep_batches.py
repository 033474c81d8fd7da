"""The sweep's batches (issue 23): each kind of row found once, by the DELETE that removes it; the
same statements however many engagements a batch holds; each batch chosen after the last, however
many records the batches before had to keep; and a hold in the middle of a batch respected."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from confidentiality.models import DataKey
from engagements import services
from engagements.models import Engagement, Note
from retention import services as retention_services
from retention import sweep as sweep_module
from retention.models import DeletionReceipt
from retention.sweep import run_sweep
from tests.conftest import World
from tests.factories import EngagementFactory
from tests.retention.test_retention import closed_on

# The sweep's SQL (DELETE … RETURNING, keyset pagination) on both engines.
pytestmark = pytest.mark.embedded

AS_OF = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _journal(settings: Any, tmp_path: Path) -> None:
    settings.RETENTION_JOURNAL = tmp_path / "journal" / "receipts.jsonl"


def due_engagements(world: World, count: int, *, notes: int = 2) -> list[Engagement]:
    """``count`` engagements of the world's client, closed on successive days over two years ago."""
    coach = world.people["coach"]
    made = []
    for i in range(count):
        engagement = EngagementFactory(
            organisation=world.organisation,
            client=world.client_record,
            coaches=[coach],
            sponsors=[world.people["sponsor"]],
        )
        for n in range(notes):
            services.note_create(actor=coach, engagement=engagement, body=f"Session note {n}")
        made.append(closed_on(engagement, datetime.date(2024, 1, 10) + datetime.timedelta(days=i)))
    return made


def sweep_statements(batch_size: int = 100) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run_sweep(as_of=AS_OF, batch_size=batch_size)
    return [query["sql"] for query in queries.captured_queries]


def without_values(sql: str) -> str:
    """A statement with each value a ``?`` (a list of n values stays n ``?``)."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r'"s\d+_x\d+"', "savepoint", sql)
    return re.sub(r"\b[0-9a-f]{32}\b|\b\d+(\.\d+)?\b", "?", sql)


def shape(sql: str) -> str:
    """A statement without its values: what stays the same however many rows it is about."""
    return re.sub(r"\((\?(::\w+)?, )*\?(::\w+)?\)", "(?…)", without_values(sql))


@pytest.mark.django_db
class TestStatements:
    def test_it_finds_each_kind_of_row_once_with_the_delete_that_removes_it(self, world: World) -> None:
        due_engagements(world, 2)
        statements = sweep_statements()
        note_reads = [
            sql for sql in statements if sql.lstrip().upper().startswith("SELECT") and "engagements_note" in sql
        ]
        assert note_reads == []  # the ids for the receipt come back from the DELETE itself
        note_deletes = [
            sql for sql in statements if sql.lstrip().upper().startswith("DELETE") and '"engagements_note"' in sql
        ]
        assert len(note_deletes) == 1 and "RETURNING" in note_deletes[0].upper()
        assert DeletionReceipt.objects.get(kind="engagements.note").count == 4

    def test_a_batch_costs_the_same_statements_however_many_engagements_it_holds(self, world: World) -> None:
        run_sweep(as_of=AS_OF)  # the lease row and the first sweep's record made: the same for both below
        due_engagements(world, 1, notes=1)
        one = [shape(sql) for sql in sweep_statements()]
        due_engagements(world, 5, notes=3)
        five = [shape(sql) for sql in sweep_statements()]
        assert DeletionReceipt.objects.filter(kind="engagements.engagement").count() == 2
        assert len(five) == len(one)
        assert five == one

    def test_it_chooses_each_batch_with_the_same_query_however_many_records_were_kept_before(
        self, world: World, monkeypatch: Any
    ) -> None:
        engagements = due_engagements(world, 4, notes=0)
        chosen: list[list[Any]] = []

        def keeps_them_all(rule: Any, ids: list[Any]) -> tuple[dict[str, list[str]], list[str]]:
            chosen.append(list(ids))  # as if something blocked each record: nothing deleted
            return {}, [str(pk) for pk in ids]

        monkeypatch.setattr(sweep_module, "delete_records", keeps_them_all)
        statements = sweep_statements(batch_size=1)
        picks = [
            without_values(sql)
            for sql in statements
            if sql.lstrip().upper().startswith("SELECT") and 'FROM "engagements_engagement"' in sql and "LIMIT" in sql
        ]
        engagement_batches = [ids for ids in chosen if ids and ids[0] in {e.pk for e in engagements}]
        assert engagement_batches == [[e.pk] for e in engagements]  # oldest first, each once
        # After the first, every batch is chosen by the same query: where the last one ended, not
        # a growing list of what was kept.
        assert len(set(picks[1 : len(engagements) + 1])) == 1
        assert Engagement.objects.filter(pk__in=[e.pk for e in engagements]).count() == 4


@pytest.mark.django_db
class TestHoldsInABatch:
    @pytest.mark.parametrize("batch_size", [2, 100])
    def test_a_hold_in_the_middle_of_a_batch_keeps_that_engagement_only(self, world: World, batch_size: int) -> None:
        engagements = due_engagements(world, 5)
        held = engagements[2]
        retention_services.hold_place(
            actor=world.people["admin"], target=held, case_reference="Claim 7", reason="Tribunal"
        )
        outcome = run_sweep(as_of=AS_OF, batch_size=batch_size)
        assert outcome.deleted["engagements.engagement"] == 4
        assert list(Engagement.objects.filter(pk__in=[e.pk for e in engagements])) == [held]
        assert Note.objects.filter(engagement=held).count() == 2
        assert DataKey.objects.filter(pk=held.data_key_id).exists()
        gone = [e for e in engagements if e != held]
        assert not DataKey.objects.filter(pk__in=[e.data_key_id for e in gone]).exists()
        receipted = {i for r in DeletionReceipt.objects.filter(kind="engagements.engagement") for i in r.object_ids}
        assert receipted == {str(e.pk) for e in gone}
        receipted_keys = {
            i for r in DeletionReceipt.objects.filter(kind="confidentiality.datakey") for i in r.object_ids
        }
        assert receipted_keys == {str(e.data_key_id) for e in gone}


@pytest.mark.django_db
class TestWhatTheDeleteReturns:
    def test_it_reads_no_data_key_of_a_batch_apart_from_the_delete(self, world: World) -> None:
        engagements = due_engagements(world, 3, notes=1)
        statements = sweep_statements()
        key_reads = [
            sql
            for sql in statements
            if sql.lstrip().upper().startswith("SELECT") and '"engagements_engagement"."data_key_id"' in sql
        ]
        assert key_reads == []  # the engagements' DELETE returns their data keys
        engagement_deletes = [
            sql
            for sql in statements
            if sql.lstrip().upper().startswith("DELETE") and 'FROM "engagements_engagement"' in sql
        ]
        assert len(engagement_deletes) == 1 and '"data_key_id"' in engagement_deletes[0].split("RETURNING")[1]
        assert not DataKey.objects.filter(pk__in=[e.data_key_id for e in engagements]).exists()

    def test_it_names_each_row_in_the_receipts_as_its_primary_key_reads(self, world: World) -> None:
        from engagements.models import EngagementMember

        (engagement,) = due_engagements(world, 1, notes=2)
        notes = {str(pk) for pk in Note.objects.filter(engagement=engagement).values_list("pk", flat=True)}
        members = {
            str(pk) for pk in EngagementMember.objects.filter(engagement=engagement).values_list("pk", flat=True)
        }
        run_sweep(as_of=AS_OF)

        def receipted(kind: str) -> set[str]:
            return {i for r in DeletionReceipt.objects.filter(kind=kind) for i in r.object_ids}

        assert receipted("engagements.note") == notes  # UUIDs, hyphenated as str() writes them
        assert receipted("engagements.engagementmember") == members  # integers
        assert receipted("engagements.engagement") == {str(engagement.pk)}
        assert receipted("confidentiality.datakey") == {str(engagement.data_key_id)}

    def test_it_forgets_the_destroyed_keys_this_process_had_unwrapped(self, world: World) -> None:
        from confidentiality.crypto import data_key_cache

        gone, kept = due_engagements(world, 2, notes=1)
        retention_services.hold_place(
            actor=world.people["admin"], target=kept, case_reference="Claim 8", reason="Tribunal"
        )
        marker: Any = object()
        data_key_cache.put(gone.data_key_id, marker)
        data_key_cache.put(kept.data_key_id, marker)
        run_sweep(as_of=AS_OF)
        assert data_key_cache.get(gone.data_key_id) is None
        assert data_key_cache.get(kept.data_key_id) is marker
