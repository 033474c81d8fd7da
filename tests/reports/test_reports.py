from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent
from consent.models import InformationCategory
from engagements.services import ConflictError
from reports import services as report_services
from reports.models import SponsorReport
from tests.conftest import PERSONAS, World

GOALS_V1 = "Sam set three goals and has met the first: weekly planning is now delegated."
GOALS_V2 = "Sam set three goals and has met two: weekly planning and budget reviews are delegated."


def goals() -> InformationCategory:
    return InformationCategory.objects.get(key="goals")


def draft(world: World, text: str = GOALS_V1) -> SponsorReport:
    return report_services.report_create(
        actor=world.people["coach"],
        engagement=world.engagement,
        title="Mid-point summary",
        sections={goals().pk: text},
    )


def to_client(world: World) -> SponsorReport:
    report = draft(world)
    return report_services.report_submit(actor=world.people["coach"], report=report, expected_version=1)


def approved(world: World) -> SponsorReport:
    report = to_client(world)
    return report_services.report_approve(actor=world.people["client"], report=report, version_number=1)


def released(world: World) -> SponsorReport:
    report = approved(world)
    return report_services.report_release(actor=world.people["coach"], report=report, expected_version=1)


@pytest.mark.django_db
class TestStateMachine:
    def test_the_whole_journey(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        coach, client = world.people["coach"], world.people["client"]
        with django_capture_on_commit_callbacks(execute=True):
            report = to_client(world)
            report_services.report_comment(
                actor=client, report=report, version_number=1, body="Please mention the budget reviews."
            )
            report = report_services.report_request_changes(actor=client, report=report, version_number=1)
            assert report.state == "changes_requested"
            report = report_services.report_revise(
                actor=coach, report=report, expected_version=1, sections={goals().pk: GOALS_V2}
            )
            assert report.current_version == 2 and report.state == "draft"
            report = report_services.report_submit(actor=coach, report=report, expected_version=2)
            report = report_services.report_approve(actor=client, report=report, version_number=2)
            report = report_services.report_release(actor=coach, report=report, expected_version=2)
        assert report.state == "released" and report.approved_version == 2
        assert [v.number for v in report.versions.all()] == [1, 2]  # every version is kept
        for message in mail.outbox:  # notifications say that, never what
            assert GOALS_V1 not in message.body and GOALS_V2 not in message.body and "budget" not in message.body

    @pytest.mark.parametrize(
        ("setup", "action"),
        [
            ("draft", "approve"),
            ("draft", "release"),
            ("draft", "request_changes"),
            ("draft", "comment"),
            ("to_client", "submit"),
            ("to_client", "release"),
            ("to_client", "revise"),
            ("approved", "submit"),
            ("approved", "approve"),
            ("approved", "revise"),
            ("released", "release"),
            ("released", "approve"),
            ("released", "revise"),
            ("released", "submit"),
        ],
    )
    def test_every_illegal_transition_is_refused_and_changes_nothing(
        self, world: World, setup: str, action: str
    ) -> None:
        report = {"draft": draft, "to_client": to_client, "approved": approved, "released": released}[setup](world)
        before = (report.state, report.current_version, report.approved_version)
        coach, client = world.people["coach"], world.people["client"]
        calls = {
            "submit": lambda: report_services.report_submit(actor=coach, report=report, expected_version=1),
            "release": lambda: report_services.report_release(actor=coach, report=report, expected_version=1),
            "revise": lambda: report_services.report_revise(
                actor=coach, report=report, expected_version=1, sections={goals().pk: "x"}
            ),
            "approve": lambda: report_services.report_approve(actor=client, report=report, version_number=1),
            "request_changes": lambda: report_services.report_request_changes(
                actor=client, report=report, version_number=1
            ),
            "comment": lambda: report_services.report_comment(actor=client, report=report, version_number=1, body="hm"),
        }
        with pytest.raises(ValidationError):
            calls[action]()
        report.refresh_from_db()
        assert (report.state, report.current_version, report.approved_version) == before

    def test_only_the_client_approves_and_only_the_coach_releases(self, world: World) -> None:
        report = to_client(world)
        for persona in ("coach", "sponsor", "admin", "other_coach", "superuser"):
            with pytest.raises(PermissionDenied):
                report_services.report_approve(actor=world.people[persona], report=report, version_number=1)
        report = report_services.report_approve(actor=world.people["client"], report=report, version_number=1)
        for persona in ("client", "sponsor", "admin", "other_coach"):
            with pytest.raises(PermissionDenied):
                report_services.report_release(actor=world.people[persona], report=report, expected_version=1)

    def test_a_stale_approval_is_refused(self, world: World) -> None:
        coach, client = world.people["coach"], world.people["client"]
        report = to_client(world)
        report_services.report_request_changes(actor=client, report=report, version_number=1)
        report_services.report_revise(actor=coach, report=report, expected_version=1, sections={goals().pk: GOALS_V2})
        report_services.report_submit(actor=coach, report=report, expected_version=2)
        with pytest.raises(ConflictError, match="you saw version 1"):
            report_services.report_approve(actor=client, report=report, version_number=1)  # an old tab
        report.refresh_from_db()
        assert report.state == "with_client" and report.approved_version is None

    def test_editing_an_old_version_is_refused(self, world: World) -> None:
        coach, client = world.people["coach"], world.people["client"]
        report = to_client(world)
        report_services.report_request_changes(actor=client, report=report, version_number=1)
        report_services.report_revise(actor=coach, report=report, expected_version=1, sections={goals().pk: GOALS_V2})
        with pytest.raises(ConflictError):
            report_services.report_revise(
                actor=coach, report=report, expected_version=1, sections={goals().pk: "older"}
            )
        assert report_services.version_for(coach, report).sections.get().body == GOALS_V2

    def test_a_section_outside_the_agreement_cannot_be_added(self, world: World) -> None:
        career = InformationCategory.objects.get(key="career")
        with pytest.raises(ValidationError, match="does not let the sponsor see 'Job hunting"):
            report_services.report_create(
                actor=world.people["coach"], engagement=world.engagement, title="T", sections={career.pk: "Leaving?"}
            )
        assert not SponsorReport.objects.exists()

    def test_no_report_before_the_agreement_is_signed(self, world: World) -> None:
        from consent.services import agreement_send, agreement_start

        agreement_send(
            actor=world.people["coach"],
            agreement=agreement_start(actor=world.people["coach"], engagement=world.engagement),
        )
        with pytest.raises(ValidationError, match="No reports can be made"):
            draft(world)


@pytest.mark.django_db
class TestWhoSeesWhat:
    def test_the_sponsor_sees_nothing_before_release(self, world: World) -> None:
        report = approved(world)
        sponsor = world.http("sponsor")
        assert sponsor.get(reverse("reports:report_detail", args=[report.pk])).status_code == 404
        assert GOALS_V1 not in sponsor.get(reverse("reports:report_list", args=[world.engagement.pk])).content.decode()
        assert not report_services.reports_visible_to(world.people["sponsor"], world.engagement).exists()

    def test_after_release_the_sponsor_reads_exactly_the_approved_version(self, world: World) -> None:
        report = released(world)
        page = world.http("sponsor").get(reverse("reports:report_detail", args=[report.pk])).content.decode()
        assert GOALS_V1 in page
        assert world.http("other_sponsor").get(reverse("reports:report_detail", args=[report.pk])).status_code == 404

    def test_the_client_does_not_see_an_unsent_draft(self, world: World) -> None:
        report = draft(world)
        assert world.http("client").get(reverse("reports:report_detail", args=[report.pk])).status_code == 404

    def test_the_client_sees_what_changed_between_versions(self, world: World) -> None:
        coach, client = world.people["coach"], world.people["client"]
        report = to_client(world)
        report_services.report_request_changes(actor=client, report=report, version_number=1)
        report_services.report_revise(actor=coach, report=report, expected_version=1, sections={goals().pk: GOALS_V2})
        report_services.report_submit(actor=coach, report=report, expected_version=2)
        page = world.http("client").get(reverse("reports:report_detail", args=[report.pk])).content.decode()
        assert "<del>the first:</del>" in page.replace("\n", "") or "<del>" in page
        assert "<ins>" in page and "budget" in page

    def test_comments_on_an_earlier_version_stay_with_the_coach_and_client_and_never_reach_the_sponsor(
        self, world: World
    ) -> None:
        coach, client = world.people["coach"], world.people["client"]
        report = to_client(world)
        asked = "Please say that the budget reviews are mine now."
        report_services.report_comment(actor=client, report=report, version_number=1, body=asked)
        report_services.report_request_changes(actor=client, report=report, version_number=1)
        report_services.report_revise(actor=coach, report=report, expected_version=1, sections={goals().pk: GOALS_V2})
        url = reverse("reports:report_detail", args=[report.pk])
        revising = world.http("coach").get(url).content.decode()
        assert "Comments on earlier versions (1)" in revising and asked in revising
        assert "Comments on this version" not in revising  # version 2 has none yet

        report_services.report_submit(actor=coach, report=report, expected_version=2)
        reviewing = world.http("client").get(url).content.decode()
        assert asked in reviewing and "Version 2 in full" in reviewing
        assert 'name="body"' in reviewing  # the client may comment on the revised version too
        report_services.report_comment(actor=client, report=report, version_number=2, body="Right now, thank you.")
        report_services.report_approve(actor=client, report=report, version_number=2)
        report_services.report_release(actor=coach, report=report, expected_version=2)
        for persona in ("sponsor", "admin"):
            page = world.http(persona).get(url)
            assert asked not in page.content.decode() and "thank you" not in page.content.decode(), persona

    def test_a_comment_with_markup_comes_back_escaped(self, world: World) -> None:
        report = to_client(world)
        report_services.report_comment(
            actor=world.people["client"], report=report, version_number=1, body="<b>bold</b> claim"
        )
        page = world.http("coach").get(reverse("reports:report_detail", args=[report.pk])).content.decode()
        assert "&lt;b&gt;bold&lt;/b&gt; claim" in page

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_a_released_report(self, world: World, persona: str) -> None:
        report = released(world)
        expected = {"coach": 200, "client": 200, "sponsor": 200, "admin": 200, "anonymous": 302}.get(persona, 404)
        response = world.http(persona).get(reverse("reports:report_detail", args=[report.pk]))
        assert response.status_code == expected
        if expected != 200:
            assert GOALS_V1 not in response.content.decode()
        pdf = world.http(persona).get(reverse("reports:report_pdf", args=[report.pk]))
        assert pdf.status_code == expected

    def test_a_released_report_costs_fifteen_queries_or_fewer_for_everyone_who_reads_it(self, world: World) -> None:
        """Issue 23: whether the report is the person's to read is decided from the report already
        loaded (a coach of its engagement; a released report), and its data key comes with it."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        report = released(world)
        path = reverse("reports:report_detail", args=[report.pk])
        for persona in ("coach", "client", "sponsor", "admin"):
            http = world.http(persona)
            assert http.get(path).status_code == 200  # signing in and the test's first request fill caches
            with CaptureQueriesContext(connection) as captured:
                assert http.get(path).status_code == 200
            assert len(captured.captured_queries) <= 15, (persona, [q["sql"][:80] for q in captured.captured_queries])

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_a_report_under_review(self, world: World, persona: str) -> None:
        report = to_client(world)
        expected = {"coach": 200, "client": 200, "anonymous": 302}.get(persona, 404)
        response = world.http(persona).get(reverse("reports:report_detail", args=[report.pk]))
        assert response.status_code == expected
        approve = world.http(persona).post(
            reverse("reports:report_action", args=[report.pk, "approve"]), {"version": "1"}
        )
        assert approve.status_code == (302 if persona in ("client", "anonymous") else 404)
        report.refresh_from_db()
        assert (report.state == "approved") == (persona == "client")


@pytest.mark.django_db
class TestPdf:
    def test_the_pdf_is_watermarked_on_every_page_and_audited(self, world: World) -> None:
        long_text = " ".join([GOALS_V1] * 120)
        report = report_services.report_create(
            actor=world.people["coach"],
            engagement=world.engagement,
            title="Final report",
            sections={goals().pk: long_text},
        )
        report_services.report_submit(actor=world.people["coach"], report=report, expected_version=1)
        report_services.report_approve(actor=world.people["client"], report=report, version_number=1)
        report_services.report_release(actor=world.people["coach"], report=report, expected_version=1)
        response = world.http("sponsor").get(reverse("reports:report_pdf", args=[report.pk]))
        pages = PdfReader(io.BytesIO(response.content)).pages
        assert len(pages) >= 2
        sponsor_name = world.people["sponsor"].display_name
        for page in pages:
            assert sponsor_name in " ".join(page.extract_text().split())
        assert "Final report" in pages[0].extract_text()
        assert AuditEvent.objects.filter(action="report.download", actor_id=world.people["sponsor"].pk).exists()


@pytest.mark.django_db
class TestApi:
    def test_the_journey_through_the_api(self, world: World) -> None:
        coach, client, sponsor = world.api("coach"), world.api("client"), world.api("sponsor")
        url = f"/api/v1/engagements/{world.engagement.pk}/reports/"
        refused = coach.post(url, {"title": "T", "sections": {"career": "Leaving"}}, content_type="application/json")
        assert refused.status_code == 400 and "does not let the sponsor see" in str(refused.json())
        created = coach.post(
            url, {"title": "Summary", "sections": {"goals": GOALS_V1}}, content_type="application/json"
        )
        assert created.status_code == 201
        report_id = created.json()["id"]
        base = f"/api/v1/reports/{report_id}/"
        assert client.get(base).status_code == 404  # not sent yet
        assert coach.post(base + "submit/", {"version": 1}, content_type="application/json").status_code == 200
        assert client.get(base).json()["sections"][0]["body"] == GOALS_V1
        assert sponsor.get(base).status_code == 404
        stale = client.post(base + "approve/", {"version": 2}, content_type="application/json")
        assert stale.status_code == 409
        assert client.post(base + "approve/", {"version": 1}, content_type="application/json").status_code == 200
        assert sponsor.get(base).status_code == 404  # approved is not released
        assert client.post(base + "release/", {"version": 1}, content_type="application/json").status_code == 403
        assert coach.post(base + "release/", {"version": 1}, content_type="application/json").status_code == 200
        body = sponsor.get(base).json()
        assert body["state"] == "released" and body["sections"][0]["body"] == GOALS_V1
        assert world.api("other_sponsor").get(base).status_code == 404
        assert [r["id"] for r in sponsor.get(url).json()] == [report_id]

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_the_list(self, world: World, persona: str) -> None:
        released(world)
        response = world.api(persona).get(f"/api/v1/engagements/{world.engagement.pk}/reports/")
        expected = {"coach": 200, "client": 200, "sponsor": 200, "admin": 200, "anonymous": 401}.get(persona, 404)
        assert response.status_code == expected


@pytest.mark.django_db
class TestReleaseRechecksTheAgreement:
    def test_a_section_no_longer_agreed_is_not_released(self, world: World) -> None:
        from consent.services import agreement_send, agreement_sign, agreement_start, agreement_update_draft

        report = approved(world)
        coach = world.people["coach"]
        draft_v2 = agreement_start(actor=coach, engagement=world.engagement)
        agreement_update_draft(
            actor=coach,
            agreement=draft_v2,
            expected_edit_version=draft_v2.edit_version,
            content={},
            terms={goals().pk: {"shared": False}},
        )
        sent = agreement_send(actor=coach, agreement=draft_v2)
        for person in ("client", "sponsor", "coach"):
            agreement_sign(actor=world.people[person], agreement=sent, shown_hash=sent.text_hash)
        with pytest.raises(ValidationError, match="no longer lets the sponsor see"):
            report_services.report_release(actor=coach, report=report, expected_version=1)
        report.refresh_from_db()
        assert report.state == "approved"

    def test_an_unknown_version_in_a_comment_form_is_a_clear_error(self, world: World) -> None:
        report = to_client(world)
        response = world.http("client").post(
            reverse("reports:report_action", args=[report.pk, "comment"]),
            {"version": "99", "section": "x", "body": "hello"},
            follow=True,
        )
        assert response.status_code == 200 and "changed since you opened it" in response.content.decode()
