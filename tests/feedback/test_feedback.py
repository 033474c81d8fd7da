"""Feedback from others: single-use links, the terms page, and anonymity that really anonymises."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import AuditEvent
from consent.models import Agreement, FeedbackAnonymity
from engagements.services import ConflictError
from feedback import services as feedback_services
from feedback.models import FeedbackRequest, FeedbackSource
from tests.conftest import PERSONAS, World

PEER_ANSWERS = [
    "Quick to credit the team in the Monday meeting.",
    "Sometimes interrupts when the budget is discussed.",
    "Has become far easier to approach this spring.",
]
PROMPT = "What does Sam do that helps the team, and what could change?"
SUMMARY = "Colleagues see Sam as generous with credit and more approachable; interruptions remain."
PEOPLE = [("Ada Brightwater", "ada@example.net"), ("Ben Okafor", "ben@example.net"), ("Cy Lam", "cy@example.net")]


def agreed(world: World, anonymity: str) -> None:
    Agreement.objects.filter(engagement=world.engagement).update(feedback_anonymity=anonymity)


def ask(
    world: World, *, people: list[tuple[str, str]] = PEOPLE, kind: str = "category", anonymity: str | None = None
) -> tuple[FeedbackRequest, list[str]]:
    if anonymity:
        agreed(world, anonymity)
    fr, issued = feedback_services.feedback_request_create(
        actor=world.people["coach"],
        engagement=world.engagement,
        kind=kind,
        source_category="peer",
        prompt=PROMPT,
        sources=[feedback_services.NewSource(email=email, name=name) for name, email in people],
    )
    return fr, [token for _, token in issued]


def answer_all(tokens: list[str], answers: list[str] = PEER_ANSWERS) -> None:
    for token, text in zip(tokens, answers, strict=False):
        feedback_services.feedback_answer(token=token, answer=text)


def share(world: World, fr: FeedbackRequest, presentation: str = "verbatim") -> FeedbackRequest:
    fr.refresh_from_db()
    return feedback_services.feedback_share(
        actor=world.people["coach"],
        request=fr,
        expected_version=fr.version,
        summary=SUMMARY,
        presentation=presentation,
        share=True,
    )


def give_url(token: str) -> str:
    return reverse("feedback:feedback_give", args=[token])


@pytest.mark.django_db
class TestLinks:
    def test_each_person_is_emailed_their_own_link_and_nothing_confidential(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            fr, tokens = ask(world)
        assert sorted(m.to[0] for m in mail.outbox) == sorted(email for _, email in PEOPLE)
        for message in mail.outbox:
            assert PROMPT not in message.body and "Samira" not in message.body
        assert all(any(t in m.body for m in mail.outbox) for t in tokens)
        # Only the hash of each link is stored.
        stored = set(FeedbackSource.objects.values_list("token_hash", flat=True))
        assert stored == {feedback_services.hash_token(t) for t in tokens}
        assert not stored & set(tokens)

    def test_the_page_states_the_terms_and_a_link_works_once(self, world: World) -> None:
        fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_CATEGORY)
        page = world.http("anonymous").get(give_url(tokens[0]))
        text = page.content.decode()
        assert page.status_code == 200
        assert "Samira Quentin-Marsh" in text and PROMPT in text
        assert "described only as &#x27;Peer&#x27;, never by name" in text
        assert "fewer than 3 people answer" in text
        assert "Nobody at the organisation that pays" in text
        # Answering without confirming the terms changes nothing.
        missing = world.http("anonymous").post(give_url(tokens[0]), {"answer": PEER_ANSWERS[0]})
        assert missing.status_code == 200 and "confirm you have read the terms" in missing.content.decode()
        assert not FeedbackSource.objects.filter(answered_at__isnull=False).exists()
        done = world.http("anonymous").post(give_url(tokens[0]), {"answer": PEER_ANSWERS[0], "terms_read": "1"})
        assert done.status_code == 200 and "Thank you" in done.content.decode()
        again = world.http("anonymous").post(give_url(tokens[0]), {"answer": "Second go", "terms_read": "1"})
        assert again.status_code == 404
        assert world.http("anonymous").get(give_url(tokens[0])).status_code == 404
        source = FeedbackSource.objects.get(token_hash=feedback_services.hash_token(tokens[0]))
        assert source.answer == PEER_ANSWERS[0]  # the second attempt changed nothing

    def test_an_expired_link_gets_the_plain_page_and_changes_nothing(self, world: World) -> None:
        fr, tokens = ask(world)
        with time_machine.travel(timezone.now() + datetime.timedelta(days=14, seconds=1)):
            response = world.http("anonymous").post(give_url(tokens[0]), {"answer": "Late", "terms_read": "1"})
            assert response.status_code == 404 and "does not work" in response.content.decode()
            with pytest.raises(PermissionDenied):
                feedback_services.feedback_answer(token=tokens[0], answer="Late")
        with time_machine.travel(timezone.now() + datetime.timedelta(days=13, hours=23)):
            assert world.http("anonymous").get(give_url(tokens[0])).status_code == 200
        assert not FeedbackSource.objects.filter(answered_at__isnull=False).exists()

    @pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "%2e%2e%2fetc"])
    def test_a_forged_link_gets_the_same_plain_page(self, world: World, token: str) -> None:
        _, tokens = ask(world)
        forged = world.http("anonymous").get(give_url(token))
        expired_like = forged.content.decode()
        assert forged.status_code == 404 and "does not work" in expired_like
        assert "Samira" not in expired_like and PROMPT not in expired_like
        post = world.http("anonymous").post(give_url(token), {"answer": "x", "terms_read": "1"})
        assert post.status_code == 404
        assert not FeedbackSource.objects.filter(answered_at__isnull=False).exists()

    def test_a_closed_engagement_takes_no_more_feedback(self, world: World) -> None:
        from engagements.models import Engagement

        _, tokens = ask(world)
        Engagement.objects.filter(pk=world.engagement.pk).update(status=Engagement.Status.CLOSED)
        assert world.http("anonymous").get(give_url(tokens[0])).status_code == 404

    def test_a_blank_or_huge_answer_is_refused_and_the_link_still_works(self, world: World) -> None:
        _, tokens = ask(world)
        for bad in ["   ", "x" * (feedback_services.ANSWER_MAX_CHARS + 1)]:
            with pytest.raises(ValidationError):
                feedback_services.feedback_answer(token=tokens[0], answer=bad)
        feedback_services.feedback_answer(token=tokens[0], answer=PEER_ANSWERS[0])

    def test_answers_are_encrypted_at_rest_and_audited_without_text(self, world: World) -> None:
        from django.db import connection

        fr, tokens = ask(world)
        answer_all(tokens[:1])
        with connection.cursor() as cursor:
            cursor.execute("SELECT answer, name, email FROM engagements_feedbacksource")
            raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert PEER_ANSWERS[0] not in raw and "Ada" not in raw and "ada@example.net" not in raw
        event = AuditEvent.objects.get(action="feedback.answer")
        assert event.engagement_id == world.engagement.pk and PEER_ANSWERS[0] not in str(event.detail)


@pytest.mark.django_db
class TestAsking:
    def test_only_a_coach_on_the_engagement_asks(self, world: World) -> None:
        for persona in ("other_coach", "client", "sponsor", "admin", "auditor", "superuser"):
            with pytest.raises(PermissionDenied):
                feedback_services.feedback_request_create(
                    actor=world.people[persona],
                    engagement=world.engagement,
                    kind="category",
                    source_category="peer",
                    prompt=PROMPT,
                    sources=[feedback_services.NewSource(email="a@example.net")],
                )
        assert not FeedbackRequest.objects.exists()

    @pytest.mark.parametrize(
        ("kind", "people", "message"),
        [
            ("named", [("", "a@example.net")], "named person"),
            ("named", PEOPLE[:2], "named person"),
            ("category", [], "at least one person"),
            ("category", [("Ada", "not-an-address")], "not valid"),
            ("category", [("Ada", "a@example.net"), ("Ada again", "A@example.net")], "twice"),
            ("category", [("Ada", "")], "e-mail address for every person"),
        ],
    )
    def test_bad_requests_are_refused_clearly_and_change_nothing(
        self, world: World, kind: str, people: list[tuple[str, str]], message: str
    ) -> None:
        with pytest.raises(ValidationError) as refused:
            ask(world, people=people, kind=kind)
        assert message in " ".join(refused.value.messages)
        assert not FeedbackRequest.objects.exists() and not FeedbackSource.objects.exists()
        assert not mail.outbox

    def test_no_feedback_before_the_agreement_is_signed(self, world: World) -> None:
        agreement = Agreement.objects.get(engagement=world.engagement)
        agreement.signatures.filter(party="client").delete()
        Agreement.objects.filter(pk=agreement.pk).update(state=Agreement.State.OUT_FOR_SIGNATURE)
        with pytest.raises(ValidationError, match="No feedback requests can be made"):
            ask(world)

    def test_the_anonymity_is_the_one_agreed_when_asked(self, world: World) -> None:
        fr, _ = ask(world, anonymity=FeedbackAnonymity.BY_NAME)
        agreed(world, FeedbackAnonymity.UNIDENTIFIED)
        fr.refresh_from_db()
        assert fr.anonymity == FeedbackAnonymity.BY_NAME  # what the sources were told


@pytest.mark.django_db
class TestAnonymity:
    def _client_page(self, world: World, fr: FeedbackRequest) -> str:
        response = world.http("client").get(reverse("feedback:feedback_detail", args=[fr.pk]))
        assert response.status_code == 200
        return response.content.decode()

    def _client_api(self, world: World, fr: FeedbackRequest) -> dict[str, Any]:
        response = world.api("client").get(f"/api/v1/feedback/{fr.pk}/")
        assert response.status_code == 200
        return response.json()

    def test_by_name_shows_names(self, world: World) -> None:
        fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_NAME, people=PEOPLE[:1], kind="named")
        answer_all(tokens)
        share(world, fr)
        page = self._client_page(world, fr)
        assert "Ada Brightwater" in page and PEER_ANSWERS[0] in page
        assert self._client_api(world, fr)["answers"] == [{"given_by": "Ada Brightwater", "answer": PEER_ANSWERS[0]}]

    def test_by_category_shows_the_kind_of_person_never_a_name(self, world: World) -> None:
        fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_CATEGORY)
        answer_all(tokens)
        share(world, fr)
        page = self._client_page(world, fr)
        body = self._client_api(world, fr)
        for text in (page, str(body)):
            assert all(answer in text for answer in PEER_ANSWERS)
            assert "Peer" in text
            for name, email in PEOPLE:
                assert name not in text and email not in text
        assert {a["given_by"] for a in body["answers"]} == {"Peer"}

    def test_unidentified_shows_nothing_about_the_source(self, world: World) -> None:
        fr, tokens = ask(world, anonymity=FeedbackAnonymity.UNIDENTIFIED)
        answer_all(tokens)
        share(world, fr)
        page = self._client_page(world, fr)
        body = self._client_api(world, fr)
        for text in (page, str(body)):
            assert all(answer in text for answer in PEER_ANSWERS)
            assert "Peer" not in text
            assert all(name not in text for name, _ in PEOPLE)
        listing = world.api("client").get(f"/api/v1/engagements/{world.engagement.pk}/feedback-requests/").json()
        assert "Peer" not in str(listing)

    @pytest.mark.parametrize("anonymity", [FeedbackAnonymity.BY_CATEGORY, FeedbackAnonymity.UNIDENTIFIED])
    def test_fewer_than_the_minimum_is_shown_only_as_the_summary(self, world: World, anonymity: str) -> None:
        fr, tokens = ask(world, anonymity=anonymity)
        answer_all(tokens[:2])
        fr.refresh_from_db()
        with pytest.raises(ValidationError, match="fewer than 3 answers"):
            share(world, fr, presentation="verbatim")
        assert FeedbackRequest.objects.get(pk=fr.pk).shared_at is None
        share(world, fr, presentation="summary")
        page = self._client_page(world, fr)
        body = self._client_api(world, fr)
        for text in (page, str(body)):
            assert SUMMARY in text
            assert not any(answer in text for answer in PEER_ANSWERS)
        assert body["answers"] == []

    def test_the_minimum_is_checked_again_when_shown(self, world: World, settings: Any) -> None:
        fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_CATEGORY)
        answer_all(tokens)
        share(world, fr)
        settings.FEEDBACK_MINIMUM_SOURCES = 4  # the practice raised it after sharing
        assert feedback_services.client_view(FeedbackRequest.objects.get(pk=fr.pk)).answers == []
        assert not any(answer in self._client_page(world, fr) for answer in PEER_ANSWERS)

    def test_summary_only_hides_the_words_even_when_enough_answered(self, world: World) -> None:
        fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_NAME)
        answer_all(tokens)
        share(world, fr, presentation="summary")
        page = self._client_page(world, fr)
        assert SUMMARY in page and not any(answer in page for answer in PEER_ANSWERS)

    def test_the_client_sees_nothing_before_sharing(self, world: World) -> None:
        fr, tokens = ask(world)
        answer_all(tokens)
        assert world.http("client").get(reverse("feedback:feedback_detail", args=[fr.pk])).status_code == 404
        assert world.api("client").get(f"/api/v1/feedback/{fr.pk}/").status_code == 404
        listing = world.api("client").get(f"/api/v1/engagements/{world.engagement.pk}/feedback-requests/")
        assert listing.json() == []

    def test_a_stale_summary_is_refused(self, world: World) -> None:
        fr, tokens = ask(world)
        answer_all(tokens)
        seen = fr.version
        feedback_services.feedback_share(
            actor=world.people["coach"],
            request=fr,
            expected_version=seen,
            summary="First",
            presentation="summary",
            share=False,
        )
        with pytest.raises(ConflictError):
            feedback_services.feedback_share(
                actor=world.people["coach"],
                request=fr,
                expected_version=seen,
                summary="Second",
                presentation="summary",
                share=True,
            )
        fr.refresh_from_db()
        assert fr.summary == "First" and fr.shared_at is None

    def test_sharing_needs_an_answer_and_a_summary(self, world: World) -> None:
        fr, tokens = ask(world)
        with pytest.raises(ValidationError, match="Nobody has answered"):
            share(world, fr)
        answer_all(tokens)
        with pytest.raises(ValidationError, match="Write the summary"):
            feedback_services.feedback_share(
                actor=world.people["coach"],
                request=fr,
                expected_version=fr.version,
                summary=" ",
                presentation="verbatim",
                share=True,
            )


def _shared(world: World) -> FeedbackRequest:
    fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_CATEGORY)
    answer_all(tokens)
    return share(world, fr)


@pytest.mark.django_db
class TestWhoSeesWhat:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_the_pages(self, world: World, persona: str) -> None:
        fr = _shared(world)
        expected = {"coach": 200, "client": 200, "anonymous": 302}.get(persona, 404)
        for url in (
            reverse("feedback:feedback_list", args=[world.engagement.pk]),
            reverse("feedback:feedback_detail", args=[fr.pk]),
        ):
            response = world.http(persona).get(url)
            assert response.status_code == expected, url
            text = response.content.decode()
            if persona != "coach":
                assert "Ada Brightwater" not in text and "ada@example.net" not in text
            if expected != 200:
                assert not any(answer in text for answer in PEER_ANSWERS) and SUMMARY not in text

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_the_api(self, world: World, persona: str) -> None:
        fr = _shared(world)
        expected = {"coach": 200, "client": 200, "anonymous": 401}.get(persona, 404)
        for url in (f"/api/v1/engagements/{world.engagement.pk}/feedback-requests/", f"/api/v1/feedback/{fr.pk}/"):
            response = world.api(persona).get(url)
            assert response.status_code == expected, url
            if persona != "coach":
                assert "Ada Brightwater" not in response.content.decode()

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_asks_and_shares(self, world: World, persona: str) -> None:
        fr, tokens = ask(world)
        answer_all(tokens)
        page = world.http(persona).post(
            reverse("feedback:feedback_list", args=[world.engagement.pk]),
            {"kind": "category", "source_category": "peer", "prompt": PROMPT, "email_0": "z@example.net"},
        )
        assert page.status_code == {"coach": 302, "anonymous": 302}.get(persona, 404)
        assert FeedbackRequest.objects.count() == (2 if persona == "coach" else 1)
        api = world.api(persona).patch(
            f"/api/v1/feedback/{fr.pk}/",
            {"version": 1, "summary": SUMMARY, "presentation": "verbatim", "share": True},
            content_type="application/json",
        )
        assert api.status_code == {"coach": 200, "anonymous": 401}.get(persona, 404)
        assert (FeedbackRequest.objects.get(pk=fr.pk).shared_at is not None) == (persona == "coach")

    def test_the_coach_reads_everything_and_the_read_is_audited(self, world: World) -> None:
        fr, tokens = ask(world)
        answer_all(tokens)
        page = world.http("coach").get(reverse("feedback:feedback_detail", args=[fr.pk])).content.decode()
        assert all(answer in page for answer in PEER_ANSWERS) and "Ada Brightwater" in page
        assert AuditEvent.objects.filter(action="feedback.read", actor_id=world.people["coach"].pk).exists()

    def test_the_sponsor_sees_no_feedback_link_on_the_engagement(self, world: World) -> None:
        _shared(world)
        page = world.http("sponsor").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        assert "Feedback from others" not in page
        coach_page = world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk]))
        assert "Feedback from others" in coach_page.content.decode()


@pytest.mark.django_db
class TestApiJourney:
    def test_ask_answer_share_read(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        coach = world.api("coach")
        url = f"/api/v1/engagements/{world.engagement.pk}/feedback-requests/"
        bad = coach.post(
            url,
            {"kind": "category", "source_category": "peer", "prompt": PROMPT, "sources": []},
            content_type="application/json",
        )
        assert bad.status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            created = coach.post(
                url,
                {
                    "kind": "category",
                    "source_category": "peer",
                    "prompt": PROMPT,
                    "sources": [{"email": email, "name": name} for name, email in PEOPLE],
                },
                content_type="application/json",
            )
        assert created.status_code == 201
        body = created.json()
        assert len(body["links"]) == 3 and len(mail.outbox) == 3
        tokens = [re.search(r"/feedback/give/([^/]+)/", link["link"]).group(1) for link in body["links"]]  # type: ignore[union-attr]
        answer_all(tokens)
        detail = f"/api/v1/feedback/{body['id']}/"
        stale = coach.patch(
            detail,
            {"version": 7, "summary": SUMMARY, "presentation": "verbatim", "share": True},
            content_type="application/json",
        )
        assert stale.status_code == 409
        shared = coach.patch(
            detail,
            {"version": 1, "summary": SUMMARY, "presentation": "verbatim", "share": True},
            content_type="application/json",
        )
        assert shared.status_code == 200 and shared.json()["shared_at"]
        client_view = world.api("client").get(detail).json()
        assert client_view["summary"] == SUMMARY and len(client_view["answers"]) == 3
        assert "sources" not in client_view
        assert (
            world.api("client")
            .patch(
                detail, {"version": 2, "summary": "mine", "presentation": "summary"}, content_type="application/json"
            )
            .status_code
            == 403
        )


@pytest.mark.django_db
def test_an_answer_after_sharing_waits_for_the_coach_to_share_again(world: World) -> None:
    people = PEOPLE + [("Dee Four", "dee@example.net")]
    fr, tokens = ask(world, anonymity=FeedbackAnonymity.BY_CATEGORY, people=people)
    answer_all(tokens[:3])
    share(world, fr)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        feedback_services.feedback_answer(token=tokens[3], answer="A late and very recognisable answer")
    shown = feedback_services.client_view(FeedbackRequest.objects.get(pk=fr.pk))
    assert len(shown.answers) == 3 and "recognisable" not in str(shown.answers)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        share(world, fr)
    assert len(feedback_services.client_view(FeedbackRequest.objects.get(pk=fr.pk)).answers) == 4
