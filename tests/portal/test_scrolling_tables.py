"""A table that may scroll sideways (on a phone) can be reached by keyboard and is named, so that
a person who cannot use a mouse or a touch screen can scroll it (WCAG 2.1.1; axe's
scrollable-region-focusable). Found on the invoice page at phone width; checked for every table."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def unreachable(html: str) -> list[str]:
    """The table wrappers in ``html`` that cannot take the focus or have no name."""
    return [
        tag
        for tag in re.findall(r"<div[^>]*\btable-wrap\b[^>]*>", html)
        if not ('tabindex="0"' in tag and 'role="region"' in tag and 'aria-label="' in tag)
    ]


def test_every_scrolling_table_takes_the_focus_and_has_a_name() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in TEMPLATES.rglob("*.html")
        for tag in unreachable(path.read_text())
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_a_wrapper_without_the_focus_or_a_name() -> None:
    assert unreachable('<div class="table-wrap"><table>') == ['<div class="table-wrap">']
    assert unreachable('<div class="table-wrap" tabindex="0" role="region"><table>')  # no name
    assert not unreachable('<div class="table-wrap" tabindex="0" role="region" aria-label="Lines"><table>')
