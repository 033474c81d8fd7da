"""The disclosure register: consent checked, second approval, the letter, and what each persona is
shown. Who may reach each page and endpoint is the access matrix's (tests/matrix/table.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent, Notice
from consent.models import ConsentRecord
from consent.services import consent_record, consent_withdraw
from disclosures import services as disclosure_services
from disclosures.models import Disclosure
from tests.conftest import World

WHAT = "That Samira described threats from a colleague, Ulrich Vantongeren, on 3 March."
REASON = "The police asked under a production order; the client agreed in writing to this disclosure."
RECIPIENT = "Detective Constable Imogen Farquharson-Ode"


def give_consent(world: World, engagement: Any = None) -> ConsentRecord:
    """The client's written consent, signed in the portal."""
    return consent_record(
        actor=world.people["client"],
        client=world.client_record,
        engagement=engagement,
        kind=ConsentRecord.Kind.DISCLOSURE,
        wording="I agree that my coach tells the police what I said about the threats on 3 March.",
        method=ConsentRecord.Method.PORTAL,
    )


def record(world: World, basis: str = "client_consent", **extra: Any) -> Disclosure:
    values: dict[str, Any] = {
        "actor": world.people["coach"],
        "engagement": world.engagement,
        "what": WHAT,
        "recipient_kind": "government_body",
        "recipient": RECIPIENT,
        "reason": REASON,
        "basis": basis,
    } | extra
    return disclosure_services.disclosure_record(**values)


def consented(world: World, **extra: Any) -> Disclosure:
    return record(world, consent=give_consent(world, world.engagement), **extra)


def pending(world: World, **extra: Any) -> Disclosure:
    """Without the client's consent: through a concern's steps, waiting for the second approval."""
    from tests.factories import disclosure_without_consent

    return disclosure_without_consent(
        world.people["coach"], world.engagement, what=WHAT, recipient=RECIPIENT, reason=REASON, **extra
    )


