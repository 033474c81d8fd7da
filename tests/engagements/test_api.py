"""The engagements endpoints of the API, with tokens as integrations use them: what they list,
return and refuse. Who may reach each endpoint is the access matrix's (tests/matrix/table.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engagements.models import Note
from tests.conftest import World
from tests.engagements.conftest import DOCUMENT_BYTES, PRIVATE_TEXT, SHARED_TEXT, Content


def path(name: str, world: World, content: Content) -> str:
    e = world.engagement.pk
    return {
        "notes": f"/api/v1/engagements/{e}/notes/",
        "private_note": f"/api/v1/notes/{content.private_note.pk}/",
        "documents": f"/api/v1/engagements/{e}/documents/",
        "private_download": f"/api/v1/documents/{content.private_document.pk}/download/",
    }[name]


@pytest.mark.django_db
class TestEndpoints:
    def test_lists_hold_only_what_may_be_seen(self, world: World, content: Content) -> None:
        coach_notes = world.api("coach").get(path("notes", world, content)).json()["results"]
        client_notes = world.api("client").get(path("notes", world, content)).json()["results"]
        assert {n["body"] for n in coach_notes} == {PRIVATE_TEXT, SHARED_TEXT}
        assert [n["body"] for n in client_notes] == [SHARED_TEXT]
        sponsor_orgs = world.api("sponsor").get("/api/v1/organisations/").json()["results"]
        assert [o["name"] for o in sponsor_orgs] == ["Northwind Trading"]
        assert world.api("auditor").get("/api/v1/organisations/").json()["results"] == []
        sponsor_docs = world.api("sponsor").get(path("documents", world, content)).json()
        assert sponsor_docs == []  # none were supplied by the organisation

    def test_the_download_is_the_decrypted_file(self, world: World, content: Content) -> None:
        response = world.api("coach").get(path("private_download", world, content))
        assert response.content == DOCUMENT_BYTES


@pytest.mark.django_db
class TestWrites:
    def test_a_stale_version_answers_409_and_changes_nothing(self, world: World, content: Content) -> None:
        http = world.api("coach")
        url = path("private_note", world, content)
        ok = http.patch(url, {"body": "First", "version": 1}, content_type="application/json")
        assert ok.status_code == 200 and ok.json()["version"] == 2
        stale = http.patch(url, {"body": "Second", "version": 1}, content_type="application/json")
        assert stale.status_code == 409 and "changed" in stale.json()["detail"]
        assert Note.objects.get(pk=content.private_note.pk).body == "First"

    def test_sharing_through_the_api(self, world: World, content: Content) -> None:
        http = world.api("coach")
        url = path("private_note", world, content)
        response = http.patch(url, {"shared_with_client": True, "version": 1}, content_type="application/json")
        assert response.status_code == 200
        bodies = [n["body"] for n in world.api("client").get(path("notes", world, content)).json()["results"]]
        assert PRIVATE_TEXT in bodies

    @pytest.mark.parametrize(
        "payload", [{}, {"body": ""}, {"body": "   "}, {"body": 123}, {"body": "x" * 50_001}, {"session": "nope"}]
    )
    def test_bad_input_gets_a_4xx_and_changes_nothing(self, world: World, payload: dict[str, Any]) -> None:
        response = world.api("coach").post(
            f"/api/v1/engagements/{world.engagement.pk}/notes/", payload, content_type="application/json"
        )
        assert 400 <= response.status_code < 500
        assert not Note.objects.exists()

    def test_an_upload_through_the_api(self, world: World) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        http = world.api("coach")
        url = f"/api/v1/engagements/{world.engagement.pk}/documents/"
        created = http.post(url, {"file": SimpleUploadedFile("plan.txt", b"The plan")})
        assert created.status_code == 201 and created.json()["name"] == "plan.txt"
        refused = http.post(url, {"file": SimpleUploadedFile("plan.pdf", b"not a pdf")})
        assert refused.status_code == 400 and "not a .pdf" in str(refused.json())

    def test_the_administrator_creates_a_client(self, world: World) -> None:
        from engagements.models import Client

        before = Client.objects.count()
        response = world.api("admin").post(
            "/api/v1/clients/", {"full_name": "New Client"}, content_type="application/json"
        )
        assert response.status_code == 201 and response.json()["full_name"] == "New Client"
        assert Client.objects.count() == before + 1

    @pytest.mark.parametrize(
        ("url", "payload", "field"),
        [
            ("/api/v1/organisations/", {"name": 123}, "name"),
            ("/api/v1/clients/", {"full_name": 12345}, "full_name"),
            ("/api/v1/clients/", {"full_name": "New Client", "phone": 7700900123}, "phone"),
        ],
    )
    def test_a_number_is_refused_where_text_is_expected(
        self, world: World, url: str, payload: dict[str, Any], field: str
    ) -> None:
        """Found by the API fuzzing: the number was stored as text and answered 201."""
        from engagements.models import Client, Organisation

        before = (Organisation.objects.count(), Client.objects.count())
        response = world.api("admin").post(url, payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {field: ["Not a valid string."]}
        assert (Organisation.objects.count(), Client.objects.count()) == before

    def test_the_notes_endpoint_costs_a_constant_number_of_queries(
        self, world: World, content: Content, django_assert_max_num_queries: Any
    ) -> None:
        from engagements import services

        for i in range(20):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body=f"n{i}")
        http = world.api("coach")
        with django_assert_max_num_queries(15):
            assert len(http.get(path("notes", world, content)).json()["results"]) == 22
