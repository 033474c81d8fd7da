"""When someone leaves, everything of theirs stops at once, and their engagements are handed over.

Policy 001: confidentiality "does not stop when the relationship with the consumer comes to an
end"; policy 000: "Associates will hold any information gathered from organisations securely".
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission

from confidentiality.models import ApiToken, AuditEvent, User
from confidentiality.roles import Role
from engagements import services
from engagements.models import (
    EngagementMember,
    EngagementUserObjectPermission,
    Note,
    OrganisationUserObjectPermission,
    SponsorContact,
)
from people import services as people_services
from people.models import Offboarding, OffboardingEngagement
from tests.conftest import PERSONAS, World, bearer, login
from tests.factories import EngagementFactory, UserFactory

NOTE_TEXT = "Words written by the coach that must outlive the account of the coach"


def object_permissions_of(user: User) -> int:
    return (
        EngagementUserObjectPermission.objects.filter(user=user).count()
        + OrganisationUserObjectPermission.objects.filter(user=user).count()
        + UserObjectPermission.objects.filter(user=user).count()
    )


def offboard(world: World, persona: str = "coach") -> Offboarding:
    return people_services.person_offboard(
        actor=world.people["admin"], user=world.people[persona], reason=Offboarding.Reason.DEACTIVATED
    )


@pytest.mark.django_db
class TestTheVeryNextRequest:
    def test_a_deactivated_coachs_session_cookie_is_refused(self, world: World) -> None:
        http = world.http("coach")
        page = reverse("engagements:detail", args=[world.engagement.pk])
        assert http.get(page).status_code == 200
        offboard(world)
        response = http.get(page)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
        assert http.get(reverse("dashboard")).status_code == 302

    def test_a_deactivated_coachs_api_token_is_refused(self, world: World) -> None:
        api = world.api("coach")
        url = f"/api/v1/engagements/{world.engagement.pk}/"
        assert api.get(url).status_code == 200
        offboard(world)
        assert api.get(url).status_code == 401
        assert api.get("/api/v1/me/").status_code == 401
        assert not ApiToken.objects.filter(user=world.people["coach"], revoked_at__isnull=True).exists()

    def test_through_the_administrators_page_too(self, world: World) -> None:
        coach_http, coach_api = world.http("coach"), world.api("coach")
        admin = world.http("admin")
        response = admin.post(reverse("people:offboard", args=[world.people["coach"].pk]), {"confirm": "on"})
        offboarding = Offboarding.objects.get()
        assert response["Location"] == reverse("people:offboarding", args=[offboarding.pk])
        assert coach_http.get(reverse("dashboard")).status_code == 302
        assert coach_api.get("/api/v1/engagements/").status_code == 401

    def test_nothing_happens_without_the_confirmation(self, world: World) -> None:
        admin = world.http("admin")
        response = admin.post(reverse("people:offboard", args=[world.people["coach"].pk]), {})
        assert response.status_code == 400
        assert User.objects.get(pk=world.people["coach"].pk).is_active

    def test_tracked_sessions_are_deleted_from_the_database(self, world: World) -> None:
        from allauth.usersessions.models import UserSession
        from django.contrib.sessions.models import Session

        http = world.http("coach")
        UserSession.objects.create(
            user=world.people["coach"], ip="127.0.0.1", session_key=http.session.session_key, user_agent="test"
        )
        offboard(world)
        assert not UserSession.objects.filter(user=world.people["coach"]).exists()
        assert not Session.objects.filter(session_key=http.session.session_key).exists()

    def test_a_session_from_before_does_not_come_back_on_reactivation(self, world: World) -> None:
        http, api = world.http("coach"), world.api("coach")
        offboard(world)
        people_services.person_reactivate(
            actor=world.people["admin"], user=User.objects.get(pk=world.people["coach"].pk)
        )
        assert http.get(reverse("dashboard")).status_code == 302
        assert api.get("/api/v1/me/").status_code == 401
        # A new sign-in works, on no engagement.
        fresh = login(type(http)(), User.objects.get(pk=world.people["coach"].pk))
        assert fresh.get(reverse("dashboard")).status_code == 200
        assert fresh.get(reverse("engagements:detail", args=[world.engagement.pk])).status_code == 404


@pytest.mark.django_db
class TestPermissions:
    def test_every_object_permission_is_gone_from_the_database(self, world: World) -> None:
        coach = world.people["coach"]
        closed = EngagementFactory(coaches=[coach])
        services.engagement_close(actor=world.people["admin"], engagement=closed)
        assert object_permissions_of(coach) == 8
        offboarding = offboard(world)
        assert object_permissions_of(coach) == 0
        assert not EngagementMember.objects.filter(user=coach).exists()
        # Only the open engagement is listed for handing over.
        assert [h.engagement for h in offboarding.engagements.all()] == [world.engagement]
        assert offboarding.tokens_revoked == 0 and offboarding.permissions_revoked == 0

    def test_a_stray_permission_is_swept_up_too(self, world: World) -> None:
        from guardian.shortcuts import assign_perm

        coach = world.people["coach"]
        assign_perm("engagements.view_engagement", coach, world.other_engagement)
        offboarding = offboard(world)
        assert object_permissions_of(coach) == 0
        assert offboarding.permissions_revoked == 1

    def test_it_is_one_transaction(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        coach = world.people["coach"]

        def fail(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("crash half-way")

        monkeypatch.setattr(people_services, "end_tracked_sessions", fail)
        with pytest.raises(RuntimeError):
            offboard(world)
        coach.refresh_from_db()
        assert coach.is_active and object_permissions_of(coach) == 4
        assert EngagementMember.objects.filter(user=coach).exists() and not Offboarding.objects.exists()

    def test_an_administrators_break_glass_and_an_auditors_audit_end(self, world: World) -> None:
        from engagements.models import BreakGlassGrant
        from finance.services import audit_open

        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        other_admin = UserFactory(role=Role.ADMIN)
        services.break_glass_open(actor=other_admin, note=note, reason="Complaint CMP-1 needs the note")
        people_services.person_offboard(
            actor=world.people["admin"], user=other_admin, reason=Offboarding.Reason.DEACTIVATED
        )
        assert not BreakGlassGrant.objects.filter(granted_to=other_admin, expires_at__gt=timezone.now()).exists()
        today = timezone.localdate()
        audit = audit_open(
            actor=world.people["admin"],
            auditor=world.people["auditor"],
            starts_on=today,
            ends_on=today + datetime.timedelta(days=10),
            purpose="Year end",
        )
        offboard(world, "auditor")
        audit.refresh_from_db()
        assert audit.ended_at is not None and audit.ended_by == world.people["admin"]

    def test_nothing_they_wrote_is_lost(self, world: World) -> None:
        note = services.note_create(actor=world.people["coach"], engagement=world.engagement, body=NOTE_TEXT)
        offboard(world)
        kept = Note.objects.get(pk=note.pk)
        assert kept.body == NOTE_TEXT and kept.author_id == world.people["coach"].pk


@pytest.mark.django_db
class TestRules:
    def test_an_administrator_cannot_offboard_themselves(self, world: World) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            people_services.person_offboard(
                actor=world.people["admin"], user=world.people["admin"], reason=Offboarding.Reason.DEACTIVATED
            )

    def test_nobody_but_the_administrator_offboards(self, world: World) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            people_services.person_offboard(
                actor=world.people["other_coach"], user=world.people["coach"], reason=Offboarding.Reason.DEACTIVATED
            )

    def test_clients_are_not_offboarded(self, world: World) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            offboard(world, "client")

    def test_twice_is_refused(self, world: World) -> None:
        from django.core.exceptions import ValidationError

        offboard(world)
        with pytest.raises(ValidationError):
            people_services.person_offboard(
                actor=world.people["admin"],
                user=User.objects.get(pk=world.people["coach"].pk),
                reason=Offboarding.Reason.DEACTIVATED,
            )

    def test_it_is_audited(self, world: World) -> None:
        offboard(world)
        event = AuditEvent.objects.get(action="person.offboard")
        assert event.actor_id == world.people["admin"].pk and event.object_id == str(world.people["coach"].pk)
        assert event.detail["reason"] == "deactivated" and event.detail["open_engagements"] == 1


@pytest.mark.django_db
class TestReassignment:
    def test_it_moves_the_access_and_nothing_else(self, world: World) -> None:
        admin, coach, newcomer = world.people["admin"], world.people["coach"], world.people["other_coach"]
        note = services.note_create(actor=coach, engagement=world.engagement, body=NOTE_TEXT)
        before_other = set(
            EngagementUserObjectPermission.objects.exclude(user__in=[coach, newcomer]).values_list(
                "user_id", "content_object_id", "permission_id"
            )
        )
        newcomer_before = set(
            EngagementUserObjectPermission.objects.filter(user=newcomer).values_list(
                "content_object_id", "permission__codename"
            )
        )
        coach_had = set(
            EngagementUserObjectPermission.objects.filter(user=coach).values_list(
                "content_object_id", "permission__codename"
            )
        )
        offboarding = offboard(world)
        handover = offboarding.engagements.get()
        response = world.http("admin").post(
            reverse("people:handover_reassign", args=[handover.pk]), {"to_user": newcomer.pk}
        )
        assert response.status_code == 302
        newcomer_after = set(
            EngagementUserObjectPermission.objects.filter(user=newcomer).values_list(
                "content_object_id", "permission__codename"
            )
        )
        # The newcomer gained exactly what the leaver had on this engagement.
        assert newcomer_after - newcomer_before == coach_had
        assert object_permissions_of(coach) == 0
        # Everybody else's permissions are as they were.
        assert (
            set(
                EngagementUserObjectPermission.objects.exclude(user__in=[coach, newcomer]).values_list(
                    "user_id", "content_object_id", "permission_id"
                )
            )
            == before_other
        )
        assert set(EngagementMember.objects.filter(engagement=world.engagement).values_list("user_id", "kind")) == {
            (newcomer.pk, "coach"),
            (world.people["client"].pk, "client"),
            (world.people["sponsor"].pk, "sponsor"),
        }
        kept = Note.objects.get(pk=note.pk)
        assert kept.author_id == coach.pk and kept.body == NOTE_TEXT
        handover.refresh_from_db()
        assert handover.reassigned_to == newcomer and handover.settled_by == admin
        event = AuditEvent.objects.get(action="engagement.reassign")
        assert event.detail == {"from_user": coach.pk, "to_user": newcomer.pk, "kind": "coach"}
        assert event.engagement_id == world.engagement.pk and event.actor_id == admin.pk
        # The newcomer now reads what the leaver wrote; the leaver reads nothing.
        newcomer_http = world.http("other_coach")
        notes = newcomer_http.get(reverse("engagements:note_list", args=[world.engagement.pk]))
        assert notes.status_code == 200 and NOTE_TEXT in notes.content.decode()
        assert "in place of a colleague" in newcomer_http.get(reverse("dashboard")).content.decode()

    def test_a_colleague_still_on_it_can_be_reassigned_from_directly(self, world: World) -> None:
        coach, newcomer = world.people["coach"], world.people["other_coach"]
        people_services.engagement_reassign(
            actor=world.people["admin"], engagement=world.engagement, from_user=coach, to_user=newcomer
        )
        assert object_permissions_of(coach) == 0
        assert world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk])).status_code == 404
        assert (
            world.http("other_coach").get(reverse("engagements:detail", args=[world.engagement.pk])).status_code == 200
        )

    def test_only_someone_of_the_same_kind_takes_over(self, world: World) -> None:
        from django.core.exceptions import ValidationError

        offboard(world)
        with pytest.raises(ValidationError):
            people_services.engagement_reassign(
                actor=world.people["admin"],
                engagement=world.engagement,
                from_user=world.people["coach"],
                to_user=world.people["auditor"],
            )
        assert object_permissions_of(world.people["auditor"]) == 0

    def test_it_can_be_left_with_another_coach_still_on_it(self, world: World) -> None:
        services.engagement_member_add(
            actor=world.people["admin"], engagement=world.engagement, user=world.people["other_coach"], kind="coach"
        )
        handover = offboard(world).engagements.get()
        world.http("admin").post(reverse("people:handover_settle", args=[handover.pk]))
        handover.refresh_from_db()
        assert handover.settled_at is not None and handover.reassigned_to is None

    def test_the_page_lists_what_is_to_hand_over(self, world: World) -> None:
        offboarding = offboard(world)
        body = world.http("admin").get(reverse("people:offboarding", args=[offboarding.pk])).content.decode()
        assert world.engagement.reference in body and "Who takes over" in body
        assert world.people["other_coach"].email in body  # a coach who can take it
        listing = world.http("admin").get(reverse("people:list")).content.decode()
        assert "Engagements waiting for someone to take them over" in listing


@pytest.mark.django_db
class TestSponsorContactsWhoLeave:
    def test_removal_has_the_same_at_once_effect(self, world: World) -> None:
        sponsor = world.people["sponsor"]
        http, api = world.http("sponsor"), world.api("sponsor")
        assert http.get(reverse("engagements:detail", args=[world.engagement.pk])).status_code == 200
        contact = SponsorContact.objects.get(user=sponsor)
        response = world.http("admin").post(
            reverse("people:sponsor_contact_remove", args=[contact.pk]), {"confirm": "yes"}
        )
        offboarding = Offboarding.objects.get()
        assert response["Location"] == reverse("people:offboarding", args=[offboarding.pk])
        assert http.get(reverse("dashboard")).status_code == 302
        assert api.get("/api/v1/invoices/").status_code == 401
        contact.refresh_from_db()
        assert not contact.active and object_permissions_of(sponsor) == 0
        assert offboarding.reason == "left_organisation"
        assert [(h.engagement, h.kind) for h in offboarding.engagements.all()] == [(world.engagement, "sponsor")]

    def test_another_contact_of_the_organisation_takes_over(self, world: World) -> None:
        new_contact = UserFactory(role=Role.SPONSOR, organisation=world.organisation)
        contact = SponsorContact.objects.get(user=world.people["sponsor"])
        handover = people_services.sponsor_contact_remove(
            actor=world.people["admin"], contact=contact
        ).engagements.get()
        choices = people_services.replacements_for(user=world.people["admin"], handover=handover)
        assert list(choices) == [new_contact]  # not the other organisation's contact
        people_services.engagement_reassign(
            actor=world.people["admin"],
            engagement=world.engagement,
            from_user=world.people["sponsor"],
            to_user=new_contact,
        )
        assert (
            login(type(world.http("admin"))(), new_contact)
            .get(reverse("engagements:detail", args=[world.engagement.pk]))
            .status_code
            == 200
        )

    def test_nothing_changes_without_the_confirmation(self, world: World) -> None:
        contact = SponsorContact.objects.get(user=world.people["sponsor"])
        world.http("admin").post(reverse("people:sponsor_contact_remove", args=[contact.pk]), {})
        contact.refresh_from_db()
        assert contact.active and not Offboarding.objects.exists()


@pytest.mark.django_db
class TestPagesByPersona:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_reaches_them(self, world: World, persona: str) -> None:
        offboarding = offboard(world, "other_coach")
        handover = offboarding.engagements.get()
        contact = SponsorContact.objects.get(user=world.people["sponsor"])
        http = world.http(persona)
        expected = {"admin": 200, "anonymous": 302}.get(persona, 404)
        if persona == "other_coach":
            expected = 302  # gone: sent to sign in
        coach_pk = world.people["coach"].pk
        for url in (
            reverse("people:list"),
            reverse("people:person", args=[coach_pk]),
            reverse("people:offboarding", args=[offboarding.pk]),
        ):
            assert http.get(url).status_code == expected, url
        posted = {"admin": 302}.get(persona, expected)
        if persona != "admin":
            for url in (
                reverse("people:offboard", args=[coach_pk]),
                reverse("people:handover_reassign", args=[handover.pk]),
                reverse("people:sponsor_contact_remove", args=[contact.pk]),
            ):
                assert http.post(url, {"confirm": "yes"}).status_code == posted, url
            assert User.objects.get(pk=coach_pk).is_active
            assert SponsorContact.objects.get(pk=contact.pk).active
            assert not OffboardingEngagement.objects.filter(settled_at__isnull=False).exists()

    def test_the_people_page_lists_staff_only(self, world: World) -> None:
        body = world.http("admin").get(reverse("people:list")).content.decode()
        assert world.people["coach"].email in body and world.people["auditor"].email in body
        assert world.people["client"].email not in body and world.people["sponsor"].email not in body

    def test_the_administrator_adds_an_associate(self, world: World) -> None:
        ends = timezone.localdate() + datetime.timedelta(days=60)
        response = world.http("admin").post(
            reverse("people:list"),
            {"display_name": "Jo Bell", "email": "jo@example.org", "kind": "associate", "contract_ends_on": ends},
        )
        jo = User.objects.get(email="jo@example.org")
        assert response["Location"] == reverse("people:person", args=[jo.pk])
        assert jo.role == Role.COACH and jo.is_associate and jo.contract_ends_on == ends

    def test_an_associate_needs_a_contract_end(self, world: World) -> None:
        response = world.http("admin").post(
            reverse("people:list"), {"display_name": "Jo Bell", "email": "jo@example.org", "kind": "associate"}
        )
        assert response.status_code == 200 and "give its last day" in response.content.decode()
        assert not User.objects.filter(email="jo@example.org").exists()


@pytest.mark.django_db
def test_it_stops_only_the_leavers_credentials(world: World) -> None:
    """The token an integration holds for the leaver stops at once; a colleague's keeps working."""
    other_token = bearer(world.people["other_coach"])
    offboard(world)
    assert other_token.get("/api/v1/engagements/").status_code == 200


