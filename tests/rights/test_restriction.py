"""Restriction and objection pause processing (issue 21; UK GDPR arts. 18 and 21): the client's
records are kept and not used (not read by coaches, sponsor or administrator) until lifted, no new work is
made, the engagement shows why (but not to the sponsor), and lifting gives everything back and tells
the client why."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from confidentiality.models import Notice
from engagements import services
from engagements.models import Engagement, Note, ProcessingRestriction
from rights import services as sar
from rights.models import SubjectAccessRequest
from tests.conftest import World
from tests.rights.test_subject_access import SUPPLIED_DOC_BYTES, held  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

PRIVATE = "Private: Thaddeus spoke about the merger and his health."
SHARED = "Shared: the plan for the next three months, Thaddeus."
WHY = "The client contests the accuracy of the notes of March: checking them (art. 18(1)(a))."


def asked(world: World, right: str = "restriction") -> SubjectAccessRequest:
    return sar.subject_access_request_open(
        actor=world.people["client"], right=right, details="Stop using my notes until you correct them."
    )


def restricted(world: World, right: str = "restriction") -> SubjectAccessRequest:
    request = asked(world, right)
    response = world.http("admin").post(reverse("subject_access:restrict", args=[request.pk]), {"reason": WHY})
    assert response.status_code == 302, response.content.decode()[:500]
    return request


@pytest.fixture
def notes(world: World) -> tuple[object, object]:
    coach = world.people["coach"]
    private = services.note_create(actor=coach, engagement=world.engagement, body=PRIVATE)
    shared = services.note_create(actor=coach, engagement=world.engagement, body=SHARED, shared_with_client=True)
    return private, shared


class TestPausing:
    def test_no_one_reads_the_clients_records_while_it_stands(self, world: World, notes: tuple) -> None:
        private, shared = notes
        restricted(world)
        assert Engagement.objects.get(pk=world.engagement.pk).restricted
        coach = world.http("coach")
        assert coach.get(reverse("engagements:note_view", args=[private.pk])).status_code == 404
        page = coach.get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        assert "Thaddeus" not in page and "Processing is paused." in page and "contests the accuracy" in page
        assert coach.get(f"/api/v1/notes/{private.pk}/").status_code in (401, 404)
        api_notes = world.api("coach").get(f"/api/v1/engagements/{world.engagement.pk}/notes/")
        assert "Thaddeus" not in api_notes.content.decode()
        client = world.http("client")
        assert client.get(reverse("engagements:note_view", args=[shared.pk])).status_code == 404
        sponsor_page = world.http("sponsor").get(reverse("engagements:detail", args=[world.engagement.pk]))
        body = sponsor_page.content.decode()
        assert "Processing is paused." in body and "contests the accuracy" not in body
        admin_page = world.http("admin").get(reverse("engagements:detail", args=[world.engagement.pk])).content
        assert "Thaddeus" not in admin_page.decode()
        # The client reads why on their request.
        request = SubjectAccessRequest.objects.get()
        mine = client.get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "contests the accuracy" in mine and "not used" in mine
        assert Notice.objects.filter(user=world.people["client"], text__contains="is paused").exists()

    def test_no_new_work_is_made(self, world: World) -> None:
        restricted(world)
        engagement = Engagement.objects.get(pk=world.engagement.pk)
        with pytest.raises((ValidationError, PermissionDenied)):
            services.note_create(actor=world.people["coach"], engagement=engagement, body="A new note.")
        response = world.http("coach").post(
            reverse("engagements:note_create", args=[engagement.pk]), {"body": "Typed while paused."}
        )
        assert response.status_code == 404
        assert not Note.objects.filter(engagement=engagement).exists()
        # The coach's dashboard asks for no work on it either.
        dashboard = world.http("coach").get(reverse("dashboard")).content.decode()
        assert "Paused at the client&#x27;s request" in dashboard or "Paused at the client's request" in dashboard

    def test_an_objection_pauses_it_too_and_a_new_engagement_starts_paused(self, world: World) -> None:
        restricted(world, "objection")
        again = services.engagement_create(
            actor=world.people["admin"],
            reference="ENG-R-2",
            title="Second engagement",
            organisation=world.organisation,
            client=world.engagement.client,
            coaches=[world.people["coach"]],
            sponsors=[],
            starts_on=world.engagement.starts_on,
        )
        assert again.restricted

    def test_lifting_gives_everything_back_and_tells_the_client_why(self, world: World, notes: tuple) -> None:
        private, _shared = notes
        request = restricted(world)
        admin = world.http("admin")
        empty = admin.post(reverse("subject_access:lift", args=[request.pk]), {"lift_reason": ""})
        assert empty.status_code == 400
        response = admin.post(
            reverse("subject_access:lift", args=[request.pk]), {"lift_reason": "The notes were checked and corrected."}
        )
        assert response.status_code == 302
        assert not Engagement.objects.get(pk=world.engagement.pk).restricted
        assert world.http("coach").get(reverse("engagements:note_view", args=[private.pk])).status_code == 200
        assert Notice.objects.filter(user=world.people["client"], text__contains="is lifted").exists()
        page = world.http("client").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "checked and corrected" in page
        restriction = ProcessingRestriction.objects.get()
        assert restriction.lifted_at is not None and restriction.lifted_by == world.people["admin"]


class TestRefusals:
    def test_a_pause_without_a_reason_is_refused_and_changes_nothing(self, world: World) -> None:
        request = asked(world)
        response = world.http("admin").post(reverse("subject_access:restrict", args=[request.pk]), {"reason": "  "})
        assert response.status_code == 400
        assert not Engagement.objects.get(pk=world.engagement.pk).restricted
        assert not ProcessingRestriction.objects.exists()

    def test_twice_is_refused_with_the_reason_and_the_text_kept(self, world: World) -> None:
        request = restricted(world)
        again = "Typed in a tab left open."
        response = world.http("admin").post(reverse("subject_access:restrict", args=[request.pk]), {"reason": again})
        body = response.content.decode()
        assert response.status_code == 400 and "already paused" in body and again in body
        assert ProcessingRestriction.objects.count() == 1

    def test_only_a_restriction_or_objection_pauses_and_only_the_administrator(self, world: World) -> None:
        correction = asked(world, "rectification")
        response = world.http("admin").post(reverse("subject_access:restrict", args=[correction.pk]), {"reason": WHY})
        assert response.status_code == 400 and not ProcessingRestriction.objects.exists()
        request = asked(world)
        for persona in ("client", "coach", "sponsor", "auditor"):
            response = world.http(persona).post(reverse("subject_access:restrict", args=[request.pk]), {"reason": WHY})
            assert response.status_code == 404, persona
        assert not ProcessingRestriction.objects.exists()


def test_the_api_pauses_and_lifts(world: World) -> None:
    request = asked(world)
    api = world.api("admin")
    url = f"/api/v1/subject-access-requests/{request.pk}/"
    paused = api.post(url + "restrict/", {"reason": WHY}, content_type="application/json")
    assert paused.status_code == 200 and paused.json()["processing_paused"] is True
    assert Engagement.objects.get(pk=world.engagement.pk).restricted
    assert world.api("client").post(url + "lift/", {"reason": "x"}, content_type="application/json").status_code == 404
    lifted = api.post(url + "lift/", {"reason": "Checked."}, content_type="application/json")
    assert lifted.status_code == 200 and lifted.json()["processing_paused"] is False
    assert not Engagement.objects.get(pk=world.engagement.pk).restricted


class TestFoundInReview:
    """What an attacker's review of the first version found: each was a side door then."""

    def test_a_sponsor_gets_no_supplied_document_while_it_stands(self, world: World) -> None:
        supplied = services.document_upload(
            actor=world.people["sponsor"],
            engagement=world.engagement,
            name="competencies.txt",
            content=b"Northwind competency framework.",
            supplied_by_organisation=True,
        )
        restricted(world)
        api = world.api("sponsor")
        listed = api.get(f"/api/v1/engagements/{world.engagement.pk}/documents/")
        assert "competencies" not in listed.content.decode()
        assert api.get(f"/api/v1/documents/{supplied.pk}/download/").status_code == 404
        page = world.http("sponsor").get(reverse("engagements:detail", args=[world.engagement.pk]))
        assert "competencies" not in page.content.decode()

    def test_the_organisations_copy_leaves_out_what_the_restriction_pauses(self, world: World, held: Any) -> None:  # noqa: F811
        assert held.released_report is not None
        restricted(world)
        request = sar.subject_access_request_open(actor=world.people["sponsor"])
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        from rights.exports import contents_for

        contents = contents_for(request)
        sections = {section.key: section for section in contents.sections}
        assert sections["released_reports"].items == [] and sections["documents"].items == []
        assert all(SUPPLIED_DOC_BYTES not in f.load() for f in contents.files)
        assert export is not None

    def test_a_feedback_link_takes_no_answer_while_it_stands(self, world: World) -> None:
        from feedback import services as feedback_services
        from tests.feedback.test_feedback import ask as ask_feedback

        _request, tokens = ask_feedback(world)
        restricted(world)
        with pytest.raises(PermissionDenied, match="does not work"):
            feedback_services.feedback_answer(token=tokens[0], answer="She interrupts in meetings.")
        from django.test import Client as Browser

        assert Browser().get(reverse("feedback:feedback_give", args=[tokens[0]])).status_code == 404

    def test_a_closed_request_pauses_nothing(self, world: World) -> None:
        request = asked(world)
        sar.right_answer(actor=world.people["admin"], request=request, outcome="We looked at it.")
        response = world.http("admin").post(reverse("subject_access:restrict", args=[request.pk]), {"reason": WHY})
        assert response.status_code == 400 and "already closed" in response.content.decode()
        assert not Engagement.objects.get(pk=world.engagement.pk).restricted
