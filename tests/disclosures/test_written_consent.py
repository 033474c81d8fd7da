"""A disclosure on the client's consent rests on their written word only (issue 20, item 2; policy
001: consent "preferably in writing"): signed in the portal by the client, or a signed form kept as
evidence. What the practice noted that the client said is a disclosure without consent, with its
second approval, register entry and letter."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from confidentiality.models import AuditEvent
from consent.models import ConsentRecord
from consent.services import consent_record
from disclosures import services as disclosure_services
from disclosures.models import Disclosure
from engagements.models import Document
from tests.conftest import World

WORDING = "I agree that my coach tells the safeguarding lead what I said on 3 March."


def disclose_on(world: World, consent: ConsentRecord) -> Disclosure:
    return disclosure_services.disclosure_record(
        actor=world.people["coach"],
        engagement=world.engagement,
        what="What the client said on 3 March about the threats.",
        recipient_kind="other",
        recipient="The safeguarding lead",
        reason="The client asked for it.",
        basis="client_consent",
        consent=consent,
    )


def told_to_the_coach(world: World) -> ConsentRecord:
    return consent_record(
        actor=world.people["coach"],
        client=world.client_record,
        engagement=world.engagement,
        kind=ConsentRecord.Kind.DISCLOSURE,
        wording=WORDING,
        method=ConsentRecord.Method.RECORDED_BY_COACH,
    )


@pytest.mark.django_db
class TestTheBasisIsTheClientsWrittenWord:
    def test_a_consent_the_coach_noted_is_not_enough_and_nothing_is_disclosed(self, world: World) -> None:
        consent = told_to_the_coach(world)
        events = AuditEvent.objects.count()
        with pytest.raises(ValidationError, match="not given in writing"):
            disclose_on(world, consent)
        assert not Disclosure.objects.exists()
        assert AuditEvent.objects.count() == events

    def test_the_same_disclosure_without_consent_waits_for_a_second_approval(self, world: World) -> None:
        from tests.factories import disclosure_without_consent

        # As required by law: in serious danger only the bodies policy 001 names (or the agreement's parties).
        disclosure = disclosure_without_consent(
            world.people["coach"], world.engagement, recipient_kind="other", basis="legal_requirement"
        )
        assert disclosure.state == Disclosure.State.AWAITING_APPROVAL

    def test_a_coach_cannot_record_a_consent_as_given_in_the_portal(self, world: World) -> None:
        with pytest.raises(ValidationError, match="Only the client gives consent in the portal"):
            consent_record(
                actor=world.people["coach"],
                client=world.client_record,
                kind=ConsentRecord.Kind.DISCLOSURE,
                wording=WORDING,
                method=ConsentRecord.Method.PORTAL,
            )
        assert not ConsentRecord.objects.filter(kind=ConsentRecord.Kind.DISCLOSURE).exists()

    def test_the_practices_consent_form_does_not_offer_the_portal(self, world: World) -> None:
        page = world.http("coach").get(reverse("engagements:consent_create", args=[world.engagement.pk]))
        assert 'value="paper"' in page.content.decode()
        assert 'value="portal"' not in page.content.decode()
        response = world.http("coach").post(
            reverse("engagements:consent_create", args=[world.engagement.pk]),
            {"kind": "disclosure", "wording": WORDING, "method": "portal"},
        )
        assert response.status_code == 200
        assert not ConsentRecord.objects.filter(kind=ConsentRecord.Kind.DISCLOSURE).exists()

    def test_consent_the_client_signed_in_the_portal_discloses_at_once(self, world: World) -> None:
        consent = consent_record(
            actor=world.people["client"],
            client=world.client_record,
            engagement=world.engagement,
            kind=ConsentRecord.Kind.DISCLOSURE,
            wording=WORDING,
            method=ConsentRecord.Method.PORTAL,
        )
        assert disclose_on(world, consent).state == Disclosure.State.MADE

    @pytest.mark.parametrize("persona", ["coach", "admin"])
    def test_a_signed_form_kept_as_evidence_discloses_at_once(self, world: World, persona: str) -> None:
        response = world.http(persona).post(
            reverse("engagements:consent_create", args=[world.engagement.pk]),
            {
                "kind": "disclosure",
                "wording": WORDING,
                "method": "paper",
                "evidence": _upload("signed-consent.pdf", b"%PDF-1.4 signed consent form"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        consent = ConsentRecord.objects.get(kind=ConsentRecord.Kind.DISCLOSURE)
        assert consent.method == ConsentRecord.Method.PAPER and consent.evidence is not None
        evidence = Document.objects.get(pk=consent.evidence_id)
        assert not evidence.shared_with_client and not evidence.supplied_by_organisation
        assert disclose_on(world, consent).state == Disclosure.State.MADE

    def test_the_scan_of_a_consent_form_is_kept_even_before_the_agreement_is_signed(self, world: World) -> None:
        from engagements.services import consent_evidence_upload
        from tests.factories import EngagementFactory

        waiting = EngagementFactory(
            organisation=world.organisation,
            client=world.client_record,
            coaches=[world.people["coach"]],
            sponsors=[world.people["sponsor"]],
            agreed=False,
        )
        scan = consent_evidence_upload(
            actor=world.people["coach"],
            engagement=waiting,
            kind="basic_information",
            name="form.pdf",
            content=b"%PDF-1.4 consent",
        )
        assert scan.engagement_id == waiting.pk
        with pytest.raises(Exception, match="administrator or a coach"):
            consent_evidence_upload(
                actor=world.people["other_coach"],
                engagement=waiting,
                kind="basic_information",
                name="form.pdf",
                content=b"%PDF-1.4 x",
            )


def _upload(name: str, content: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