def told(user: Any) -> bool:
    return Notice.objects.filter(user=user, link__startswith="/disclosures/").exists()


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.mark.django_db
class TestConsentBasis:
    def test_it_refuses_a_disclosure_on_consent_without_a_consent_record(self, world: World) -> None:
        with pytest.raises(ValidationError, match="needs their written consent"):
            record(world)
        assert not Disclosure.objects.exists()
        assert not AuditEvent.objects.filter(action="disclosure.record").exists()

    def test_it_refuses_after_the_client_withdrew_the_consent(self, world: World) -> None:
        consent = give_consent(world)
        consent_withdraw(actor=world.people["client"], consent=consent)
        with pytest.raises(ValidationError, match="withdrawn"):
            record(world, consent=consent)
        assert not Disclosure.objects.exists() and not told(world.people["client"])

    def test_it_refuses_a_consent_of_another_kind_or_client(self, world: World) -> None:
        basic = ConsentRecord.objects.get(client=world.client_record, kind=ConsentRecord.Kind.BASIC_INFORMATION)
        with pytest.raises(ValidationError, match="not this client's consent"):
            record(world, consent=basic)
        other = consent_record(
            actor=None,
            client=world.other_engagement.client,
            kind=ConsentRecord.Kind.DISCLOSURE,
            wording="Another client's consent",
            method=ConsentRecord.Method.PORTAL,
        )
        with pytest.raises(ValidationError, match="not this client's consent"):
            record(world, consent=other)
        assert not Disclosure.objects.exists()

    def test_a_consent_for_another_engagement_does_not_count(self, world: World) -> None:
        from tests.factories import EngagementFactory

        second = EngagementFactory(client=world.client_record, coaches=[world.people["coach"]], agreed=False)
        with pytest.raises(ValidationError, match="not this client's consent"):
            record(world, consent=give_consent(world, second))

    def test_a_consented_disclosure_is_made_at_once_and_the_client_is_written_to(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            disclosure = consented(world)
        assert disclosure.state == "made" and disclosure.made_at is not None
        assert disclosure.confirmation_sent_at is not None and disclosure.client == world.client_record
        notice = Notice.objects.get(user=world.people["client"], link__startswith="/disclosures/")
        assert notice.link == reverse("disclosures:disclosure_detail", args=[disclosure.pk])
        assert mail.outbox and all(
            "Ulrich" not in m.body and RECIPIENT not in m.body and "police" not in m.body for m in mail.outbox
        )

    def test_what_to_whom_and_why_are_encrypted_and_kept_out_of_the_audit_log(self, world: World) -> None:
        consented(world)
        raw = Disclosure.objects.values_list("what", "recipient", "reason").get()
        for sealed, plain in zip(raw, (WHAT, RECIPIENT, REASON), strict=True):
            token: str = getattr(sealed, "token")  # noqa: B009 - a Sealed value, read without decrypting
            assert token.startswith("enc2.") and plain not in token
        for event in AuditEvent.objects.filter(action__startswith="disclosure."):
            assert "Ulrich" not in str(event.detail) and "Imogen" not in str(event.detail)

    def test_the_organisations_consent_needs_its_written_consent_as_evidence(self, world: World) -> None:
        from tests.factories import disclosure_without_consent

        with pytest.raises(ValidationError, match="organisation's written consent"):
            disclosure_without_consent(
                world.people["coach"],
                world.engagement,
                basis="organisation_consent",
                recipient_kind="board_senior_staff",
            )
        assert not Disclosure.objects.exists()

    def test_bad_input_is_refused_clearly_and_changes_nothing(self, world: World) -> None:
        consent = give_consent(world)
        for field, value, message in (
            ("what", "  ", "exactly what is disclosed"),
            ("reason", "", "why it is disclosed"),
            ("recipient", "", "to whom"),
            ("basis", "gossip", "basis"),
            ("recipient_kind", "press", "who receives"),
        ):
            with pytest.raises(ValidationError, match=message):
                record(world, consent=consent, **{field: value})
        assert not Disclosure.objects.exists()

    @pytest.mark.parametrize(
        "persona", ["other_coach", "client", "sponsor", "other_sponsor", "admin", "auditor", "superuser"]
    )
    def test_only_a_coach_on_the_engagement_records(self, world: World, persona: str) -> None:
        consent = give_consent(world)
        with pytest.raises(PermissionDenied):
            record(world, consent=consent, actor=world.people[persona])
        assert not Disclosure.objects.exists()


@pytest.mark.django_db
class TestSecondApproval:
    def test_without_the_clients_consent_it_waits_and_is_not_made(self, world: World) -> None:
        disclosure = pending(world)
        assert disclosure.state == "awaiting_approval" and disclosure.made_at is None
        assert disclosure.confirmation_sent_at is None
        assert told(world.people["admin"])  # the approver is asked
        assert not told(world.people["client"])
        assert not disclosure_services.disclosures_for(user=world.people["client"]).exists()

    @pytest.mark.parametrize("persona", ["coach", "other_coach", "client", "sponsor", "auditor", "superuser"])
    def test_no_one_but_the_administrator_or_the_named_supervisor_approves(self, world: World, persona: str) -> None:
        disclosure = pending(world)
        with pytest.raises(PermissionDenied):
            disclosure_services.disclosure_decide(actor=world.people[persona], disclosure=disclosure, approve=True)
        disclosure.refresh_from_db()
        assert disclosure.state == "awaiting_approval"

    def test_the_named_supervisor_approves_and_the_client_is_written_to(self, world: World) -> None:
        supervisor = world.people["other_coach"]
        disclosure = pending(world, supervisor=supervisor)
        assert told(supervisor)
        assert not told(world.people["admin"])
        # Named, the supervisor may read it (to decide) though not on the engagement.
        assert (
            world.http("other_coach").get(reverse("disclosures:disclosure_detail", args=[disclosure.pk])).status_code
            == 200
        )
        made = disclosure_services.disclosure_decide(actor=supervisor, disclosure=disclosure, approve=True)
        assert made.state == "made" and made.second_approved_by == supervisor and made.made_at is not None
        assert made.confirmation_sent_at is not None
        assert told(world.people["client"])
        with pytest.raises(ValidationError, match="not waiting"):
            disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=made, approve=True)

    def test_declined_it_is_never_made_nor_shown_to_the_client(self, world: World) -> None:
        disclosure = pending(world)
        declined = disclosure_services.disclosure_decide(
            actor=world.people["admin"], disclosure=disclosure, approve=False
        )
        assert declined.state == "declined" and declined.made_at is None and declined.confirmation_sent_at is None
        assert not disclosure_services.disclosures_for(user=world.people["client"]).exists()
        assert (
            world.http("client").get(reverse("disclosures:disclosure_letter", args=[disclosure.pk])).status_code == 404
        )
        assert (
            world.http("coach").get(reverse("disclosures:disclosure_letter", args=[disclosure.pk])).status_code == 404
        )

    @pytest.mark.parametrize("persona", ["sponsor", "admin", "coach"])
    def test_only_another_coach_may_be_named_supervisor(self, world: World, persona: str) -> None:
        with pytest.raises(ValidationError, match="another coach"):
            pending(world, supervisor=world.people[persona])
        assert not Disclosure.objects.exists()

    def test_approval_through_the_page(self, world: World) -> None:
        disclosure = pending(world)
        url = reverse("disclosures:disclosure_decide", args=[disclosure.pk])
        assert world.http("coach").post(url, {"decision": "approve"}).status_code == 403  # its author
        assert world.http("sponsor").post(url, {"decision": "approve"}).status_code == 404
        world.http("admin").post(url, {"decision": "approve"})
        disclosure.refresh_from_db()
        assert disclosure.state == "made" and disclosure.second_approved_by == world.people["admin"]


