"""Subject-access requests arriving at the same moment open one.

Apart from the module it tests, because it commits (a transactional test): the other tests of that
module share one persona world, built once and rolled back (tests/conftest.py ``world_of_module``)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from rights.models import SubjectAccessRequest
from tests.conftest import World
from tests.rights.test_subject_access import open_for


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
@pytest.mark.parametrize("persona", ["client", "sponsor"])
def test_requests_arriving_at_the_same_moment_open_one(world: World, persona: str) -> None:
    refusals: list[Exception] = []
    start = threading.Barrier(4)

    def ask() -> None:
        try:
            start.wait()
            open_for(world, persona)
        except ValidationError as exc:
            refusals.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert SubjectAccessRequest.objects.count() == 1
    assert len(refusals) == 3 and all("still open" in str(exc) for exc in refusals)
