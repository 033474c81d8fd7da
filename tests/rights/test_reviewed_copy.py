"""A subject-access copy is read before it is released (issue 21): the administrator reads its text
(the read goes into the client's access log), withholds a third party's details where the law allows
with the reason kept with the request, the copy is made again without them, and is released only
once read and confirmed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from confidentiality.models import AuditEvent
from engagements import services as engagement_services
from rights import services as sar
from rights.models import Redaction, SubjectAccessRequest
from tests.conftest import World
from tests.rights.test_subject_access import body_of, open_copy

pytestmark = pytest.mark.django_db

THIRD_PARTY = "Ada Brightwater"
NOTE = f"Shared: {THIRD_PARTY} in finance says the client shouts at the Monday meeting."
WHY = "Identifies another person who has not consented (DPA 2018 sch. 2 para. 16)."


@pytest.fixture(autouse=True)
def queued(monkeypatch: Any) -> None:
    from rights.tasks import subject_access_export_task

    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: None)


def built_copy(world: World) -> SubjectAccessRequest:
    engagement_services.note_create(
        actor=world.people["coach"], engagement=world.engagement, body=NOTE, shared_with_client=True
    )
    request = sar.subject_access_request_open(actor=world.people["client"])
    return build(world, request)


def build(world: World, request: SubjectAccessRequest) -> SubjectAccessRequest:
    export = sar.export_of(request) or sar.subject_access_export_start(actor=world.people["admin"], request=request)
    assert sar.export_build(export_id=export.pk) is True
    request.refresh_from_db()
    return request


class TestReading:
    def test_the_administrator_reads_the_text_and_the_read_is_logged(self, world: World) -> None:
        request = built_copy(world)
        page = world.http("admin").get(reverse("subject_access:copy", args=[request.pk]))
        assert page.status_code == 200 and THIRD_PARTY in page.content.decode()
        assert AuditEvent.objects.filter(
            action="subject_access.review_read", client_id=world.engagement.client_id
        ).exists()
        for persona in ("client", "coach", "sponsor", "auditor", "superuser"):
            assert world.http(persona).get(reverse("subject_access:copy", args=[request.pk])).status_code == 404

    def test_a_copy_not_read_is_not_released(self, world: World) -> None:
        request = built_copy(world)
        with pytest.raises(ValidationError, match="Read the copy first"):
            sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        world.http("admin").get(reverse("subject_access:copy", args=[request.pk]))
        response = world.http("admin").post(reverse("subject_access:release", args=[request.pk]))
        assert response.status_code == 302  # back to the request, with the reason: not confirmed
        assert SubjectAccessRequest.objects.get(pk=request.pk).state == "ready"
        world.http("admin").post(reverse("subject_access:release", args=[request.pk]), {"reviewed": "on"})
        assert SubjectAccessRequest.objects.get(pk=request.pk).state == "completed"


class TestWithholding:
    def test_a_third_partys_name_is_withheld_everywhere_and_the_reason_kept(self, world: World) -> None:
        request = built_copy(world)
        admin = world.http("admin")
        admin.get(reverse("subject_access:copy", args=[request.pk]))
        response = admin.post(
            reverse("subject_access:redact", args=[request.pk]), {"phrase": "ada brightwater", "reason": WHY}
        )
        assert response.status_code == 302
        redaction = Redaction.objects.get()
        assert redaction.reason == WHY and redaction.phrase == "ada brightwater"
        request = SubjectAccessRequest.objects.get(pk=request.pk)
        assert request.state == "in_progress"  # made again, to be read again
        request = build(world, request)
        with pytest.raises(ValidationError, match="Read the copy first"):
            sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        copy = open_copy(body_of(world.http("client").get(reverse("subject_access:download", args=[request.pk]))))
        assert THIRD_PARTY not in copy.everything and "[withheld] in finance says" in copy.everything
        assert "Ada" not in str(AuditEvent.objects.filter(action="subject_access.redact").get().detail)

    def test_a_bad_withholding_is_refused_with_what_was_typed_kept(self, world: World) -> None:
        request = built_copy(world)
        response = world.http("admin").post(
            reverse("subject_access:redact", args=[request.pk]), {"phrase": "Ada Brightwater", "reason": ""}
        )
        body = response.content.decode()
        assert response.status_code == 400 and "Ada Brightwater" in body
        assert not Redaction.objects.exists() and SubjectAccessRequest.objects.get(pk=request.pk).state == "ready"

    def test_nothing_is_withheld_once_released_or_by_anyone_else(self, world: World) -> None:
        request = built_copy(world)
        sar.copy_for_review(actor=world.people["admin"], request=request)
        for persona in ("client", "coach", "sponsor"):
            url = reverse("subject_access:redact", args=[request.pk])
            assert world.http(persona).post(url, {"phrase": "Ada", "reason": WHY}).status_code == 404
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        with pytest.raises(ValidationError, match="before the copy is released"):
            sar.redaction_add(actor=world.people["admin"], request=request, phrase="Ada Brightwater", reason=WHY)


class TestFoundInReview:
    """What an attacker's review of the first version found: each was a way round it then."""

    def test_line_breaks_odd_spaces_and_file_names_do_not_get_round_it(self, world: World) -> None:
        coach = world.people["coach"]
        for body in ("Ada\nBrightwater phoned.", "Ada\u00a0Brightwater wrote.", "ADA   brightwater came."):
            engagement_services.note_create(
                actor=coach, engagement=world.engagement, body=body, shared_with_client=True
            )
        engagement_services.document_upload(
            actor=coach,
            engagement=world.engagement,
            name="Ada Brightwater reference.txt",
            content=b"A reference.",
            shared_with_client=True,
        )
        request = built_copy(world)
        sar.redaction_add(actor=world.people["admin"], request=request, phrase="Ada Brightwater", reason=WHY)
        request = build(world, SubjectAccessRequest.objects.get(pk=request.pk))
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        copy = open_copy(body_of(world.http("client").get(reverse("subject_access:download", args=[request.pk]))))
        assert "brightwater" not in copy.everything.lower()
        assert any(
            name.endswith("[withheld]-reference.txt") or "[withheld]" in name for name in copy.archive.namelist()
        )

    def test_a_copy_still_being_made_is_made_again_with_it(self, world: World) -> None:
        request = sar.subject_access_request_open(actor=world.people["client"])
        first = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        sar.redaction_add(actor=world.people["admin"], request=request, phrase="Ada Brightwater", reason=WHY)
        assert sar.export_build(export_id=first.pk) is False  # its job is gone: nothing it made is kept
        again = sar.export_of(request)
        assert again is not None and again.pk != first.pk and again.state == "queued"