@pytest.mark.django_db
class TestLetter:
    def test_the_letter_states_the_details_and_the_reason(self, world: World) -> None:
        disclosure = consented(world)
        response = world.http("client").get(reverse("disclosures:disclosure_letter", args=[disclosure.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        text = pdf_text(response.content)
        assert "Confirmation of a disclosure" in text and "Dear Samira Quentin-Marsh" in text
        for expected in (WHAT, RECIPIENT, REASON, "The client's written consent", "(a government body)"):
            assert " ".join(expected.split()) in text
        assert world.people["client"].display_name in text  # watermarked with the reader
        assert AuditEvent.objects.filter(action="disclosure.letter", object_id=str(disclosure.pk)).exists()

    def test_the_letter_comes_from_the_practice_and_says_whom_to_ask_and_where_to_complain(self, world: World) -> None:
        from confidentiality.practice import practice_update

        practice_update(
            actor=world.people["admin"],
            name="Lindqvist Coaching Ltd",
            address="4 Mill Lane\nYork YO1 7HH",
            data_protection_contact="Ingrid Lindqvist",
            data_protection_email="privacy@lindqvist.example",
        )
        disclosure = consented(world, recipient_kind="other", recipient="Dr Ruth Okafor, the client's GP")
        text = pdf_text(
            world.http("client").get(reverse("disclosures:disclosure_letter", args=[disclosure.pk])).content
        )
        assert "Lindqvist Coaching Ltd" in text and "4 Mill Lane" in text
        assert "Dr Ruth Okafor, the client's GP" in text and "Someone else" not in text
        assert "Ingrid Lindqvist" in text and "privacy@lindqvist.example" in text
        assert "right to complain to The Information Commissioner's Office" in text

    def test_an_approved_letter_names_the_second_approver(self, world: World) -> None:
        disclosure = pending(world)
        disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=disclosure, approve=True)
        text = pdf_text(world.http("coach").get(reverse("disclosures:disclosure_letter", args=[disclosure.pk])).content)
        assert "Compelling evidence of serious danger" in text and "Approved by a second person" in text

    def test_without_a_portal_login_the_coach_records_the_letter_posted(self, world: World) -> None:
        from engagements.services import consent_evidence_upload
        from tests.factories import ClientFactory, EngagementFactory

        engagement = EngagementFactory(client=ClientFactory(user=None), coaches=[world.people["coach"]])
        scan = consent_evidence_upload(
            actor=world.people["coach"],
            engagement=engagement,
            kind="disclosure",
            name="consent.pdf",
            content=b"%PDF-1.4 signed form",
        )
        consent = consent_record(
            actor=world.people["coach"],
            client=engagement.client,
            kind=ConsentRecord.Kind.DISCLOSURE,
            wording="Signed form",
            method=ConsentRecord.Method.PAPER,
            evidence=scan,
        )
        disclosure = record(world, engagement=engagement, consent=consent)
        assert disclosure.state == "made" and disclosure.confirmation_sent_at is None
        url = reverse("disclosures:disclosure_letter_sent", args=[disclosure.pk])
        assert world.http("admin").post(url).status_code == 403
        world.http("coach").post(url)
        disclosure.refresh_from_db()
        assert disclosure.confirmation_sent_at is not None
        with pytest.raises(ValidationError, match="already sent"):
            disclosure_services.disclosure_mark_letter_sent(actor=world.people["coach"], disclosure=disclosure)


@pytest.mark.django_db
class TestReportRelease:
    def test_a_released_report_enters_the_register(self, world: World) -> None:
        from reports import services as report_services
        from tests.reports.test_reports import GOALS_V1, released

        report = released(world)
        disclosure = Disclosure.objects.get(report=report)
        assert disclosure.basis == "client_approval" and disclosure.state == "made"
        assert disclosure.recipient_kind == "sponsor" and disclosure.recipient == "Northwind Trading"
        assert "Mid-point summary" in disclosure.what and "version 1" in disclosure.what
        assert GOALS_V1 not in disclosure.what  # the title and version, never the report's text
        assert disclosure.authorised_by == world.people["coach"] and disclosure.confirmation_sent_at is not None
        assert report_services.report_get_for(world.people["sponsor"], report.pk)  # released as before
        assert list(disclosure_services.disclosures_for(user=world.people["client"])) == [disclosure]

    def test_the_client_approval_basis_is_not_chosen_by_hand(self, world: World) -> None:
        with pytest.raises(ValidationError, match="released report"):
            record(world, basis="client_approval")


@pytest.fixture
def entries(world: World) -> dict[str, Disclosure]:
    return {"made": consented(world), "pending": pending(world)}


@pytest.mark.django_db
class TestPages:
    def test_the_client_reads_what_was_disclosed_never_one_waiting(
        self, world: World, entries: dict[str, Disclosure]
    ) -> None:
        http = world.http("client")
        for url in (
            reverse("disclosures:engagement_disclosures", args=[world.engagement.pk]),
            reverse("disclosures:disclosure_detail", args=[entries["made"].pk]),
        ):
            body = http.get(url).content.decode()
            assert "Ulrich" in body and "Waiting for a second approval" not in body, url

    def test_the_register_answers_who_was_told_what_why_and_on_what_basis(
        self, world: World, entries: dict[str, Disclosure], django_assert_max_num_queries: Any
    ) -> None:
        http = world.http("admin")
        with django_assert_max_num_queries(25):
            body = http.get(reverse("disclosures:register")).content.decode()
        for expected in ("Samira Quentin-Marsh", "Ulrich Vantongeren", RECIPIENT, "production order"):
            assert expected in body
        assert "The client&#x27;s written consent" in body and "Compelling evidence of serious danger" in body
        events = AuditEvent.objects.filter(action="disclosure.read", actor_id=world.people["admin"].pk)
        assert events.count() == 2  # one per row read, in one batch

    def test_the_register_filters_to_one_client_with_constant_queries(
        self, world: World, entries: dict[str, Disclosure], django_assert_max_num_queries: Any
    ) -> None:
        from consent.services import consent_record as give

        coach = world.people["other_coach"]
        for n in range(5):
            consent = give(
                actor=world.other_engagement.client.user,
                client=world.other_engagement.client,
                kind=ConsentRecord.Kind.DISCLOSURE,
                wording=f"consent {n}",
                method=ConsentRecord.Method.PORTAL,
            )
            disclosure_services.disclosure_record(
                actor=coach,
                engagement=world.other_engagement,
                what=f"Other client's item {n}",
                recipient_kind="other",
                recipient="Someone",
                reason="Asked",
                basis="client_consent",
                consent=consent,
            )
        http = world.http("admin")
        with django_assert_max_num_queries(25):
            everyone = http.get(reverse("disclosures:register")).content.decode()
        assert "Other client&#x27;s item 4" in everyone and "Bartholomew Xerxes-Lund" in everyone
        one = http.get(reverse("disclosures:register"), {"client": str(world.client_record.pk)}).content.decode()
        assert "Ulrich" in one and "Other client" not in one
        assert http.get(reverse("disclosures:register"), {"client": "not-a-uuid"}).status_code == 404

    def test_the_engagement_register_costs_the_same_for_many_entries(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        consent = give_consent(world)
        for _ in range(10):
            record(world, consent=consent)
        http = world.http("coach")
        with django_assert_max_num_queries(25):
            response = http.get(reverse("disclosures:engagement_disclosures", args=[world.engagement.pk]))
        assert response.content.decode().count(RECIPIENT) >= 10

    def test_the_coach_records_a_disclosure_through_the_page(self, world: World) -> None:
        consent = give_consent(world)
        url = reverse("disclosures:engagement_disclosures", args=[world.engagement.pk])
        form = {
            "what": WHAT,
            "recipient_kind": "government_body",
            "recipient": RECIPIENT,
            "reason": REASON,
            "basis": "client_consent",
        }
        refused = world.http("coach").post(url, form)
        assert refused.status_code == 200 and "needs their written consent" in refused.content.decode()
        assert not Disclosure.objects.exists()
        response = world.http("coach").post(url, form | {"consent": str(consent.pk)})
        disclosure = Disclosure.objects.get()
        assert response.status_code == 302 and response["Location"].endswith(f"/disclosures/{disclosure.pk}/")
        assert world.http("client").post(url, form).status_code == 403
        assert world.http("admin").post(url, form).status_code == 403
        assert world.http("sponsor").post(url, form).status_code == 404
        assert Disclosure.objects.count() == 1

    def test_a_disclosure_without_consent_cannot_be_recorded_beside_the_concern_steps(self, world: World) -> None:
        """Issue 20, item 5: recorded directly, a disclosure on any basis but the client's written
        consent skipped every step of policy 004. The page no longer offers one, the API and the
        service refuse it, and nothing is written."""
        url = reverse("disclosures:engagement_disclosures", args=[world.engagement.pk])
        page = world.http("coach").get(url).content.decode()
        assert 'value="serious_danger"' not in page and 'value="legal_requirement"' not in page
        assert "raise a concern above and take its steps" in page
        form = {
            "what": "Attendance dates",
            "recipient_kind": "government_body",
            "recipient": "The police",
            "reason": "A production order",
        }
        for basis in ("serious_danger", "legal_requirement", "organisation_consent"):
            assert world.http("coach").post(url, form | {"basis": basis}).status_code == 200
            api = world.api("coach").post(
                f"/api/v1/engagements/{world.engagement.pk}/disclosures/",
                form | {"basis": basis},
                content_type="application/json",
            )
            assert api.status_code == 400 and "concern" in api.content.decode()
            with pytest.raises(ValidationError, match="made through a concern"):
                record(world, basis=basis, recipient_kind="government_body")
        assert not Disclosure.objects.exists()

    def test_a_concern_of_another_engagement_or_not_at_its_disclosure_step_does_not_open_the_door(
        self, world: World
    ) -> None:
        from disclosures import concerns

        early = concerns.concern_start(
            actor=world.people["coach"], engagement=world.engagement, kind="breaking_confidentiality", text="Heard."
        )
        with pytest.raises(ValidationError, match="made through a concern"):
            record(world, basis="legal_requirement", concern=early)
        assert not Disclosure.objects.exists()


@pytest.mark.django_db
class TestEndpoints:
    def test_the_client_is_listed_only_the_disclosures_made(self, world: World, entries: dict[str, Disclosure]) -> None:
        url = f"/api/v1/engagements/{world.engagement.pk}/disclosures/"
        for persona in ("coach", "client", "admin"):
            states = {d["state"] for d in world.api(persona).get(url).json()}
            assert states == ({"made"} if persona == "client" else {"made", "awaiting_approval"}), persona

    def test_consent_is_checked_through_the_api_too(self, world: World, django_assert_max_num_queries: Any) -> None:
        url = f"/api/v1/engagements/{world.engagement.pk}/disclosures/"
        body = {"what": WHAT, "recipient_kind": "other", "recipient": "X", "reason": "Y", "basis": "client_consent"}
        api = world.api("coach")
        refused = api.post(url, body, content_type="application/json")
        assert refused.status_code == 400 and "consent" in refused.json()
        assert WHAT not in refused.content.decode()
        consent = give_consent(world)
        consent_withdraw(actor=world.people["client"], consent=consent)
        withdrawn = api.post(url, body | {"consent": str(consent.pk)}, content_type="application/json")
        assert withdrawn.status_code == 400 and "withdrawn" in str(withdrawn.json())
        assert api.post(url, body | {"basis": "client_approval"}, content_type="application/json").status_code == 400
        assert not Disclosure.objects.exists()
        with django_assert_max_num_queries(20):
            assert api.get(url).json() == []


@pytest.mark.django_db
class TestDemo:
    def test_the_demo_has_its_two_disclosures_and_stays_idempotent(self) -> None:
        """The released report, and one on the client's written consent of information that concerns
        the organisation too, made with the organisation's written consent as well (policy 001)."""
        from django.core.management import call_command

        call_command("seed_demo", stdout=io.StringIO())
        assert sorted(Disclosure.objects.values_list("basis", "state", "concerns_organisation")) == [
            ("client_approval", "made", False),
            ("client_consent", "made", True),
        ]
        both = Disclosure.objects.get(concerns_organisation=True)
        assert both.consent is not None and both.consent.method == "portal"
        assert both.organisation_consent is not None
        assert both.organisation_consent.uploaded_by.email == "priya@northwind.example"
        call_command("seed_demo", stdout=io.StringIO())
        assert Disclosure.objects.count() == 2
