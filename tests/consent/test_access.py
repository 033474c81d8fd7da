"""Agreements and consent through their pages and endpoints: what they show and what they refuse.
Who may reach each one is the access matrix's (tests/matrix/table.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent import services
from tests.conftest import World


@pytest.mark.django_db
class TestPages:
    def test_the_other_coach_sees_only_their_own_clients_consents(self, world: World) -> None:
        body = world.http("other_coach").get(reverse("consent:consents")).content.decode()
        assert "Bartholomew Xerxes-Lund" in body and "Samira Quentin-Marsh" not in body


@pytest.mark.django_db
class TestEndpoints:
    def test_the_agreement_text_hashes_to_its_fingerprint(self, world: World) -> None:
        import hashlib

        data = world.api("client").get(f"/api/v1/engagements/{world.engagement.pk}/agreement/").json()
        assert hashlib.sha256(data["text"].encode()).hexdigest() == data["text_hash"]
        assert data["state"] == "signed" and data["missing"] == []

    def test_the_agreement_costs_fifteen_queries_or_fewer_however_many_terms_and_signatures_it_has(
        self, world: World
    ) -> None:
        """Issue 23: each term's category and each signer are read in one query per relation, not one
        per row, and what the agreement lacks is read from it, not from a second read."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from consent.models import Agreement

        agreement = Agreement.objects.get(engagement=world.engagement, state=Agreement.State.SIGNED)
        assert agreement.terms.count() >= 3 and agreement.signatures.count() >= 2  # rows that would each cost one
        api = world.api("coach")
        path = f"/api/v1/engagements/{world.engagement.pk}/agreement/"
        api.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        assert len(captured.captured_queries) <= 15, [q["sql"][:80] for q in captured.captured_queries]

    def test_signing_through_the_api_checks_the_hash(self, world: World) -> None:
        draft = services.agreement_start(actor=world.people["coach"], engagement=world.engagement)
        services.agreement_send(actor=world.people["coach"], agreement=draft)
        url = f"/api/v1/engagements/{world.engagement.pk}/agreement/sign/"
        api = world.api("client")
        wrong = api.post(url, {"text_hash": "a" * 64}, content_type="application/json")
        assert wrong.status_code == 400 and "changed" in str(wrong.json())
        malformed = api.post(url, {"text_hash": "nope"}, content_type="application/json")
        assert malformed.status_code == 400
        text_hash = api.get(f"/api/v1/engagements/{world.engagement.pk}/agreement/").json()["text_hash"]
        assert api.post(url, {"text_hash": text_hash}, content_type="application/json").status_code == 201
        assert (
            world.api("other_sponsor").post(url, {"text_hash": text_hash}, content_type="application/json").status_code
            == 404
        )

    def test_withdrawal_through_the_api(self, world: World) -> None:
        consents = world.api("client").get("/api/v1/consents/").json()["results"]
        assert len(consents) == 1 and consents[0]["active"] is True
        url = f"/api/v1/consents/{consents[0]['id']}/withdraw/"
        assert world.api("sponsor").post(url).status_code == 404
        response = world.api("client").post(url)
        assert response.status_code == 200 and response.json()["active"] is False
        assert world.api("client").post(url).status_code == 400

    def test_a_coach_adapts_a_template(self, world: World) -> None:
        from consent.defaults import install_current

        source = install_current()
        created = world.api("coach").post(
            "/api/v1/agreement-templates/",
            {"name": "Executive programme", "copy_from": str(source.pk)},
            content_type="application/json",
        )
        assert created.status_code == 201 and len(created.json()["terms"]) == 9
        duplicate = world.api("coach").post(
            "/api/v1/agreement-templates/",
            {"name": "Executive programme", "copy_from": str(source.pk)},
            content_type="application/json",
        )
        assert duplicate.status_code == 400
        refused = world.api("sponsor").post(
            "/api/v1/agreement-templates/",
            {"name": "Sponsor's own", "copy_from": str(source.pk)},
            content_type="application/json",
        )
        assert refused.status_code == 404


@pytest.mark.django_db
class TestCoachConsentScope:
    def test_a_coach_does_not_see_a_consent_tied_to_another_coachs_engagement(self, world: World) -> None:
        from consent.models import ConsentRecord
        from tests.factories import EngagementFactory

        other = EngagementFactory(
            organisation=world.organisation,
            client=world.client_record,
            coaches=[world.people["other_coach"]],
            sponsors=[world.people["sponsor"]],
        )
        consent = services.consent_record(
            actor=world.people["other_coach"],
            client=world.client_record,
            engagement=other,
            kind="disclosure",
            wording="Tell HR about my health",
            method="recorded_by_coach",
        )
        body = world.http("coach").get(reverse("consent:consents")).content.decode()
        assert "Tell HR about my health" not in body
        response = world.http("coach").post(reverse("consent:consent_withdraw", args=[consent.pk]))
        assert response.status_code == 404
        assert ConsentRecord.objects.get(pk=consent.pk).withdrawn_at is None
        assert "Tell HR about my health" in world.http("other_coach").get(reverse("consent:consents")).content.decode()
