"""Append-only journals kept outside the database (the retention receipts, the audit anchors): one
JSON object a line, each append forced to disk before it returns."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def journal_append(path: Path, entries: Iterable[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def journal_entries(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Each line's number and object; ``None`` for a line that is not one (cut short by a crash
    while writing, or changed by hand): the reader decides what that means."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                yield number, None
                continue
            yield number, entry if isinstance(entry, dict) else None
