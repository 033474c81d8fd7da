"""Every persona against every page and endpoint of agreements and consent."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from consent import services
from tests.conftest import PERSONAS, World

LOGIN, ANON = 302, 401


def only(allowed: dict[str, int], default: int = 404, anonymous: int = LOGIN) -> dict[str, int]:
    return {p: allowed.get(p, default) for p in PERSONAS} | {"anonymous": anonymous}


PARTIES = {"coach": 200, "client": 200, "sponsor": 200, "admin": 200}
PAGES = {
    "engagement_agreement": only(PARTIES),
    "agreement_detail": only(PARTIES),
    "agreement_pdf": only(PARTIES),
    "draft_edit": only({"coach": 200, "admin": 200}),
    "draft_detail": only({"coach": 302, "admin": 302}),
    "consents": only({"coach": 200, "other_coach": 200, "client": 200, "admin": 200}),
    "consent_create": only({"coach": 200, "admin": 200}),
}
ENDPOINTS = {
    "agreement": only(PARTIES, anonymous=ANON),
    "templates": only({"coach": 200, "other_coach": 200, "admin": 200}, anonymous=ANON),
    "consents": only({"coach": 200, "other_coach": 200, "client": 200, "admin": 200}, anonymous=ANON),
}


@pytest.fixture
def draft(world: World) -> Any:
    return services.agreement_start(actor=world.people["coach"], engagement=world.engagement)


def page_url(name: str, world: World, draft: Any) -> str:
    current = services.current_agreement(world.engagement)
    assert current is not None
    return {
        "engagement_agreement": reverse("consent:engagement_agreement", args=[world.engagement.pk]),
        "agreement_detail": reverse("consent:agreement_detail", args=[current.pk]),
        "agreement_pdf": reverse("consent:agreement_pdf", args=[current.pk]),
        "draft_edit": reverse("consent:agreement_edit", args=[draft.pk]),
        "draft_detail": reverse("consent:agreement_detail", args=[draft.pk]),
        "consents": reverse("consent:consents"),
        "consent_create": reverse("engagements:consent_create", args=[world.engagement.pk]),
    }[name]


@pytest.mark.django_db
class TestPages:
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("page", sorted(PAGES))
    def test_it_answers_as_the_table_says(self, world: World, draft: Any, page: str, persona: str) -> None:
        response = world.http(persona).get(page_url(page, world, draft))
        assert response.status_code == PAGES[page][persona]
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            body = response.content.decode()
            if persona not in ("admin",):
                # No one but the administrator meets another engagement's client by name here.
                name = "Bartholomew Xerxes-Lund" if persona != "other_coach" else "Samira Quentin-Marsh"
                assert name not in body

    def test_the_other_coach_sees_only_their_own_clients_consents(self, world: World) -> None:
        body = world.http("other_coach").get(reverse("consent:consents")).content.decode()
        assert "Bartholomew Xerxes-Lund" in body and "Samira Quentin-Marsh" not in body


@pytest.mark.django_db
class TestEndpoints:
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
    def test_it_answers_as_the_table_says(self, world: World, endpoint: str, persona: str) -> None:
        url = {
            "agreement": f"/api/v1/engagements/{world.engagement.pk}/agreement/",
            "templates": "/api/v1/agreement-templates/",
            "consents": "/api/v1/consents/",
        }[endpoint]
        assert world.api(persona).get(url).status_code == ENDPOINTS[endpoint][persona]

    def test_the_agreement_text_hashes_to_its_fingerprint(self, world: World) -> None:
        import hashlib

        data = world.api("client").get(f"/api/v1/engagements/{world.engagement.pk}/agreement/").json()
        assert hashlib.sha256(data["text"].encode()).hexdigest() == data["text_hash"]
        assert data["state"] == "signed" and data["missing"] == []

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
