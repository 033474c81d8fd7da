"""The two gates in front of all new work on an engagement, on every path (issue 20, items 3 and 4):
the agreement signed by everyone, and the client's consent to the practice holding their
information. Each kind of work is refused while either gate is shut, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from confidentiality.models import AuditEvent, Notice
from consent import services as consent_services
from consent.models import ConsentRecord, InformationCategory
from engagements import services
from engagements.models import CoachingSession, Document, Engagement, Note
from feedback import services as feedback_services
from feedback.models import FeedbackRequest
from reports import services as report_services
from reports.models import SponsorReport
from tests.conftest import World
from tests.factories import EngagementFactory

SECRET_TEXT = "Zanzibar-7 private reflection"


def goals() -> InformationCategory:
    return InformationCategory.objects.get(key="goals")


def unsigned(world: World) -> Engagement:
    """An engagement of the world's client and organisation whose agreement nobody has signed."""
    return EngagementFactory(
        organisation=world.organisation,
        client=world.client_record,
        coaches=[world.people["coach"]],
        sponsors=[world.people["sponsor"]],
        agreed=False,
    )


def session(world: World, engagement: Engagement) -> Any:
    import datetime

    return services.session_record(
        actor=world.people["coach"],
        engagement=engagement,
        held_on=datetime.date.today(),
        duration_minutes=60,
        mode="video",
    )


def note(world: World, engagement: Engagement) -> Any:
    return services.note_create(actor=world.people["coach"], engagement=engagement, body=SECRET_TEXT)


def coach_document(world: World, engagement: Engagement) -> Any:
    return services.document_upload(
        actor=world.people["coach"], engagement=engagement, name="plan.txt", content=b"Development plan\n"
    )


def sponsor_document(world: World, engagement: Engagement) -> Any:
    return services.document_upload(
        actor=world.people["sponsor"], engagement=engagement, name="role.txt", content=b"Role profile\n"
    )


def report(world: World, engagement: Engagement) -> Any:
    return report_services.report_create(
        actor=world.people["coach"], engagement=engagement, title="Mid-point", sections={goals().pk: SECRET_TEXT}
    )


def feedback_request(world: World, engagement: Engagement) -> Any:
    return feedback_services.feedback_request_create(
        actor=world.people["coach"],
        engagement=engagement,
        kind="named",
        source_category="peer",
        prompt="What have you noticed?",
        sources=[feedback_services.NewSource(email="ada@example.net", name="Ada Brightwater")],
    )


WORK = {
    "session": (session, CoachingSession),
    "note": (note, Note),
    "coach's document": (coach_document, Document),
    "organisation's document": (sponsor_document, Document),
    "report": (report, SponsorReport),
    "feedback request": (feedback_request, FeedbackRequest),
}


def set_status(world: World, engagement: Engagement, status: str) -> None:
    """The administrator changes the engagement's status on its edit page."""
    engagement.refresh_from_db()
    services.engagement_update(
        actor=world.people["admin"],
        engagement=engagement,
        expected_version=engagement.version,
        title=engagement.title,
        status=status,
        starts_on=engagement.starts_on,
        ends_on=engagement.ends_on,
    )


def withdraw(world: World) -> None:
    consent = ConsentRecord.objects.filter(
        client=world.client_record, kind="basic_information", withdrawn_at=None
    ).earliest("given_at")
    consent_services.consent_withdraw(actor=world.people["client"], consent=consent)


def give_again(world: World) -> ConsentRecord:
    return consent_services.consent_record(
        actor=world.people["client"],
        client=world.client_record,
        kind=ConsentRecord.Kind.BASIC_INFORMATION,
        wording="I agree that the practice holds my basic information.",
        method=ConsentRecord.Method.PORTAL,
    )


