"""Hostile text through forms and the API: markup in the fields the matrix's world does not fill
(names, titles, places, reasons), empty and whitespace-only text, text one character too long,
the wrong type, and non-Latin text, which must come back exactly as it was given."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from engagements.models import Client, Note, Organisation
from tests.conftest import World
from tests.matrix.runner import fingerprint

SCRIPT = '<script>alert("x")</script><img src=x onerror="alert(2)">'
RAW = ("<script>alert(", "<img src=x onerror")

ZOE = "Zoë Ñúñez-Øyen"
ARABIC = "ليلى العبدالله"
HEBREW = "שרה כהן"
MIXED = f"{ZOE} met {ARABIC} and {HEBREW}: 发展计划 🚀 e\u0301 (decomposed) \u200f"  # RLM kept as given
NAMES = [ZOE, ARABIC, HEBREW, "Zoe\u0308 Nu\u0301n\u0303ez", "Ōtsuka Ŝtefan Łukasz"]


def assert_escaped(page: str, text: str) -> None:
    for raw in RAW:
        assert raw not in page, f"{raw!r} printed unescaped"
    assert escape(text) in page


@pytest.mark.django_db
class TestMarkupInFormFields:
    """Each field, sent through its form, is shown escaped on the page that shows it."""

    def test_organisation_name_and_a_sponsor_contacts_name_and_title(self, world: World) -> None:
        admin = world.http("admin")
        posted = admin.post(reverse("engagements:organisation_create"), {"name": f"Org {SCRIPT}"})
        assert posted.status_code == 302
        organisation = Organisation.objects.get(name=f"Org {SCRIPT}")
        contact = admin.post(
            reverse("engagements:organisation_detail", args=[organisation.pk]),
            {"email": "contact@example.net", "display_name": f"Name {SCRIPT}", "job_title": f"Title {SCRIPT}"},
        )
        assert contact.status_code in (200, 302)
        page = admin.get(reverse("engagements:organisation_detail", args=[organisation.pk])).content.decode()
        assert_escaped(page, f"Org {SCRIPT}")
        assert_escaped(page, f"Name {SCRIPT}")
        assert_escaped(admin.get(reverse("engagements:organisations")).content.decode(), f"Org {SCRIPT}")

    def test_client_name_and_phone(self, world: World) -> None:
        admin = world.http("admin")
        posted = admin.post(
            reverse("engagements:client_create"),
            {"full_name": f"Client {SCRIPT}", "phone": f"+44 {SCRIPT}"[:40], "basic_consent": "on"},
        )
        assert posted.status_code == 302
        assert_escaped(admin.get(reverse("engagements:clients")).content.decode(), f"Client {SCRIPT}")

    def test_engagement_title_and_hard_copy_description_and_place(self, world: World) -> None:
        admin, coach = world.http("admin"), world.http("coach")
        engagement = world.engagement
        assert (
            admin.post(
                reverse("engagements:engagement_edit", args=[engagement.pk]),
                {
                    "title": f"Title {SCRIPT}",
                    "status": engagement.status,
                    "starts_on": engagement.starts_on.isoformat(),
                    "version": engagement.version,
                },
            ).status_code
            == 302
        )
        assert (
            coach.post(
                reverse("engagements:hard_copy_create", args=[engagement.pk]),
                {"description": f"Pack {SCRIPT}", "location": f"Cabinet {SCRIPT}"[:120], "received_on": "2026-01-05"},
            ).status_code
            == 302
        )
        for persona in ("coach", "client", "sponsor", "admin"):
            page = world.http(persona).get(reverse("engagements:detail", args=[engagement.pk])).content.decode()
            assert_escaped(page, f"Title {SCRIPT}")
        assert_escaped(
            coach.get(reverse("engagements:detail", args=[engagement.pk])).content.decode(), f"Pack {SCRIPT}"
        )
        assert_escaped(coach.get(reverse("engagements:list")).content.decode(), f"Title {SCRIPT}")

    def test_information_category_and_template_name(self, world: World) -> None:
        admin = world.http("admin")
        admin.post(reverse("consent:categories"), {"name": f"Cat {SCRIPT}"[:120], "description": f"D {SCRIPT}"})
        assert_escaped(admin.get(reverse("consent:categories")).content.decode(), f"Cat {SCRIPT}"[:120])

    def test_a_break_glass_reason_shown_to_the_coach(self, world: World) -> None:
        from engagements import services

        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body="Private.")
        reason = f"A court order requires it. {SCRIPT}"
        posted = world.http("admin").post(reverse("engagements:break_glass", args=[note.pk]), {"reason": reason})
        assert posted.status_code == 302
        shown = world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        shown += world.http("coach").get(reverse("dashboard")).content.decode()
        assert_escaped(shown, reason)

    def test_the_answer_of_someone_giving_feedback(self, world: World) -> None:
        from feedback import services as feedback_services

        request, issued = feedback_services.feedback_request_create(
            actor=world.people["coach"],
            engagement=world.engagement,
            kind="named",
            source_category="peer",
            prompt="What changed?",
            sources=[feedback_services.NewSource(email="peer@example.net", name=f"Peer {SCRIPT}")],
        )
        give = reverse("feedback:feedback_give", args=[issued[0][1]])
        answered = world.http("anonymous").post(give, {"terms_read": "1", "answer": f"Answer {SCRIPT}"})
        assert answered.status_code == 200
        page = world.http("coach").get(reverse("feedback:feedback_detail", args=[request.pk])).content.decode()
        assert_escaped(page, f"Answer {SCRIPT}")
        assert_escaped(page, f"Peer {SCRIPT}")

    def test_an_echoed_form_keeps_the_markup_escaped(self, world: World) -> None:
        """A refused form shows the text back for correcting: escaped, in the field."""
        long_title = "x" * 201 + SCRIPT
        page = world.http("admin").post(reverse("engagements:organisation_create"), {"name": long_title})
        assert page.status_code == 200
        assert_escaped(page.content.decode(), long_title)


@pytest.mark.django_db
class TestEmptyAndTooLong:
    @pytest.mark.parametrize("body", ["", "   ", "\n\t \n"])
    def test_an_empty_note_is_refused_through_the_page_and_the_api(self, world: World, body: str) -> None:
        http, api = world.http("coach"), world.api("coach")
        before = fingerprint(except_reads=True)
        posted = http.post(reverse("engagements:note_create", args=[world.engagement.pk]), {"body": body})
        assert posted.status_code == 200  # the page again, the form open with the reason beside it
        answered = api.post(
            reverse("api_notes", args=[world.engagement.pk]), {"body": body}, content_type="application/json"
        )
        assert answered.status_code == 400
        assert "empty" in answered.content.decode() or "blank" in answered.content.decode()
        assert fingerprint(except_reads=True) == before
        assert "not saved" in " ".join(str(m) for m in posted.context["messages"])
        assert posted.context["note_form"].errors["body"]

    def test_a_note_at_the_limit_is_kept_whole_and_one_character_more_is_refused(self, world: World) -> None:
        from engagements.services import NOTE_MAX_CHARS

        api = world.api("coach")
        url = reverse("api_notes", args=[world.engagement.pk])
        before = fingerprint()
        too_long = api.post(url, {"body": "ø" * (NOTE_MAX_CHARS + 1)}, content_type="application/json")
        assert too_long.status_code == 400 and "50000" in too_long.content.decode().replace(",", "")
        assert fingerprint() == before
        whole = "ø" * (NOTE_MAX_CHARS - 1) + "Z"
        created = api.post(url, {"body": whole}, content_type="application/json")
        assert created.status_code == 201
        assert api.get(reverse("api_note", args=[created.json()["id"]])).json()["body"] == whole

    @pytest.mark.parametrize(
        ("url_name", "data", "field"),
        [
            ("engagements:organisation_create", {"name": "o" * 201}, "name"),
            ("engagements:client_create", {"full_name": "c" * 201}, "full_name"),
            ("engagements:organisation_create", {"name": "   "}, "name"),
            ("engagements:client_create", {"full_name": ""}, "full_name"),
        ],
    )
    def test_the_administrators_forms_refuse_with_the_field_named(
        self, world: World, url_name: str, data: dict[str, str], field: str
    ) -> None:
        http = world.http("admin")
        before = fingerprint()
        page = http.post(reverse(url_name), data)
        assert page.status_code == 200
        assert page.context["form"].errors[field]
        assert fingerprint() == before

    def test_a_complaint_with_no_words_is_refused(self, world: World) -> None:
        http = world.http("client")
        before = fingerprint()
        page = http.post(reverse("complaints:complaint_lodge"), {"about": "shared", "body": "  "})
        assert page.status_code == 200 and page.context["form"].errors
        assert fingerprint() == before


@pytest.mark.django_db
class TestWrongTypes:
    @pytest.mark.parametrize(
        "body",
        [
            {"body": 12345},
            {"body": None},
            {"body": ["a", "list"]},
            {"body": {"an": "object"}},
            {"body": "fine", "session": "not-a-uuid"},
            {"body": "fine", "shared_with_client": "perhaps"},
        ],
        ids=["number", "null", "list", "object", "bad-uuid", "bad-boolean"],
    )
    def test_the_api_refuses_a_value_of_the_wrong_type_and_names_the_field(
        self, world: World, body: dict[str, Any]
    ) -> None:
        api = world.api("coach")
        before = fingerprint()
        answered = api.post(
            reverse("api_notes", args=[world.engagement.pk]), json.dumps(body), content_type="application/json"
        )
        assert answered.status_code == 400
        assert set(answered.json()) & {"body", "session", "shared_with_client"}
        assert fingerprint() == before

    @pytest.mark.parametrize(
        ("payload", "content_type", "status"),
        [
            (b'{"body": "unterminated', "application/json", 400),
            (b"\xff\xfe not json at all", "application/json", 400),
            (b"body=hello", "text/plain", 415),
        ],
        ids=["broken-json", "not-utf8", "wrong-content-type"],
    )
    def test_the_api_refuses_a_body_it_cannot_read(
        self, world: World, payload: bytes, content_type: str, status: int
    ) -> None:
        api = world.api("coach")
        before = fingerprint()
        answered = api.generic("POST", reverse("api_notes", args=[world.engagement.pk]), payload, content_type)
        assert answered.status_code == status
        assert answered.json()["detail"]
        assert fingerprint() == before

    @pytest.mark.parametrize(
        "data",
        [
            {"held_on": "yesterday", "duration_minutes": "60", "mode": "video"},
            {"held_on": "2026-02-30", "duration_minutes": "60", "mode": "video"},
            {"held_on": "2026-01-05", "duration_minutes": "sixty", "mode": "video"},
            {"held_on": "2026-01-05", "duration_minutes": "99999999999999999999", "mode": "video"},
            {"held_on": "2026-01-05", "duration_minutes": "60", "mode": "telepathy"},
        ],
        ids=["not-a-date", "no-such-day", "not-a-number", "huge-number", "not-a-choice"],
    )
    def test_the_session_form_refuses_and_says_so(self, world: World, data: dict[str, str]) -> None:
        http = world.http("coach")
        before = fingerprint(except_reads=True)
        posted = http.post(reverse("engagements:session_create", args=[world.engagement.pk]), data)
        assert posted.status_code == 200  # the page again, the form as sent with the reason beside it
        assert fingerprint(except_reads=True) == before
        assert "not recorded" in " ".join(str(m) for m in posted.context["messages"])
        assert posted.context["session_form"].errors


@pytest.mark.django_db
class TestNonLatinText:
    @pytest.mark.parametrize("name", NAMES)
    def test_a_clients_name_comes_back_exactly_as_given(self, world: World, name: str) -> None:
        admin = world.http("admin")
        existing = set(Client.objects.values_list("pk", flat=True))
        posted = admin.post(reverse("engagements:client_create"), {"full_name": name, "basic_consent": "on"})
        assert posted.status_code == 302
        client = Client.objects.exclude(pk__in=existing).get()
        assert client.full_name == name  # decrypted from its own key, byte for byte
        assert escape(name) in admin.get(reverse("engagements:clients")).content.decode()
        listed = world.api("admin").get(reverse("api_clients")).json()
        names = [c["full_name"] for c in (listed["results"] if isinstance(listed, dict) else listed)]
        assert name in names

    def test_a_note_in_many_scripts_round_trips_through_encryption_page_and_api(self, world: World) -> None:
        coach = world.http("coach")
        posted = coach.post(
            reverse("engagements:note_create", args=[world.engagement.pk]),
            {"body": MIXED, "shared_with_client": "on"},
        )
        assert posted.status_code == 302
        note = Note.objects.get()
        assert note.body == MIXED
        assert escape(MIXED) in coach.get(reverse("engagements:note_view", args=[note.pk])).content.decode()
        assert (
            escape(MIXED) in world.http("client").get(reverse("engagements:note_view", args=[note.pk])).content.decode()
        )
        assert world.api("client").get(reverse("api_note", args=[note.pk])).json()["body"] == MIXED

    def test_a_non_latin_name_is_printed_in_the_signed_agreements_pdf(self, world: World) -> None:
        from confidentiality.roles import Role
        from consent.services import current_agreement
        from engagements.services import engagement_create
        from tests.factories import ClientFactory, UserFactory, agree

        # The agreement lists who signed it, by their own account's name.
        client = ClientFactory(full_name=ZOE, user=UserFactory(role=Role.CLIENT, display_name=ZOE))
        engagement = engagement_create(
            actor=None,
            reference="ENG-ZOE",
            title="Leadership coaching",
            organisation=world.organisation,
            client=client,
            coaches=[world.people["coach"]],
            sponsors=[world.people["sponsor"]],
            starts_on=world.engagement.starts_on,
        )
        agree(engagement)
        agreement = current_agreement(engagement)
        assert agreement is not None
        response = world.http("coach").get(reverse("consent:agreement_pdf", args=[agreement.pk]))
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert ZOE in text
