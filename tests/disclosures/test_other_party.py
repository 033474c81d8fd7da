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
