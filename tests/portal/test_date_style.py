"""One style for the dates people read (issue: "a practice can start on Monday", item 8): "7 Dec
2026" on pages, e-mails, notices, PDFs and exports, never "07 Dec 2026" beside it."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from django.utils import timezone

from confidentiality.dates import day, day_in_words, moment

ROOT = Path(__file__).resolve().parents[2]
APPS = [p for p in ROOT.iterdir() if p.is_dir() and (p / "apps.py").exists() or p.name == "confidentiality"]
# A day of the month with a leading zero, as Python (%d) or a template (date:"d ...") writes it for a reader.
ZERO_PADDED = re.compile(r"%d %[bB]|\|date:\"d[ ]")


def test_the_helpers_write_the_templates_style() -> None:
    assert day(datetime.date(2026, 12, 7)) == "7 Dec 2026"
    assert day_in_words(datetime.date(2026, 3, 1)) == "1 March 2026"
    noon = timezone.make_aware(datetime.datetime(2026, 12, 7, 14, 5))
    assert moment(noon) == "7 Dec 2026 14:05"


def test_no_code_or_template_writes_a_day_with_a_leading_zero() -> None:
    sources = [p for app in APPS for p in app.rglob("*.py") if "migrations" not in p.parts]
    sources += list((ROOT / "templates").rglob("*.html"))
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ZERO_PADDED.search(line) and "strptime" not in line
    ]
    assert not found, found
