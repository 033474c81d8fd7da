"""Concerns: the steps of policy 004 in order, serious danger, second approval, policy 000, and what
each persona is shown. Who may reach each page and endpoint is the access matrix's
(tests/matrix/table.py)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent, Notice
from consent.models import ConsentRecord
from consent.services import consent_record
from disclosures import concerns
from disclosures import services as disclosure_services
from disclosures.models import Concern, ConcernStep, Disclosure
from tests.conftest import World

HEARD = "Samira said her manager Wendeline Osterhout-Pyke has been falsifying patient safety records."
MINIMUM = "A report that safety records at the ward may have been falsified by one named manager."


def start(world: World, **extra: Any) -> Concern:
    values: dict[str, Any] = {
        "actor": world.people["coach"],
        "engagement": world.engagement,
        "kind": Concern.Kind.BREAKING_CONFIDENTIALITY,
        "text": HEARD,
    } | extra
    return concerns.concern_start(**values)


def take(world: World, concern: Concern, step: str, text: str = "Recorded.", **extra: Any) -> Any:
    if step == "supervision":
        extra.setdefault("detail", "Tom Achebe, supervising coach")  # who reviewed it: required
    return concerns.concern_record_step(actor=world.people["coach"], concern=concern, step=step, text=text, **extra)


def skip(
    world: World, concern: Concern, step: str, reason: str = "Telling the client first adds to the danger."
) -> Any:
    return concerns.concern_skip_step(actor=world.people["coach"], concern=concern, step=step, reason=reason)


def decide(world: World, concern: Concern, basis: str = "serious_danger") -> Any:
    return take(
        world,
        concern,
        "decision",
        "Compelling evidence that patients are at risk.",
        outcome="disclose",
        recipient_kind="regulator_ombudsman",
        detail="The Care Quality Commission",
        basis=basis,
    )


def danger_up_to_disclosure(world: World, **extra: Any) -> Concern:
    """In serious danger only the decision and the minimum stand between the issue and the disclosure."""
    concern = start(world, serious_danger=True, **extra)
    decide(world, concern)
    take(world, concern, "minimum", MINIMUM)
    return concern


def keys(concern: Concern) -> list[str]:
    return list(ConcernStep.objects.filter(concern=concern).order_by("recorded_at").values_list("step", flat=True))


def give_disclosure_consent(world: World) -> ConsentRecord:
    return consent_record(
        actor=world.people["client"],
        client=world.client_record,
        engagement=world.engagement,
        kind=ConsentRecord.Kind.DISCLOSURE,
        wording="I agree my coach tells the ward's board what I said about the records.",
        method=ConsentRecord.Method.PORTAL,
    )


@pytest.mark.django_db
class TestOrder:
    def test_starting_notes_the_issue_as_the_first_step(self, world: World) -> None:
        concern = start(world)
        assert keys(concern) == ["pause"] and concerns.next_step(concern).key == "verify"  # type: ignore[union-attr]
        step = ConcernStep.objects.get(concern=concern)
        assert step.recorded_by == world.people["coach"] and step.recorded_at is not None
        assert step.text == HEARD

    def test_a_step_out_of_order_is_refused_and_changes_nothing(self, world: World) -> None:
        concern = start(world)
        with pytest.raises(ValidationError, match="the next step is “Verify with the client what you heard”"):
            decide(world, concern, basis="legal_requirement")
        assert keys(concern) == ["pause"]

    def test_no_step_may_be_skipped_without_serious_danger(self, world: World) -> None:
        concern = start(world)
        with pytest.raises(ValidationError, match="only in a concern of serious danger"):
            skip(world, concern, "verify")
        assert keys(concern) == ["pause"]

    def test_a_step_needs_its_text(self, world: World) -> None:
        concern = start(world)
        with pytest.raises(ValidationError, match="Write what the client confirmed"):
            take(world, concern, "verify", "   ")

    def test_a_refusal_records_the_clauses_pointed_to(self, world: World) -> None:
        concern = start(world)
        take(world, concern, "verify")
        take(world, concern, "examine")
        with pytest.raises(ValidationError, match="clauses of the agreement"):
            take(world, concern, "client_view", "Afraid of losing her job.", outcome="refused")
        take(world, concern, "client_view", "Afraid of losing her job.", outcome="refused", detail="Clause 7")
        with pytest.raises(ValidationError, match="did not agree"):
            decide(world, concern, basis="client_consent")
        with pytest.raises(ValidationError, match="not opened as one of serious danger"):
            decide(world, concern, basis="serious_danger")
        decide(world, concern, basis="legal_requirement")
        assert concerns.next_step(concern).key == "minimum"  # type: ignore[union-attr]

    def test_the_whole_way_on_the_clients_consent(self, world: World) -> None:
        concern = on_consent_that_is_not_on_file(world)
        assert not Disclosure.objects.exists()
        disclosure = take(world, concern, "disclosure", "", consent=give_disclosure_consent(world))
        assert isinstance(disclosure, Disclosure) and disclosure.state == "made"  # no second approval needed
        assert disclosure.what == MINIMUM and disclosure.recipient == "The Care Quality Commission"
        assert disclosure.concern == concern and disclosure.confirmation_sent_at is not None
        take(world, concern, "review", "We will continue; both comfortable.")
        assert concern.state == "open"
        take(world, concern, "supervision", "Spoke with my supervisor on Monday.")
        concern.refresh_from_db()
        assert concern.state == "closed" and concern.closed_at is not None
        assert keys(concern) == [s.key for s in concerns.BREAKING_STEPS]
        with pytest.raises(ValidationError, match="closed"):
            take(world, concern, "review")

    def test_deciding_not_to_disclose_goes_straight_to_the_review(self, world: World) -> None:
        concern = start(world)
        take(world, concern, "verify")
        take(world, concern, "examine", "It was about a past event already reported.")
        take(world, concern, "client_view", "Agrees nothing needs disclosing.", outcome="agreed")
        take(world, concern, "decision", "Already reported; no risk now.", outcome="no_disclosure")
        assert concerns.next_step(concern).key == "review"  # type: ignore[union-attr]
        statuses = {v.step.key: v.status for v in concerns.step_views(concern, concerns.taken_steps(concern))}
        assert statuses["minimum"] == statuses["disclosure"] == "not_needed" and statuses["review"] == "current"
        take(world, concern, "review")
        take(world, concern, "supervision")
        concern.refresh_from_db()
        assert concern.state == "closed" and not Disclosure.objects.exists()

    def test_steps_are_audited_without_their_text(self, world: World) -> None:
        concern = start(world)
        take(world, concern, "verify", "Wendeline again")
        events = AuditEvent.objects.filter(action__startswith="concern.", object_id=str(concern.pk))
        assert {e.action for e in events} == {"concern.start", "concern.step"}
        assert all("Wendeline" not in str(e.detail) for e in events)
        tokens = [getattr(sealed, "token") for sealed in ConcernStep.objects.values_list("text", flat=True)]  # noqa: B009
        assert all(token.startswith("enc2.") and "Wendeline" not in token for token in tokens)


@pytest.mark.django_db
class TestSeriousDanger:
    def test_what_the_disclosure_needs_comes_first_and_the_rest_afterwards(self, world: World) -> None:
        """Policy 004 lets serious danger act without the usual conversation with the client: the
        decision and the minimum follow the issue, and the steps it may go without come after the
        disclosure, before the review."""
        concern = start(world, serious_danger=True)
        assert concerns.next_step(concern).key == "decision"  # type: ignore[union-attr]
        assert [s.key for s in concerns.steps_of(concern)] == [
            "pause", "decision", "minimum", "disclosure",
            "verify", "examine", "client_view", "method", "support",
            "review", "supervision",
        ]  # fmt: skip
        with pytest.raises(ValidationError, match="the next step is “Decision and recipient”"):
            skip(world, concern, "verify")
        assert keys(concern) == ["pause"]
        with pytest.raises(ValidationError, match="did not agree"):  # nothing on file from the client yet
            decide(world, concern, basis="client_consent")

    def test_the_recipients_include_whoever_can_act_now(self, world: World) -> None:
        offered = dict(concerns.DECISION_RECIPIENTS)
        assert {"emergency_services", "police", "gp", "safeguarding_lead"} <= set(offered)
        assert offered["emergency_services"] == "The emergency services (999)"
        concern = start(world, serious_danger=True)
        take(
            world, concern, "decision", "He said he would hurt himself tonight.",
            outcome="disclose", recipient_kind="emergency_services", detail="999 ambulance service",
            basis="serious_danger",
        )  # fmt: skip
        take(world, concern, "minimum", "A man at this address has said he will harm himself tonight.")
        disclosure = take(world, concern, "disclosure", "")
        assert disclosure.recipient_kind == "emergency_services" and disclosure.state == "awaiting_approval"

    def test_the_pages_say_call_999_first(self, world: World) -> None:
        http = world.http("coach")
        opening = http.get(reverse("disclosures:concern_start", args=[world.engagement.pk])).content.decode()
        assert "If someone is in immediate danger, call 999 first" in opening
        concern = start(world, serious_danger=True)
        page = http.get(reverse("disclosures:concern_detail", args=[concern.pk])).content.decode()
        assert "call 999 first" in page
        calm = start(world)
        assert "call 999 first" not in http.get(reverse("disclosures:concern_detail", args=[calm.pk])).content.decode()

    def test_skipping_needs_a_reason(self, world: World) -> None:
        concern = danger_up_to_disclosure(world)
        disclosure = take(world, concern, "disclosure", "")
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=disclosure, approve=True)
        with pytest.raises(ValidationError, match="Write why this step is skipped"):
            skip(world, concern, "verify", reason=" ")
        record = skip(world, concern, "verify")
        assert record.skipped and record.text.startswith("Telling the client")

    def test_the_decision_the_minimum_and_the_disclosure_cannot_be_skipped(self, world: World) -> None:
        concern = start(world, serious_danger=True)
        with pytest.raises(ValidationError, match="cannot be skipped"):
            skip(world, concern, "decision")
        decide(world, concern)
        with pytest.raises(ValidationError, match="cannot be skipped"):
            skip(world, concern, "minimum")
        take(world, concern, "minimum", MINIMUM)
        with pytest.raises(ValidationError, match="cannot be skipped"):
            skip(world, concern, "disclosure")

    def test_the_disclosure_waits_for_the_second_approval(self, world: World) -> None:
        concern = danger_up_to_disclosure(world, supervisor=world.people["other_coach"])
        disclosure = take(world, concern, "disclosure", "")
        assert disclosure.state == "awaiting_approval" and disclosure.supervisor == world.people["other_coach"]
        assert "disclosure" not in keys(concern)  # not made, so not taken
        with pytest.raises(ValidationError, match="already waiting"):
            take(world, concern, "disclosure", "")
        with pytest.raises(ValidationError, match="the next step is “The disclosure”"):
            take(world, concern, "review")
        with pytest.raises(PermissionDenied):
            disclosure_services.disclosure_decide(actor=world.people["coach"], disclosure=disclosure, approve=True)
        disclosure_services.disclosure_decide(actor=world.people["other_coach"], disclosure=disclosure, approve=True)
        step = ConcernStep.objects.get(concern=concern, step="disclosure")
        assert step.disclosure == disclosure and step.recorded_by == world.people["coach"]
        for later in ("verify", "examine", "client_view", "method", "support"):  # recorded afterwards
            skip(world, concern, later, reason="Recorded after the call; the client was told the same day.")
        take(world, concern, "review")
        take(world, concern, "supervision")
        concern.refresh_from_db()
        assert concern.state == "closed"
        letter = world.http("client").get(reverse("disclosures:disclosure_letter", args=[disclosure.pk]))
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages).split())
        assert MINIMUM in text and "The Care Quality Commission" in text
        assert (
            "Compelling evidence that patients are at risk." in text
            and world.people["other_coach"].display_name in text
        )

    def test_a_declined_disclosure_may_be_asked_for_again(self, world: World) -> None:
        concern = danger_up_to_disclosure(world)
        first = take(world, concern, "disclosure", "")
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=first, approve=False)
        assert concerns.next_step(concern).key == "disclosure"  # type: ignore[union-attr]
        second = take(world, concern, "disclosure", "")
        assert second.state == "awaiting_approval" and second.pk != first.pk

    def test_only_a_concern_about_something_said_is_one_of_serious_danger(self, world: World) -> None:
        with pytest.raises(ValidationError, match="Serious danger applies"):
            start(world, kind=Concern.Kind.ORGANISATION_CONDUCT, serious_danger=True)
        assert not Concern.objects.exists()


def on_consent_that_is_not_on_file(world: World) -> Concern:
    """Issue 17's concern: the client agreed, the coach chose their written consent as the basis,
    and none is on file, so the disclosure step refuses."""
    concern = start(world)
    take(world, concern, "verify")
    take(world, concern, "examine")
    take(world, concern, "client_view", "She wants it reported.", outcome="agreed")
    decide(world, concern, basis="client_consent")
    take(world, concern, "minimum", MINIMUM)
    take(world, concern, "method", "A letter on Friday; she sees it first.")
    take(world, concern, "support", "Her union representative.")
    with pytest.raises(ValidationError, match="needs their written consent"):
        take(world, concern, "disclosure", "")
    return concern


@pytest.mark.django_db
class TestCorrecting:
    def test_an_answer_is_changed_and_the_earlier_one_kept(self, world: World) -> None:
        concern = on_consent_that_is_not_on_file(world)
        first = concerns.taken_steps(concern)["decision"]
        concerns.concern_change_step(actor=world.people["coach"], concern=concern, step="decision")
        assert concerns.next_step(concern).key == "decision"  # type: ignore[union-attr]
        earlier = concerns.earlier_answers(concern)
        assert set(earlier) == {"decision", "minimum", "method", "support"}  # given on its strength
        assert earlier["decision"][0].pk == first.pk and earlier["decision"][0].basis == "client_consent"
        assert set(concerns.taken_steps(concern)) == {"pause", "verify", "examine", "client_view"}
        decide(world, concern, basis="legal_requirement")
        take(world, concern, "minimum", MINIMUM)
        take(world, concern, "method", "A letter on Friday.")
        take(world, concern, "support", "Her union representative.")
        disclosure = take(world, concern, "disclosure", "")
        assert disclosure.state == "awaiting_approval" and disclosure.basis == "legal_requirement"
        assert ConcernStep.objects.filter(concern=concern, step="decision").count() == 2
        event = AuditEvent.objects.get(action="concern.step_change")
        assert event.detail["step"] == "decision" and event.detail["steps_reopened"] == 4
        assert MINIMUM not in str(event.detail)

    def test_nothing_changes_once_a_disclosure_waits_or_is_made(self, world: World) -> None:
        concern = danger_up_to_disclosure(world)
        disclosure = take(world, concern, "disclosure", "")
        with pytest.raises(ValidationError, match="waits for its second approval"):
            concerns.concern_change_step(actor=world.people["coach"], concern=concern, step="minimum")
        with pytest.raises(ValidationError, match="waits for its second approval"):
            concerns.concern_withdraw(actor=world.people["coach"], concern=concern, reason="Raised in error.")
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=disclosure, approve=True)
        with pytest.raises(ValidationError, match="was made under this concern"):
            concerns.concern_change_step(actor=world.people["coach"], concern=concern, step="decision")
        assert not ConcernStep.objects.filter(superseded_at__isnull=False).exists()

    def test_a_declined_disclosure_lets_the_answers_change(self, world: World) -> None:
        concern = danger_up_to_disclosure(world)
        declined = take(world, concern, "disclosure", "")
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=declined, approve=False)
        concerns.concern_change_step(actor=world.people["coach"], concern=concern, step="minimum")
        assert concerns.next_step(concern).key == "minimum"  # type: ignore[union-attr]

    def test_only_a_step_taken_and_only_by_a_coach_on_it(self, world: World) -> None:
        concern = start(world)
        with pytest.raises(ValidationError, match="Only a step already taken"):
            concerns.concern_change_step(actor=world.people["coach"], concern=concern, step="decision")
        with pytest.raises(PermissionDenied):
            concerns.concern_change_step(actor=world.people["admin"], concern=concern, step="pause")
        assert not AuditEvent.objects.filter(action="concern.step_change").exists()

    def test_the_page_takes_an_answer_back_and_offers_it_again(self, world: World) -> None:
        concern = on_consent_that_is_not_on_file(world)
        http = world.http("coach")
        page = http.get(reverse("disclosures:concern_detail", args=[concern.pk])).content.decode()
        assert page.count(">Change this answer</button>") == 8  # every standing answer, none yet disclosed
        response = http.post(reverse("disclosures:concern_change", args=[concern.pk]), {"step": "decision"})
        assert response.status_code == 302
        page = http.get(reverse("disclosures:concern_detail", args=[concern.pk])).content.decode()
        assert "Earlier answers (1)" in page and "The Care Quality Commission" in page
        form = page[page.index('aria-current="step"') :]
        assert 'value="The Care Quality Commission"' in form  # the answer comes back to be changed
        assert '<option value="client_consent" selected>' in form


@pytest.mark.django_db
class TestWithdrawing:
    def test_a_concern_is_withdrawn_with_a_reason_and_takes_no_more_steps(self, world: World) -> None:
        concern = start(world)
        with pytest.raises(ValidationError, match="Write why the concern is withdrawn"):
            concerns.concern_withdraw(actor=world.people["coach"], concern=concern, reason="  ")
        concern.refresh_from_db()
        assert concern.state == "open"
        concerns.concern_withdraw(
            actor=world.people["coach"], concern=concern, reason="I misheard: it was a film plot."
        )
        concern.refresh_from_db()
        assert concern.state == "withdrawn" and concern.closed_at is not None
        assert concern.withdrawn_by == world.people["coach"]
        assert concern.withdrawal_reason == "I misheard: it was a film plot."
        with pytest.raises(ValidationError, match="This concern is withdrawn"):
            take(world, concern, "verify")
        assert AuditEvent.objects.filter(action="concern.withdraw", object_id=str(concern.pk)).exists()
        page = world.http("coach").get(reverse("disclosures:concern_detail", args=[concern.pk])).content.decode()
        assert "I misheard: it was a film plot." in page and "Change this answer" not in page

    def test_a_withdrawn_concern_of_serious_danger_stays_hidden_from_the_client(self, world: World) -> None:
        concern = start(world, serious_danger=True, text="ZEBRA heard in the session")
        concerns.concern_withdraw(actor=world.people["coach"], concern=concern, reason="Raised on the wrong client.")
        assert world.http("client").get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 404
        assert world.api("client").get(f"/api/v1/concerns/{concern.pk}/").status_code == 404
        assert world.http("coach").get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 200

    def test_the_client_reads_a_concern_as_it_stands(self, world: World) -> None:
        """Answers since changed and why it was withdrawn are the practice's working."""
        concern = start(world)
        take(world, concern, "verify", "FIRST-ANSWER the client confirmed")
        concerns.concern_change_step(actor=world.people["coach"], concern=concern, step="verify")
        take(world, concern, "verify", "SECOND-ANSWER the client confirmed")
        concerns.concern_withdraw(actor=world.people["coach"], concern=concern, reason="WITHDRAWN-BECAUSE settled")
        client = world.http("client").get(reverse("disclosures:concern_detail", args=[concern.pk])).content.decode()
        assert "SECOND-ANSWER" in client and "FIRST-ANSWER" not in client and "WITHDRAWN-BECAUSE" not in client
        assert world.api("client").get(f"/api/v1/concerns/{concern.pk}/").json()["withdrawal_reason"] is None
        coach = world.http("coach").get(reverse("disclosures:concern_detail", args=[concern.pk])).content.decode()
        assert "FIRST-ANSWER" in coach and "WITHDRAWN-BECAUSE" in coach
        assert world.api("coach").get(f"/api/v1/concerns/{concern.pk}/").json()["withdrawal_reason"] == (
            "WITHDRAWN-BECAUSE settled"
        )

    def test_a_refused_change_answers_400_and_says_why(self, world: World) -> None:
        concern = start(world)
        refused = world.http("coach").post(reverse("disclosures:concern_change", args=[concern.pk]), {"step": "review"})
        assert refused.status_code == 400 and "Only a step already taken" in refused.content.decode()

    def test_the_page_keeps_the_text_of_a_refused_withdrawal(self, world: World) -> None:
        concern = danger_up_to_disclosure(world)
        take(world, concern, "disclosure", "")
        response = world.http("coach").post(
            reverse("disclosures:concern_withdraw", args=[concern.pk]), {"reason": "Raised in error, sorry."}
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "waits for its second approval" in body and "Raised in error, sorry." in body
        concern.refresh_from_db()
        assert concern.state == "open"


@pytest.mark.django_db
class TestOrganisationConduct:
    def org(self, world: World) -> Concern:
        return start(world, kind=Concern.Kind.ORGANISATION_CONDUCT, text="Invoices to a charity look inflated.")

    def test_escalating_records_the_path_the_reasons_and_the_body(self, world: World) -> None:
        concern = self.org(world)
        assert keys(concern) == ["note"]
        with pytest.raises(ValidationError, match="Choose: path"):
            take(world, concern, "path", "The board chair is involved.")
        take(world, concern, "path", "The board chair is involved.", outcome="escalate")
        assert concerns.next_step(concern).key == "escalation"  # type: ignore[union-attr]
        with pytest.raises(ValidationError, match="governing body or ombudsman"):
            take(world, concern, "escalation", "The invoices of March and April.")
        escalation = take(world, concern, "escalation", "The invoices of March and April.", detail="OSCR")
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=escalation, approve=True)
        take(world, concern, "supervision")
        concern.refresh_from_db()
        assert concern.state == "closed" and keys(concern) == ["note", "path", "escalation", "supervision"]

    def test_an_escalation_is_a_disclosure_in_the_register_approved_first_and_confirmed_to_the_organisation(
        self, world: World
    ) -> None:
        """Issue 20, item 5: escalating to a regulator made no register entry and needed no second
        approval. Now it is a disclosure like any other made without consent."""
        concern = self.org(world)
        take(world, concern, "path", "The board chair is involved.", outcome="escalate")
        escalation = take(world, concern, "escalation", "The invoices of March and April.", detail="OSCR")
        assert isinstance(escalation, Disclosure)
        assert escalation.state == Disclosure.State.AWAITING_APPROVAL
        assert (escalation.basis, escalation.recipient_kind, escalation.recipient) == (
            "organisation_conduct",
            "regulator_ombudsman",
            "OSCR",
        )
        assert escalation.reason == "Invoices to a charity look inflated."
        assert concerns.next_step(concern).key == "escalation"  # type: ignore[union-attr]
        with pytest.raises(PermissionDenied):
            disclosure_services.disclosure_decide(actor=world.people["coach"], disclosure=escalation, approve=True)
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=escalation, approve=True)
        escalation.refresh_from_db()
        assert escalation.state == Disclosure.State.MADE and escalation.confirmation_sent_at is None
        assert concerns.next_step(concern).key == "supervision"  # type: ignore[union-attr]
        letter = world.http("coach").get(reverse("disclosures:disclosure_letter", args=[escalation.pk]))
        assert letter.status_code == 200
        text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(letter.content)).pages)
        assert world.organisation.name in text and "report to a governing body" in text
        assert world.client_record.full_name not in text
        # The client is not written to, and does not see it: it is not about them.
        assert not Notice.objects.filter(user=world.people["client"], link__contains=str(escalation.pk)).exists()
        register = (
            world.http("client")
            .get(reverse("disclosures:engagement_disclosures", args=[world.engagement.pk]))
            .content.decode()
        )
        assert "The invoices of March and April." not in register
        disclosure_services.disclosure_mark_letter_sent(actor=world.people["coach"], disclosure=escalation)

    def test_an_escalation_cannot_be_recorded_beside_its_step(self, world: World) -> None:
        concern = self.org(world)
        with pytest.raises(ValidationError, match="made through a concern"):
            disclosure_services.disclosure_record(
                actor=world.people["coach"],
                engagement=world.engagement,
                what="The invoices.",
                recipient_kind="regulator_ombudsman",
                recipient="OSCR",
                reason="Inflated.",
                basis="organisation_conduct",
                concern=concern,
            )
        assert not Disclosure.objects.exists()

    def test_resolved_with_the_board_needs_no_escalation(self, world: World) -> None:
        concern = self.org(world)
        take(world, concern, "path", "The board is not involved.", outcome="board")
        take(world, concern, "board_discussion", "Met the chair; an audit is ordered.", outcome="resolved")
        assert concerns.next_step(concern).key == "supervision"  # type: ignore[union-attr]

    def test_unresolved_with_the_board_is_escalated(self, world: World) -> None:
        concern = self.org(world)
        take(world, concern, "path", "The board is not involved.", outcome="board")
        take(world, concern, "board_discussion", "They refused to act.", outcome="unresolved")
        assert concerns.next_step(concern).key == "escalation"  # type: ignore[union-attr]

    def test_the_client_does_not_see_a_concern_about_the_organisation(self, world: World) -> None:
        concern = self.org(world)
        assert world.http("client").get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 404


