"""Putting a coach on an engagement opens its whole file: notes, documents, feedback.

Issue 16, item 6: the administrator could read any private note without break-glass by adding
themselves, or a coach account, to an engagement; only a membership event recorded it, and
neither the client nor the engagement's coach was told. Now an administrator cannot put
themselves on an engagement (on any path: the page, a handover), and a coach given access to a
file that already holds something is named to the client and the coaches on it.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape

from confidentiality.models import AuditEvent, Notice
from engagements import services
from engagements.models import EngagementMember, EngagementUserObjectPermission
from tests.conftest import World
from tests.engagements.conftest import DOCUMENT_BYTES, DOCUMENT_NAME, PRIVATE_TEXT

FEEDBACK_PROMPT = "How does Samira handle the Tuesday budget meetings with Quillon?"


def add_other_coach(world: World) -> EngagementMember:
    return services.engagement_member_add(
        actor=world.people["admin"], engagement=world.engagement, user=world.people["other_coach"], kind="coach"
    )


def record(world: World, what: str) -> None:
    """Put one kind of confidential record on the engagement, as its coach does."""
    coach = world.people["coach"]
    if what == "note":
        services.note_create(actor=coach, engagement=world.engagement, body=PRIVATE_TEXT)
    elif what == "document":
        services.document_upload(actor=coach, engagement=world.engagement, name=DOCUMENT_NAME, content=DOCUMENT_BYTES)
    else:
        from feedback import services as feedback_services

        feedback_services.feedback_request_create(
            actor=coach,
            engagement=world.engagement,
            kind="named",
            source_category="peer",
            prompt=FEEDBACK_PROMPT,
            sources=[feedback_services.NewSource(email="ada@example.net", name="Ada Brightwater")],
        )


def new_notices(after: int, user: Any) -> list[Notice]:
    return list(Notice.objects.filter(pk__gt=after, user=user))


def last_notice_pk() -> int:
    return Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db
class TestAnAdministratorOnAnEngagement:
    def test_it_refuses_an_administrator_adding_themselves_as_coach(self, world: World) -> None:
        admin = world.people["admin"]
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError, match="cannot put yourself on an engagement"):
            services.engagement_member_add(actor=admin, engagement=world.engagement, user=admin, kind="coach")
        assert not EngagementMember.objects.filter(user=admin).exists()
        assert not EngagementUserObjectPermission.objects.filter(user=admin).exists()
        assert not AuditEvent.objects.filter(action="engagement.member_add", detail__user=admin.pk).exists()
        assert AuditEvent.objects.count() == before

    def test_it_refuses_an_administrator_taking_a_handover_themselves(self, world: World) -> None:
        from people import services as people_services

        admin = world.people["admin"]
        with pytest.raises(ValidationError, match="cannot put yourself on an engagement"):
            people_services.engagement_reassign(
                actor=admin, engagement=world.engagement, from_user=world.people["coach"], to_user=admin
            )
        # Nothing moved: the coach is still on it, the administrator is not.
        assert EngagementMember.objects.filter(engagement=world.engagement, user=world.people["coach"]).exists()
        assert not EngagementMember.objects.filter(user=admin).exists()
        assert not EngagementUserObjectPermission.objects.filter(user=admin).exists()

    def test_the_page_refuses_it_too_and_says_why(self, world: World) -> None:
        admin = world.people["admin"]
        response = world.http("admin").post(
            reverse("engagements:member_add", args=[world.engagement.pk]),
            {"user": admin.pk, "kind": "coach"},
            follow=True,
        )
        assert response.status_code == 200
        assert not EngagementMember.objects.filter(user=admin).exists()


@pytest.mark.django_db
class TestACoachGivenAccessToAFileThatHoldsRecords:
    @pytest.mark.parametrize("what", ["note", "document", "feedback"])
    def test_it_tells_the_client_and_the_coaches_on_it(self, world: World, what: str) -> None:
        record(world, what)
        after = last_notice_pk()
        add_other_coach(world)
        assert len(new_notices(after, world.people["client"])) == 1
        assert len(new_notices(after, world.people["coach"])) == 1
        # Nobody else learns of it: not the sponsor, not the administrator who did it.
        assert not new_notices(after, world.people["sponsor"])
        assert not new_notices(after, world.people["admin"])

    def test_the_notice_and_its_email_carry_no_confidential_text(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        record(world, "note")
        record(world, "document")
        after = last_notice_pk()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            add_other_coach(world)
        (to_client,) = new_notices(after, world.people["client"])
        assert "given access" in to_client.text
        assert to_client.link == reverse("engagements:access_log")
        (to_coach,) = new_notices(after, world.people["coach"])
        assert to_coach.link == reverse("engagements:detail", args=[world.engagement.pk])
        bodies = [notice.text for notice in (to_client, to_coach)] + [message.body for message in mail.outbox]
        assert {message.to[0] for message in mail.outbox} == {world.people["client"].email, world.people["coach"].email}
        for body in bodies:
            for secret in (PRIVATE_TEXT, DOCUMENT_NAME, world.client_record.full_name):
                assert secret not in body

    def test_the_client_sees_the_new_coach_as_given_access_with_the_date(self, world: World) -> None:
        record(world, "note")
        moment = datetime.datetime(2026, 3, 14, 12, 0, tzinfo=datetime.UTC)
        with time_machine.travel(moment, tick=False):
            add_other_coach(world)
        page = world.http("client").get(reverse("engagements:access_log")).content.decode()
        row = next(line for line in page.split("<tr>") if escape(world.people["other_coach"].display_name) in line)
        assert "Given access" in row and "14 Mar 2026" in row and "Coach" in row

    def test_a_handover_to_a_new_coach_tells_the_client_too(self, world: World) -> None:
        from people import services as people_services

        record(world, "note")
        after = last_notice_pk()
        people_services.engagement_reassign(
            actor=world.people["admin"],
            engagement=world.engagement,
            from_user=world.people["coach"],
            to_user=world.people["other_coach"],
        )
        assert len(new_notices(after, world.people["client"])) == 1
        page = world.http("client").get(reverse("engagements:access_log")).content.decode()
        assert escape(world.people["other_coach"].display_name) in page and "Given access" in page


@pytest.mark.django_db
class TestACoachGivenAccessToAnEmptyFile:
    def test_it_sends_no_notices_when_nothing_is_recorded_yet(self, world: World) -> None:
        after = last_notice_pk()
        add_other_coach(world)
        assert not new_notices(after, world.people["client"])
        assert not new_notices(after, world.people["coach"])

    def test_the_client_still_sees_who_was_given_access(self, world: World) -> None:
        add_other_coach(world)
        page = world.http("client").get(reverse("engagements:access_log")).content.decode()
        row = next(line for line in page.split("<tr>") if escape(world.people["other_coach"].display_name) in line)
        assert "Given access" in row and dateformat.format(timezone.localdate(), "j M Y") in row

    def test_a_sponsor_contact_added_is_not_shown_as_given_access_to_the_file(self, world: World) -> None:
        from confidentiality.roles import Role
        from tests.factories import UserFactory

        colleague = UserFactory(role=Role.SPONSOR, organisation=world.organisation)
        services.engagement_member_add(
            actor=world.people["admin"], engagement=world.engagement, user=colleague, kind="sponsor"
        )
        page = world.http("client").get(reverse("engagements:access_log")).content.decode()
        assert escape(colleague.display_name) not in page
