"""The matrix world is built once per module, inside a transaction rolled back at the end.

Each test then runs in a savepoint of that transaction (pytest-django's ``db``), and each request
in a savepoint of its own, so nothing one request does is seen by the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.matrix import routes
from tests.matrix.runner import Matrix, built_world, record_size


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    from tests.matrix.table import GATE_PERSONAS, GATE_ROWS, PERSONA_ORDER, ROWS

    record_size(
        url_patterns=len(routes.url_patterns()),
        api_patterns=sum(r.is_api for r in routes.url_patterns()),
        api_operations=len(routes.api_operations()),
        personas=len(PERSONA_ORDER),
        objects=len({row.obj for row in ROWS} - {"-"}),
        rows=len(ROWS),
        gate_personas=len(GATE_PERSONAS),
        gate_rows=len(GATE_ROWS),
    )
    with built_world(django_db_blocker, tmp_path_factory.mktemp("matrix-media")) as built:
        yield built