@pytest.mark.django_db
class TestUntilEveryoneHasSigned:
    @pytest.mark.parametrize("what", list(WORK))
    def test_no_work_of_any_kind_is_accepted(self, world: World, what: str) -> None:
        engagement = unsigned(world)
        make, model = WORK[what]
        before = model.objects.count(), AuditEvent.objects.count()
        with pytest.raises(ValidationError, match="until everyone has signed the agreement"):
            make(world, engagement)
        assert (model.objects.count(), AuditEvent.objects.count()) == before

    def test_it_cannot_be_made_active_and_starts_itself_when_the_last_party_signs(self, world: World) -> None:
        from tests.factories import agree

        engagement = unsigned(world)
        assert engagement.status == Engagement.Status.PROPOSED
        with pytest.raises(ValidationError, match="only when everyone has signed"):
            set_status(world, engagement, Engagement.Status.ACTIVE)
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.PROPOSED
        agree(engagement)
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.ACTIVE
        assert AuditEvent.objects.filter(action="engagement.start", engagement_id=engagement.pk).count() == 1
        session(world, engagement)  # and now work is accepted

    def test_a_new_engagement_is_never_active_from_the_start(self, world: World) -> None:
        import datetime

        before = Engagement.objects.count()
        with pytest.raises(ValidationError, match="starts as proposed"):
            services.engagement_create(
                actor=world.people["admin"],
                reference="ENG-GATE-1",
                title="Coaching",
                organisation=world.organisation,
                client=world.client_record,
                coaches=[world.people["coach"]],
                sponsors=[],
                starts_on=datetime.date.today(),
                status=Engagement.Status.ACTIVE,
            )
        assert Engagement.objects.count() == before

    def test_the_page_says_what_is_missing_instead_of_offering_forms(self, world: World) -> None:
        engagement = unsigned(world)
        page = world.http("coach").get(f"/engagements/{engagement.pk}/").content.decode()
        assert 'id="work-waits"' in page
        assert "No confidentiality agreement has been put out for signing yet." in page
        for button in ("Record session", "Save note", "Upload"):
            assert f">{button}</button>" not in page
        reports = world.http("coach").get(f"/engagements/{engagement.pk}/reports/").content.decode()
        assert "No report can be drafted until this is done" in reports
        assert ">Save draft</button>" not in reports


