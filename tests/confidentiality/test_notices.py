"""Notices resolve themselves: a notice that asks for something leaves every dashboard it is on once
that thing is done, by whoever does it. One test per kind of notice that asks for something."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from complaints import services as complaint_services
from confidentiality import outbox
from confidentiality.models import Notice, OutgoingEmail
from confidentiality.roles import Role
from consent.defaults import install_current
from consent.services import agreement_send, agreement_sign, agreement_start
from disclosures import services as disclosure_services
from engagements.selectors import notices_for
from people import services as people_services
from people.models import Offboarding
from reports import services as report_services
from rights import services as sar
from tests.confidentiality.outbox_helpers import REFUSING, enable_outbox
from tests.conftest import World
from tests.factories import ClientFactory, EngagementFactory, UserFactory
from tests.reports.test_reports import approved, goals, to_client

pytestmark = pytest.mark.django_db


def waiting(user: Any, words: str) -> bool:
    """Whether the person's dashboard shows a notice saying ``words``."""
    return any(words in notice.text for notice in notices_for(user=user))


class TestTheAgreement:
    def test_leaving_the_engagement_or_its_closing_clears_the_request_to_sign(self, world: World) -> None:
        """Issue 17: a sponsor taken off an engagement, or everyone when it closed mid-signing, kept
        "waiting for your signature" for ever."""
        from engagements.services import engagement_close, engagement_member_remove

        coach, client, sponsor = UserFactory(role=Role.COACH), UserFactory(role=Role.CLIENT), world.people["sponsor"]
        engagement = EngagementFactory(
            organisation=world.organisation,
            client=ClientFactory(user=client),
            coaches=[coach],
            sponsors=[sponsor],
            agreed=False,
        )
        agreement_send(
            actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
        )
        asked = "waiting for your signature"
        assert waiting(client, asked) and waiting(sponsor, asked)
        engagement_member_remove(actor=world.people["admin"], engagement=engagement, user=sponsor)
        assert not waiting(sponsor, asked) and waiting(client, asked)
        engagement_close(actor=world.people["admin"], engagement=engagement)
        assert not waiting(client, asked)

    def test_each_signature_clears_the_signers_notice_and_the_coach_is_asked_to_countersign_last(
        self, world: World
    ) -> None:
        coach, client, sponsor = UserFactory(role=Role.COACH), UserFactory(role=Role.CLIENT), world.people["sponsor"]
        engagement = EngagementFactory(
            organisation=world.organisation,
            client=ClientFactory(user=client),
            coaches=[coach],
            sponsors=[sponsor],
            agreed=False,
        )
        agreement = agreement_send(
            actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
        )
        asked = "waiting for your signature"
        assert waiting(client, asked) and waiting(sponsor, asked)
        assert not waiting(coach, "countersignature")

        agreement_sign(actor=client, agreement=agreement, shown_hash=agreement.text_hash)
        assert not waiting(client, asked) and waiting(sponsor, asked)  # only the signer's clears
        assert not waiting(coach, "countersignature")

        agreement_sign(actor=sponsor, agreement=agreement, shown_hash=agreement.text_hash)
        assert not waiting(sponsor, asked)
        assert waiting(coach, "countersignature")

        agreement_sign(actor=coach, agreement=agreement, shown_hash=agreement.text_hash)
        assert not waiting(coach, "countersignature")

    def test_a_version_that_steps_aside_asks_nobody_to_sign_it(self, world: World) -> None:
        coach, client = UserFactory(role=Role.COACH), UserFactory(role=Role.CLIENT)
        engagement = EngagementFactory(
            organisation=world.organisation,
            client=ClientFactory(user=client),
            coaches=[coach],
            sponsors=[world.people["sponsor"]],
            agreed=False,
        )
        first = agreement_send(
            actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
        )
        second = agreement_send(actor=coach, agreement=agreement_start(actor=coach, engagement=engagement))
        open_links = set(
            Notice.objects.filter(user=client, done_at__isnull=True, read_at__isnull=True).values_list(
                "link", flat=True
            )
        )
        assert open_links == {f"/agreements/{second.pk}/"}, f"version {first.version} still asks to be signed"


