"""Script in every text field comes back escaped: every page of the access matrix, read by everyone
allowed to read it, in a world where every confidential text is wrapped in markup that would run."""

from __future__ import annotations

import html
import re

import pytest

from tests.matrix.runner import Matrix, attempt, path_for, uses_api_client
from tests.matrix.table import AUDIENCE_A, PERSONA_ORDER, ROWS, WORK_GATE_ROWS, Row

# What would run if a page printed a field unescaped, and what a field looks like escaped.
RAW = ("<script>alert(", '<b onmouseover="alert(1)"')
ESCAPED_MARKER = re.compile(re.escape(html.escape('<script>alert("')) + r"QZ-([A-Za-z]+)-[AB]")
# Fields no page shows: a document's content is a download, its name loses everything before the
# last "/" (so "</script>" leaves no marker), and the matrix's own text is not part of the world.
NOT_ON_PAGES = {
    "PrivateDocumentContent",
    "SharedDocumentContent",
    "SuppliedDocumentContent",
    "PrivateDocument",
    "SharedDocument",
    "SuppliedDocument",
    "ClosedDocumentContent",
    "ClosedDocument",
    "Posted",
}
READS = [row for row in (*ROWS, *WORK_GATE_ROWS) if row.method == "GET" and "200" in row.expected.values()]


def readers(row: Row) -> list[str]:
    return [p for p in PERSONA_ORDER if row.expected[p] == "200"]


@pytest.mark.django_db
class TestEscaping:
    def test_no_page_prints_a_field_unescaped_and_every_field_is_shown_escaped_somewhere(
        self, hostile_world: Matrix
    ) -> None:
        failures: list[str] = []
        escaped_seen: set[str] = set()
        for row in READS:
            path = path_for(row, hostile_world.world)
            for persona in readers(row):
                personas = hostile_world.personas
                http = personas.api(persona) if uses_api_client(row) else personas.browser(persona)
                outcome = attempt(http, "GET", path)
                where = f"{row.id} as {persona}"
                if outcome.content_type.startswith("text/html"):
                    failures += [f"{where}: prints {raw!r} unescaped" for raw in RAW if raw in outcome.body]
                    escaped_seen |= set(ESCAPED_MARKER.findall(outcome.body))
                elif (
                    outcome.content_type.startswith("application/pdf")
                    and "QZ-" in outcome.body
                    and "<script>alert(" not in outcome.body
                ):
                    # Rendered from escaped HTML, the markup shows as text; unescaped, it would vanish as a tag.
                    failures.append(f"{where}: the PDF lost the markup around a field")
        assert not failures, "\n".join(failures)
        never_shown = sorted(set(AUDIENCE_A) - NOT_ON_PAGES - escaped_seen)
        assert not never_shown, f"Fields no page showed (escaped), so their escaping went unchecked: {never_shown}"

    def test_api_answers_are_data_no_browser_renders_as_a_page(self, hostile_world: Matrix) -> None:
        """JSON carries the text as it was given; it is never sniffed into HTML."""
        failures = []
        for row in [r for r in READS if r.is_api_operation]:
            persona = readers(row)[0]
            outcome_type = attempt(hostile_world.personas.api(persona), "GET", path_for(row, hostile_world.world))
            if outcome_type.content_type.startswith("text/html"):
                failures.append(f"{row.id}: answered {outcome_type.content_type}")
        assert not failures, "\n".join(failures)
