"""A table that may scroll sideways (on a phone) can be reached by keyboard and is named, so that
a person who cannot use a mouse or a touch screen can scroll it (WCAG 2.1.1; axe's
scrollable-region-focusable). Found on the invoice page at phone width; checked for every table.

On a phone a table does not scroll at all: each row is a card and each cell shows its column's
name, from its ``data-label`` (static/css/app.css), so every cell must carry one."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Printed by WeasyPrint with styles of their own, on paper: never read on a phone.
PRINTED = {"pdf/agreement.html", "finance/invoice_pdf.html"}
# A data cell or a row's header, with the template tags inside it (a `>` in `{% if a > b %}`).
CELL = re.compile(r"<(?:td|th)\b(?:\{[{%].*?[%}]\}|[^>])*>", re.DOTALL)


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


def unlabelled(html: str) -> list[str]:
    """The cells in ``html`` that would show no column name on a phone, by line: every ``<td>``
    and row ``<th>`` without a ``data-label``, but those spanning columns (an empty list's one
    line, an invoice's totals), which belong to no one column."""
    return [
        f"line {html.count(chr(10), 0, cell.start()) + 1}: {cell[0]}"
        for cell in CELL.finditer(html)
        if (cell[0].startswith("<td") or 'scope="row"' in cell[0])
        and "colspan=" not in cell[0]
        and "data-label=" not in cell[0]
    ]


def test_every_cell_names_its_column_for_a_phone() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).as_posix() not in PRINTED
        for tag in unlabelled(path.read_text())
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_a_cell_without_its_columns_name() -> None:
    assert unlabelled("<tr>\n<td>7 Dec 2026</td></tr>") == ["line 2: <td>"]
    assert unlabelled('<tr><th scope="row">INV-1</th><td data-label="Due">7 Dec 2026</td></tr>') == [
        'line 1: <th scope="row">'
    ]
    assert unlabelled('<td{% if cell.numeric %} class="num"{% endif %}>') == [
        'line 1: <td{% if cell.numeric %} class="num"{% endif %}>'
    ]
    assert unlabelled('<td{% if a > b %} class="num"{% endif %} data-label="Net">') == []
    assert not unlabelled('<tr><th scope="col">Due</th></tr><tr><td colspan="2">No invoices.</td></tr>')
    assert not unlabelled('<tr><th scope="row" data-label="Number">INV-1</th><td data-label="Due">7 Dec</td></tr>')
