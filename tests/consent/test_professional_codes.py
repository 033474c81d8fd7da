"""Issue 22, items 5 and 6: the agreement names the professional code each coach works under (from
the practice's list), the partners' confidentiality guidelines and an adviser on confidentiality
questions (policies 003, 004); its default wording states the sponsor's duty of confidence and what
is asked of the client when feedback is shared (policy 003)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent
from confidentiality.roles import Role
from consent import services
from consent.defaults import CLIENT_FEEDBACK_RESPONSE, SPONSOR_DUTY, install_current
from consent.models import Agreement, AgreementTemplate, ProfessionalCode
from consent.text import agreement_text
from tests.conftest import PERSONAS, World, login
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory


@pytest.fixture
def fresh(db: Any) -> dict[str, Any]:
    """An engagement waiting for its agreement, and a practice keeping two codes."""
    organisation = OrganisationFactory(name="Contract Co")
    client_user = UserFactory(role=Role.CLIENT, display_name="Ines Client")
    sponsor = UserFactory(role=Role.SPONSOR, organisation=organisation, display_name="Omar Sponsor")
    coach = UserFactory(role=Role.COACH, display_name="Cora Coach")
    admin = UserFactory(role=Role.ADMIN, display_name="Ada Admin")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client_user, full_name="Ines Client"),
        coaches=[coach],
        sponsors=[sponsor],
        agreed=False,
    )
    emcc = services.professional_code_create(
        actor=admin,
        name="EMCC Global Code of Ethics",
        body="EMCC Global",
        link="https://www.globalcodeofethics.org/",
    )
    icf = services.professional_code_create(
        actor=admin,
        name="ICF Code of Ethics",
        body="International Coaching Federation",
        text="Clause 1. Confidentiality.",
    )
    return {
        "engagement": engagement,
        "client": client_user,
        "sponsor": sponsor,
        "coach": coach,
        "admin": admin,
        "emcc": emcc,
        "icf": icf,
    }


def blank_draft(fresh: dict[str, Any]) -> Agreement:
    """A draft with nothing of items 5 filled: no guidelines, adviser or code."""
    draft = services.agreement_start(actor=fresh["coach"], engagement=fresh["engagement"], template=install_current())
    Agreement.objects.filter(pk=draft.pk).update(guidelines="", adviser_name="", adviser_contact="")
    draft.coach_codes.all().delete()
    draft.refresh_from_db()
    return draft


def fill(fresh: dict[str, Any], draft: Agreement, **content: Any) -> Agreement:
    values = {
        "guidelines": "Contract Co's information security policy, section 4.",
        "adviser_name": "Dr Priya Shah",
        "adviser_contact": "priya.shah@example.org, 020 7946 0000",
    } | content
    return services.agreement_update_draft(
        actor=fresh["coach"],
        agreement=draft,
        expected_edit_version=draft.edit_version,
        content=values,
        terms={},
        coach_codes={fresh["coach"].pk: fresh["emcc"]},
    )


@pytest.mark.django_db
class TestTheAgreementNamesCodeGuidelinesAndAdviser:
    def test_it_refuses_to_send_an_agreement_without_the_code_guidelines_and_adviser(
        self, fresh: dict[str, Any]
    ) -> None:
        draft = blank_draft(fresh)
        with pytest.raises(ValidationError) as caught:
            services.agreement_send(actor=fresh["coach"], agreement=draft)
        errors = caught.value.message_dict
        assert "guidelines" in errors
        assert "adviser_name" in errors
        assert "adviser_contact" in errors
        assert f"coach_{fresh['coach'].pk}" in errors
        draft.refresh_from_db()
        assert draft.state == Agreement.State.DRAFT

    def test_it_sends_and_shows_them_once_named(self, fresh: dict[str, Any]) -> None:
        draft = fill(fresh, blank_draft(fresh))
        sent = services.agreement_send(actor=fresh["coach"], agreement=draft)
        text = agreement_text(sent).as_plain_text()
        assert "Cora Coach: EMCC Global Code of Ethics (EMCC Global), https://www.globalcodeofethics.org/" in text
        assert "Contract Co's information security policy" in text
        assert "Dr Priya Shah, priya.shah@example.org, 020 7946 0000" in text
        page = login_get(fresh["client"], reverse("consent:agreement_detail", args=[sent.pk]))
        assert "EMCC Global Code of Ethics" in page and "Dr Priya Shah" in page
        api = bearer_get(fresh["client"], f"/api/v1/engagements/{fresh['engagement'].pk}/agreement/")
        assert api["adviser_name"] == "Dr Priya Shah"
        assert api["coach_codes"] == [
            {
                "coach": "Cora Coach",
                "code": "EMCC Global Code of Ethics",
                "body": "EMCC Global",
                "link": "https://www.globalcodeofethics.org/",
                "text": "",
            }
        ]

    def test_it_shows_them_in_the_pdf(self, fresh: dict[str, Any]) -> None:
        sent = services.agreement_send(actor=fresh["coach"], agreement=fill(fresh, blank_draft(fresh)))
        for key in ("client", "sponsor", "coach"):
            services.agreement_sign(actor=fresh[key], agreement=sent, shown_hash=sent.text_hash)
        response = login(HttpClient(), fresh["client"]).get(reverse("consent:agreement_pdf", args=[sent.pk]))
        pdf = b"".join(response.streaming_content) if response.streaming else response.content
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "EMCC Global Code of Ethics" in text
        assert "Dr Priya Shah" in text

    def test_it_refuses_a_code_the_practice_retired(self, fresh: dict[str, Any]) -> None:
        services.professional_code_set_active(actor=fresh["admin"], code=fresh["emcc"], active=False)
        with pytest.raises(ValidationError):
            fill(fresh, blank_draft(fresh))

    def test_the_next_draft_keeps_the_code_guidelines_and_adviser(self, fresh: dict[str, Any]) -> None:
        sent = services.agreement_send(actor=fresh["coach"], agreement=fill(fresh, blank_draft(fresh)))
        for key in ("client", "sponsor", "coach"):
            services.agreement_sign(actor=fresh[key], agreement=sent, shown_hash=sent.text_hash)
        second = services.agreement_start(actor=fresh["coach"], engagement=fresh["engagement"])
        assert second.adviser_name == "Dr Priya Shah"
        assert [c.code for c in second.coach_codes.all()] == [fresh["emcc"]]

    def test_the_draft_page_asks_for_them_and_keeps_what_was_typed_when_refused(self, fresh: dict[str, Any]) -> None:
        draft = blank_draft(fresh)
        http = login(HttpClient(), fresh["coach"])
        data = {
            "edit_version": draft.edit_version,
            "sponsor_summary_includes": draft.sponsor_summary_includes,
            "sponsor_summary_excludes": draft.sponsor_summary_excludes,
            "feedback_anonymity": draft.feedback_anonymity,
            "exceptions": draft.exceptions,
            "guidelines": "Contract Co's own guidelines typed here",
            "adviser_name": "",
            "adviser_contact": "",
            f"coach_{fresh['coach'].pk}": str(fresh["icf"].pk),
            "send": "1",
        }
        response = http.post(reverse("consent:agreement_edit", args=[draft.pk]), data)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Contract Co&#x27;s own guidelines typed here" in body
        assert "Name the adviser on questions of confidentiality" in body
        assert f'<option value="{fresh["icf"].pk}" selected>' in body
        draft.refresh_from_db()
        assert draft.state == Agreement.State.DRAFT
        data |= {"adviser_name": "Dr Priya Shah", "adviser_contact": "priya@example.org"}
        response = http.post(reverse("consent:agreement_edit", args=[draft.pk]), data)
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.state == Agreement.State.OUT_FOR_SIGNATURE
        assert [c.code for c in draft.coach_codes.all()] == [fresh["icf"]]


@pytest.mark.django_db
class TestAgreementsMadeBefore:
    def test_it_keeps_a_signed_agreement_without_them_valid(self, fresh: dict[str, Any]) -> None:
        """An agreement signed before the agreement named these keeps its text, its hash and its force."""
        draft = blank_draft(fresh)
        Agreement.objects.filter(pk=draft.pk).update(sponsor_duty="", client_feedback_response="")
        draft.refresh_from_db()
        old_hash = agreement_text(draft).sha256
        Agreement.objects.filter(pk=draft.pk).update(state=Agreement.State.OUT_FOR_SIGNATURE, text_hash=old_hash)
        for key in ("client", "sponsor", "coach"):
            services.agreement_sign(actor=fresh[key], agreement=draft, shown_hash=old_hash)
        draft.refresh_from_db()
        assert draft.state == Agreement.State.SIGNED
        assert agreement_text(draft).sha256 == old_hash == draft.text_hash
        assert services.agreement_missing(fresh["engagement"]) == []
        assert "Professional code" not in agreement_text(draft).as_plain_text()


@pytest.mark.django_db
class TestTheCodeList:
    def test_the_administrator_adds_and_retires_a_code_on_the_page(self, world: World) -> None:
        http = world.http("admin")
        response = http.post(
            reverse("consent:professional_codes"),
            {"name": "AC Code of Ethics", "body": "Association for Coaching", "link": "https://example.org/ac"},
        )
        assert response.status_code == 302
        code = ProfessionalCode.objects.get(name="AC Code of Ethics")
        assert code.active
        assert AuditEvent.objects.filter(action="professional_code.create").exists()
        response = http.post(reverse("consent:professional_code_active", args=[code.pk]), {"active": ""})
        assert response.status_code == 302
        code.refresh_from_db()
        assert not code.active
        assert "AC Code of Ethics" in http.get(reverse("consent:professional_codes")).content.decode()

    def test_a_code_needs_its_text_or_a_link_and_the_refused_form_keeps_what_was_typed(self, world: World) -> None:
        response = world.http("admin").post(
            reverse("consent:professional_codes"), {"name": "Our own code", "body": "The practice"}
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Our own code" in body and "Give the code&#x27;s text or a link to it" in body
        assert not ProfessionalCode.objects.filter(name="Our own code").exists()

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_keeps_the_list(self, world: World, persona: str) -> None:
        response = world.http(persona).post(
            reverse("consent:professional_codes"), {"name": "X code", "body": "X", "link": "https://example.org/x"}
        )
        assert response.status_code == {"admin": 302, "anonymous": 302}.get(persona, 404)
        api = world.api(persona).post(
            "/api/v1/professional-codes/",
            {"name": "Y code", "body": "Y", "link": "https://example.org/y"},
            content_type="application/json",
        )
        assert api.status_code == {"admin": 201, "anonymous": 401}.get(persona, 404)
        assert ProfessionalCode.objects.filter(name__in=["X code", "Y code"]).count() == (
            2 if persona == "admin" else 0
        )
        if persona != "admin" and persona != "anonymous":
            with pytest.raises(PermissionDenied):
                services.professional_code_create(
                    actor=world.people[persona], name="Z", body="Z", link="https://example.org/z"
                )

    def test_coaches_read_the_active_codes_over_the_api(self, world: World) -> None:
        admin = world.people["admin"]
        assert admin is not None
        services.professional_code_create(actor=admin, name="Kept", body="K", link="https://example.org/k")
        retired = services.professional_code_create(actor=admin, name="Retired", body="R", link="https://example.org/r")
        services.professional_code_set_active(actor=admin, code=retired, active=False)
        names = [c["name"] for c in world.api("coach").get("/api/v1/professional-codes/").json()]
        assert "Kept" in names and "Retired" not in names
        assert world.api("client").get("/api/v1/professional-codes/").status_code == 404


@pytest.mark.django_db
class TestTheDefaultWording:
    def test_the_standard_template_states_the_sponsors_duty_and_the_clients_part(self) -> None:
        template = install_current()
        assert "must keep it confidential" in SPONSOR_DUTY
        assert "non-defensive" in CLIENT_FEEDBACK_RESPONSE
        assert template.sponsor_duty == SPONSOR_DUTY
        assert template.client_feedback_response == CLIENT_FEEDBACK_RESPONSE

    def test_a_new_agreement_says_them(self, fresh: dict[str, Any]) -> None:
        sent = services.agreement_send(actor=fresh["coach"], agreement=fill(fresh, blank_draft(fresh)))
        text = agreement_text(sent).as_plain_text()
        assert "The organisation's duty of confidence" in text
        assert SPONSOR_DUTY in text
        assert CLIENT_FEEDBACK_RESPONSE in text

    def test_a_copied_template_keeps_them(self, world: World) -> None:
        coach = world.people["coach"]
        assert coach is not None
        copy = services.agreement_template_create(actor=coach, name="Our version", source=install_current())
        assert AgreementTemplate.objects.get(pk=copy.pk).sponsor_duty == SPONSOR_DUTY


def login_get(user: Any, url: str) -> str:
    response = login(HttpClient(), user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def bearer_get(user: Any, url: str) -> Any:
    from tests.conftest import bearer

    response = bearer(user).get(url)
    assert response.status_code == 200
    return response.json()
