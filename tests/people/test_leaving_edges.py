"""The edges of leaving: what a supervisor, a closed engagement, a race or a bad record could keep open.

Issue: "no one keeps any access after they leave"; policy 001: confidentiality "will remain
confidential forever", so a closed engagement still needs a coach who can act on it.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.models import AuditEvent, Notice, User
from confidentiality.notify import notify
from confidentiality.roles import Role
from disclosures import concerns
from disclosures import services as disclosure_services
from disclosures.models import Concern, Disclosure
from engagements import services
from engagements.models import EngagementMember
from people import policies
from people import services as people_services
from people.models import Offboarding
from retention.services import policy_record
from tests.conftest import World, login
from tests.factories import UserFactory


def offboard(world: World, persona: str) -> Offboarding:
    return people_services.person_offboard(
        actor=world.people["admin"], user=world.people[persona], reason=Offboarding.Reason.DEACTIVATED
    )


def reactivate(world: World, persona: str) -> User:
    return people_services.person_reactivate(
        actor=world.people["admin"], user=User.objects.get(pk=world.people[persona].pk)
    )


def disclosure_naming(world: World, supervisor: Any) -> Disclosure:
    from tests.factories import disclosure_without_consent

    return disclosure_without_consent(
        world.people["coach"],
        world.engagement,
        what="Only the fact of the risk",
        recipient="The regulator",
        reason="Serious danger to others",
        supervisor=supervisor,
    )


def concern_naming(world: World, supervisor: Any) -> Concern:
    return concerns.concern_start(
        actor=world.people["coach"],
        engagement=world.engagement,
        kind=Concern.Kind.BREAKING_CONFIDENTIALITY,
        text="What the coach heard, in confidence",
        supervisor=supervisor,
    )


@pytest.mark.django_db
class TestASupervisorWhoLeaves:
    def test_it_reads_nothing_it_supervised_once_back(self, world: World) -> None:
        supervisor = world.people["other_coach"]
        waiting = disclosure_naming(world, supervisor)
        concern = concern_naming(world, supervisor)
        assert access.disclosures_visible_to(supervisor).filter(pk=waiting.pk).exists()
        assert access.concerns_visible_to(supervisor).filter(pk=concern.pk).exists()

        offboard(world, "other_coach")
        back = reactivate(world, "other_coach")
        assert not access.disclosures_visible_to(back).exists()
        assert not access.concerns_visible_to(back).exists()
        http = login(type(world.http("admin"))(), back)
        assert http.get(reverse("disclosures:disclosure_detail", args=[waiting.pk])).status_code == 404
        assert http.get(reverse("disclosures:concern_detail", args=[concern.pk])).status_code == 404

    def test_a_disclosure_waiting_for_them_falls_to_the_administrators(self, world: World) -> None:
        waiting = disclosure_naming(world, world.people["other_coach"])
        event_count = AuditEvent.objects.filter(action="person.offboard").count()
        offboard(world, "other_coach")
        waiting.refresh_from_db()
        assert waiting.supervisor is None and waiting.state == Disclosure.State.AWAITING_APPROVAL
        assert access.approvers_of(waiting) == [world.people["admin"]]
        assert Notice.objects.filter(user=world.people["admin"], text__contains="supervisor who has left").exists()
        # Who was named stays on record, by id, in the offboarding's audit event.
        event = AuditEvent.objects.filter(action="person.offboard").order_by("-seq").first()
        assert event is not None and AuditEvent.objects.filter(action="person.offboard").count() == event_count + 1
        assert event.detail["supervisor_of_disclosures"] == [str(waiting.pk)]
        made = disclosure_services.disclosure_decide(actor=world.people["admin"], disclosure=waiting, approve=True)
        assert made.state == Disclosure.State.MADE

    def test_a_supervisor_whose_contract_ended_is_not_asked(self, world: World) -> None:
        supervisor = world.people["other_coach"]
        waiting = disclosure_naming(world, supervisor)
        User.objects.filter(pk=supervisor.pk).update(contract_ends_on=timezone.localdate() - datetime.timedelta(days=1))
        waiting = Disclosure.objects.select_related("supervisor").get(pk=waiting.pk)
        assert access.approvers_of(waiting) == [world.people["admin"]]
        assert supervisor.pk not in {u.pk for u in access.supervisors_for(world.people["coach"])}


@pytest.mark.django_db
class TestNoticesToLeavers:
    def test_someone_who_left_is_told_nothing(self, world: World) -> None:
        offboard(world, "other_coach")
        gone = User.objects.get(pk=world.people["other_coach"].pk)
        notify(users=[gone, world.people["admin"]], text="Something happened.", link="/")
        assert not Notice.objects.filter(user=gone, text="Something happened.").exists()
        assert Notice.objects.filter(user=world.people["admin"], text="Something happened.").exists()


@pytest.mark.django_db
class TestAClosedEngagementWhoseCoachLeft:
    def close_and_offboard(self, world: World) -> Offboarding:
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        return offboard(world, "coach")

    def test_a_coach_can_be_put_on_it_to_act_on_it(self, world: World) -> None:
        self.close_and_offboard(world)
        newcomer = world.people["other_coach"]
        assert not access.can_write_disclosures(newcomer, world.engagement)
        services.engagement_member_add(
            actor=world.people["admin"], engagement=world.engagement, user=newcomer, kind="coach"
        )
        # A fresh object, as the next request has: access is cached for the request.
        assert access.can_write_disclosures(User.objects.get(pk=newcomer.pk), world.engagement)

    def test_only_while_it_has_no_coach_and_only_a_coach(self, world: World) -> None:
        self.close_and_offboard(world)
        services.engagement_member_add(
            actor=world.people["admin"], engagement=world.engagement, user=world.people["other_coach"], kind="coach"
        )
        third = UserFactory(role=Role.COACH)
        with pytest.raises(ValidationError, match="closed engagement takes no new people"):
            services.engagement_member_add(
                actor=world.people["admin"], engagement=world.engagement, user=third, kind="coach"
            )
        assert not EngagementMember.objects.filter(engagement=world.engagement, user=third).exists()

    def test_a_sponsor_contact_is_still_refused(self, world: World) -> None:
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        with pytest.raises(ValidationError, match="closed engagement takes no new people"):
            services.engagement_member_add(
                actor=world.people["admin"],
                engagement=world.engagement,
                user=world.people["other_sponsor"],
                kind="sponsor",
            )

    def test_a_handover_left_open_when_the_engagement_closed_can_be_settled(self, world: World) -> None:
        handover = offboard(world, "coach").engagements.get()
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        world.http("admin").post(reverse("people:handover_settle", args=[handover.pk]))
        handover.refresh_from_db()
        assert handover.settled_at is not None and handover.reassigned_to is None


@pytest.mark.django_db
class TestPuttingSomeoneOnAnEngagement:
    def test_someone_who_has_left_is_refused(self, world: World) -> None:
        offboard(world, "other_coach")
        stale = world.people["other_coach"]  # the object an administrator's form held before
        with pytest.raises(ValidationError, match="not active"):
            services.engagement_member_add(
                actor=world.people["admin"], engagement=world.engagement, user=stale, kind="coach"
            )
        assert not EngagementMember.objects.filter(user=stale).exists()
        assert not access.has_engagement_access(
            User.objects.get(pk=stale.pk), world.engagement, access.EngagementAccess.READ_CONFIDENTIAL
        )


@pytest.mark.django_db
class TestThePolicyFlag:
    def test_it_is_not_cleared_when_a_new_version_appears_between_the_read_and_the_write(self, world: World) -> None:
        """``settle`` is told nothing is pending (read before the administrator recorded a new
        version); it must look again under the row lock rather than trust that."""
        coach = User.objects.get(pk=world.people["coach"].pk)
        policy_record(
            actor=world.people["admin"],
            kind="confidentiality",
            text="A new version everyone must read.",
            reviewed_on=timezone.localdate(),
        )
        coach.refresh_from_db()
        assert coach.must_accept_policies
        policies.settle(coach, [])  # the stale answer
        coach.refresh_from_db()
        assert coach.must_accept_policies
        assert access.policies_to_accept(coach)


@pytest.mark.django_db
def test_one_bad_record_does_not_stop_everyone_else_leaving(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    first, second = world.people["coach"], world.people["other_coach"]
    User.objects.filter(pk__in=[first.pk, second.pk]).update(contract_ends_on=yesterday)
    real = people_services.person_offboard

    def refuse_the_first(*, actor: Any, user: Any, reason: str) -> Offboarding:
        if user.pk == min(first.pk, second.pk):
            raise ValidationError("An odd record.")
        return real(actor=actor, user=user, reason=reason)

    monkeypatch.setattr(people_services, "person_offboard", refuse_the_first)
    done = people_services.offboard_lapsed()
    later = max(first.pk, second.pk)
    assert [o.user_id for o in done] == [later]
    assert not User.objects.get(pk=later).is_active