@pytest.mark.django_db
class TestWithdrawingConsent:
    def test_it_pauses_the_engagement_and_tells_the_people_on_it_without_saying_why_to_the_sponsor(
        self, world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            withdraw(world)
        world.engagement.refresh_from_db()
        assert world.engagement.status == Engagement.Status.PAUSED
        assert world.engagement.paused_for_consent
        assert AuditEvent.objects.filter(action="engagement.pause", engagement_id=world.engagement.pk).exists()
        reference = world.engagement.reference
        for persona in ("coach", "admin"):
            told = Notice.objects.get(user=world.people[persona], text__contains="paused")
            assert reference in told.text and "paused by a change in the client's consent" in told.text
        sponsor_notice = Notice.objects.get(user=world.people["sponsor"], text__contains="paused")
        assert reference in sponsor_notice.text and "consent" not in sponsor_notice.text
        assert not Notice.objects.filter(user=world.people["other_coach"], text__contains="paused").exists()
        for message in mailoutbox:
            assert world.client_record.full_name not in message.body

    @pytest.mark.parametrize("what", list(WORK))
    def test_no_new_work_of_any_kind_is_accepted(self, world: World, what: str) -> None:
        withdraw(world)
        make, model = WORK[what]
        before = model.objects.count()
        with pytest.raises(ValidationError, match="withdrawn their consent"):
            make(world, world.engagement)
        assert model.objects.count() == before

    def test_a_report_already_approved_is_not_released_nor_a_draft_sent(self, world: World) -> None:
        coach = world.people["coach"]
        approved = report(world, world.engagement)
        report_services.report_submit(actor=coach, report=approved, expected_version=1)
        report_services.report_approve(actor=world.people["client"], report=approved, version_number=1)
        waiting = report(world, world.engagement)
        withdraw(world)
        with pytest.raises(ValidationError, match="withdrawn their consent"):
            report_services.report_release(actor=coach, report=approved, expected_version=1)
        with pytest.raises(ValidationError, match="withdrawn their consent"):
            report_services.report_submit(actor=coach, report=waiting, expected_version=1)
        approved.refresh_from_db()
        waiting.refresh_from_db()
        assert (approved.state, waiting.state) == (SponsorReport.State.APPROVED, SponsorReport.State.DRAFT)

    def test_the_page_says_why_it_is_paused(self, world: World) -> None:
        withdraw(world)
        page = world.http("coach").get(f"/engagements/{world.engagement.pk}/").content.decode()
        assert "This engagement is paused." in page
        assert "withdrawn their consent to the practice holding their information" in page
        assert ">Record session</button>" not in page

    def test_giving_it_again_resumes_what_it_paused_and_clears_the_notices(self, world: World) -> None:
        withdraw(world)
        give_again(world)
        world.engagement.refresh_from_db()
        assert world.engagement.status == Engagement.Status.ACTIVE
        assert not world.engagement.paused_for_consent
        paused = Notice.objects.filter(user=world.people["coach"], text__contains="paused")
        assert paused.exists() and not paused.filter(done_at=None).exists()
        assert Notice.objects.filter(user=world.people["sponsor"], text__contains="has resumed").exists()
        session(world, world.engagement)

    def test_an_engagement_the_administrator_paused_stays_paused(self, world: World) -> None:
        engagement = world.engagement
        set_status(world, engagement, Engagement.Status.PAUSED)
        withdraw(world)
        give_again(world)
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.PAUSED


@pytest.mark.django_db
class TestGivingConsentAgain:
    def test_an_engagement_whose_new_agreement_is_unsigned_comes_back_as_proposed(self, world: World) -> None:
        coach = world.people["coach"]
        withdraw(world)
        consent_services.agreement_send(
            actor=coach, agreement=consent_services.agreement_start(actor=coach, engagement=world.engagement)
        )
        give_again(world)
        world.engagement.refresh_from_db()
        assert world.engagement.status == Engagement.Status.PROPOSED

    def test_an_agreement_signed_while_consent_was_withdrawn_starts_when_it_is_given(self, world: World) -> None:
        from tests.factories import agree

        engagement = unsigned(world)
        withdraw(world)
        agree(engagement)
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.PROPOSED
        give_again(world)
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.ACTIVE

    def test_a_second_standing_consent_is_refused_so_a_withdrawal_is_never_outlived(self, world: World) -> None:
        with pytest.raises(ValidationError, match="already on record"):
            give_again(world)
        # One recorded twice before this rule: withdrawing one withdraws both.
        ConsentRecord.objects.create(
            client=world.client_record,
            kind=ConsentRecord.Kind.BASIC_INFORMATION,
            wording="Recorded twice.",
            method=ConsentRecord.Method.RECORDED_BY_COACH,
        )
        withdraw(world)
        assert not consent_services.has_active_consent(world.client_record, "basic_information")
        world.engagement.refresh_from_db()
        assert world.engagement.status == Engagement.Status.PAUSED


@pytest.mark.django_db
class TestBesideTheGates:
    def test_the_consent_form_stores_no_other_documents_past_the_gates(self, world: World) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.urls import reverse

        engagement = unsigned(world)
        response = world.http("coach").post(
            reverse("engagements:consent_create", args=[engagement.pk]),
            {
                "kind": "marketing",
                "wording": "I agree to be mentioned.",
                "method": "paper",
                "evidence": SimpleUploadedFile("any.pdf", b"%PDF-1.4 anything at all", content_type="application/pdf"),
            },
        )
        assert response.status_code == 200
        assert not Document.objects.filter(engagement=engagement).exists()

    def test_a_sponsor_is_told_of_any_pause_in_the_same_words(self, world: World) -> None:
        engagement = world.engagement
        set_status(world, engagement, Engagement.Status.PAUSED)
        told = Notice.objects.get(user=world.people["sponsor"], text__contains="paused")
        assert told.text == f"Engagement {engagement.reference} is paused. The practice will tell you when it resumes."
        engagement.refresh_from_db()
        set_status(world, engagement, Engagement.Status.ACTIVE)
        told.refresh_from_db()
        assert told.done_at is not None
        assert Notice.objects.filter(user=world.people["sponsor"], text__contains="has resumed").exists()


@pytest.mark.django_db
class TestFeedbackDuringAPause:
    def test_a_link_sent_before_the_withdrawal_takes_no_answer_and_nothing_is_shared(self, world: World) -> None:
        asked, tokens = feedback_request(world, world.engagement)
        withdraw(world)
        with pytest.raises(Exception, match="does not work"):
            feedback_services.feedback_answer(token=tokens[0][1], answer="What I noticed about them.")
        assert not FeedbackRequest.objects.get(pk=asked.pk).sources.filter(answered_at__isnull=False).exists()
        with pytest.raises(ValidationError, match="withdrawn their consent"):
            feedback_services.feedback_share(
                actor=world.people["coach"],
                request=asked,
                expected_version=asked.version,
                summary="A summary.",
                presentation="summary",
                share=True,
            )
        give_again(world)
        feedback_services.feedback_answer(token=tokens[0][1], answer="What I noticed about them.")
