"""Complaints recorded on a person's behalf (issue 21): the administrator records a complaint that
arrived by post, telephone, in person or e-mail, for a client with or without a portal sign-in,
saying how identity was checked (encrypted under the client's key; required without a sign-in).
A client without a sign-in receives the practice's responses by post: the administrators are asked
to post each, download its letter and mark it posted. Who may reach each page and endpoint is the
access matrix's (tests/matrix/table.py); this file tries the new ones with every persona too."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintResponse
from confidentiality.models import AuditEvent, Notice
from engagements.models import Client
from tests.conftest import PERSONAS, World
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NAME = "Ottoline Featherstonehaugh"
EVIDENCE = "Called from the number on file; confirmed her date of birth. Quillfeather checked."
TEXT = "My coach left my file open at the Wexcombe office reception."
RESPONSE = "We have spoken to the coach: the file is now locked away at Tregunna House."
FINAL = "We upheld your complaint; the coach has been retrained by Mrs Ashdown-Pyke."


@pytest.fixture
def no_login() -> Client:
    return ClientFactory(full_name=NAME, user=None, postal_address="14 Row Lane\nLeeds LS1 4AB")


def record(world: World, who: Client, **extra: Any) -> Any:
    values = {
        "client": str(who.pk),
        "received_on": timezone.localdate().isoformat(),
        "received_by": "telephone",
        "evidence": EVIDENCE,
        "about": "seen",
        "body": TEXT,
    } | extra
    return world.http("admin").post(reverse("complaints:complaint_record"), values)


def recorded_for(world: World, client: Client, **extra: Any) -> Complaint:
    values: dict[str, Any] = {
        "actor": world.people["admin"],
        "client": client,
        "about": "seen",
        "body": TEXT,
        "received_by": "post",
        "evidence": EVIDENCE,
    } | extra
    return complaint_services.complaint_record_on_behalf(**values)


class TestRecording:
    def test_it_records_a_complaint_for_a_client_without_a_sign_in_from_the_clients_list(
        self, world: World, no_login: Client
    ) -> None:
        admin = world.http("admin")
        link = f"{reverse('complaints:complaint_record')}?client={no_login.pk}"
        assert link in admin.get(reverse("engagements:clients")).content.decode()
        form = admin.get(link).content.decode()
        assert NAME in form and "no portal sign-in" in form
        response = record(world, no_login)
        assert response.status_code == 302
        complaint = Complaint.objects.get()
        assert (complaint.client_id, complaint.lodged_by_id) == (no_login.pk, world.people["admin"].pk)
        assert (complaint.received_by, complaint.evidence, complaint.body) == ("telephone", EVIDENCE, TEXT)
        assert complaint.on_behalf and complaint.status == Complaint.Status.RECEIVED
        event = AuditEvent.objects.get(action="complaint.record")
        assert event.client_id == no_login.pk and event.detail["by_post"] is True
        assert "Quillfeather" not in str(event.detail)
        page = admin.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
        assert "By telephone" in page and "Quillfeather" in page and "by post" in page

    def test_it_records_one_for_a_client_with_a_sign_in_who_is_told_through_the_portal(self, world: World) -> None:
        response = record(world, world.client_record, evidence="")
        assert response.status_code == 302
        complaint = Complaint.objects.get()
        assert complaint.evidence is None and complaint.lodged_by == world.people["admin"]
        told = Notice.objects.get(user=world.people["client"], text__contains=complaint.reference)
        assert "recorded your complaint" in told.text and "Wexcombe" not in told.text
        # The client reads it and replies as if they had lodged it; the administrator who recorded
        # it does not reply as them.
        client = world.http("client")
        page = client.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
        assert "Wexcombe" in page and "Reply to the practice" in page
        assert "Quillfeather" not in page
        reply = client.post(reverse("complaints:complaint_reply", args=[complaint.pk]), {"message": "Thank you."})
        assert reply.status_code == 302
        admin = world.http("admin")
        assert (
            "Reply to the practice"
            not in admin.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
        )
        refused = admin.post(reverse("complaints:complaint_reply", args=[complaint.pk]), {"message": "As them."})
        assert refused.status_code == 404
        assert ComplaintResponse.objects.filter(kind=ComplaintResponse.Kind.CLIENT_REPLY).count() == 1

    def test_it_refuses_a_client_without_a_sign_in_without_evidence_and_keeps_what_was_typed(
        self, world: World, no_login: Client
    ) -> None:
        response = record(world, no_login, evidence="   ")
        body = response.content.decode()
        assert response.status_code == 400
        assert "how you checked the complaint is from them" in body and "Wexcombe" in body
        assert 'value="telephone" selected' in body
        assert not Complaint.objects.exists()
        assert not AuditEvent.objects.filter(action="complaint.record").exists()

    def test_it_keeps_the_evidence_encrypted_in_the_database(self, world: World, no_login: Client) -> None:
        record(world, no_login)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM confidentiality_complaint")
            stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert "Quillfeather" not in stored and "Wexcombe" not in stored
        assert Complaint.objects.get().evidence == EVIDENCE

    def test_the_deadlines_run_from_the_day_it_was_received(self, world: World, no_login: Client) -> None:
        with time_machine.travel(datetime.datetime(2027, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=False):
            complaint = recorded_for(world, no_login, received_on=datetime.date(2027, 3, 4))
            received = timezone.make_aware(datetime.datetime(2027, 3, 4))
            assert complaint.lodged_at == received
            assert complaint.acknowledge_by == received + datetime.timedelta(days=5)
            assert complaint.respond_by == received + datetime.timedelta(days=28)

    @pytest.mark.parametrize(
        ("days_ago", "accepted"),
        [(-1, False), (0, True), (1, True), (90, True), (91, False)],
    )
    def test_it_takes_a_received_day_in_the_past_within_bounds_never_in_the_future(
        self, world: World, no_login: Client, days_ago: int, accepted: bool
    ) -> None:
        day = timezone.localdate() - datetime.timedelta(days=days_ago)
        response = record(world, no_login, received_on=day.isoformat())
        assert (response.status_code == 302) is accepted
        assert Complaint.objects.exists() is accepted
        if not accepted:
            body = response.content.decode()
            assert ("in the future" in body) if days_ago < 0 else ("within 90 days" in body)
            assert "Wexcombe" in body

    def test_every_bad_input_is_refused_and_changes_nothing(self, world: World, no_login: Client) -> None:
        for bad, says in (
            ({"client": ""}, "This field is required"),
            ({"client": "not-a-client"}, "Select a valid choice"),
            ({"received_by": "portal"}, "Select a valid choice"),
            ({"about": ""}, "This field is required"),
            ({"body": "   "}, "This field is required"),
            ({"evidence": "x" * 1001}, "at most 1000 characters"),
            ({"received_on": "yesterday"}, "Enter a valid date"),
        ):
            response = record(world, no_login, **bad)
            assert response.status_code == 400, bad
            assert says in response.content.decode(), bad
        with pytest.raises(Exception, match="Say how the complaint reached"):
            recorded_for(world, no_login, received_by="portal")
        assert not Complaint.objects.exists()


class TestAnsweringByPost:
    def test_a_response_to_a_client_without_a_sign_in_is_posted_once(self, world: World, no_login: Client) -> None:
        complaint = recorded_for(world, no_login)
        admin = world.http("admin")
        mail.outbox.clear()
        assert (
            admin.post(reverse("complaints:complaint_respond", args=[complaint.pk]), {"message": RESPONSE}).status_code
            == 302
        )
        response = ComplaintResponse.objects.get()
        assert response.by_post and response.posted_at is None
        asked = Notice.objects.filter(user=world.people["admin"], about=f"complaint.post:{response.pk}")
        assert asked.count() == 1 and "no portal sign-in" in asked.get().text
        assert all("Tregunna" not in m.body for m in mail.outbox)
        page = admin.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
        assert "To post." in page and "14 Row Lane" in page

        letter = admin.get(reverse("complaints:complaint_letter_pdf", args=[response.pk]))
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
        assert letter.content.startswith(b"%PDF")
        assert AuditEvent.objects.filter(action="complaint.letter.download", client_id=no_login.pk).exists()

        posted = admin.post(reverse("complaints:complaint_letter_posted", args=[response.pk]))
        assert posted.status_code == 302
        response.refresh_from_db()
        assert response.posted_at is not None and response.posted_by == world.people["admin"]
        assert AuditEvent.objects.filter(action="complaint.letter.post", client_id=no_login.pk).exists()
        assert not Notice.objects.filter(about__startswith="complaint.post", done_at__isnull=True).exists()
        first_posted = response.posted_at
        again = admin.post(reverse("complaints:complaint_letter_posted", args=[response.pk]))
        assert again.status_code == 400 and "already marked posted" in again.content.decode()
        response.refresh_from_db()
        assert response.posted_at == first_posted
        assert AuditEvent.objects.filter(action="complaint.letter.post").count() == 1

    def test_the_closing_letter_states_the_right_to_complain_to_the_ico(self, world: World, no_login: Client) -> None:
        from django.template.loader import render_to_string

        complaint = recorded_for(world, no_login)
        complaint_services.complaint_close(
            actor=world.people["admin"], complaint=complaint, outcome="upheld", message=FINAL
        )
        final = ComplaintResponse.objects.get(kind=ComplaintResponse.Kind.FINAL)
        assert final.by_post
        context = complaint_services.complaint_letter_read(user=world.people["admin"], response=final)
        html = render_to_string("complaints/complaint_letter_pdf.html", context)
        assert "Information Commissioner" in html and "ico.org.uk" in html
        assert "Ashdown-Pyke" in html and "14 Row Lane" in html and "our final response" in html
        assert Notice.objects.filter(text__contains="final response", about=f"complaint.post:{final.pk}").exists()
        pdf = world.http("admin").get(reverse("complaints:complaint_letter_pdf", args=[final.pk]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    def test_a_signed_in_clients_response_has_no_letter_to_post(self, world: World) -> None:
        complaint = recorded_for(world, world.client_record, evidence="")
        response = complaint_services.complaint_respond(
            actor=world.people["admin"], complaint=complaint, message=RESPONSE
        )
        assert not response.by_post
        assert not Notice.objects.filter(about__startswith="complaint.post").exists()
        admin = world.http("admin")
        assert admin.get(reverse("complaints:complaint_letter_pdf", args=[response.pk])).status_code == 404
        assert admin.post(reverse("complaints:complaint_letter_posted", args=[response.pk])).status_code == 404


class TestWhoMay:
    @pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("admin", "anonymous")])
    def test_no_one_but_the_administrator_records_or_posts(self, world: World, no_login: Client, persona: str) -> None:
        complaint = recorded_for(world, no_login)
        response = complaint_services.complaint_respond(
            actor=world.people["admin"], complaint=complaint, message=RESPONSE
        )
        http = world.http(persona)
        assert http.get(reverse("complaints:complaint_record")).status_code == 404
        values = {"client": str(no_login.pk), "received_by": "post", "evidence": EVIDENCE, "about": "seen"}
        assert http.post(reverse("complaints:complaint_record"), values | {"body": TEXT}).status_code == 404
        assert http.get(reverse("complaints:complaint_letter_pdf", args=[response.pk])).status_code == 404
        assert http.post(reverse("complaints:complaint_letter_posted", args=[response.pk])).status_code == 404
        api = world.api(persona)
        made = api.post(
            "/api/v1/complaints/", values | {"body": TEXT, "client": str(no_login.pk)}, content_type="application/json"
        )
        assert made.status_code in (400, 404)
        posted = api.post(f"/api/v1/complaints/letters/{response.pk}/posted/")
        assert posted.status_code == 404
        with pytest.raises(Http404):
            complaint_services.complaint_letter_mark_posted(actor=world.people[persona], response=response)
        with pytest.raises(Http404):
            recorded_for(world, no_login, actor=world.people[persona])
        assert Complaint.objects.count() == 1
        response.refresh_from_db()
        assert response.posted_at is None

    def test_anonymous_is_sent_to_sign_in(self, world: World, no_login: Client) -> None:
        http = world.http("anonymous")
        answer = http.get(reverse("complaints:complaint_record"))
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


class TestTheApi:
    def test_the_administrator_records_one_on_behalf_and_marks_the_letter_posted(
        self, world: World, no_login: Client
    ) -> None:
        api = world.api("admin")
        asked = {"client": str(no_login.pk), "about": "seen", "body": TEXT, "received_by": "in_person"}
        refused = api.post("/api/v1/complaints/", asked, content_type="application/json")
        assert refused.status_code == 400 and "evidence" in refused.json()
        assert not Complaint.objects.exists()
        future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        refused = api.post(
            "/api/v1/complaints/",
            asked | {"evidence": EVIDENCE, "received_on": future},
            content_type="application/json",
        )
        assert refused.status_code == 400 and "received_on" in refused.json()
        made = api.post("/api/v1/complaints/", asked | {"evidence": EVIDENCE}, content_type="application/json")
        assert made.status_code == 201, made.content
        body = made.json()
        assert body["received_by"] == "in_person" and body["body"] == TEXT and "evidence" not in body
        complaint = Complaint.objects.get()
        assert complaint.lodged_by == world.people["admin"] and complaint.evidence == EVIDENCE
        answered = api.post(
            f"/api/v1/complaints/{complaint.pk}/responses/", {"message": RESPONSE}, content_type="application/json"
        )
        assert answered.status_code == 201
        letter = answered.json()["responses"][0]
        assert letter["by_post"] is True and letter["posted_at"] is None
        posted = api.post(f"/api/v1/complaints/letters/{letter['id']}/posted/")
        assert posted.status_code == 200 and posted.json()["posted_at"] is not None
        again = api.post(f"/api/v1/complaints/letters/{letter['id']}/posted/")
        assert again.status_code == 400 and "already marked posted" in str(again.json())

    def test_a_client_cannot_speak_for_another(self, world: World, no_login: Client) -> None:
        api = world.api("client")
        answer = api.post(
            "/api/v1/complaints/",
            {"about": "seen", "body": TEXT, "client": str(no_login.pk), "received_by": "post"},
            content_type="application/json",
        )
        assert answer.status_code == 400 and "client" in answer.json()
        assert not Complaint.objects.exists()


class TestALargePractice:
    """Found in review: the page opened and listed every client's name on every view. Past
    CLIENT_CHOICES_MAX it offers only the client named from the clients' list."""

    def test_past_the_limit_only_the_named_client_is_offered(
        self, world: World, no_login: Client, monkeypatch: Any
    ) -> None:
        monkeypatch.setattr(complaint_services, "CLIENT_CHOICES_MAX", 1)
        ClientFactory(full_name="Perpetua Someone-Else")
        admin = world.http("admin")
        page = admin.get(f"{reverse('complaints:complaint_record')}?client={no_login.pk}").content.decode()
        assert NAME in page and "Perpetua Someone-Else" not in page
        assert record(world, no_login).status_code == 302
        bare = admin.get(reverse("complaints:complaint_record")).content.decode()
        assert "Perpetua Someone-Else" not in bare and "open this form from the Clients page" in bare

    def test_under_the_limit_the_names_are_listed(self, world: World, no_login: Client) -> None:
        page = world.http("admin").get(reverse("complaints:complaint_record")).content.decode()
        assert NAME in page and world.client_record.full_name in page