@pytest.mark.django_db
def test_the_people_page_costs_the_same_however_many(world: World, django_assert_max_num_queries: Any) -> None:
    http = world.http("admin")
    http.get(reverse("people:list"))
    with django_assert_max_num_queries(14) as few:
        http.get(reverse("people:list"))
    baseline = len(few.captured_queries)
    for _ in range(10):
        UserFactory(role=Role.COACH)
    with django_assert_max_num_queries(baseline):
        assert http.get(reverse("people:list")).status_code == 200


@pytest.mark.django_db
def test_the_people_page_lists_fifty_a_page_so_its_size_is_bounded(world: World) -> None:
    """Issue 23: the page listed every member of staff at once (3.3 s at a million engagements in
    ``make bench``); it now shows fifty a page, with the next pages a link away."""
    from people.views import PEOPLE_PER_PAGE

    for n in range(PEOPLE_PER_PAGE + 5):
        UserFactory(role=Role.COACH, display_name=f"Coach Zz{n:03d}")
    http = world.http("admin")
    first = http.get(reverse("people:list")).content.decode()
    assert first.count('data-label="Name"') == PEOPLE_PER_PAGE and "?page=2" in first
    second = http.get(reverse("people:list") + "?page=2").content.decode()
    listed = first.count("Coach Zz") + second.count("Coach Zz")
    assert listed == PEOPLE_PER_PAGE + 5 and 'data-label="Name"' in second