@pytest.mark.django_db
class TestWho:
    @pytest.mark.parametrize("persona", ["other_coach", "client", "sponsor", "admin", "auditor", "superuser"])
    def test_only_the_coach_on_the_engagement_starts_or_takes_steps(self, world: World, persona: str) -> None:
        with pytest.raises(PermissionDenied):
            start(world, actor=world.people[persona])
        concern = start(world)
        with pytest.raises(PermissionDenied):
            concerns.concern_record_step(actor=world.people[persona], concern=concern, step="verify", text="x")
        assert keys(concern) == ["pause"]

    def test_the_supervisor_must_be_another_coach(self, world: World) -> None:
        with pytest.raises(ValidationError, match="another coach"):
            start(world, supervisor=world.people["admin"])


@pytest.fixture
def concern_set(world: World) -> dict[str, Concern]:
    danger = danger_up_to_disclosure(world)
    take(world, danger, "disclosure", "")
    return {"ordinary": start(world), "danger": danger}


@pytest.mark.django_db
class TestPages:
    def test_each_persona_lists_only_the_concerns_they_may_see(
        self, world: World, concern_set: dict[str, Concern]
    ) -> None:
        # The client is not shown the open concern of serious danger.
        for persona, shown in {"coach": 2, "admin": 2, "client": 1, "other_coach": 0}.items():
            body = world.http(persona).get(reverse("disclosures:concerns")).content.decode()
            assert len(re.findall(r'href="/concerns/[0-9a-f-]{36}/"', body)) == shown, persona

    def test_the_client_reads_the_concern_but_is_offered_no_step(
        self, world: World, concern_set: dict[str, Concern]
    ) -> None:
        url = reverse("disclosures:concern_detail", args=[concern_set["ordinary"].pk])
        body = world.http("client").get(url).content.decode()
        assert "Wendeline" in body and "Record this step" not in body

    def test_the_step_form_shows_the_next_step_and_its_guidance(self, world: World, concern_set: Any) -> None:
        body = world.http("coach").get(reverse("disclosures:concern_detail", args=[concern_set["ordinary"].pk]))
        text = body.content.decode()
        assert 'aria-current="step"' in text and "Double-check with the client" in text
        assert 'name="step" value="verify"' in text and "Skip this step" not in text

    def test_the_pending_disclosure_shows_its_approval_to_the_approver_only(
        self, world: World, concern_set: Any
    ) -> None:
        url = reverse("disclosures:concern_detail", args=[concern_set["danger"].pk])
        assert "Approve the disclosure" in world.http("admin").get(url).content.decode()
        coach_view = world.http("coach").get(url).content.decode()
        assert "waits for the second approval" in coach_view and "Approve the disclosure" not in coach_view

    def test_the_client_learns_of_a_disclosure_only_once_it_is_made(self, world: World) -> None:
        concern = start(world)
        take(world, concern, "verify")
        take(world, concern, "examine")
        take(world, concern, "client_view", "Refuses.", outcome="refused", detail="Clause 7")
        decide(world, concern, basis="legal_requirement")
        take(world, concern, "minimum", MINIMUM)
        take(world, concern, "method")
        take(world, concern, "support")
        disclosure = take(world, concern, "disclosure", "")
        url = reverse("disclosures:concern_detail", args=[concern.pk])
        waiting = world.http("client").get(url).content.decode()
        assert "waits for the second approval" in waiting and "<dt>Second approval</dt>" not in waiting
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=disclosure, approve=True)
        made = world.http("client").get(url).content.decode()
        assert "Download the confirmation letter" in made

    def test_taking_and_skipping_steps_through_the_page(self, world: World) -> None:
        concern = danger_up_to_disclosure(world)
        disclosure = take(world, concern, "disclosure", "")
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=disclosure, approve=True)
        url = reverse("disclosures:concern_step", args=[concern.pk])
        http = world.http("coach")
        wrong = http.post(url, {"step": "review", "text": "x"}, follow=True)
        assert "no longer the next one" in wrong.content.decode()
        before = keys(concern)
        missing = http.post(url, {"step": "verify", "skip": "1", "reason": ""})
        assert missing.status_code == 200 and keys(concern) == before
        http.post(url, {"step": "verify", "skip": "1", "reason": "Immediate risk"})
        http.post(url, {"step": "examine", "text": "Who, when, how: established."})
        assert keys(concern) == [*before, "verify", "examine"]
        assert world.http("admin").post(url, {"step": "client_view", "text": "x"}).status_code == 403
        assert world.http("other_coach").post(url, {"step": "client_view", "text": "x"}).status_code == 404

    def test_an_open_concern_of_serious_danger_is_not_the_clients_to_work_on(self, world: World) -> None:
        concern = start(world, serious_danger=True)
        url = reverse("disclosures:concern_step", args=[concern.pk])
        assert world.http("client").post(url, {"step": "decision", "text": "x"}).status_code == 404

    def test_starting_through_the_page(self, world: World) -> None:
        url = reverse("disclosures:concern_start", args=[world.engagement.pk])
        response = world.http("coach").post(
            url, {"kind": "breaking_confidentiality", "text": HEARD, "supervisor": world.people["other_coach"].pk}
        )
        concern = Concern.objects.get()
        assert response.status_code == 302 and concern.supervisor == world.people["other_coach"]
        assert (
            world.http("other_coach").get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 200
        )

    def test_the_pages_cost_the_same_for_many_concerns(
        self, world: World, concern_set: Any, django_assert_max_num_queries: Any
    ) -> None:
        for _ in range(10):
            start(world)
        http = world.http("coach")
        with django_assert_max_num_queries(20):
            http.get(reverse("disclosures:concerns"))
        with django_assert_max_num_queries(30):
            http.get(reverse("disclosures:concern_detail", args=[concern_set["danger"].pk]))


