from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent
from confidentiality.roles import Role
from consent import services
from consent.defaults import install_current
from consent.models import Agreement, ConsentRecord, InformationCategory
from engagements import services as engagement_services
from engagements.models import Note
from tests.conftest import PERSONAS, World
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory


@pytest.fixture
def fresh(db: Any) -> dict[str, Any]:
    """An engagement with client, sponsor and coach, whose agreement nobody has signed yet."""
    organisation = OrganisationFactory(name="Contract Co")
    client_user = UserFactory(role=Role.CLIENT, display_name="Ines Client")
    sponsor = UserFactory(role=Role.SPONSOR, organisation=organisation, display_name="Omar Sponsor")
    coach = UserFactory(role=Role.COACH, display_name="Cora Coach")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client_user, full_name="Ines Client"),
        coaches=[coach],
        sponsors=[sponsor],
        agreed=False,
    )
    return {"engagement": engagement, "client": client_user, "sponsor": sponsor, "coach": coach}


def send(fresh: dict[str, Any]) -> Agreement:
    draft = services.agreement_start(actor=fresh["coach"], engagement=fresh["engagement"], template=install_current())
    return services.agreement_send(actor=fresh["coach"], agreement=draft)


def sign_all(fresh: dict[str, Any], agreement: Agreement) -> None:
    for key in ("client", "sponsor", "coach"):
        services.agreement_sign(actor=fresh[key], agreement=agreement, shown_hash=agreement.text_hash)


@pytest.mark.django_db
class TestGate:
    def test_a_note_is_refused_before_signing_and_accepted_after(self, fresh: dict[str, Any]) -> None:
        engagement, coach = fresh["engagement"], fresh["coach"]
        with pytest.raises(ValidationError, match="No confidentiality agreement has been put out"):
            engagement_services.note_create(actor=coach, engagement=engagement, body="Too early")
        agreement = send(fresh)
        services.agreement_sign(actor=fresh["client"], agreement=agreement, shown_hash=agreement.text_hash)
        with pytest.raises(ValidationError, match="sponsor contact must sign") as caught:
            engagement_services.note_create(actor=coach, engagement=engagement, body="Still too early")
        assert "client must sign" not in str(caught.value)
        services.agreement_sign(actor=fresh["sponsor"], agreement=agreement, shown_hash=agreement.text_hash)
        services.agreement_sign(actor=coach, agreement=agreement, shown_hash=agreement.text_hash)
        engagement_services.note_create(actor=coach, engagement=engagement, body="Now it may be written")
        assert Note.objects.filter(engagement=engagement).count() == 1

    def test_a_changed_agreement_blocks_again_until_resigned(self, fresh: dict[str, Any]) -> None:
        first = send(fresh)
        sign_all(fresh, first)
        draft = services.agreement_start(actor=fresh["coach"], engagement=fresh["engagement"])
        # A draft does not change what is in force.
        assert services.agreement_missing(fresh["engagement"]) == []
        second = services.agreement_send(actor=fresh["coach"], agreement=draft)
        first.refresh_from_db()
        assert first.state == Agreement.State.SUPERSEDED and second.version == 2
        with pytest.raises(ValidationError, match="everyone has signed"):
            engagement_services.note_create(actor=fresh["coach"], engagement=fresh["engagement"], body="Blocked")
        sign_all(fresh, second)
        engagement_services.note_create(actor=fresh["coach"], engagement=fresh["engagement"], body="Allowed")
        # Old versions stay readable by the parties.
        http = __import__("tests.conftest", fromlist=["login"]).login
        from django.test import Client as HttpClient

        page = http(HttpClient(), fresh["client"]).get(reverse("consent:agreement_detail", args=[first.pk]))
        assert page.status_code == 200 and "Replaced by a later version" in page.content.decode()

    def test_the_page_says_what_is_missing(self, fresh: dict[str, Any]) -> None:
        from django.test import Client as HttpClient

        from tests.conftest import login

        send(fresh)
        http = login(HttpClient(), fresh["coach"])
        response = http.post(
            reverse("engagements:note_create", args=[fresh["engagement"].pk]), {"body": "x"}, follow=True
        )
        text = response.content.decode()
        assert "The client must sign the agreement." in text and not Note.objects.exists()


