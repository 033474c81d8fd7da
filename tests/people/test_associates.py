"""Associate coaches: on the engagements they are put on, until the last day of their contract.

Policy 000: "Associates will hold any information gathered from organisations securely". Their
access ends when the contract's last day does (practice time zone), without waiting for any task;
the periodic task then offboards them for good. Auditors' sessions and tokens end with each
audit window in the same way.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse

import access
from confidentiality.models import Notice, User
from confidentiality.roles import Role
from engagements import services
from engagements.models import EngagementMember, EngagementUserObjectPermission
from people import services as people_services
from people.models import Offboarding
from tests.conftest import World, bearer, login
from tests.factories import EngagementFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
LAST_DAY = datetime.date(2026, 3, 31)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def associate(world: World) -> User:
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        jo = people_services.staff_add(
            actor=world.people["admin"],
            email="jo.associate@example.org",
            role=Role.COACH,
            display_name="Jo Bell",
            is_associate=True,
            contract_ends_on=LAST_DAY,
        )
        from tests.factories import PASSWORD

        jo.set_password(PASSWORD)
        jo.save(update_fields=["password"])
        services.engagement_member_add(actor=world.people["admin"], engagement=world.engagement, user=jo, kind="coach")
    return User.objects.get(pk=jo.pk)


def engagement_page(world: World) -> str:
    return reverse("engagements:detail", args=[world.engagement.pk])


@pytest.mark.django_db
class TestLimitedToTheirEngagements:
    def test_they_see_the_engagement_they_are_on_and_nothing_else(self, world: World, associate: User) -> None:
        with time_machine.travel(at(2026, 3, 10, 12), tick=False):
            http = login(HttpClient(), associate)
            assert http.get(engagement_page(world)).status_code == 200
            assert http.get(reverse("engagements:detail", args=[world.other_engagement.pk])).status_code == 404
            assert http.get(reverse("engagements:clients")).status_code == 404
            assert http.get(reverse("finance:overview")).status_code == 404

    def test_they_are_never_offered_as_a_supervisor(self, world: World, associate: User) -> None:
        with time_machine.travel(at(2026, 3, 10, 12), tick=False):
            assert associate not in access.supervisors_for(world.people["coach"])
            assert world.people["other_coach"] in access.supervisors_for(world.people["coach"])


@pytest.mark.django_db
class TestTheContractBoundary:
    @pytest.mark.parametrize(
        ("moment", "works"),
        [
            (at(2026, 3, 30, 12), True),  # the day before
            (at(2026, 3, 31, 0, 0), True),  # the last day, from midnight
            (at(2026, 3, 31, 23, 59), True),  # to its last minute
            (at(2026, 4, 1, 0, 0), False),  # the day after, from midnight
            (at(2026, 4, 2, 12), False),
        ],
    )
    def test_a_new_session_and_token_work_up_to_the_last_day(
        self, world: World, associate: User, moment: datetime.datetime, works: bool
    ) -> None:
        with time_machine.travel(moment, tick=False):
            http = login(HttpClient(), associate)
            page = http.get(engagement_page(world))
            assert page.status_code == (200 if works else 302)
            api = bearer(associate) if works else None
            if api is not None:
                assert api.get(f"/api/v1/engagements/{world.engagement.pk}/").status_code == 200
            assert (access.role_of(User.objects.get(pk=associate.pk)) is not None) is works

    def test_a_session_and_a_token_open_at_midnight_stop_on_the_next_request(
        self, world: World, associate: User
    ) -> None:
        with time_machine.travel(at(2026, 3, 31, 23, 50), tick=False) as traveller:
            http = login(HttpClient(), associate)
            api = bearer(associate)
            assert http.get(engagement_page(world)).status_code == 200
            traveller.move_to(at(2026, 3, 31, 23, 59, 59))
            assert http.get(engagement_page(world)).status_code == 200
            assert api.get(f"/api/v1/engagements/{world.engagement.pk}/").status_code == 200
            traveller.move_to(at(2026, 4, 1, 0, 0, 0))
            response = http.get(engagement_page(world))
            assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
            refused = api.get(f"/api/v1/engagements/{world.engagement.pk}/")
            assert refused.status_code == 401 and "ended" in refused.json()["detail"]

    @pytest.mark.parametrize(
        ("moment", "works"),
        [
            (at(2028, 2, 28, 23, 59), True),  # the day before
            (at(2028, 2, 29, 23, 59), True),  # the last day is the leap day itself
            (at(2028, 3, 1, 0, 0), False),  # the day after
        ],
    )
    def test_a_contract_ending_on_a_leap_day_ends_with_it(
        self, world: World, associate: User, moment: datetime.datetime, works: bool
    ) -> None:
        with time_machine.travel(at(2028, 2, 1, 9), tick=False):
            people_services.contract_set(
                actor=world.people["admin"],
                user=associate,
                is_associate=True,
                contract_ends_on=datetime.date(2028, 2, 29),
            )
        with time_machine.travel(moment, tick=False):
            http = login(HttpClient(), User.objects.get(pk=associate.pk))
            assert http.get(engagement_page(world)).status_code == (200 if works else 302)
            assert access.account_in_force(User.objects.get(pk=associate.pk)) is works

    def test_signing_in_is_refused_after_the_last_day(self, world: World, associate: User) -> None:
        from tests.factories import PASSWORD

        with time_machine.travel(at(2026, 4, 1, 9), tick=False):
            http = HttpClient()
            response = http.post(reverse("account_login"), {"login": associate.email, "password": PASSWORD})
            assert "_auth_user_id" not in http.session
            assert response.status_code in (200, 302)
            assert http.get(reverse("dashboard")).status_code == 302

    def test_the_periodic_task_then_offboards_them(self, world: World, associate: User) -> None:
        with time_machine.travel(at(2026, 3, 31, 23, 0), tick=False):
            assert people_services.offboard_lapsed() == []
        with time_machine.travel(at(2026, 4, 1, 0, 15), tick=False):
            (offboarding,) = people_services.offboard_lapsed()
            assert people_services.offboard_lapsed() == []  # and again: nothing more to do
        assert offboarding.reason == Offboarding.Reason.CONTRACT_ENDED and offboarding.offboarded_by is None
        jo = User.objects.get(pk=associate.pk)
        assert not jo.is_active
        assert not EngagementUserObjectPermission.objects.filter(user=jo).exists()
        assert not EngagementMember.objects.filter(user=jo).exists()
        assert [h.engagement for h in offboarding.engagements.all()] == [world.engagement]
        # The administrator is told which engagements need handing over.
        assert Notice.objects.filter(user=world.people["admin"], text__contains="contract ended").exists()

    def test_an_extension_keeps_them_working(self, world: World, associate: User) -> None:
        with time_machine.travel(at(2026, 3, 20, 9), tick=False):
            people_services.contract_set(
                actor=world.people["admin"],
                user=associate,
                is_associate=True,
                contract_ends_on=datetime.date(2026, 6, 30),
            )
        with time_machine.travel(at(2026, 4, 1, 9), tick=False):
            assert login(HttpClient(), User.objects.get(pk=associate.pk)).get(engagement_page(world)).status_code == 200
            assert people_services.offboard_lapsed() == []

    def test_a_contract_end_in_the_past_is_refused(self, world: World, associate: User) -> None:
        from django.core.exceptions import ValidationError

        with time_machine.travel(at(2026, 3, 20, 9), tick=False), pytest.raises(ValidationError):
            people_services.contract_set(
                actor=world.people["admin"],
                user=associate,
                is_associate=True,
                contract_ends_on=datetime.date(2026, 3, 1),
            )

    def test_an_associate_needs_an_end_date_and_the_coach_role(self, world: World) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            people_services.contract_set(
                actor=world.people["admin"], user=world.people["coach"], is_associate=True, contract_ends_on=None
            )
        with pytest.raises(ValidationError):
            people_services.contract_set(
                actor=world.people["admin"],
                user=world.people["auditor"],
                is_associate=True,
                contract_ends_on=datetime.date.today() + datetime.timedelta(days=5),
            )


@pytest.mark.django_db
class TestAnAuditWindowClosing:
    @pytest.fixture
    def march_audit(self, world: World) -> Any:
        from finance.services import audit_open

        with time_machine.travel(at(2026, 2, 10, 10), tick=False):
            return audit_open(
                actor=world.people["admin"],
                auditor=world.people["auditor"],
                starts_on=datetime.date(2026, 3, 1),
                ends_on=LAST_DAY,
                purpose="Annual accounts",
            )

    def test_a_session_and_token_from_the_window_stop_at_its_end(self, world: World, march_audit: Any) -> None:
        auditor = world.people["auditor"]
        with time_machine.travel(at(2026, 3, 31, 23, 50), tick=False) as traveller:
            http, api = login(HttpClient(), auditor), bearer(auditor)
            assert http.get(reverse("finance:overview")).status_code == 200
            assert api.get("/api/v1/invoices/").status_code == 200
            traveller.move_to(at(2026, 4, 1, 0, 0, 1))
            assert http.get(reverse("finance:overview")).status_code == 302
            assert api.get("/api/v1/invoices/").status_code == 401
            # Signing in again opens only the pages that say the audit is over.
            assert login(HttpClient(), User.objects.get(pk=auditor.pk)).get(reverse("dashboard")).status_code == 200
            people_services.offboard_lapsed()
        assert not auditor.api_tokens.filter(revoked_at__isnull=True).exists()
        assert User.objects.get(pk=auditor.pk).is_active  # kept for the next audit

    def test_an_audit_ended_early_ends_them_on_the_spot(self, world: World, march_audit: Any) -> None:
        from finance.services import audit_end

        auditor = world.people["auditor"]
        with time_machine.travel(at(2026, 3, 10, 12), tick=False) as traveller:
            http, api = login(HttpClient(), auditor), bearer(auditor)
            assert api.get("/api/v1/invoices/").status_code == 200
            traveller.move_to(at(2026, 3, 10, 12, 5))
            audit_end(actor=world.people["admin"], audit=march_audit)
            traveller.move_to(at(2026, 3, 10, 12, 6))
            assert http.get(reverse("dashboard")).status_code == 302
            assert api.get("/api/v1/invoices/").status_code == 401


@pytest.mark.django_db
def test_an_ordinary_coach_without_contract_is_unaffected(world: World) -> None:
    coach = UserFactory(role=Role.COACH)
    EngagementFactory(coaches=[coach])
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        assert access.role_of(User.objects.get(pk=coach.pk)) == Role.COACH
        assert people_services.offboard_lapsed() == []
