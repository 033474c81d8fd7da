"""One register for every right (issue 21): a client asks for a correction, erasure, restriction,
objection or portability as they ask for a copy, in the portal or through the administrator, with
the same one-month clock; the administrator corrects the client's details (the earlier values kept,
encrypted, and the audit naming which details, never their values) and answers with an outcome
letter that tells the requester of their right to complain to the regulator."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from confidentiality.models import AuditEvent, Notice
from rights import services as sar
from rights.models import SubjectAccessRequest
from tests.conftest import World

pytestmark = pytest.mark.django_db

WRONG_PHONE = "My telephone number is wrong: it ends 4471, not 4417. Quillfeather."
ERASE = "Please delete the feedback my colleagues gave in March: Okonkwo asked me to."


def ask(world: World, right: str, details: str = WRONG_PHONE) -> SubjectAccessRequest:
    return sar.subject_access_request_open(actor=world.people["client"], right=right, details=details)


def raw_column(request: SubjectAccessRequest, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM retention_subjectaccessrequest WHERE id = %s",
            [request.pk.hex if connection.vendor == "sqlite" else request.pk],
        )
        return str(cursor.fetchone()[0])


class TestAsking:
    def test_the_client_asks_for_a_correction_in_the_portal_and_the_practice_is_told(self, world: World) -> None:
        http = world.http("client")
        page = http.get(reverse("subject_access:list")).content.decode()
        assert "Your other rights" in page and "Correction: information about me is wrong or incomplete" in page
        response = http.post(
            reverse("subject_access:new"), {"form": "other_rights", "right": "rectification", "details": WRONG_PHONE}
        )
        request = SubjectAccessRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "subject_access:detail", args=[request.pk]
        )
        assert (request.right, request.client_id, request.state) == (
            "rectification",
            world.engagement.client_id,
            "received",
        )
        assert 28 <= (request.deadline_on - request.received_on).days <= 31
        assert request.details == WRONG_PHONE and "Quillfeather" not in raw_column(request, "details")
        told = Notice.objects.get(user=world.people["admin"], about__startswith="subject_access.answer")
        assert "Request (correction)" in told.text and "Quillfeather" not in told.text
        assert WRONG_PHONE in http.get(reverse("subject_access:detail", args=[request.pk])).content.decode()

    def test_a_request_without_its_details_is_refused_and_what_was_typed_stays(self, world: World) -> None:
        http = world.http("client")
        response = http.post(reverse("subject_access:new"), {"form": "other_rights", "right": "erasure", "details": ""})
        assert response.status_code == 400 and "Say which information you want deleted" in response.content.decode()
        response = http.post(reverse("subject_access:new"), {"form": "other_rights", "details": ERASE})
        page = response.content.decode()
        assert response.status_code == 400 and "Okonkwo asked me to" in page
        assert not SubjectAccessRequest.objects.exists()

    def test_one_open_request_a_right_and_other_rights_alongside(self, world: World) -> None:
        first = ask(world, "rectification")
        with pytest.raises(ValidationError, match=f"Request {first.reference} under the same right is still open"):
            ask(world, "rectification")
        ask(world, "erasure", ERASE)
        sar.subject_access_request_open(actor=world.people["client"])  # a copy, too
        assert sorted(SubjectAccessRequest.objects.values_list("right", flat=True)) == [
            "access",
            "erasure",
            "rectification",
        ]

    def test_an_organisation_asks_for_a_copy_only(self, world: World) -> None:
        with pytest.raises(ValidationError, match="the other rights are a person's own"):
            sar.subject_access_request_open(actor=world.people["sponsor"], right="erasure", details=ERASE)
        response = world.api("sponsor").post(
            "/api/v1/subject-access-requests/",
            {"right": "erasure", "details": ERASE},
            content_type="application/json",
        )
        assert response.status_code == 400 and not SubjectAccessRequest.objects.exists()

    def test_the_administrator_records_one_on_the_clients_behalf(self, world: World) -> None:
        response = world.http("admin").post(
            reverse("subject_access:new"),
            {
                "subject_kind": "client",
                "client_email": world.people["client"].email,
                "received_on": world.engagement.starts_on.isoformat(),
                "right": "objection",
                "details": "By letter: she objects to her feedback being used in the practice's training.",
            },
        )
        request = SubjectAccessRequest.objects.get()
        assert (
            response.status_code == 302 and request.right == "objection" and request.requester == world.people["client"]
        )
        assert Notice.objects.filter(
            user=world.people["client"], text__contains="under your right of objection"
        ).exists()

    def test_a_request_under_another_right_makes_no_copy(self, world: World) -> None:
        request = ask(world, "restriction", "Keep my notes but do not use them while my complaint is looked at.")
        with pytest.raises(ValidationError, match="answered with a letter, not a copy"):
            sar.subject_access_export_start(actor=world.people["admin"], request=request)


class TestCorrecting:
    def test_the_details_are_corrected_with_the_earlier_values_kept_and_audited(self, world: World) -> None:
        client = world.engagement.client
        client.phone = "020 7946 4417"
        client.save()
        request = ask(world, "rectification")
        http = world.http("admin")
        response = http.post(
            reverse("subject_access:correct", args=[request.pk]),
            {"full_name": client.full_name, "contact_email": client.contact_email, "phone": "020 7946 4471"},
        )
        assert response.status_code == 302
        client.refresh_from_db()
        request.refresh_from_db()
        assert client.phone == "020 7946 4471" and request.state == "in_progress"
        [(label, earlier, _when)] = sar.earlier_values_of(request)
        assert (label, earlier) == ("Telephone", "020 7946 4417")
        assert "4417" not in raw_column(request, "earlier_values")
        event = AuditEvent.objects.filter(action="rights.rectification.apply").get()
        assert event.detail["fields"] == ["phone"] and "4417" not in json.dumps(event.detail)
        page = http.get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Details corrected" in page and "020 7946 4417" in page

    def test_nothing_changed_is_refused_and_the_form_keeps_what_was_typed(self, world: World) -> None:
        client = world.engagement.client
        request = ask(world, "rectification")
        http = world.http("admin")
        same = http.post(
            reverse("subject_access:correct", args=[request.pk]),
            {"full_name": client.full_name, "contact_email": client.contact_email, "phone": client.phone},
        )
        assert same.status_code == 400 and "nothing was changed" in same.content.decode()
        bad = http.post(
            reverse("subject_access:correct", args=[request.pk]),
            {"full_name": "Samira Quentin", "contact_email": "not an address", "phone": ""},
        )
        page = bad.content.decode()
        assert bad.status_code == 400 and "Give an e-mail address" in page and "Samira Quentin" in page
        client.refresh_from_db()
        request.refresh_from_db()
        assert client.full_name == "Samira Quentin-Marsh" and not request.earlier_values

    def test_only_an_open_correction_request_changes_details(self, world: World) -> None:
        erasure = ask(world, "erasure", ERASE)
        with pytest.raises(ValidationError, match="Only an open request for a correction"):
            sar.rectification_apply(actor=world.people["admin"], request=erasure, corrected={"full_name": "X"})
        request = ask(world, "rectification")
        with pytest.raises(Exception):  # noqa: B017  the access policy: only the administrator runs requests
            sar.rectification_apply(actor=world.people["client"], request=request, corrected={"full_name": "X"})
        assert world.engagement.client.__class__.objects.get(pk=world.engagement.client_id).full_name != "X"


def test_the_clients_copy_holds_what_they_asked_and_the_earlier_values(world: World) -> None:
    from rights.exports import client_contents

    client = world.engagement.client
    client.phone = "020 7946 4417"
    client.save()
    request = ask(world, "rectification")
    sar.rectification_apply(
        actor=world.people["admin"],
        request=request,
        corrected={"full_name": client.full_name, "contact_email": client.contact_email, "phone": "020 7946 4471"},
    )
    sections = {s.key: s for s in client_contents(client).sections}
    [item] = [i for i in sections["subject_access_requests"].items if i["reference"] == request.reference]
    assert item["what_was_asked"] == WRONG_PHONE
    assert [(c["detail"], c["earlier_value"]) for c in item["details_corrected"]] == [("Telephone", "020 7946 4417")]


class TestAnswering:
    def test_the_answer_is_a_letter_with_the_right_to_complain_to_the_regulator(self, world: World) -> None:
        request = ask(world, "erasure", ERASE)
        admin = world.http("admin")
        empty = admin.post(reverse("subject_access:answer", args=[request.pk]), {"outcome": ""})
        assert empty.status_code == 400
        assert admin.get(reverse("subject_access:letter", args=[request.pk])).status_code == 404  # not answered yet
        outcome = "We deleted the March feedback. Your invoices are kept for five years: the law requires it."
        assert admin.post(reverse("subject_access:answer", args=[request.pk]), {"outcome": outcome}).status_code == 302
        request.refresh_from_db()
        assert (
            request.state == "completed"
            and request.outcome.startswith(outcome)  # then what the erasure deleted and kept (tests/retention)
            and request.state_text.startswith("Completed")
        )
        assert Notice.objects.filter(user=world.people["client"], text__contains="read its letter").exists()
        html = render_to_string("rights/letter_pdf.html", {**sar.letter_context(request), "practice": _practice()})
        assert (
            "right to complain to" in html and "Information Commissioner" in html and ERASE in html and outcome in html
        )
        letter = world.http("client").get(reverse("subject_access:letter", args=[request.pk]))
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(BytesIO(letter.content)).pages)
        assert "five years" in text and "complain" in text
        for persona in ("coach", "sponsor", "other_coach", "auditor"):
            assert world.http(persona).get(reverse("subject_access:letter", args=[request.pk])).status_code == 404

    def test_a_refusal_has_its_letter_too(self, world: World) -> None:
        request = ask(world, "objection", "Stop sending me the newsletter.")
        sar.subject_access_refuse(actor=world.people["admin"], request=request, reason="We send you no newsletter.")
        assert world.http("client").get(reverse("subject_access:letter", args=[request.pk])).status_code == 200

    def test_a_copy_is_answered_by_releasing_it_not_by_a_letter(self, world: World) -> None:
        request = sar.subject_access_request_open(actor=world.people["client"])
        with pytest.raises(ValidationError, match="answered by releasing its file"):
            sar.right_answer(actor=world.people["admin"], request=request, outcome="Done.")


class TestTheApi:
    def test_the_client_asks_and_reads_the_details_and_the_correction(self, world: World) -> None:
        api = world.api("client")
        response = api.post(
            "/api/v1/subject-access-requests/",
            {"right": "rectification", "details": WRONG_PHONE},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["right"], body["details"], body["state"]) == ("rectification", WRONG_PHONE, "received")
        request = SubjectAccessRequest.objects.get(pk=body["id"])
        client = world.engagement.client
        sar.rectification_apply(
            actor=world.people["admin"],
            request=request,
            corrected={"full_name": client.full_name, "contact_email": client.contact_email, "phone": "01632 960001"},
        )
        detail = api.get(f"/api/v1/subject-access-requests/{request.pk}/").json()
        assert detail["corrected"] == ["Telephone"] and detail["state"] == "in_progress"
        listed = api.get("/api/v1/subject-access-requests/").json()["results"]
        assert [(r["right"], "details" in r) for r in listed] == [("rectification", False)]

    def test_the_administrator_corrects_and_answers_through_the_api(self, world: World) -> None:
        client = world.engagement.client
        email = client.contact_email
        request = ask(world, "rectification")
        for persona in ("client", "coach", "sponsor"):
            api = world.api(persona)
            assert api.post(f"/api/v1/subject-access-requests/{request.pk}/correct/", {"phone": "1"}).status_code == 404
            assert (
                api.post(f"/api/v1/subject-access-requests/{request.pk}/answer/", {"outcome": "x"}).status_code == 404
            )
        admin = world.api("admin")
        corrected = admin.post(
            f"/api/v1/subject-access-requests/{request.pk}/correct/",
            {"phone": "020 7946 4471"},
            content_type="application/json",
        )
        assert corrected.status_code == 200 and corrected.json()["corrected"] == ["Telephone"]
        client.refresh_from_db()
        assert client.phone == "020 7946 4471" and client.contact_email == email  # left out: kept
        answered = admin.post(
            f"/api/v1/subject-access-requests/{request.pk}/answer/",
            {"outcome": "We corrected your telephone number."},
            content_type="application/json",
        )
        assert answered.status_code == 200 and answered.json()["state"] == "completed"
        again = admin.post(
            f"/api/v1/subject-access-requests/{request.pk}/answer/",
            {"outcome": "Twice."},
            content_type="application/json",
        )
        assert again.status_code == 400 and "already closed" in again.content.decode()

    def test_a_right_that_is_not_one_is_refused(self, world: World) -> None:
        response = world.api("client").post(
            "/api/v1/subject-access-requests/", {"right": "oblivion"}, content_type="application/json"
        )
        assert response.status_code == 400 and not SubjectAccessRequest.objects.exists()


def _practice() -> Any:
    from confidentiality.practice import current_practice

    return current_practice()


class TestPortability:
    def test_the_client_gets_their_own_information_as_json_that_its_published_schema_describes(
        self, world: World
    ) -> None:
        import io
        import zipfile

        from jsonschema import Draft202012Validator

        from engagements.services import note_create

        private = "Coach's own reflection: Quillfeather worries about the Okonkwo merger."
        note_create(actor=world.people["coach"], engagement=world.engagement, body=private)
        http = world.http("client")
        response = http.post(reverse("subject_access:new"), {"form": "other_rights", "right": "portability"})
        request = SubjectAccessRequest.objects.get()
        assert response.status_code == 302 and request.right == "portability" and request.makes_a_copy
        admin = world.people["admin"]
        export = sar.subject_access_export_start(actor=admin, request=request)
        assert sar.export_build(export_id=export.pk)
        request.refresh_from_db()
        sar.copy_for_review(actor=admin, request=request)
        sar.subject_access_release(actor=admin, request=request, reviewed=True)
        download = http.get(reverse("subject_access:download", args=[request.pk]))
        assert download.status_code == 200
        assert f'filename="your-data-{request.reference}.zip"' in download["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
        assert sorted(archive.namelist()) == ["README.txt", "your-data.json", "your-data.schema.json"]
        data = json.loads(archive.read("your-data.json"))
        schema = json.loads(archive.read("your-data.schema.json"))
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(data)
        assert data["identity"][0]["full_name"] == world.engagement.client.full_name
        assert [e["reference"] for e in data["engagements"]] == [world.engagement.reference]
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
        assert "Quillfeather" not in everything and "notes" not in data  # what the coach wrote is not theirs to port
        published = Client().get(reverse("subject_access:portability_schema"))  # anyone may read it
        assert published.status_code == 200 and published.json() == schema

    def test_a_document_that_breaks_the_schema_is_caught(self) -> None:
        from jsonschema import Draft202012Validator
        from jsonschema import ValidationError as SchemaError

        from rights.portability import schema

        with pytest.raises(SchemaError):
            Draft202012Validator(schema()).validate({"format": "data-portability/1", "identity": "not a list"})


class TestFoundInReview:
    """What a review of the first version found: each was a fault then."""

    def test_an_organisations_request_with_details_is_refused_not_a_server_error(self, world: World) -> None:
        api = world.api("sponsor").post(
            "/api/v1/subject-access-requests/",
            {"right": "access", "details": "please hurry"},
            content_type="application/json",
        )
        assert api.status_code == 400 and "needs no details" in api.content.decode()
        page = world.http("admin").post(
            reverse("subject_access:new"),
            {
                "subject_kind": "organisation",
                "organisation": str(world.organisation.pk),
                "contact_email": world.people["sponsor"].email,
                "received_on": world.engagement.starts_on.isoformat(),
                "right": "access",
                "details": "Asked by telephone on Monday.",
            },
        )
        body = page.content.decode()
        assert page.status_code == 400 and "needs no details" in body and "Asked by telephone on Monday." in body
        assert not SubjectAccessRequest.objects.exists()

    def test_the_administrators_reads_of_a_request_show_in_the_clients_access_log(self, world: World) -> None:
        request = ask(world, "erasure", ERASE)
        client_id = world.engagement.client_id
        before = AuditEvent.objects.filter(client_id=client_id, actor_id=world.people["admin"].pk).count()
        world.api("admin").get(f"/api/v1/subject-access-requests/{request.pk}/")
        assert AuditEvent.objects.filter(client_id=client_id, action="client.read").count() > 0
        sar.right_answer(actor=world.people["admin"], request=request, outcome="We deleted the March feedback.")
        world.http("admin").get(reverse("subject_access:letter", args=[request.pk]))
        assert AuditEvent.objects.filter(client_id=client_id, action="rights.letter.download").exists()
        assert AuditEvent.objects.filter(client_id=client_id, actor_id=world.people["admin"].pk).count() > before
        log = world.http("client").get(reverse("engagements:access_log")).content.decode()
        assert "The answer to your request under your rights" in log

    def test_a_stale_answer_is_refused_with_the_reason_and_the_typed_text_kept(self, world: World) -> None:
        request = ask(world, "erasure", ERASE)
        sar.right_answer(actor=world.people["admin"], request=request, outcome="We deleted the March feedback.")
        late = "A second answer, typed in a tab left open since this morning."
        response = world.http("admin").post(reverse("subject_access:answer", args=[request.pk]), {"outcome": late})
        body = response.content.decode()
        assert response.status_code == 400 and "already closed" in body and late in body
        request.refresh_from_db()
        assert request.outcome.startswith("We deleted the March feedback.") and late not in request.outcome


class TestErasurePreview:
    def test_the_administrator_sees_what_would_go_and_what_must_stay_and_why(
        self, world: World, django_assert_num_queries: Any
    ) -> None:
        from decimal import Decimal

        from engagements.services import note_create
        from finance import services as finance
        from retention.services import hold_place
        from rights.erasure import preview

        note_create(actor=world.people["coach"], engagement=world.engagement, body="A note about Quillfeather.")
        draft = finance.invoice_create(
            actor=world.people["admin"],
            organisation=world.organisation,
            engagement=world.engagement,
            lines=[finance.LineInput("Coaching", Decimal(1), Decimal("100.00"), Decimal(0))],
        )
        finance.invoice_issue(actor=world.people["admin"], invoice=draft)
        client = world.engagement.client
        hold_place(actor=world.people["admin"], target=client, case_reference="CASE-9", reason="A claim is expected")
        request = ask(world, "erasure", ERASE)
        with django_assert_num_queries(1):
            found = preview(client)
        goes = {line.what: line.count for line in found.goes}
        stays = {line.what: line for line in found.stays}
        assert goes["Notes"] == 1 and goes["Engagements"] == 1
        assert stays["Invoices, with their payments and credit notes"].count == 1
        assert "five years" in stays["Invoices, with their payments and credit notes"].why
        assert stays["Legal holds"].count == 1 and "Engagements still in progress" in stays
        hold_place(actor=world.people["admin"], target=world.engagement, case_reference="CASE-10", reason="A claim too")
        assert {line.what: line.count for line in preview(client).stays}["Legal holds"] == 2
        page = world.http("admin").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Must stay, and why" in page and "Quillfeather" not in page
        mine = world.http("client").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "Must stay, and why" not in mine


class TestRefusalReasonSealed:
    """A refusal's reason may repeat the client's own words: it is encrypted under their key, as
    what they asked is (it was stored in plain text)."""

    def test_it_stores_a_clients_refusal_reason_encrypted_and_reads_it_everywhere(self, world: World) -> None:
        reason = "Your objection names the feedback Okonkwo gave, which we hold under our contract with you."
        request = ask(world, "objection", "Stop using the feedback Okonkwo gave.")
        sar.subject_access_refuse(actor=world.people["admin"], request=request, reason=reason)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM retention_subjectaccessrequest")
            stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert "Okonkwo" not in stored
        request.refresh_from_db()
        assert request.refusal_text == reason
        assert reason in world.http("client").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        detail = world.api("admin").get(f"/api/v1/subject-access-requests/{request.pk}/").json()
        assert detail["refusal_reason"] == reason
        html = render_to_string("rights/letter_pdf.html", {**sar.letter_context(request), "practice": _practice()})
        assert reason in html

    def test_an_organisations_refusal_reason_is_kept_as_before(self, world: World) -> None:
        request = sar.subject_access_request_open(actor=world.people["sponsor"])
        sar.subject_access_refuse(actor=world.people["admin"], request=request, reason="Identity not confirmed.")
        request.refresh_from_db()
        assert request.refusal_text == "Identity not confirmed." and request.refusal is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_a_refusal_reason_stored_in_plain_text(world: World) -> None:
    """rights 0003 both ways: undone, the reason is back in plain text; done again, it is encrypted
    under the client's key and reads as before."""
    from django.db.migrations.executor import MigrationExecutor

    reason = "Refused: the feedback Okonkwo gave is held under our contract with you."
    request = ask(world, "objection", "Stop using the feedback Okonkwo gave.")
    sar.subject_access_refuse(actor=world.people["admin"], request=request, reason=reason)
    executor = MigrationExecutor(connection)
    executor.migrate([("rights", "0002_every_right")])
    assert raw_column(request, "refusal_reason") == reason
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app back at its latest
    assert raw_column(request, "refusal_reason") == "" and "Okonkwo" not in raw_column(request, "refusal")
    assert SubjectAccessRequest.objects.get(pk=request.pk).refusal_text == reason


