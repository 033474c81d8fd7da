"""The audit log as an auditor reads it: policy 000 opens the *financial records* to auditors,
nothing else. Inside an open audit they see the finance events of the log (invoices, payments,
credit notes, audits), none of the reads and writes of notes, concerns, disclosures, complaints or
engagements; outside it, nothing. The administrator keeps the whole log."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.audit import audit_engagement_event, audit_record
from confidentiality.models import AuditEvent
from finance import services
from tests.conftest import World
from tests.finance.conftest import Books

# What the rest of the practice does, each filed under an engagement and its client.
OUTSIDE_FINANCE = ("note.read", "concern.read", "disclosure.read", "complaint.read", "engagement.update")
FINANCE = ("finance.invoice.issue", "finance.payment.record", "finance.credit_note.issue", "finance.audit.open")


def practice_activity(world: World) -> None:
    coach, admin = world.people["coach"], world.people["admin"]
    for action in OUTSIDE_FINANCE:
        audit_engagement_event(coach if action != "complaint.read" else admin, action, world.engagement)
    audit_record(actor=admin, action="client.read", obj=world.client_record, client_id=world.client_record.pk)


def actions_on(response: Any) -> set[str]:
    return {event.action for event in response.context["page"]}


@pytest.mark.django_db
class TestTheAuditLogPage:
    def test_it_shows_an_auditor_in_their_audit_only_finance_events(
        self, world: World, books: Books, django_assert_max_num_queries: Any
    ) -> None:
        practice_activity(world)
        http = world.http("auditor")
        with django_assert_max_num_queries(12):
            response = http.get(reverse("audit_log"))
        assert response.status_code == 200
        shown = actions_on(response)
        assert set(FINANCE) <= shown
        assert all(action.startswith("finance.") for action in shown), shown
        body = response.content.decode()
        for action in (*OUTSIDE_FINANCE, "client.read", "engagement.create"):
            assert action not in body, action

    def test_it_hides_events_outside_finance_on_every_page_of_the_log(self, world: World, books: Books) -> None:
        for _ in range(60):  # more than a page of other activity, newest first
            audit_engagement_event(world.people["coach"], "note.read", world.engagement)
        http = world.http("auditor")
        first, second = (http.get(reverse("audit_log"), {"page": n}) for n in (1, 2))
        assert "note.read" not in first.content.decode() + second.content.decode()
        assert set(FINANCE) <= actions_on(first)

    @pytest.mark.parametrize("how", ["ended early", "past its last day"])
    def test_it_shows_the_auditor_nothing_once_their_audit_is_over(self, world: World, books: Books, how: str) -> None:
        practice_activity(world)
        when = timezone.now()
        if how == "ended early":
            services.audit_end(actor=world.people["admin"], audit=books.audit)
        else:
            when = when + datetime.timedelta(days=32)
        with time_machine.travel(when + datetime.timedelta(minutes=1), tick=False):
            # Signed in again after the end: the old session ended with the audit.
            response = world.http("auditor").get(reverse("audit_log"))
        assert response.status_code == 404
        body = response.content.decode()
        for action in (*FINANCE, *OUTSIDE_FINANCE):
            assert action not in body, action

    def test_it_shows_an_auditor_with_no_audit_nothing(self, world: World) -> None:
        practice_activity(world)
        response = world.http("auditor").get(reverse("audit_log"))
        assert response.status_code == 404
        assert "note.read" not in response.content.decode()

    def test_it_shows_the_administrator_the_whole_log(self, world: World, books: Books) -> None:
        practice_activity(world)
        response = world.http("admin").get(reverse("audit_log"))
        assert response.status_code == 200
        assert {*FINANCE, *OUTSIDE_FINANCE, "client.read"} <= actions_on(response)


@pytest.mark.django_db
class TestTheAuditLogPolicy:
    def test_finance_events_are_those_the_finance_app_writes(self, world: World, books: Books) -> None:
        practice_activity(world)
        finance_actions = set(
            access.audit_events_visible_to(world.people["auditor"]).values_list("action", flat=True).distinct()
        )
        written = set(AuditEvent.objects.filter(action__startswith="finance.").values_list("action", flat=True))
        assert finance_actions == written
        assert set(FINANCE) <= finance_actions

    def test_no_one_else_reads_the_log(self, world: World, books: Books) -> None:
        for persona in ("coach", "other_coach", "client", "sponsor", "other_sponsor", "superuser"):
            assert not access.audit_events_visible_to(world.people[persona]).exists(), persona
        assert access.audit_events_visible_to(world.people["admin"]).count() == AuditEvent.objects.count()
