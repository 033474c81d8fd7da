"""Figures on stdout, progress on stderr: one place, so every part names its figures alike.

``prefix`` is set once per run: empty on SQLite (the names the figures always had), and
``postgresql_`` on PostgreSQL, so one engine's figures never overwrite the other's.
"""

from __future__ import annotations

import json
import sys
from typing import Any

prefix = ""


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    record = {"figure": prefix + figure, "value": value, "unit": unit, "target": target, "met": met}
    print(json.dumps(record), flush=True)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