def test_a_postal_address_is_kept_and_corrected_like_the_other_details(world: World) -> None:
    """The client's postal address (where letters and a private client's invoices go) is encrypted
    under their key and corrected through a correction request, the earlier one kept."""
    client = world.client_record
    client.postal_address = "14 Quillfeather Row, Leeds"
    client.save()
    assert "Quillfeather" not in raw_client_column(client, "postal_address")
    request = ask(world, "rectification", "I have moved.")
    current = {field: getattr(client, field) or "" for field in sar.CORRECTABLE}
    sar.rectification_apply(
        actor=world.people["admin"], request=request, corrected={**current, "postal_address": "2 New Street, York"}
    )
    client.refresh_from_db()
    request.refresh_from_db()
    assert client.postal_address == "2 New Street, York"
    assert ("Postal address", "14 Quillfeather Row, Leeds") in [
        (label, value) for label, value, _ in sar.earlier_values_of(request)
    ]


def raw_client_column(client: object, column: str) -> str:
    with connection.cursor() as cursor:
        pk = client.pk  # type: ignore[attr-defined]
        cursor.execute(
            f"SELECT {column} FROM engagements_client WHERE id = %s", [pk.hex if connection.vendor == "sqlite" else pk]
        )
        return str(cursor.fetchone()[0])
