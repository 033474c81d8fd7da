"""The records of processing (UK GDPR article 30) and the privacy notice made from them (articles
13 and 14): the administrator keeps them, the retention period comes from the schedule, bad input
changes nothing, and anyone may read the notice."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent
from confidentiality.practice import practice_update
from processing import services
from processing.models import ProcessingActivity, Processor
from processing.periods import period_of
from retention.schedule import rule_for
from tests.conftest import World
from tests.factories import processing_activity, processor

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "purpose": "Reports to the sponsoring organisation",
    "description": "Only what the client approved.",
    "lawful_basis": "consent",
    "special_category_condition": "",
    "data_subjects": "Clients",
    "data_categories": "The approved report",
    "recipients": "The sponsor's contacts",
    "retention_rule": "engagement_files",
    "in_privacy_notice": "on",
}
PROCESSOR = {
    "name": "Ledgerly Accounting",
    "service": "Keeps the accounts.",
    "location": "United States",
    "outside_uk": "on",
    "transfer_safeguard": "UK IDTA",
}


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())


class TestActivities:
    def test_it_records_an_activity_and_audits_it_without_its_text(self, world: World) -> None:
        answer = world.http("admin").post(reverse("processing:register"), ACTIVITY)
        assert answer.status_code == 302
        activity = ProcessingActivity.objects.get()
        assert activity.lawful_basis == "consent" and activity.retention_rule == "engagement_files"
        event = AuditEvent.objects.get(action="processing.activity_create")
        assert event.actor_id == world.people["admin"].pk and "approved" not in str(event.detail)

    def test_it_refuses_a_rule_not_in_the_schedule_and_keeps_what_was_typed(self, world: World) -> None:
        answer = world.http("admin").post(reverse("processing:register"), {**ACTIVITY, "retention_rule": "forever"})
        text = answer.content.decode()
        assert answer.status_code == 400 and "Select a valid choice" in text
        assert "Only what the client approved." in text and "The approved report" in text
        assert not ProcessingActivity.objects.exists()
        with pytest.raises(ValidationError) as refused:
            processing_activity(retention_rule="forever")
        assert "retention_rule" in refused.value.message_dict

    def test_it_refuses_a_lawful_basis_article_6_does_not_give(self) -> None:
        with pytest.raises(ValidationError) as refused:
            processing_activity(lawful_basis="because_we_can")
        assert "lawful_basis" in refused.value.message_dict
        assert not ProcessingActivity.objects.exists()

    def test_it_refuses_a_second_activity_with_the_same_purpose(self, world: World) -> None:
        processing_activity(purpose="Providing coaching")
        answer = world.http("admin").post(reverse("processing:register"), {**ACTIVITY, "purpose": "providing COACHING"})
        assert answer.status_code == 400 and "already recorded" in answer.content.decode()
        assert ProcessingActivity.objects.count() == 1

    def test_it_changes_and_removes_an_activity(self, world: World) -> None:
        activity = processing_activity()
        http = world.http("admin")
        changed = http.post(
            reverse("processing:activity_edit", args=[activity.pk]),
            {**ACTIVITY, "purpose": "Coaching", "lawful_basis": "contract", "retention_rule": "client_record"},
        )
        assert changed.status_code == 302
        activity.refresh_from_db()
        assert (activity.purpose, activity.retention_rule) == ("Coaching", "client_record")
        assert http.post(reverse("processing:activity_remove", args=[activity.pk])).status_code == 302
        assert not ProcessingActivity.objects.exists()
        assert AuditEvent.objects.filter(action="processing.activity_remove", object_id=str(activity.pk)).exists()

    def test_a_refused_change_changes_nothing(self, world: World) -> None:
        activity = processing_activity()
        answer = world.http("admin").post(
            reverse("processing:activity_edit", args=[activity.pk]),
            {**ACTIVITY, "purpose": "Coaching", "data_subjects": ""},
        )
        assert answer.status_code == 400 and "Coaching" in answer.content.decode()
        activity.refresh_from_db()
        assert activity.purpose == "Providing coaching"

    def test_nobody_else_writes_it(self, world: World) -> None:
        activity = processing_activity()
        for persona in ("coach", "client", "sponsor", "auditor", "superuser"):
            with pytest.raises(PermissionDenied):
                services.activity_remove(actor=world.people[persona], activity=activity)
            answer = world.http(persona).post(reverse("processing:activity_remove", args=[activity.pk]))
            assert answer.status_code == 404, persona
        assert ProcessingActivity.objects.filter(pk=activity.pk).exists()


class TestProcessors:
    def test_it_records_a_transfer_with_its_safeguard(self, world: World) -> None:
        answer = world.http("admin").post(reverse("processing:processor_add"), PROCESSOR)
        assert answer.status_code == 302
        assert Processor.objects.get().transfer_safeguard == "UK IDTA"

    def test_it_refuses_a_transfer_outside_the_uk_without_a_safeguard(self, world: World) -> None:
        answer = world.http("admin").post(reverse("processing:processor_add"), {**PROCESSOR, "transfer_safeguard": ""})
        text = answer.content.decode()
        assert answer.status_code == 400 and "Name the safeguard" in text and "Keeps the accounts." in text
        assert not Processor.objects.exists()

    def test_it_refuses_to_remove_a_processor_an_activity_names(self, world: World) -> None:
        hosting = processor()
        processing_activity(processors=[hosting])
        answer = world.http("admin").post(reverse("processing:processor_remove", args=[hosting.pk]), follow=True)
        assert "still named by: Providing coaching" in answer.content.decode()
        assert Processor.objects.filter(pk=hosting.pk).exists()


class TestSuggestions:
    def test_it_adds_the_suggested_activities_once(self) -> None:
        added = services.processing_suggestions_install(actor=None, with_demo_processors=True)
        assert added == ProcessingActivity.objects.count() + Processor.objects.count()
        assert services.processing_suggestions_install(actor=None, with_demo_processors=True) == 0
        bases = dict(ProcessingActivity.objects.values_list("purpose", "lawful_basis"))
        assert bases["Providing coaching"] == "contract"
        assert bases["Reports to the sponsoring organisation"] == "consent"
        assert bases["Invoicing and financial records"] == "legal_obligation"
        assert bases["Disclosures to protect someone in serious danger"] == "vital_interests"
        assert all(
            period_of(rule).known for rule in ProcessingActivity.objects.values_list("retention_rule", flat=True)
        )


class TestTheRecord:
    def test_the_period_is_read_from_the_schedule_not_typed(self, world: World, settings: Any) -> None:
        processing_activity(retention_rule="engagement_files")
        processing_activity(purpose="Invoicing", lawful_basis="legal_obligation", retention_rule="financial_records")
        settings.RETENTION_ENGAGEMENT_YEARS = 3
        text = world.http("admin").get(reverse("processing:register")).content.decode()
        assert f"3 years {rule_for('engagement_files').note}" in text
        assert "5 years after their date (policy 000)" in text

    def test_the_page_costs_the_same_whatever_the_number_of_activities(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        services.processing_suggestions_install(actor=None, with_demo_processors=True)
        http = world.http("admin")
        with django_assert_max_num_queries(15):
            assert http.get(reverse("processing:register")).status_code == 200

    def test_its_pdf_names_the_controller_each_activity_and_the_transfers(self, world: World) -> None:
        practice_update(
            actor=None, name="Lindqvist Coaching Ltd", regulator="The ICO", regulator_registration="ZA123456"
        )
        ledgerly = processor(name="Ledgerly", location="United States", outside_uk=True, transfer_safeguard="UK IDTA")
        processing_activity(
            purpose="Invoicing",
            lawful_basis="legal_obligation",
            retention_rule="financial_records",
            processors=[ledgerly],
        )
        answer = world.http("admin").get(reverse("processing:register_pdf"))
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
        text = pdf_text(answer.content)
        for expected in (
            "Lindqvist Coaching Ltd",
            "ZA123456",
            "Invoicing",
            "Legal obligation",
            "UK IDTA",
            "5 years after their date",
        ):
            assert expected in text, expected
        assert AuditEvent.objects.filter(action="processing.record_download").exists()

    def test_only_the_administrator_reads_it(self, world: World) -> None:
        for persona in ("coach", "other_coach", "client", "sponsor", "auditor", "superuser"):
            assert world.http(persona).get(reverse("processing:register")).status_code == 404, persona
            assert world.http(persona).get(reverse("processing:register_pdf")).status_code == 404, persona
        assert "Records of processing" in world.http("admin").get(reverse("dashboard")).content.decode()


class TestThePrivacyNotice:
    def test_it_tells_a_client_what_is_held_why_how_long_their_rights_and_where_to_complain(self, world: World) -> None:
        practice_update(actor=None, name="Lindqvist Coaching Ltd", regulator="The Information Commissioner's Office")
        processing_activity(purpose="Reports to the sponsoring organisation", lawful_basis="consent")
        processing_activity(purpose="Staff rotas", in_privacy_notice=False)
        text = world.http("client").get(reverse("processing:privacy_notice")).content.decode()
        assert "Lindqvist Coaching Ltd" in text and "Reports to the sponsoring organisation" in text
        assert "Staff rotas" not in text
        assert rule_for("engagement_files").period() in text
        for right in ("Access", "Correction", "Erasure", "Restriction", "Objection", "Portability"):
            assert f"<strong>{right}</strong>" in text
        assert reverse("subject_access:list") in text and "My information and my rights" in text
        assert "complain to The Information Commissioner&#x27;s Office" in text

    def test_anyone_reads_it_without_an_account_and_as_a_pdf(self, world: World) -> None:
        processing_activity()
        anonymous = HttpClient()
        page = anonymous.get(reverse("processing:privacy_notice"))
        assert page.status_code == 200 and "Providing coaching" in page.content.decode()
        assert reverse("subject_access:list") not in page.content.decode()
        pdf = anonymous.get(reverse("processing:privacy_notice_pdf"))
        assert pdf.status_code == 200 and "Providing coaching" in pdf_text(pdf.content)

    def test_its_pdf_is_drawn_once_for_each_version(self, world: World, monkeypatch: Any) -> None:
        """Public and unauthenticated: asking again and again must not make the server draw a PDF each time."""
        from confidentiality import pdf as pdf_module

        drawn: list[str] = []
        real = pdf_module.render_pdf

        def counting(template: str, context: Any, **kwargs: Any) -> bytes:
            drawn.append(template)
            return real(template, context, **kwargs)

        monkeypatch.setattr(pdf_module, "render_pdf", counting)
        processing_activity()
        anonymous = HttpClient()
        first = anonymous.get(reverse("processing:privacy_notice_pdf")).content
        assert anonymous.get(reverse("processing:privacy_notice_pdf")).content == first and len(drawn) == 1
        processing_activity(purpose="Sending invoices", lawful_basis="legal_obligation")
        changed = anonymous.get(reverse("processing:privacy_notice_pdf"))
        assert len(drawn) == 2 and "Sending invoices" in pdf_text(changed.content)

    def test_the_client_finds_it_on_their_dashboard_and_in_the_menu(self, world: World) -> None:
        text = world.http("client").get(reverse("dashboard")).content.decode()
        assert text.count(f'href="{reverse("processing:privacy_notice")}"') >= 2

    def test_the_invitation_and_its_page_link_to_it(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        from confidentiality.invitations import invitation_send
        from confidentiality.roles import Role
        from tests.factories import UserFactory

        invited = UserFactory(role=Role.CLIENT, email="invited@example.org")
        invited.set_unusable_password()
        invited.save()
        with django_capture_on_commit_callbacks(execute=True):
            invitation_send(actor=world.people["admin"], user=invited)
        (message,) = [m for m in mail.outbox if m.to == ["invited@example.org"]]
        notice = reverse("processing:privacy_notice")
        assert f"{notice}\n" in message.body
        link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body)
        assert link is not None
        page = HttpClient().get(urlsplit(link.group(0)).path, follow=True).content.decode()
        assert "Choose your password" in page and f'href="{notice}"' in page