class TestReports:
    def test_the_clients_review_notice_clears_when_the_client_answers(self, world: World) -> None:
        client = world.people["client"]
        report = to_client(world)
        assert waiting(client, "waiting for your review")
        report_services.report_approve(actor=client, report=report, version_number=1)
        assert not waiting(client, "waiting for your review")

    def test_asked_for_changes_clears_when_the_coach_revises(self, world: World) -> None:
        coach, client = world.people["coach"], world.people["client"]
        report = report_services.report_request_changes(actor=client, report=to_client(world), version_number=1)
        assert waiting(coach, "asked for changes")
        assert not waiting(client, "waiting for your review")
        report_services.report_revise(
            actor=coach, report=report, expected_version=1, sections={goals().pk: "A second version."}
        )
        assert not waiting(coach, "asked for changes")

    def test_you_may_release_it_clears_when_it_is_released(self, world: World) -> None:
        coach = world.people["coach"]
        report = approved(world)
        assert waiting(coach, "You may release it")
        report_services.report_release(actor=coach, report=report, expected_version=1)
        assert not waiting(coach, "You may release it")


def test_acknowledge_by_clears_for_every_administrator_once_one_acknowledges(world: World) -> None:
    admin, other_admin = world.people["admin"], UserFactory(role=Role.ADMIN)
    complaint = complaint_services.complaint_lodge(
        actor=world.people["client"], about="shared", body="My report went to the wrong person."
    )
    assert waiting(admin, "Acknowledge it by") and waiting(other_admin, "Acknowledge it by")
    complaint_services.complaint_respond(actor=other_admin, complaint=complaint, message="We have your complaint.")
    assert not waiting(admin, "Acknowledge it by") and not waiting(other_admin, "Acknowledge it by")


def test_a_second_approval_clears_for_every_approver_once_one_decides(world: World) -> None:
    from tests.disclosures.test_disclosures import pending

    admin, other_admin = world.people["admin"], UserFactory(role=Role.ADMIN)
    disclosure = pending(world)
    assert waiting(admin, "second approval") and waiting(other_admin, "second approval")
    disclosure_services.disclosure_decide(actor=admin, disclosure=disclosure, approve=False)
    assert not waiting(admin, "second approval") and not waiting(other_admin, "second approval")


class TestSubjectAccess:
    def test_answer_due_and_check_and_release_clear_when_the_copy_is_released(self, world: World) -> None:
        from tests.rights.test_subject_access import built, open_for

        admin = world.people["admin"]
        request = open_for(world, "client")
        assert waiting(admin, "answer due by")
        request = built(world, request)
        assert waiting(admin, "ready for you to check and release")
        sar.copy_for_review(actor=admin, request=request)
        sar.subject_access_release(actor=admin, request=request, reviewed=True)
        assert not waiting(admin, "answer due by")
        assert not waiting(admin, "ready for you to check and release")

    def test_answer_due_clears_when_the_request_is_refused(self, world: World) -> None:
        from tests.rights.test_subject_access import open_for

        admin = world.people["admin"]
        request = open_for(world, "client")
        sar.subject_access_refuse(actor=admin, request=request, reason="We hold nothing more than you have.")
        assert not waiting(admin, "answer due by")

    def test_download_by_clears_once_the_requester_downloads(self, world: World) -> None:
        from tests.rights.test_subject_access import released

        client = world.people["client"]
        request = released(world)
        assert waiting(client, "Download it by")
        sar.export_download(actor=client, request=request)
        assert not waiting(client, "Download it by")


