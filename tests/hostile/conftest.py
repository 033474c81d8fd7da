"""Hostile input: a world whose every text field holds markup, and helpers for forms and uploads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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


@pytest.fixture
def media_dir(settings: Any, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media
