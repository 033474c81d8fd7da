"""Issue 20, item 10: a break-glass reason someone could act on, and a 'who has read my file' that
lists every read about the client, one row per person, kind of record and day, with a count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from confidentiality.models import AuditEvent
from engagements import services
from engagements.models import BreakGlassGrant
from tests.conftest import World
from tests.engagements.conftest import Content

# The access log page: session, user, client, the grouped reads, the names. The same however many reads.
QUERIES = 9
A_REAL_REASON = "The client complained that this note misrecords what was agreed, and I must check it."


def rows_of(world: World) -> list[str]:
    page = world.http("client").get(reverse("engagements:access_log")).content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("<tr>") if row.strip()]


def reads_by(world: World, persona: str) -> list[str]:
    """The rows of that person's reads (a coach's 'given access' row is not a read)."""
    name = escape(world.people[persona].display_name)
    return [row for row in rows_of(world) if name in row and "Given access" not in row]


@pytest.mark.django_db
class TestABreakGlassReason:
    @pytest.mark.parametrize(
        ("reason", "missing"),
        [
            ("x" * 20, "repeats one character"),
            ("x" * 40, "repeats one character"),
            ("because", "at least 20 characters"),
            ("because because because because", "four different words"),
            ("12345 67890 12345 67890", "words"),
            ("to do it a b c", "at least 20 characters"),
            ("Reviewing it, see 12345678", "four different words"),
        ],
    )
    def test_it_refuses_a_reason_no_one_could_act_on(
        self, world: World, content: Content, reason: str, missing: str
    ) -> None:
        events = AuditEvent.objects.count()
        with pytest.raises(ValidationError, match=missing):
            services.break_glass_open(actor=world.people["admin"], note=content.private_note, reason=reason)
        assert not BreakGlassGrant.objects.exists()
        assert AuditEvent.objects.count() == events

    def test_it_opens_the_note_for_a_sentence_someone_could_act_on(self, world: World, content: Content) -> None:
        grant = services.break_glass_open(actor=world.people["admin"], note=content.private_note, reason=A_REAL_REASON)
        assert grant.reason == A_REAL_REASON
        assert AuditEvent.objects.filter(action="break_glass.open").count() == 1

    def test_the_page_refuses_twenty_xs_and_says_what_is_missing(self, world: World, content: Content) -> None:
        url = reverse("engagements:break_glass", args=[content.private_note.pk])
        response = world.http("admin").post(url, {"reason": "x" * 20})
        assert response.status_code == 200
        assert "repeats one character" in response.content.decode()
        assert "x" * 20 in response.content.decode()  # what they typed is still in the box
        assert not BreakGlassGrant.objects.exists()
        response = world.http("admin").post(url, {"reason": A_REAL_REASON})
        assert response.status_code == 302
        assert BreakGlassGrant.objects.count() == 1


@pytest.mark.django_db
class TestWhoHasReadMyFile:
    def test_a_supervisor_reading_a_disclosure_about_the_client_is_listed(self, world: World) -> None:
        from tests.disclosures.test_disclosures import pending

        disclosure = pending(world, supervisor=world.people["other_coach"])
        opened = world.http("other_coach").get(reverse("disclosures:disclosure_detail", args=[disclosure.pk]))
        assert opened.status_code == 200
        (row,) = reads_by(world, "other_coach")
        assert "A disclosure" in row

    def test_the_administrator_reading_a_concern_about_the_client_is_listed(self, world: World) -> None:
        from tests.disclosures.test_concerns import start

        concern = start(world, supervisor=world.people["other_coach"])
        assert world.http("admin").get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 200
        assert (
            world.http("other_coach").get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 200
        )
        (row,) = reads_by(world, "admin")
        assert "A concern" in row
        (row,) = reads_by(world, "other_coach")
        assert "A concern" in row

    def test_a_note_opened_three_times_in_a_day_is_one_row_with_a_count_of_three(
        self, world: World, content: Content
    ) -> None:
        url = reverse("engagements:note_view", args=[content.private_note.pk])
        coach = world.http("coach")
        for _ in range(3):
            assert coach.get(url).status_code == 200
        (row,) = reads_by(world, "coach")
        assert "Notes" in row and "3 times" in row

    def test_two_kinds_of_record_are_two_rows(self, world: World, content: Content) -> None:
        coach = world.http("coach")
        coach.get(reverse("engagements:note_view", args=[content.private_note.pk]))
        coach.get(reverse("engagements:note_view", args=[content.private_note.pk]))
        coach.get(reverse("engagements:document_download", args=[content.private_document.pk]))
        rows = reads_by(world, "coach")
        assert len(rows) == 2
        assert sum("Notes" in row for row in rows) == 1 and sum("A document" in row for row in rows) == 1

    def test_reads_on_two_days_are_two_rows(self, world: World, content: Content) -> None:
        url = reverse("engagements:note_view", args=[content.private_note.pk])
        first = datetime.datetime(2026, 3, 14, 10, 0, tzinfo=datetime.UTC)
        for moment in (first, first + datetime.timedelta(hours=1), first + datetime.timedelta(days=1)):
            with time_machine.travel(moment, tick=False):
                world.http("coach").get(url)
        rows = reads_by(world, "coach")
        assert len(rows) == 2
        assert any("14 Mar 2026" in row and "2 times" in row for row in rows)
        assert any("15 Mar 2026" in row and "times" not in row for row in rows)

    def test_the_page_costs_the_same_queries_however_many_reads(
        self, world: World, content: Content, django_assert_max_num_queries: Any
    ) -> None:
        client = world.http("client")
        url = reverse("engagements:access_log")
        client.get(url)
        note = reverse("engagements:note_view", args=[content.private_note.pk])
        world.http("coach").get(note)
        world.http("admin").get(reverse("engagements:clients"))
        with django_assert_max_num_queries(QUERIES):
            client.get(url)
        services.engagement_member_add(
            actor=world.people["admin"], engagement=world.engagement, user=world.people["other_coach"], kind="coach"
        )
        document = reverse("engagements:document_download", args=[content.private_document.pk])
        for persona in ("coach", "other_coach"):
            for _ in range(5):
                world.http(persona).get(note)
                world.http(persona).get(document)
        with django_assert_max_num_queries(QUERIES):
            client.get(url)