def test_a_failed_email_notice_clears_when_it_is_sent_again(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.mail import send_mail

    admin = world.people["admin"]
    box = enable_outbox(settings, monkeypatch)
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("Subject", "Body", "practice@example.org", ["someone@example.org"])
    box.deliver()
    assert waiting(admin, "could not be sent")
    failed = OutgoingEmail.objects.get(status=OutgoingEmail.Status.FAILED)
    outbox.outbox_resend(actor=admin, email=failed)
    assert not waiting(admin, "could not be sent")


def test_engagements_to_take_over_clears_once_every_one_is_settled(world: World) -> None:
    admin, coach = world.people["admin"], world.people["coach"]
    people_services.person_offboard(actor=None, user=coach, reason=Offboarding.Reason.CONTRACT_ENDED)
    assert waiting(admin, "need someone to take them over")
    people_services.engagement_reassign(
        actor=admin, engagement=world.engagement, from_user=coach, to_user=world.people["other_coach"]
    )
    assert not waiting(admin, "need someone to take them over")


def test_a_notice_that_asks_nothing_stays_until_it_is_opened(world: World) -> None:
    """Resolving one thing leaves every other notice alone."""
    from confidentiality.notify import notify, resolve

    client = world.people["client"]
    notify(users=[client], text="Your coach shared a note with you.", link="/", email=False)
    notify(users=[client], text="Please sign.", link="/", email=False, about="agreement.sign:1")
    assert resolve("agreement.sign:2") == 0
    assert resolve("agreement.sign:1") == 1
    assert waiting(client, "shared a note") and not waiting(client, "Please sign.")


def test_a_notice_that_asks_something_stays_when_opened_until_it_is_done(world: World) -> None:
    """Opening "waiting for your review" and leaving without answering must not lose it."""
    from confidentiality.services import notice_open

    client = world.people["client"]
    report = to_client(world)
    notice = Notice.objects.get(user=client, about=f"report.review:{report.pk}")
    notice_open(actor=client, pk=notice.pk)
    assert waiting(client, "waiting for your review")
    report_services.report_approve(actor=client, report=report, version_number=1)
    assert not waiting(client, "waiting for your review")


def test_the_coach_is_asked_to_countersign_once_however_many_sponsors_sign(world: World) -> None:
    coach, client = UserFactory(role=Role.COACH), UserFactory(role=Role.CLIENT)
    sponsors = [world.people["sponsor"], UserFactory(role=Role.SPONSOR, organisation=world.organisation)]
    engagement = EngagementFactory(
        organisation=world.organisation,
        client=ClientFactory(user=client),
        coaches=[coach],
        sponsors=sponsors,
        agreed=False,
    )
    agreement = agreement_send(
        actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
    )
    for signer in (client, *sponsors):
        agreement_sign(actor=signer, agreement=agreement, shown_hash=agreement.text_hash)
    assert Notice.objects.filter(user=coach, text__contains="countersignature").count() == 1


class TestTheDashboardSaysWhatIsNext:
    def next_for(self, world: World, coach: Any, reference: str) -> str:
        from django.urls import reverse

        from tests.conftest import login

        page = login(HttpClient(), coach).get(reverse("dashboard")).content.decode()
        row = page[page.index(reference) :]
        return row[: row.index("</tr>")]

    def test_it_does_not_wait_for_a_client_who_cannot_sign(self, world: World) -> None:
        coach = UserFactory(role=Role.COACH)
        engagement = EngagementFactory(
            organisation=world.organisation, client=ClientFactory(), coaches=[coach], agreed=False
        )
        agreement_send(
            actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
        )
        row = self.next_for(world, coach, engagement.reference)
        assert "The client needs a portal login to sign the agreement" in row
        assert "Add the organisation&#x27;s sponsor contact so they can sign" in row

    def test_it_asks_to_release_what_the_client_approved_and_to_act_on_changes(self, world: World) -> None:
        coach = world.people["coach"]
        approved(world)
        assert "Release the report the client approved" in self.next_for(world, coach, world.engagement.reference)
