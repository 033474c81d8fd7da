"""People without a portal sign-in (issue 21): the administrator records their request on their
behalf (how it arrived, and how identity was checked, kept encrypted), and the answer, a letter or a
copy, goes by post: the administrator downloads it and marks it posted. Nothing is sent by e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from confidentiality.models import AuditEvent, Notice
from engagements.models import Client
from rights import services as sar
from rights.models import SubjectAccessRequest
from tests.conftest import World
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NAME = "Ottoline Featherstonehaugh"
EVIDENCE = "Letter of 2 December, signed; the signature matches her agreement. Quillfeather checked."
DETAILS = "My telephone number is wrong: it ends 4471."


@pytest.fixture(autouse=True)
def queued(monkeypatch: Any) -> None:
    from rights.tasks import subject_access_export_task

    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: None)


@pytest.fixture
def no_login() -> Client:
    return ClientFactory(full_name=NAME, user=None)


def record(world: World, client: Client, **extra: Any) -> Any:
    values = {
        "subject_kind": "client",
        "client_id": str(client.pk),
        "received_on": world.engagement.starts_on.isoformat(),
        "received_by": "post",
        "right": "rectification",
        "details": DETAILS,
        "evidence": EVIDENCE,
    } | extra
    return world.http("admin").post(reverse("subject_access:new"), values)


class TestRecording:
    def test_the_administrator_records_it_from_the_clients_list(self, world: World, no_login: Client) -> None:
        admin = world.http("admin")
        listing = admin.get(reverse("engagements:clients")).content.decode()
        link = f"{reverse('subject_access:new')}?client={no_login.pk}"
        assert link in listing
        form = admin.get(link).content.decode()
        assert NAME in form and "no portal sign-in" in form
        response = record(world, no_login)
        request = SubjectAccessRequest.objects.get()
        assert response.status_code == 302
        assert (request.client_id, request.requester_id, request.received_by) == (no_login.pk, None, "post")
        assert request.by_post and request.evidence == EVIDENCE
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM retention_subjectaccessrequest")
            stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert "Quillfeather" not in stored
        page = admin.get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "By post" in page and "signature matches" in page

    def test_without_evidence_it_is_refused_with_what_was_typed_kept(self, world: World, no_login: Client) -> None:
        response = record(world, no_login, evidence="")
        body = response.content.decode()
        assert response.status_code == 400 and "how you checked it is from them" in body and DETAILS in body
        assert not SubjectAccessRequest.objects.exists()

    def test_a_client_with_a_sign_in_still_receives_it_through_it(self, world: World) -> None:
        response = record(world, world.client_record, evidence="")
        assert response.status_code == 302
        request = SubjectAccessRequest.objects.get()
        assert request.requester == world.people["client"] and not request.by_post


class TestAnsweringByPost:
    def test_a_letter_is_downloaded_posted_and_marked(self, world: World, no_login: Client) -> None:
        record(world, no_login)
        request = SubjectAccessRequest.objects.get()
        admin = world.http("admin")
        early = admin.post(reverse("subject_access:posted", args=[request.pk]))
        assert early.status_code == 400 and "not answered yet" in early.content.decode()
        sar.right_answer(actor=world.people["admin"], request=request, outcome="We corrected your number.")
        asked = Notice.objects.filter(user=world.people["admin"], text__contains="no portal sign-in")
        assert asked.exists() and "4471" not in asked.first().text  # type: ignore[union-attr]
        assert not mail.outbox or all("4471" not in m.body for m in mail.outbox)
        letter = admin.get(reverse("subject_access:letter", args=[request.pk]))
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
        assert admin.post(reverse("subject_access:posted", args=[request.pk])).status_code == 302
        request.refresh_from_db()
        assert request.posted_at is not None and request.posted_by == world.people["admin"]
        assert AuditEvent.objects.filter(action="subject_access.posted", client_id=no_login.pk).exists()
        assert not Notice.objects.filter(about__startswith="subject_access.post", done_at__isnull=True).exists()
        again = admin.post(reverse("subject_access:posted", args=[request.pk]))
        assert again.status_code == 400 and "already marked posted" in again.content.decode()

    def test_a_copy_is_downloaded_by_the_administrator_to_post(self, world: World, no_login: Client) -> None:
        record(world, no_login, right="access", details="")
        request = SubjectAccessRequest.objects.get()
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        assert sar.export_build(export_id=export.pk) is True
        request.refresh_from_db()
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        response = world.http("admin").get(reverse("subject_access:download", args=[request.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert AuditEvent.objects.filter(action="subject_access.download", client_id=no_login.pk).exists()
        for persona in ("coach", "client", "sponsor", "auditor"):
            assert world.http(persona).get(reverse("subject_access:download", args=[request.pk])).status_code == 404

    def test_a_signed_in_clients_copy_stays_theirs_alone(self, world: World) -> None:
        request = sar.subject_access_request_open(actor=world.people["client"])
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        sar.export_build(export_id=export.pk)
        request.refresh_from_db()
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        assert world.http("admin").get(reverse("subject_access:download", args=[request.pk])).status_code == 404
        assert world.http("admin").post(reverse("subject_access:posted", args=[request.pk])).status_code == 400


def test_the_api_records_it_for_a_client_without_a_login(world: World, no_login: Client) -> None:
    api = world.api("admin")
    refused = api.post(
        "/api/v1/subject-access-requests/",
        {"client": str(no_login.pk), "right": "erasure", "details": "Delete my file.", "received_by": "telephone"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and not SubjectAccessRequest.objects.exists()
    made = api.post(
        "/api/v1/subject-access-requests/",
        {
            "client": str(no_login.pk),
            "right": "erasure",
            "details": "Delete my file.",
            "received_by": "telephone",
            "evidence": "Called from the number on file; answered the security questions.",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["by_post"] is True and body["received_by"] == "telephone" and body["posted_at"] is None