@pytest.mark.django_db
class TestSigning:
    def test_a_signature_is_refused_when_the_text_changed_since_shown(self, fresh: dict[str, Any]) -> None:
        agreement = send(fresh)
        shown = agreement.text_hash
        # The wording the client saw changes underneath (a category renamed).
        InformationCategory.objects.filter(key="goals").update(name="Goals and their measures")
        with pytest.raises(ValidationError, match="changed since it was shown"):
            services.agreement_sign(actor=fresh["client"], agreement=agreement, shown_hash=shown)
        assert not agreement.signatures.exists()

    def test_a_forged_hash_is_refused(self, fresh: dict[str, Any]) -> None:
        agreement = send(fresh)
        with pytest.raises(ValidationError):
            services.agreement_sign(actor=fresh["client"], agreement=agreement, shown_hash="0" * 64)

    def test_the_coach_countersigns_last(self, fresh: dict[str, Any]) -> None:
        agreement = send(fresh)
        with pytest.raises(ValidationError, match="countersigns after"):
            services.agreement_sign(actor=fresh["coach"], agreement=agreement, shown_hash=agreement.text_hash)

    def test_a_signature_records_who_when_where_and_the_hash(self, fresh: dict[str, Any]) -> None:
        agreement = send(fresh)
        signature = services.agreement_sign(
            actor=fresh["client"],
            agreement=agreement,
            shown_hash=agreement.text_hash,
            ip_address="203.0.113.9",
            user_agent="Firefox",
        )
        assert signature.party == "client" and signature.ip_address == "203.0.113.9"
        assert signature.text_hash == agreement.text_hash and signature.signed_at is not None
        assert AuditEvent.objects.filter(action="agreement.sign").exists()

    def test_no_one_outside_the_engagement_signs(self, fresh: dict[str, Any], world: World) -> None:
        agreement = send(fresh)
        for persona in ("other_coach", "other_sponsor", "admin", "auditor", "superuser"):
            with pytest.raises(PermissionDenied):
                services.agreement_sign(
                    actor=world.people[persona], agreement=agreement, shown_hash=agreement.text_hash
                )

    def test_signing_in_the_portal(self, fresh: dict[str, Any]) -> None:
        from django.test import Client as HttpClient

        from tests.conftest import login

        agreement = send(fresh)
        http = login(HttpClient(), fresh["client"])
        page = http.get(reverse("consent:agreement_detail", args=[agreement.pk]))
        text = page.content.decode()
        assert "When confidentiality may be broken" in text and "serious danger" in text
        assert page.context["form"].initial["text_hash"] == agreement.text_hash
        refused = http.post(
            reverse("consent:agreement_detail", args=[agreement.pk]), {"text_hash": agreement.text_hash}
        )
        assert refused.status_code == 200 and not agreement.signatures.exists()  # confirmation box not ticked
        http.post(
            reverse("consent:agreement_detail", args=[agreement.pk]),
            {"text_hash": agreement.text_hash, "confirm": "on"},
        )
        assert agreement.signatures.get().user == fresh["client"]

    def test_a_draft_cannot_be_sent_twice_or_edited_after_sending(self, fresh: dict[str, Any]) -> None:
        agreement = send(fresh)
        with pytest.raises(ValidationError):
            services.agreement_send(actor=fresh["coach"], agreement=agreement)
        with pytest.raises(ValidationError, match="Only a draft"):
            services.agreement_update_draft(
                actor=fresh["coach"], agreement=agreement, expected_edit_version=1, content={}, terms={}
            )

    def test_a_shared_term_must_say_with_whom_and_by_whom(self, fresh: dict[str, Any]) -> None:
        draft = services.agreement_start(
            actor=fresh["coach"], engagement=fresh["engagement"], template=install_current()
        )
        category = InformationCategory.objects.get(key="career")
        with pytest.raises(ValidationError, match="with whom and by whom"):
            services.agreement_update_draft(
                actor=fresh["coach"],
                agreement=draft,
                expected_edit_version=draft.edit_version,
                content={},
                terms={category.pk: {"shared": True}},
            )


