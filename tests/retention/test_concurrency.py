"""A legal hold placed while a sweep batch is deleting waits for that batch.

Apart from the module it tests, because it commits (a transactional test): the other tests of that
module share one persona world, built once and rolled back (tests/conftest.py ``world_of_module``)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from retention import services as retention_services
from retention import sweep as sweep_module
from retention.models import LegalHold
from tests.conftest import World


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
def test_a_hold_placed_while_a_batch_is_deleting_waits_for_that_batch(world: World) -> None:
    import uuid

    from django.db import transaction

    batch_open, batch_may_commit, placed = threading.Event(), threading.Event(), threading.Event()

    def batch() -> None:  # as _sweep_batches holds the lease from choosing records to deleting them
        try:
            with transaction.atomic():
                assert sweep_module._take_lease(uuid.uuid4())
                batch_open.set()
                batch_may_commit.wait(10)
        finally:
            connection.close()

    def place() -> None:
        try:
            retention_services.hold_place(
                actor=world.people["admin"], target=world.engagement, case_reference="Claim 9", reason="Tribunal"
            )
            placed.set()
        finally:
            connection.close()

    batcher = threading.Thread(target=batch)
    batcher.start()
    assert batch_open.wait(10)
    placer = threading.Thread(target=place)
    placer.start()
    try:
        assert not placed.wait(1.5)  # the hold waits for the batch in flight
    finally:
        batch_may_commit.set()
        batcher.join()
    assert placed.wait(10)
    placer.join()
    assert LegalHold.objects.filter(engagement=world.engagement, released_at__isnull=True).count() == 1