@pytest.mark.django_db
class TestEndpoints:
    def test_the_list_holds_only_what_each_persona_may_see(self, world: World, concern_set: dict[str, Concern]) -> None:
        everything = {str(c.pk) for c in concern_set.values()}
        expected = {
            "coach": everything,
            "admin": everything,
            "client": {str(concern_set["ordinary"].pk)},  # not the open serious-danger one
            "other_coach": set(),
        }
        for persona, ids in expected.items():
            assert {c["id"] for c in world.api(persona).get("/api/v1/concerns/").json()} == ids, persona

    def test_a_concern_from_start_to_close_through_the_api(self, world: World) -> None:
        api = world.api("coach")
        created = api.post(
            "/api/v1/concerns/",
            {
                "engagement": str(world.engagement.pk),
                "kind": "breaking_confidentiality",
                "text": HEARD,
                "serious_danger": True,
            },
            content_type="application/json",
        )
        assert created.status_code == 201 and created.json()["next_step"] == "decision"  # serious danger
        pk = created.json()["id"]
        step_url = f"/api/v1/concerns/{pk}/step/"

        def post(body: dict[str, Any], persona: str = "coach") -> Any:
            return (api if persona == "coach" else world.api(persona)).post(
                step_url, body, content_type="application/json"
            )

        assert post({"step": "verify", "skip": True, "text": "Immediate risk"}).status_code == 400  # comes later
        decision = {
            "step": "decision",
            "text": "Risk to patients",
            "outcome": "disclose",
            "recipient_kind": "government_body",
            "detail": "The health department",
            "basis": "serious_danger",
        }
        assert post(decision, "client").status_code == 404
        assert post(decision, "admin").status_code == 403
        assert post(decision).status_code == 200
        post({"step": "minimum", "text": MINIMUM})
        changed = api.post(f"/api/v1/concerns/{pk}/change/", {"step": "minimum"}, content_type="application/json")
        assert changed.status_code == 200 and changed.json()["next_step"] == "minimum"
        post({"step": "minimum", "text": MINIMUM})
        waiting = post({"step": "disclosure"}).json()
        assert waiting["next_step"] == "disclosure" and waiting["awaiting_approval"]
        approve_url = f"/api/v1/concerns/{pk}/approve/"
        assert api.post(approve_url, {"approve": True}, content_type="application/json").status_code == 403
        assert (
            world.api("sponsor").post(approve_url, {"approve": True}, content_type="application/json").status_code
            == 404
        )
        approved = world.api("admin").post(approve_url, {"approve": True}, content_type="application/json")
        assert approved.status_code == 200 and approved.json()["state"] == "made"
        assert post({"step": "verify", "skip": True, "text": ""}).status_code == 400
        assert post({"step": "verify", "skip": True, "text": "Immediate risk"}).status_code == 200
        post({"step": "examine", "text": "Who, when, how."})
        post({"step": "client_view", "skip": True, "text": "Immediate risk"})
        post({"step": "method", "text": "By phone today"})
        post({"step": "support", "text": "Helpline"})
        post({"step": "review", "text": "Continue"})
        closed = post({"step": "supervision", "text": "Supervisor agreed", "detail": "Tom, supervisor"}).json()
        assert closed["state"] == "closed" and closed["next_step"] is None
        statuses = {s["step"]: s["status"] for s in closed["steps"]}
        assert statuses["verify"] == "skipped" and statuses["disclosure"] == "done"
        assert world.api("client").get(f"/api/v1/concerns/{pk}/").status_code == 200  # closed: the client reads it
