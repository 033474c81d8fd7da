from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from confidentiality.models import ApiToken
from confidentiality.services import api_token_issue, api_token_revoke
from tests.conftest import PERSONAS, World, issue_token

# persona -> (status of the list, references it returns) for /api/v1/engagements/
LIST_EXPECTED: dict[str, int] = {
    "coach": 200,
    "other_coach": 200,
    "client": 200,
    "sponsor": 200,
    "other_sponsor": 200,
    "admin": 200,
    "auditor": 404,
    "superuser": 404,
    "anonymous": 401,
}
DETAIL_EXPECTED: dict[str, int] = {
    "coach": 200,
    "other_coach": 404,
    "client": 200,
    "sponsor": 200,
    "other_sponsor": 404,
    "admin": 200,
    "auditor": 404,
    "superuser": 404,
    "anonymous": 401,
}


def bearer(world: World, persona: str) -> HttpClient:
    return world.api(persona)


@pytest.mark.django_db
class TestEngagementApi:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_the_list_holds_only_what_the_persona_may_see(self, world: World, persona: str) -> None:
        response = bearer(world, persona).get("/api/v1/engagements/")
        assert response.status_code == LIST_EXPECTED[persona]
        body = response.content.decode()
        assert "Samira" not in body and "Bartholomew" not in body  # metadata only, never names
        if response.status_code == 200:
            ids = {item["id"] for item in response.json()["results"]}
            visible = {str(world.engagement.pk), str(world.other_engagement.pk)}
            can_see_own = DETAIL_EXPECTED[persona] == 200
            assert (str(world.engagement.pk) in ids) == can_see_own
            if persona != "admin":
                assert len(ids & visible) == 1

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_an_unseen_engagement_answers_404(self, world: World, persona: str) -> None:
        response = bearer(world, persona).get(f"/api/v1/engagements/{world.engagement.pk}/")
        assert response.status_code == DETAIL_EXPECTED[persona]
        if response.status_code == 200:
            assert response.json()["reference"] == world.engagement.reference

    def test_a_malformed_id_answers_404_not_500(self, world: World) -> None:
        assert bearer(world, "coach").get("/api/v1/engagements/not-a-uuid/").status_code == 404

    @pytest.mark.parametrize("path", ["/api/v1/notes/not-a-uuid/", "/api/v1/engagements/0/notes/", "/api/v1/nothing/"])
    def test_a_path_no_route_matches_answers_json_like_the_rest_of_the_api(self, world: World, path: str) -> None:
        """Found by the API fuzzing: these answered the web app's HTML page."""
        response = bearer(world, "coach").get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}

    def test_outside_the_api_a_missing_page_is_still_a_page(self, world: World) -> None:
        response = world.http("coach").get("/engagements/not-a-uuid/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")

    @pytest.mark.parametrize("page_size", ["ten", "0", "-5", "2.5", "1e3", "\u0661"])
    def test_a_page_size_that_is_not_a_whole_number_is_refused(self, world: World, page_size: str) -> None:
        """Found by the API fuzzing: DRF answered the default page as if nothing was wrong."""
        response = bearer(world, "coach").get("/api/v1/engagements/", {"page_size": page_size})
        assert response.status_code == 400
        assert "whole number" in response.json()["page_size"][0]

    def test_a_page_size_gives_that_many(self, world: World) -> None:
        from tests.factories import EngagementFactory

        EngagementFactory(coaches=[world.people["coach"]])
        response = bearer(world, "coach").get("/api/v1/engagements/", {"page_size": "1"})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 1 and response.json()["next"]

    def test_the_list_costs_a_constant_number_of_queries(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        from tests.factories import EngagementFactory

        http = bearer(world, "coach")
        for _ in range(15):
            EngagementFactory(coaches=[world.people["coach"]])
        with django_assert_max_num_queries(8):
            assert len(http.get("/api/v1/engagements/").json()["results"]) == 16


@pytest.mark.django_db
class TestTokens:
    def test_a_token_authenticates_as_its_owner(self, world: World) -> None:
        response = bearer(world, "coach").get("/api/v1/me/")
        assert response.status_code == 200
        assert response.json()["email"] == "coach@example.org" and response.json()["role"] == "coach"

    def test_only_a_hash_of_the_key_is_stored(self, world: World) -> None:
        user = world.people["client"]
        token, key = api_token_issue(actor=user, user=user, name="script")
        stored = ApiToken.objects.get(pk=token.pk)
        assert key not in (stored.key_hash, stored.prefix) and key.startswith(stored.prefix)

    def test_a_revoked_token_is_refused_on_the_next_request(self, world: World) -> None:
        user = world.people["client"]
        token, key = api_token_issue(actor=user, user=user, name="script")
        http = HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}")
        assert http.get("/api/v1/me/").status_code == 200
        api_token_revoke(actor=user, token=token)
        assert http.get("/api/v1/me/").status_code == 401

    def test_a_deactivated_persons_token_is_refused(self, world: World) -> None:
        http = bearer(world, "coach")
        coach = world.people["coach"]
        coach.is_active = False
        coach.save()
        assert http.get("/api/v1/me/").status_code == 401

    @pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer cpt_nonsense", "Bearer ünïcode"])
    def test_a_bad_header_gets_a_clear_401(self, world: World, header: str) -> None:
        response = HttpClient(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1")).get("/api/v1/me/")
        assert response.status_code == 401
        assert "detail" in response.json()

    def test_the_settings_page_issues_shows_once_and_revokes(self, world: World) -> None:
        http = world.http("coach")
        page = http.post(reverse("account_settings"), {"name": "my script"})
        key = page.context["new_key"]
        assert key.startswith("cpt_") and key in page.content.decode()
        assert key not in http.get(reverse("account_settings")).content.decode()  # shown only once
        token = ApiToken.objects.get(user=world.people["coach"], name="my script")
        assert HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/").status_code == 200
        http.post(reverse("api_token_revoke", args=[token.pk]))
        assert HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/").status_code == 401

    def test_nobody_revokes_another_persons_token(self, world: World) -> None:
        coach = world.people["coach"]
        issue_token(coach, "mine")
        token = ApiToken.objects.get(user=coach, name="mine")
        response = world.http("other_coach").post(reverse("api_token_revoke", args=[token.pk]))
        assert response.status_code == 404
        assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    def test_an_empty_token_name_is_refused_and_changes_nothing(self, world: World) -> None:
        http = world.http("coach")
        page = http.post(reverse("account_settings"), {"name": "   "})
        assert page.status_code == 200 and page.context["new_key"] is None
        assert not ApiToken.objects.filter(user=world.people["coach"]).exists()


@pytest.mark.django_db
class TestSchema:
    def test_the_openapi_schema_documents_the_api(self) -> None:
        response = HttpClient().get("/api/schema/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        schema = response.json()
        assert "/api/v1/engagements/{id}/" in schema["paths"]
        assert "apiToken" in schema["components"]["securitySchemes"]

    def test_each_answer_is_documented_as_it_is_given(self) -> None:
        """Found by the API fuzzing: these answers did not match what the schema said."""
        from engagements.documents import KINDS

        paths = HttpClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

        def answer(path: str, method: str, status: str = "200") -> dict[str, Any]:
            return paths[path][method]["responses"][status]["content"]

        for listed in ("invoices", "payments", "credit-notes"):  # in pages, like every other list
            ref = answer(f"/api/v1/{listed}/", "get")["application/json"]["schema"]["$ref"]
            assert ref.startswith("#/components/schemas/Paginated")
            assert {"cursor", "page_size"} <= {p["name"] for p in paths[f"/api/v1/{listed}/"]["get"]["parameters"]}
        # The coach and the client are answered differently.
        feedback = answer("/api/v1/feedback/{id}/", "get")["application/json"]["schema"]["$ref"]
        assert feedback == "#/components/schemas/FeedbackAsSeen"
        # The coach who reported a breach is answered with less than the administrator.
        for method, status in (("get", "200"), ("post", "201")):
            path = "/api/v1/breaches/{id}/" if method == "get" else "/api/v1/breaches/"
            assert answer(path, method, status)["application/json"]["schema"]["$ref"].endswith("/BreachReport")
        download = answer("/api/v1/documents/{id}/download/", "get")
        assert set(download) == {kind.content_type for kind in KINDS}

    def test_the_docs_page_uses_no_cdn_and_no_inline_script(self) -> None:
        body = HttpClient().get("/api/docs/").content.decode()
        assert "cdn" not in body.lower() and "unpkg" not in body.lower()
        assert "<script>" not in body.replace(" ", "")


@pytest.mark.django_db
class TestNoSessionsOnTheApi:
    def test_a_browser_session_does_not_reach_the_api(self, world: World) -> None:
        from django.test import Client as HttpClient

        from tests.factories import PASSWORD, UserFactory

        # A coach who has not set up the second factor signs in with a password alone.
        coach = UserFactory(role="coach")
        http = HttpClient()
        http.post(reverse("account_login"), {"login": coach.email, "password": PASSWORD})
        assert http.get(reverse("dashboard")).status_code == 302  # pages send them to set up TOTP
        assert http.get("/api/v1/engagements/").status_code == 401  # and the API does not take the session
        assert http.get("/api/v1/clients/").status_code == 401

    def test_a_superuser_needs_the_second_factor_for_the_admin_site(self) -> None:
        from django.test import Client as HttpClient

        from confidentiality.models import User

        root = User.objects.create_superuser("root2@example.org", "a long test password 2026")
        http = HttpClient()
        http.post(reverse("account_login"), {"login": root.email, "password": "a long test password 2026"})
        response = http.get("/admin/")
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_the_schema_documents_every_operations_refusals_and_validates(tmp_path: Any) -> None:
    """``confidentiality/schema.py``: each operation lists the refusals it may answer, with their
    bodies; a write also its conflicts and unsupported media types. The schema validates, warning-free."""
    import json

    from django.core.management import call_command

    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    operations = [(method.upper(), op) for item in schema["paths"].values() for method, op in item.items()]
    assert len(operations) > 50
    for method, operation in operations:
        codes = set(operation["responses"])
        expected = {"400", "401", "403", "404"} | ({"409", "415"} if method != "GET" else set())
        assert expected <= codes, (method, operation["operationId"], sorted(codes))
        assert any(code.startswith("2") for code in codes), operation["operationId"]
    refusal = schema["components"]["schemas"]["Refusal"]
    assert refusal["required"] == ["detail"] and refusal["properties"]["detail"]["type"] == "string"