@pytest.mark.django_db
class TestPdf:
    def test_the_signed_agreement_renders_with_its_text_and_signatures(self, fresh: dict[str, Any]) -> None:
        from django.test import Client as HttpClient

        from tests.conftest import login

        agreement = send(fresh)
        sign_all(fresh, agreement)
        response = login(HttpClient(), fresh["sponsor"]).get(reverse("consent:agreement_pdf", args=[agreement.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        flat = " ".join(text.split())
        assert "Confidentiality agreement, version 1" in flat
        assert "serious danger" in flat and "Cora Coach" in flat
        assert "Client The client" in flat and "Ines Client" not in flat  # the sponsor is not told who
        assert agreement.text_hash[:16] in flat.replace(" ", "")
        assert "Omar Sponsor" in flat  # the watermark names who downloaded it
        assert AuditEvent.objects.filter(action="agreement.download").exists()

    def test_it_renders_once_for_sponsors_and_once_for_everyone_else(self, fresh: dict[str, Any]) -> None:
        from unittest import mock

        from django.test import Client as HttpClient
        from weasyprint import HTML

        from consent.models import AgreementPdf
        from tests.conftest import login

        agreement = send(fresh)
        sign_all(fresh, agreement)
        url = reverse("consent:agreement_pdf", args=[agreement.pk])

        def text_for(persona: str) -> str:
            response = login(HttpClient(), fresh[persona]).get(url)
            assert response.status_code == 200
            return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())

        with mock.patch.object(HTML, "write_pdf", autospec=True, side_effect=HTML.write_pdf) as renders:
            by_sponsor, by_coach = text_for("sponsor"), text_for("coach")
            assert renders.call_count == 2
            again_sponsor, again_coach = text_for("sponsor"), text_for("coach")
            assert renders.call_count == 2  # neither rendered again
        for text in (by_sponsor, again_sponsor):
            assert "Client The client" in text and "Ines Client" not in text and "Omar Sponsor" in text
        for text in (by_coach, again_coach):
            assert "Ines Client" in text and "Cora Coach" in text
        assert AuditEvent.objects.filter(action="agreement.download").count() == 4  # every download
        assert AuditEvent.objects.filter(action="client.read", actor_id=fresh["coach"].pk).count() >= 2
        kept = list(AgreementPdf.objects.filter(agreement=agreement))
        assert sorted(k.audience for k in kept) == ["", "sponsor"]
        assert all(k.key_id == fresh["engagement"].data_key_id and b"%PDF" not in bytes(k.sealed) for k in kept)

    def test_a_rotation_of_the_engagement_key_discards_its_copies(self, fresh: dict[str, Any]) -> None:
        from django.test import Client as HttpClient

        from confidentiality.rotation import rekey_holder
        from consent.models import AgreementPdf
        from tests.conftest import login

        agreement = send(fresh)
        sign_all(fresh, agreement)
        url = reverse("consent:agreement_pdf", args=[agreement.pk])
        assert login(HttpClient(), fresh["sponsor"]).get(url).status_code == 200
        assert AgreementPdf.objects.filter(agreement=agreement).count() == 1
        rekey_holder(fresh["engagement"])
        assert not AgreementPdf.objects.filter(agreement=agreement).exists()
        assert login(HttpClient(), fresh["sponsor"]).get(url).status_code == 200

    def test_the_renderer_fetches_no_local_file(self, tmp_path: Any, caplog: Any) -> None:
        from confidentiality.pdf import safe_url_fetcher_class

        secret = tmp_path / "secret.txt"
        secret.write_text("server secret")
        fetcher = safe_url_fetcher_class()()
        with pytest.raises(ValueError):
            fetcher.fetch(secret.as_uri())
        with pytest.raises(ValueError):
            fetcher.fetch("http://127.0.0.1:9/")
        assert fetcher.fetch("data:text/plain,hello").read() == b"hello"

    def test_an_attachment_link_to_a_server_file_is_not_embedded(self, tmp_path: Any, settings: Any) -> None:
        from weasyprint import HTML

        from confidentiality.pdf import safe_url_fetcher_class

        secret = tmp_path / "secret.txt"
        secret.write_text("TOPSECRET-SERVER-FILE")
        html = f'<p>x</p><a rel="attachment" href="{secret.as_uri()}">a</a>'
        pdf = HTML(string=html, url_fetcher=safe_url_fetcher_class()()).write_pdf()
        assert b"TOPSECRET-SERVER-FILE" not in pdf
        reader = PdfReader(io.BytesIO(pdf))
        assert not reader.attachments


@pytest.mark.django_db
class TestConsent:
    def test_no_engagement_starts_without_consent_to_hold_basic_information(self, world: World) -> None:
        client = ClientFactory(consented=False, user=UserFactory(role=Role.CLIENT))
        # Signed by everyone, it still does not start: the client has not consented.
        proposed = EngagementFactory(client=client, sponsors=[world.people["sponsor"]], organisation=world.organisation)
        assert proposed.status == "proposed"
        with pytest.raises(ValidationError, match="not consented"):
            engagement_services.engagement_update(
                actor=world.people["admin"],
                engagement=proposed,
                expected_version=1,
                title="T",
                status="active",
                starts_on=proposed.starts_on,
                ends_on=None,
            )

    def test_withdrawal_takes_effect_at_once(self, world: World) -> None:
        consent = ConsentRecord.objects.get(client=world.client_record, kind="basic_information")
        proposed = EngagementFactory(client=world.client_record, status="proposed", agreed=False)
        services.consent_withdraw(actor=world.people["client"], consent=consent)
        assert not services.has_active_consent(world.client_record, "basic_information")
        with pytest.raises(ValidationError, match="not consented"):
            engagement_services.engagement_update(
                actor=world.people["admin"],
                engagement=proposed,
                expected_version=1,
                title="T",
                status="active",
                starts_on=proposed.starts_on,
                ends_on=None,
            )
        assert AuditEvent.objects.filter(action="consent.withdraw").exists()
        with pytest.raises(ValidationError, match="already withdrawn"):
            services.consent_withdraw(actor=world.people["client"], consent=consent)

    def test_marketing_and_testimonial_consent_are_off_unless_given(self, world: World) -> None:
        assert not services.has_active_consent(world.client_record, "testimonial")
        assert not services.has_active_consent(world.client_record, "marketing")

    def test_paper_consent_needs_evidence(self, world: World) -> None:
        with pytest.raises(ValidationError, match="scanned form"):
            services.consent_record(
                actor=world.people["coach"],
                client=world.client_record,
                kind="testimonial",
                wording="Yes",
                method="paper",
            )

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_client_their_coach_and_the_administrator_withdraw(self, world: World, persona: str) -> None:
        consent = ConsentRecord.objects.get(client=world.client_record)
        response = world.http(persona).post(reverse("consent:consent_withdraw", args=[consent.pk]))
        allowed = persona in {"client", "coach", "admin"}
        assert response.status_code == (302 if allowed or persona == "anonymous" else 404)
        consent.refresh_from_db()
        assert (consent.withdrawn_at is not None) == allowed


@pytest.mark.django_db
class TestCategories:
    def test_the_practice_adds_its_own_and_new_drafts_include_it(self, fresh: dict[str, Any], world: World) -> None:
        from django.test import Client as HttpClient

        from tests.conftest import login

        admin = world.people["admin"]
        response = login(HttpClient(), admin).post(
            reverse("consent:categories"), {"name": "Health and wellbeing", "description": "Anything medical"}
        )
        assert response.status_code == 302
        draft = services.agreement_start(
            actor=fresh["coach"], engagement=fresh["engagement"], template=install_current()
        )
        term = draft.terms.get(category__key="health-and-wellbeing")
        assert term.shared is False
        with pytest.raises(ValidationError, match="already exists"):
            services.information_category_create(actor=admin, name="health and wellbeing")

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_adds_one(self, world: World, persona: str) -> None:
        before = InformationCategory.objects.count()
        response = world.http(persona).post(reverse("consent:categories"), {"name": "Family matters"})
        assert response.status_code == {"admin": 302, "anonymous": 302}.get(persona, 404)
        assert InformationCategory.objects.count() == before + (1 if persona == "admin" else 0)
        api = world.api(persona).post(
            "/api/v1/information-categories/", {"name": "Other"}, content_type="application/json"
        )
        assert api.status_code == {"admin": 201, "anonymous": 401}.get(persona, 404)

    def test_a_number_is_not_taken_for_a_name(self, world: World) -> None:
        """Found by the API fuzzing: the number was stored as the name."""
        before = InformationCategory.objects.count()
        response = world.api("admin").post(
            "/api/v1/information-categories/", {"name": 123, "description": 456}, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json() == {"name": ["Not a valid string."], "description": ["Not a valid string."]}
        assert InformationCategory.objects.count() == before


@pytest.mark.django_db
class TestTemplates:
    def test_a_number_is_not_taken_for_a_template_name(self, world: World) -> None:
        """Found by the API fuzzing: the number was stored as the name."""
        from consent.models import AgreementTemplate

        source = install_current()
        before = AgreementTemplate.objects.count()
        response = world.api("coach").post(
            "/api/v1/agreement-templates/", {"name": 123, "copy_from": str(source.pk)}, content_type="application/json"
        )
        assert response.status_code == 400 and response.json() == {"name": ["Not a valid string."]}
        assert AgreementTemplate.objects.count() == before

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_administrator_and_coaches_keep_templates(self, world: World, persona: str) -> None:
        template = install_current()
        list_status = world.http(persona).get(reverse("consent:templates")).status_code
        edit_status = world.http(persona).get(reverse("consent:template_edit", args=[template.pk])).status_code
        allowed = persona in {"admin", "coach", "other_coach"}
        expected = 200 if allowed else (302 if persona == "anonymous" else 404)
        assert (list_status, edit_status) == (expected, expected)

    def test_a_coach_copies_and_adapts_one(self, world: World) -> None:
        from consent.models import AgreementTemplate

        source = install_current()
        http = world.http("coach")
        response = http.post(reverse("consent:templates"), {"name": "Board members", "copy_from": source.pk})
        template = AgreementTemplate.objects.get(name="Board members")
        assert response["Location"] == reverse("consent:template_edit", args=[template.pk])
        page = http.get(response["Location"])
        data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
        data["exceptions"] = "Only a court order or serious danger."
        career = InformationCategory.objects.get(key="career")
        data[f"term_{career.pk}_shared"] = "on"
        saved = http.post(response["Location"], data)
        assert saved.status_code == 200 and "with whom and by whom" in saved.content.decode()  # a clear error
        data[f"term_{career.pk}_with_whom"] = "The board chair"
        data[f"term_{career.pk}_by_whom"] = "The client"
        assert http.post(response["Location"], data).status_code == 302
        template.refresh_from_db()
        assert template.exceptions == "Only a court order or serious danger."
        assert template.terms.get(category=career).shared is True
        source.refresh_from_db()
        assert source.terms.get(category=career).shared is False  # the original is untouched


@pytest.mark.django_db
class TestConsentInThePortal:
    def test_a_client_gives_and_withdraws_a_testimonial_consent(self, world: World) -> None:
        http = world.http("client")
        page = http.get(reverse("consent:consents")).content.decode()
        assert "quote me, by name, as a testimonial" in page
        http.post(reverse("consent:consent_give"), {"kind": "testimonial"})
        consent = ConsentRecord.objects.get(client=world.client_record, kind="testimonial")
        assert consent.method == "portal" and consent.recorded_by == world.people["client"]
        assert "quote me, by name" in consent.wording
        http.post(reverse("consent:consent_withdraw", args=[consent.pk]))
        assert not services.has_active_consent(world.client_record, "testimonial")

    @pytest.mark.parametrize("persona", ["coach", "sponsor", "admin", "auditor", "superuser"])
    def test_no_one_else_gives_it_for_them(self, world: World, persona: str) -> None:
        response = world.http(persona).post(reverse("consent:consent_give"), {"kind": "testimonial"})
        assert response.status_code == 404
        assert not ConsentRecord.objects.filter(kind="testimonial").exists()

    def test_an_unknown_kind_is_refused(self, world: World) -> None:
        response = world.http("client").post(reverse("consent:consent_give"), {"kind": "disclosure"})
        assert response.status_code == 404

    def test_a_client_who_withdrew_the_consent_to_hold_their_information_gives_it_again_here(
        self, world: World
    ) -> None:
        basic = ConsentRecord.objects.get(client=world.client_record, kind="basic_information")
        services.consent_withdraw(actor=world.people["client"], consent=basic)
        world.engagement.refresh_from_db()
        assert world.engagement.status == "paused"
        page = world.http("client").get(reverse("consent:consents")).content.decode()
        assert 'value="basic_information"' in page
        world.http("client").post(reverse("consent:consent_give"), {"kind": "basic_information"})
        given = ConsentRecord.objects.get(client=world.client_record, kind="basic_information", withdrawn_at=None)
        assert given.method == "portal" and given.recorded_by == world.people["client"]
        world.engagement.refresh_from_db()
        assert world.engagement.status == "active"


@pytest.mark.django_db
class TestTemplateConflicts:
    def test_a_stale_template_edit_is_refused(self, world: World) -> None:
        template = install_current()
        services.agreement_template_update(
            actor=world.people["coach"],
            template=template,
            expected_edit_version=template.edit_version,
            content={"guidelines": "First coach's guidelines"},
            terms={},
        )
        with pytest.raises(ValidationError, match="Someone else changed"):
            services.agreement_template_update(
                actor=world.people["other_coach"],
                template=template,
                expected_edit_version=1,
                content={"guidelines": "Second coach's guidelines"},
                terms={},
            )
        template.refresh_from_db()
        assert template.guidelines == "First coach's guidelines"
