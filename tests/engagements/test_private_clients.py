"""Private clients (issue 21): a client who pays for their own coaching. Policy 003 names the payer as
an "institution or individual"; the engagement has no organisation, its agreement is between the
client and the coach, and no report goes to anyone. Every other rule applies unchanged. Their
invoices, payments and credit notes: tests/finance/test_private_clients.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient

from confidentiality.models import User
from confidentiality.roles import Role
from consent.defaults import install_current
from consent.models import Agreement
from consent.services import agreement_missing, agreement_send, agreement_sign, agreement_start
from consent.text import agreement_text
from engagements.models import Engagement, EngagementMember, HardCopy
from engagements.services import engagement_close, engagement_create, engagement_member_add, hard_copy_record
from tests.conftest import World, bearer, login
from tests.factories import ClientFactory, EngagementFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(world: World) -> dict[str, Any]:
    """A private client with a portal login, and their coach; the engagement proposed, not yet agreed."""
    client_user = UserFactory(role=Role.CLIENT, email="ruth@example.org")
    client = ClientFactory(full_name="Ruth Adeyemi", user=client_user)
    engagement = engagement_create(
        actor=world.people["admin"],
        reference="ENG-P-001",
        title="Career coaching",
        organisation=None,
        client=client,
        coaches=[world.people["coach"]],
        sponsors=[],
        starts_on=world.engagement.starts_on,
    )
    return {"engagement": engagement, "client_user": client_user, "client": client}


def _send(engagement: Engagement, coach: User) -> Agreement:
    draft = agreement_start(actor=coach, engagement=engagement, template=install_current())
    return agreement_send(actor=coach, agreement=draft)


class TestTheEngagement:
    def test_it_has_no_organisation_and_names_the_client_as_payer(self, private: dict[str, Any]) -> None:
        engagement = private["engagement"]
        assert engagement.organisation is None and engagement.is_private
        assert engagement.payer_name == "Private client (self-funded)"
        assert set(engagement.members.values_list("kind", flat=True)) == {"coach", "client"}

    def test_a_sponsor_contact_is_refused_and_nothing_is_created(self, world: World) -> None:
        count = Engagement.objects.count()
        with pytest.raises(ValidationError, match="private client pays for their own coaching"):
            engagement_create(
                actor=world.people["admin"],
                reference="ENG-P-002",
                title="Career coaching",
                organisation=None,
                client=ClientFactory(),
                coaches=[world.people["coach"]],
                sponsors=[world.people["sponsor"]],
                starts_on=world.engagement.starts_on,
            )
        assert Engagement.objects.count() == count

    def test_no_sponsor_contact_joins_it_later(self, world: World, private: dict[str, Any]) -> None:
        with pytest.raises(ValidationError, match="no organisation, so no sponsor contact"):
            engagement_member_add(
                actor=world.people["admin"],
                engagement=private["engagement"],
                user=world.people["sponsor"],
                kind=EngagementMember.Kind.SPONSOR,
            )
        assert not private["engagement"].members.filter(kind="sponsor").exists()

    def test_the_administrator_creates_one_by_choosing_no_organisation(self, world: World) -> None:
        client = ClientFactory(full_name="Kit Marlowe")
        admin = world.http("admin")
        form = admin.get("/engagements/new/").content.decode()
        assert "None: a private client, who pays for their own coaching" in form
        response = admin.post(
            "/engagements/new/",
            {
                "reference": "ENG-P-003",
                "title": "Career coaching",
                "organisation": "",
                "client": str(client.pk),
                "coaches": [world.people["coach"].pk],
                "starts_on": "2026-12-01",
            },
        )
        engagement = Engagement.objects.get(reference="ENG-P-003")
        assert response.status_code == 302 and engagement.is_private
        page = admin.get(f"/engagements/{engagement.pk}/").content.decode()
        assert "Private client (self-funded)" in page
        assert "Reports to the sponsor" not in page

    def test_the_api_says_who_pays(self, world: World, private: dict[str, Any]) -> None:
        engagement = private["engagement"]
        body = bearer(world.people["coach"]).get(f"/api/v1/engagements/{engagement.pk}/").json()
        assert body["organisation"] is None and body["paid_for_by"] == "Private client (self-funded)"
        listed = bearer(world.people["coach"]).get("/api/v1/engagements/").json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert {row["reference"]: row["paid_for_by"] for row in rows}["ENG-P-001"] == "Private client (self-funded)"

    def test_closing_it_makes_the_clients_paper_due_back_to_the_client(
        self, world: World, private: dict[str, Any]
    ) -> None:
        client = ClientFactory(user=UserFactory(role=Role.CLIENT))
        engagement = EngagementFactory(organisation=None, client=client, coaches=[world.people["coach"]])
        assert engagement.status == Engagement.Status.ACTIVE
        copy = hard_copy_record(
            actor=world.people["coach"],
            engagement=engagement,
            description="Psychometric report (paper, 4 pages)",
            location="Locked cabinet A",
            received_on=engagement.starts_on,
        )
        engagement_close(actor=world.people["admin"], engagement=engagement)
        copy.refresh_from_db()
        assert copy.state == HardCopy.State.RETURN_DUE


class TestTheAgreement:
    def test_the_client_and_the_coach_sign_it_and_work_starts(self, world: World, private: dict[str, Any]) -> None:
        engagement, coach = private["engagement"], world.people["coach"]
        sent = _send(engagement, coach)
        assert agreement_missing(engagement) == [
            "The client must sign the agreement.",
            "The coach must countersign the agreement.",
        ]
        with pytest.raises(ValidationError, match="after the client has signed"):
            agreement_sign(actor=coach, agreement=sent, shown_hash=sent.text_hash)
        agreement_sign(actor=private["client_user"], agreement=sent, shown_hash=sent.text_hash)
        assert agreement_missing(engagement) == ["The coach must countersign the agreement."]
        agreement_sign(actor=coach, agreement=sent, shown_hash=sent.text_hash)
        sent.refresh_from_db()
        engagement.refresh_from_db()
        assert sent.state == Agreement.State.SIGNED and agreement_missing(engagement) == []
        assert engagement.status == Engagement.Status.ACTIVE

    def test_its_draft_asks_nothing_about_an_organisation_and_goes_out_from_the_page(
        self, world: World, private: dict[str, Any]
    ) -> None:
        engagement, coach = private["engagement"], world.people["coach"]
        draft = agreement_start(actor=coach, engagement=engagement, template=install_current())
        http = world.http("coach")
        page = http.get(f"/agreements/{draft.pk}/edit/").content.decode()
        assert "The summary report to the organisation will include" not in page
        assert "The organisation&#x27;s duty of confidence" not in page
        form = {
            "introduction": "Our agreement.",
            "feedback_anonymity": draft.feedback_anonymity,
            "exceptions": draft.exceptions,
            "guidelines": "The practice's confidentiality policy.",
            "adviser_name": "Dr Helen Marsh",
            "adviser_contact": "helen.marsh@supervision.example",
            f"coach_{coach.pk}": draft.coach_codes.get().code_id,
            "edit_version": draft.edit_version,
            "send": "1",
        }
        for term in draft.terms.all():
            prefix = f"term_{term.category_id}_"
            form |= {prefix + name: getattr(term, name) for name in ("with_whom", "by_whom", "when", "form")}
            form[prefix + "circumstances"] = term.circumstances
            if term.shared:
                form[prefix + "shared"] = "on"
        response = http.post(f"/agreements/{draft.pk}/edit/", form, follow=True)
        draft.refresh_from_db()
        assert draft.state == Agreement.State.OUT_FOR_SIGNATURE, response.content.decode()[:3000]
        assert "Sent for signing. The client has been told." in response.content.decode()

    def test_no_sponsor_signs_it(self, world: World, private: dict[str, Any]) -> None:
        sent = _send(private["engagement"], world.people["coach"])
        with pytest.raises(PermissionDenied):
            agreement_sign(actor=world.people["sponsor"], agreement=sent, shown_hash=sent.text_hash)
        assert not sent.signatures.exists()

    def test_its_text_says_the_client_pays_and_no_one_is_reported_to(
        self, world: World, private: dict[str, Any]
    ) -> None:
        text = agreement_text(_send(private["engagement"], world.people["coach"])).as_plain_text()
        assert "Private client (self-funded)" in text
        assert "You pay for this coaching yourself, and its invoices come to you." in text
        assert "The summary report to the organisation" not in text
        assert "The organisation's duty of confidence" not in text
        organisations = agreement_text(_send(world.engagement, world.people["coach"])).as_plain_text()
        assert "The summary report to the organisation" in organisations
        assert "You pay for this coaching yourself" not in organisations


class TestNothingGoesToAnOrganisation:
    @pytest.fixture
    def agreed(self, world: World) -> Engagement:
        client = ClientFactory(full_name="Ruth Adeyemi", user=UserFactory(role=Role.CLIENT))
        return EngagementFactory(organisation=None, client=client, coaches=[world.people["coach"]])

    def test_no_report_is_written_and_the_page_says_why(self, world: World, agreed: Engagement) -> None:
        from reports.models import SponsorReport
        from reports.services import report_create

        with pytest.raises(ValidationError, match="no organisation, so no report"):
            report_create(actor=world.people["coach"], engagement=agreed, title="Mid-point", sections={})
        page = world.http("coach").get(f"/engagements/{agreed.pk}/reports/")
        body = page.content.decode()
        assert page.status_code == 200 and "no report is written for one" in body
        assert "Save draft" not in body
        refused = world.http("coach").post(f"/engagements/{agreed.pk}/reports/", {"title": "Mid-point"})
        assert "no report is written for one" in refused.content.decode()
        assert not SponsorReport.objects.filter(engagement=agreed).exists()

    def test_no_disclosure_rests_on_an_organisations_consent(self, world: World, agreed: Engagement) -> None:
        from disclosures.models import Concern, Disclosure
        from disclosures.services import disclosure_record

        with pytest.raises(ValidationError, match="no organisation is party"):
            disclosure_record(
                actor=world.people["coach"],
                engagement=agreed,
                what="What was said about the rota.",
                recipient_kind="regulator_ombudsman",
                recipient="The regulator",
                reason="Asked for advice.",
                basis="client_consent",
                concerns_organisation=True,
            )
        assert not Disclosure.objects.filter(engagement=agreed).exists()
        from disclosures.concerns import concern_start

        with pytest.raises(ValidationError, match="no organisation is party"):
            concern_start(
                actor=world.people["coach"],
                engagement=agreed,
                kind=Concern.Kind.ORGANISATION_CONDUCT,
                text="The employer's conduct.",
            )
        assert not Concern.objects.filter(engagement=agreed).exists()

    def test_an_invoice_for_it_to_an_organisation_is_refused_with_a_reason(
        self, world: World, agreed: Engagement
    ) -> None:
        from decimal import Decimal

        from finance.models import Invoice
        from finance.services import LineInput, invoice_create

        line = LineInput("Coaching session", Decimal(1), Decimal(150), Decimal(0))
        with pytest.raises(ValidationError, match="private client's"):
            invoice_create(
                actor=world.people["admin"], organisation=world.organisation, lines=[line], engagement=agreed
            )
        assert not Invoice.objects.filter(engagement=agreed).exists()

    def test_the_clients_copy_names_them_as_payer(self, world: World, agreed: Engagement) -> None:
        from rights.exports import client_contents

        contents = client_contents(agreed.client)
        engagements = next(s for s in contents.sections if s.key == "engagements")
        assert [(e["organisation"], e["paid_for_by"]) for e in engagements.items] == [
            (None, "Private client (self-funded)")
        ]

    def test_the_clients_dashboard_lists_it(self, agreed: Engagement) -> None:
        client_user = agreed.client.user
        page = login(HttpClient(), client_user).get("/dashboard/").content.decode()
        assert agreed.title in page and "Private client (self-funded)" in page
