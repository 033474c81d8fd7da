"""No typed word is lost on the report pages: whatever refuses a coach's or a client's text, the
page shows the text again, and the reason; after a conflict, beside the version now stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports import services as report_services
from reports.models import SponsorReport
from tests.conftest import World
from tests.reports.test_reports import draft, goals, to_client

pytestmark = pytest.mark.django_db

TYPED = "Sam has delegated the Monday meeting and the budget review."


def test_a_refused_new_report_comes_back_with_its_title_and_text(world: World) -> None:
    response = world.http("coach").post(
        reverse("reports:report_list", args=[world.engagement.pk]),
        {"title": "", f"section_{goals().pk}": TYPED},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "The report was not saved" in page
    assert TYPED in page and not SponsorReport.objects.exists()


def test_after_a_conflict_the_typed_text_and_the_stored_version_are_both_shown(world: World) -> None:
    report = draft(world)
    coach = world.http("coach")
    # Someone else changes the report while this coach types: they saw version 1, it is now version 2.
    report = report_services.report_submit(actor=world.people["coach"], report=report, expected_version=1)
    report = report_services.report_request_changes(actor=world.people["client"], report=report, version_number=1)
    report_services.report_revise(
        actor=world.people["coach"], report=report, expected_version=1, sections={goals().pk: "The other text."}
    )
    response = coach.post(
        reverse("reports:report_action", args=[report.pk, "revise"]),
        {"version": "1", f"section_{goals().pk}": TYPED},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "changed since you opened it" in page
    assert TYPED in page  # in the box, to save again
    assert "The other text." in page and "stored now (version 2)" in page  # to compare first


def test_text_for_a_report_that_can_no_longer_change_is_shown_to_copy(world: World) -> None:
    report = to_client(world)  # sent meanwhile: no longer editable
    response = world.http("coach").post(
        reverse("reports:report_action", args=[report.pk, "revise"]),
        {"version": "1", f"section_{goals().pk}": TYPED},
    )
    page = response.content.decode()
    assert "Your text, not saved" in page and TYPED in page


def test_a_refused_comment_is_shown_to_copy_when_its_form_is_gone(world: World) -> None:
    report = to_client(world)
    report_services.report_approve(actor=world.people["client"], report=report, version_number=1)
    section = report.versions.get(number=1).sections.get()
    response = world.http("client").post(
        reverse("reports:report_action", args=[report.pk, "comment"]),
        {"version": "1", "section": str(section.pk), "body": "Please add the budget review."},
    )
    page = response.content.decode()
    assert "Not done:" in page and "Your comment, not sent" in page and "Please add the budget review." in page


def test_sending_unchanged_text_back_after_changes_were_asked_is_refused_clearly(world: World) -> None:
    report = to_client(world)
    report = report_services.report_request_changes(actor=world.people["client"], report=report, version_number=1)
    stored = report.versions.get(number=1).sections.get().body
    response = world.http("coach").post(
        reverse("reports:report_action", args=[report.pk, "submit"]),
        {"version": "1", f"section_{goals().pk}": stored},
    )
    assert "change the text before sending it again" in response.content.decode()
    report.refresh_from_db()
    assert report.state == SponsorReport.State.CHANGES_REQUESTED


def test_sending_a_draft_as_it_is_stored_saves_nothing_more(world: World) -> None:
    from confidentiality.models import AuditEvent

    report = draft(world)
    stored = report.versions.get(number=1).sections.get().body
    world.http("coach").post(
        reverse("reports:report_action", args=[report.pk, "submit"]),
        {"version": "1", f"section_{goals().pk}": stored},
    )
    report.refresh_from_db()
    assert report.state == SponsorReport.State.WITH_CLIENT and report.current_version == 1
    assert not AuditEvent.objects.filter(action="report.revise").exists()
