"""Every persona against every engagements endpoint of the API, with tokens as integrations use it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from engagements.models import Note
from tests.conftest import PERSONAS, World
from tests.engagements.conftest import DOCUMENT_BYTES, DOCUMENT_NAME, PRIVATE_TEXT, SHARED_TEXT, Content

ANON = 401


def api(world: World, persona: str) -> HttpClient:
    return world.api(persona)


def only(allowed: dict[str, int], default: int = 404) -> dict[str, int]:
    return {p: allowed.get(p, default) for p in PERSONAS} | {"anonymous": ANON}


ENDPOINTS: dict[str, dict[str, int]] = {
    "organisations": only(
        {
            "coach": 200,
            "other_coach": 200,
            "client": 200,
            "sponsor": 200,
            "other_sponsor": 200,
            "admin": 200,
            "auditor": 200,
            "superuser": 200,
        }
    ),
    "clients": only({"admin": 200}),
    "sessions": only({"coach": 200, "client": 200, "admin": 200}),
    "notes": only({"coach": 200, "client": 200}),
    "private_note": only({"coach": 200}),
    "shared_note": only({"coach": 200, "client": 200}),
    "documents": only({"coach": 200, "client": 200, "sponsor": 200}),
    "private_download": only({"coach": 200}),
    "shared_download": only({"coach": 200, "client": 200}),
}


def path(name: str, world: World, content: Content) -> str:
    e = world.engagement.pk
    return {
        "organisations": "/api/v1/organisations/",
        "clients": "/api/v1/clients/",
        "sessions": f"/api/v1/engagements/{e}/sessions/",
        "notes": f"/api/v1/engagements/{e}/notes/",
        "private_note": f"/api/v1/notes/{content.private_note.pk}/",
        "shared_note": f"/api/v1/notes/{content.shared_note.pk}/",
        "documents": f"/api/v1/engagements/{e}/documents/",
        "private_download": f"/api/v1/documents/{content.private_document.pk}/download/",
        "shared_download": f"/api/v1/documents/{content.shared_document.pk}/download/",
    }[name]


MAY_READ = {"coach": {PRIVATE_TEXT, SHARED_TEXT, DOCUMENT_NAME}, "client": {SHARED_TEXT}}


@pytest.mark.django_db
class TestEndpointsByPersona:
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
    def test_it_answers_as_the_table_says(self, world: World, content: Content, endpoint: str, persona: str) -> None:
        response = api(world, persona).get(path(endpoint, world, content))
        assert response.status_code == ENDPOINTS[endpoint][persona]
        body = response.content.decode("utf-8", "replace")
        for secret in (PRIVATE_TEXT, SHARED_TEXT, DOCUMENT_NAME, "Samira", "Bartholomew"):
            if secret not in MAY_READ.get(persona, set()) and not (persona == "admin" and endpoint == "clients"):
                assert secret not in body, f"{persona} met {secret!r} at {endpoint}"

    def test_lists_hold_only_what_may_be_seen(self, world: World, content: Content) -> None:
        coach_notes = api(world, "coach").get(path("notes", world, content)).json()["results"]
        client_notes = api(world, "client").get(path("notes", world, content)).json()["results"]
        assert {n["body"] for n in coach_notes} == {PRIVATE_TEXT, SHARED_TEXT}
        assert [n["body"] for n in client_notes] == [SHARED_TEXT]
        sponsor_orgs = api(world, "sponsor").get("/api/v1/organisations/").json()["results"]
        assert [o["name"] for o in sponsor_orgs] == ["Northwind Trading"]
        assert api(world, "auditor").get("/api/v1/organisations/").json()["results"] == []
        sponsor_docs = api(world, "sponsor").get(path("documents", world, content)).json()
        assert sponsor_docs == []  # none were supplied by the organisation

    def test_the_download_is_the_decrypted_file(self, world: World, content: Content) -> None:
        response = api(world, "coach").get(path("private_download", world, content))
        assert response.content == DOCUMENT_BYTES


@pytest.mark.django_db
class TestWrites:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_coach_on_it_creates_a_note(self, world: World, persona: str) -> None:
        response = api(world, persona).post(
            f"/api/v1/engagements/{world.engagement.pk}/notes/",
            {"body": "From the API", "shared_with_client": False},
            content_type="application/json",
        )
        expected = {"coach": 201, "client": 403, "anonymous": ANON}.get(persona, 404)
        assert response.status_code == expected
        assert Note.objects.filter(body__isnull=False).count() == (1 if persona == "coach" else 0)

    def test_a_stale_version_answers_409_and_changes_nothing(self, world: World, content: Content) -> None:
        http = api(world, "coach")
        url = path("private_note", world, content)
        ok = http.patch(url, {"body": "First", "version": 1}, content_type="application/json")
        assert ok.status_code == 200 and ok.json()["version"] == 2
        stale = http.patch(url, {"body": "Second", "version": 1}, content_type="application/json")
        assert stale.status_code == 409 and "changed" in stale.json()["detail"]
        assert Note.objects.get(pk=content.private_note.pk).body == "First"

    def test_sharing_through_the_api(self, world: World, content: Content) -> None:
        http = api(world, "coach")
        url = path("private_note", world, content)
        response = http.patch(url, {"shared_with_client": True, "version": 1}, content_type="application/json")
        assert response.status_code == 200
        bodies = [n["body"] for n in api(world, "client").get(path("notes", world, content)).json()["results"]]
        assert PRIVATE_TEXT in bodies

    @pytest.mark.parametrize("persona", ["client", "sponsor", "admin", "other_coach", "superuser"])
    def test_nobody_else_patches_a_note(self, world: World, content: Content, persona: str) -> None:
        response = api(world, persona).patch(
            path("shared_note", world, content), {"body": "Hijacked", "version": 1}, content_type="application/json"
        )
        assert response.status_code == 404
        assert Note.objects.get(pk=content.shared_note.pk).body == SHARED_TEXT

    @pytest.mark.parametrize(
        "payload", [{}, {"body": ""}, {"body": "   "}, {"body": 123}, {"body": "x" * 50_001}, {"session": "nope"}]
    )
    def test_bad_input_gets_a_4xx_and_changes_nothing(self, world: World, payload: dict[str, Any]) -> None:
        response = api(world, "coach").post(
            f"/api/v1/engagements/{world.engagement.pk}/notes/", payload, content_type="application/json"
        )
        assert 400 <= response.status_code < 500
        assert not Note.objects.exists()

    def test_an_upload_through_the_api(self, world: World) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        http = api(world, "coach")
        url = f"/api/v1/engagements/{world.engagement.pk}/documents/"
        created = http.post(url, {"file": SimpleUploadedFile("plan.txt", b"The plan")})
        assert created.status_code == 201 and created.json()["name"] == "plan.txt"
        refused = http.post(url, {"file": SimpleUploadedFile("plan.pdf", b"not a pdf")})
        assert refused.status_code == 400 and "not a .pdf" in str(refused.json())

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_creates_a_client(self, world: World, persona: str) -> None:
        from engagements.models import Client

        before = Client.objects.count()
        response = api(world, persona).post(
            "/api/v1/clients/", {"full_name": "New Client"}, content_type="application/json"
        )
        assert response.status_code == {"admin": 201, "anonymous": ANON}.get(persona, 404)
        assert Client.objects.count() == before + (1 if persona == "admin" else 0)
        if persona == "admin":
            assert response.json()["full_name"] == "New Client"

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
        response = api(world, "admin").post(url, payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {field: ["Not a valid string."]}
        assert (Organisation.objects.count(), Client.objects.count()) == before

    def test_the_notes_endpoint_costs_a_constant_number_of_queries(
        self, world: World, content: Content, django_assert_max_num_queries: Any
    ) -> None:
        from engagements import services

        for i in range(20):
            services.note_create(actor=world.people["coach"], engagement=world.engagement, body=f"n{i}")
        http = api(world, "coach")
        with django_assert_max_num_queries(15):
            assert len(http.get(path("notes", world, content)).json()["results"]) == 22
