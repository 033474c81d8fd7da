"""The other party's consent as well (issue 22, item 4). Policy 001: information is disclosed only
where it is agreed "with the consumer in writing, and other person/organisation involved, in
writing". Where what is disclosed concerns the organisation too, its written consent is needed in
addition to the client's; only a disclosure made without consent, through a concern and its second
approval, goes without it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from confidentiality.models import AuditEvent
from disclosures.models import Disclosure
from engagements.services import document_upload
from tests.conftest import World
from tests.disclosures.test_disclosures import REASON, RECIPIENT, WHAT, consented, give_consent, pending

pytestmark = pytest.mark.django_db


def organisations_consent(world: World, engagement: Any = None) -> Any:
    """The organisation's letter agreeing to the disclosure, uploaded by its sponsor contact."""
    return document_upload(
        actor=world.people["sponsor"] if engagement is None else world.people["other_coach"],
        engagement=engagement or world.engagement,
        name="northwind-agrees-to-the-disclosure.pdf",
        content=b"%PDF-1.4\n% the organisation agrees in writing\n",
    )


class TestTheOrganisationsConsentAsWell:
    def test_it_refuses_a_disclosure_about_the_organisation_on_the_clients_consent_alone(self, world: World) -> None:
        with pytest.raises(ValidationError) as refused:
            consented(world, concerns_organisation=True)
        assert "organisation_consent" in refused.value.message_dict
        assert "as well as the client" in refused.value.message_dict["organisation_consent"][0]
        assert not Disclosure.objects.exists()
        assert not AuditEvent.objects.filter(action="disclosure.record").exists()

    def test_with_both_written_consents_it_is_made_and_keeps_both(self, world: World) -> None:
        letter = organisations_consent(world)
        disclosure = consented(world, concerns_organisation=True, organisation_consent=letter)
        assert disclosure.state == Disclosure.State.MADE
        assert disclosure.concerns_organisation and disclosure.organisation_consent_id == letter.pk
        assert disclosure.consent_id is not None

    def test_a_letter_from_another_engagement_is_not_its_consent(self, world: World) -> None:
        letter = organisations_consent(world, world.other_engagement)
        with pytest.raises(ValidationError) as refused:
            consented(world, concerns_organisation=True, organisation_consent=letter)
        assert "organisation_consent" in refused.value.message_dict
        assert not Disclosure.objects.exists()

    def test_information_that_does_not_concern_the_organisation_needs_the_clients_consent_only(
        self, world: World
    ) -> None:
        assert consented(world).state == Disclosure.State.MADE

    def test_without_consent_through_a_concern_it_needs_neither(self, world: World) -> None:
        assert pending(world).state == Disclosure.State.AWAITING_APPROVAL

    def test_the_page_asks_for_it_and_a_refusal_keeps_what_was_typed(self, world: World) -> None:
        consent = give_consent(world)
        url = reverse("disclosures:engagement_disclosures", args=[world.engagement.pk])
        form = {
            "what": WHAT,
            "recipient_kind": "government_body",
            "recipient": RECIPIENT,
            "reason": REASON,
            "basis": "client_consent",
            "consent": str(consent.pk),
            "concerns_organisation": "on",
        }
        http = world.http("coach")
        assert "The information concerns the organisation as well" in http.get(url).content.decode()
        refused = http.post(url, form).content.decode()
        assert "as well as the client" in refused and "Ulrich Vantongeren" in refused
        assert not Disclosure.objects.exists()
        letter = organisations_consent(world)
        made = http.post(url, form | {"organisation_consent": str(letter.pk)})
        assert made.status_code == 302 and Disclosure.objects.get().organisation_consent_id == letter.pk

    def test_the_api_asks_for_it_too(self, world: World) -> None:
        consent = give_consent(world)
        body = {
            "what": WHAT,
            "recipient_kind": "government_body",
            "recipient": RECIPIENT,
            "reason": REASON,
            "basis": "client_consent",
            "consent": str(consent.pk),
            "concerns_organisation": True,
        }
        url = f"/api/v1/engagements/{world.engagement.pk}/disclosures/"
        refused = world.api("coach").post(url, body, content_type="application/json")
        assert refused.status_code == 400 and "organisation_consent" in refused.json()
        letter = organisations_consent(world)
        made = world.api("coach").post(
            url, body | {"organisation_consent": str(letter.pk)}, content_type="application/json"
        )
        assert made.status_code == 201, made.json()
        assert made.json()["concerns_organisation"] is True
        assert made.json()["organisation_consent"] == str(letter.pk)

    def test_the_register_entry_says_both_consents_were_given(self, world: World) -> None:
        disclosure = consented(world, concerns_organisation=True, organisation_consent=organisations_consent(world))
        page = world.http("coach").get(reverse("disclosures:disclosure_detail", args=[disclosure.pk]))
        text = page.content.decode()
        assert "The client&#x27;s written consent" in text or "The client's written consent" in text
        assert "the organisation&#x27;s written consent" in text or "the organisation's written consent" in text


