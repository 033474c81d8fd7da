"""The audit log names who acted and the kind of record in words, never a person's number or a
model's label (issue: "a practice can start on Monday", item 8)."""

from __future__ import annotations

import re

import pytest

from confidentiality.audit import audit_record
from engagements import services
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_log_names_people_and_kinds_of_record(world: World) -> None:
    coach = world.people["coach"]
    note = services.note_create(actor=coach, engagement=world.engagement, body="A note")
    audit_record(actor=None, action="retention.sweep", detail={})
    page = world.http("admin").get("/audit/").content.decode()
    rows = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr><td[ >].*?</tr>", page, re.S)
    ]
    who = {row[2] for row in rows}
    assert coach.display_name in who and "The system" in who
    assert not any(name.isdigit() for name in who), who  # nobody is a number
    kinds = {row[5] for row in rows if row[4] == "note.create"}
    assert kinds and all(kind.startswith("note ") for kind in kinds), kinds
    assert "engagements.note" not in page and str(note.pk)[:8] in page  # the record's id stays, for proof
