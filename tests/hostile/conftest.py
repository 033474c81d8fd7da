"""Hostile input: a world whose every text field holds markup, and helpers for forms and uploads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.matrix.runner import Matrix, built_world


@pytest.fixture(scope="module")
def hostile_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    """The access matrix's world with ``<script>…</script>`` around every confidential text."""
    with built_world(django_db_blocker, tmp_path_factory.mktemp("hostile-media"), hostile=True) as built:
        yield built