class TestSeriousDangerRecipients:
    """Policy 001: in serious danger the information "should only be disclosed where agreed with the
    consumer or other person/organisation; or to the International Regulator of Coaching and
    Mentoring CIC, or relevant government organisation". The emergency services, the police, a
    regulator and a government body are always open; anyone else only where the agreement names them."""

    def decide(self, world: World, concern: Any, recipient_kind: str) -> Any:
        from tests.disclosures.test_concerns import take

        return take(
            world,
            concern,
            "decision",
            "He said he would hurt a colleague tonight.",
            outcome="disclose",
            recipient_kind=recipient_kind,
            detail="Named recipient",
            basis="serious_danger",
        )

    @pytest.mark.parametrize("kind", ["emergency_services", "police", "regulator_ombudsman", "government_body"])
    def test_the_bodies_the_policy_names_are_always_open(self, world: World, kind: str) -> None:
        from tests.disclosures.test_concerns import start

        concern = start(world, serious_danger=True)
        assert self.decide(world, concern, kind).recipient_kind == kind

    @pytest.mark.parametrize("kind", ["gp", "safeguarding_lead", "board_senior_staff", "other"])
    def test_anyone_else_is_refused_unless_the_agreement_names_them(self, world: World, kind: str) -> None:
        from disclosures.models import ConcernStep
        from tests.disclosures.test_concerns import start

        concern = start(world, serious_danger=True)
        with pytest.raises(ValidationError) as refused:
            self.decide(world, concern, kind)
        assert "recipient_kind" in refused.value.message_dict
        assert "the agreement" in refused.value.message_dict["recipient_kind"][0]
        assert not ConcernStep.objects.filter(concern=concern, step="decision").exists()

    def test_a_party_the_signed_agreement_names_is_open(self, world: World) -> None:
        from consent.models import Agreement
        from tests.disclosures.test_concerns import start

        Agreement.objects.filter(engagement=world.engagement, state="signed").update(
            serious_danger_parties="gp,safeguarding_lead"
        )
        concern = start(world, serious_danger=True)
        assert self.decide(world, concern, "gp").recipient_kind == "gp"

    def test_the_agreement_lists_them_in_its_text_and_refuses_an_unknown_one(self, world: World) -> None:
        from consent.models import Agreement
        from consent.text import agreement_text

        agreement = Agreement.objects.filter(engagement=world.engagement, state="signed").get()
        agreement.serious_danger_parties = "gp"
        assert "The client's GP" in agreement_text(agreement).as_plain_text()
        from consent.models import AgreementTemplate
        from consent.services import agreement_template_update

        template = AgreementTemplate.objects.first()
        assert template is not None
        with pytest.raises(ValidationError) as refused:
            agreement_template_update(
                actor=world.people["admin"],
                template=template,
                expected_edit_version=template.edit_version,
                content={"serious_danger_parties": "gp,neighbour"},
                terms={},
            )
        assert "serious_danger_parties" in refused.value.message_dict

    def test_the_draft_page_names_them_with_ticks(self, world: World) -> None:
        from consent.models import Agreement
        from consent.services import agreement_start

        agreement_start(actor=world.people["coach"], engagement=world.engagement)
        draft = Agreement.objects.get(engagement=world.engagement, state="draft")
        url = reverse("consent:agreement_edit", args=[draft.pk])
        page = world.http("coach").get(url).content.decode()
        assert "Who else may be told in serious danger" in page and 'value="gp"' in page