class TestWithholdingAWholeFile:
    """Issue 21: a whole file withheld where the law allows (mostly about someone else, privileged):
    the copy lists it as withheld, with the reason, and leaves it out; it is made again and read again."""

    FILE_WHY = "Mostly about another person, who has not consented (DPA 2018 sch. 2 para. 16)."

    def upload(self, world: World, name: str, content: bytes) -> Any:
        return engagement_services.document_upload(
            actor=world.people["coach"],
            engagement=world.engagement,
            name=name,
            content=content,
            shared_with_client=True,
        )

    def test_the_file_is_left_out_and_listed_as_withheld_with_the_reason(self, world: World) -> None:
        kept = self.upload(world, "plan.txt", b"The client's own plan.")
        gone = self.upload(world, "colleague.txt", b"Quillfeather's appraisal of the team.")
        request = built_copy(world)
        admin = world.http("admin")
        page = admin.get(reverse("subject_access:copy", args=[request.pk])).content.decode()
        assert str(gone.pk) in page and "Withhold this file" in page
        response = admin.post(
            reverse("subject_access:withhold_file", args=[request.pk]),
            {"document": str(gone.pk), "reason": self.FILE_WHY},
        )
        assert response.status_code == 302
        request = build(world, SubjectAccessRequest.objects.get(pk=request.pk))
        assert request.state == "ready"  # made again: to be read again before release
        with pytest.raises(ValidationError):
            sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        sar.copy_for_review(actor=world.people["admin"], request=request)
        sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
        copy = open_copy(body_of(world.http("client").get(reverse("subject_access:download", args=[request.pk]))))
        assert "Quillfeather" not in copy.everything and "The client's own plan." in copy.everything
        listed = {item["record_id"]: item for item in copy.data["documents"]}
        assert listed[str(gone.pk)]["file"] is None and self.FILE_WHY in listed[str(gone.pk)]["withheld"]
        assert listed[str(kept.pk)]["file"] in copy.archive.namelist()
        assert self.FILE_WHY in copy.pdf_text
        assert AuditEvent.objects.filter(
            action="subject_access.withhold_file", client_id=world.client_record.pk
        ).exists()

    def test_a_bad_withholding_is_refused_and_changes_nothing(self, world: World) -> None:
        gone = self.upload(world, "colleague.txt", b"Appraisal.")
        other = engagement_services.document_upload(
            actor=world.people["other_coach"],
            engagement=world.other_engagement,
            name="theirs.txt",
            content=b"x",
            shared_with_client=True,
        )
        request = built_copy(world)
        admin = world.http("admin")
        url = reverse("subject_access:withhold_file", args=[request.pk])
        without = admin.post(url, {"document": str(gone.pk), "reason": ""})
        assert without.status_code == 400
        elsewhere = admin.post(url, {"document": str(other.pk), "reason": self.FILE_WHY})
        assert elsewhere.status_code == 400 and "Choose a file in the copy" in elsewhere.content.decode()
        too_long = "Privileged " + "x" * 300
        kept = admin.post(url, {"document": str(gone.pk), "reason": too_long})
        assert kept.status_code == 400 and too_long in kept.content.decode()  # what was typed is kept
        for persona in ("coach", "client", "sponsor", "auditor"):
            assert world.http(persona).post(url, {"document": str(gone.pk), "reason": self.FILE_WHY}).status_code == 404
        assert not request.withheld_files.exists()
        assert SubjectAccessRequest.objects.get(pk=request.pk).state == "ready"
