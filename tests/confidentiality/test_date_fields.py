"""Browser date fields get ISO 8601 values whatever the language (en-GB writes 22/11/2026, which a
date field cannot show, so the field came up empty and its initial date was lost)."""

from __future__ import annotations

import datetime

import time_machine

from engagements.forms import SessionForm


class TestDateFields:
    @time_machine.travel(datetime.datetime(2026, 2, 3, 12, 0, tzinfo=datetime.UTC))
    def test_it_renders_the_initial_date_as_a_date_field_can_show_it(self) -> None:
        html = str(SessionForm()["held_on"])
        assert 'type="date"' in html and 'value="2026-02-03"' in html
