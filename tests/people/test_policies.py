"""Staff accept the practice's current policies before any confidential page or endpoint opens.

Policy 002: staff "should treat this information as confidential … under no circumstances should
staff and volunteers share personal information with their own partners, family or friends".
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.models import AuditEvent
from people.models import PolicyAcceptance, PolicyDocument
from retention.services import policy_record
from tests.conftest import PERSONAS, World, login

STAFF = ("coach", "other_coach", "admin", "auditor", "superuser")
CONFIDENTIALITY_TEXT = "Under no circumstances share personal information with your partners, family or friends."
DATA_PROTECTION_TEXT = "Electronic files are deleted two years after the work ends."

# What each persona gets from the engagement page and the engagement API once nothing holds
# them back (the need-to-know table of test_access).
ENGAGEMENT_PAGE = {
    "coach": 200,
    "other_coach": 404,
    "client": 200,
    "sponsor": 200,
    "other_sponsor": 404,
    "admin": 200,
    "auditor": 404,
    "superuser": 404,
    "anonymous": 302,
}
ENGAGEMENT_API = ENGAGEMENT_PAGE | {"anonymous": 401}


def record(world: World, kind: str = "confidentiality", text: str = CONFIDENTIALITY_TEXT) -> PolicyDocument:
    return policy_record(
        actor=world.people["admin"], kind=kind, text=text, reviewed_on=timezone.localdate() - datetime.timedelta(days=3)
    )


@pytest.fixture
def recorded(world: World) -> dict[str, PolicyDocument]:
    return {
        "confidentiality": record(world),
        "data_protection": record(world, "data_protection", DATA_PROTECTION_TEXT),
    }


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def accept(http: Any, document: PolicyDocument, **extra: Any) -> Any:
    data = {"shown_hash": sha(document.text), "confirm": "on"} | extra
    return http.post(reverse("policies:accept_version", args=[document.pk]), data, HTTP_USER_AGENT="Firefox test")


def engagement_url(world: World) -> str:
    return reverse("engagements:detail", args=[world.engagement.pk])


def engagement_api(world: World) -> str:
    return f"/api/v1/engagements/{world.engagement.pk}/"


@pytest.mark.django_db
class TestBeforeAnyPolicyIsRecorded:
    def test_it_holds_nobody_back(self, world: World) -> None:
        for persona in PERSONAS:
            assert world.http(persona).get(engagement_url(world)).status_code == ENGAGEMENT_PAGE[persona], persona

    def test_it_tells_the_administrator(self, world: World) -> None:
        body = world.http("admin").get(reverse("dashboard")).content.decode()
        assert "No confidentiality policy or data protection policy is recorded" in body
        status = world.http("admin").get(reverse("policies:status")).content.decode()
        assert "No confidentiality policy has been recorded" in status

    def test_one_recorded_kind_is_asked_for_and_the_other_still_reported_missing(self, world: World) -> None:
        record(world)
        assert world.http("coach").get(engagement_url(world)).status_code == 302
        admin = world.http("admin")
        document = PolicyDocument.objects.get()
        accept(admin, document)
        body = admin.get(reverse("dashboard")).content.decode()
        assert "No data protection policy is recorded" in body


@pytest.mark.django_db
class TestEveryPersonaBeforeAndAfterAccepting:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_pages(self, world: World, recorded: dict[str, PolicyDocument], persona: str) -> None:
        http = world.http(persona)
        response = http.get(engagement_url(world))
        if persona in STAFF:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("policies:accept") + "?next=")
            for document in recorded.values():
                assert accept(http, document).status_code == 302
            assert PolicyAcceptance.objects.filter(user=world.people[persona]).count() == 2
        assert http.get(engagement_url(world)).status_code == ENGAGEMENT_PAGE[persona]

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_api(self, world: World, recorded: dict[str, PolicyDocument], persona: str) -> None:
        api = world.api(persona)
        response = api.get(engagement_api(world))
        if persona in STAFF:
            assert response.status_code == 403
            message = response.json()["detail"]
            assert "Confidentiality policy (version 1)" in message and "/policies/" in message
            assert "Data protection policy (version 1)" in message
            # Who they are and what to accept still answers, so an integration can say why.
            assert len(api.get("/api/v1/me/").json()["policies_to_accept"]) == 2
            http = world.http(persona)
            for document in recorded.values():
                accept(http, document)
        assert api.get(engagement_api(world)).status_code == ENGAGEMENT_API[persona]

    def test_accepting_one_of_two_still_holds_them_back(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        http = world.http("coach")
        accept(http, recorded["confidentiality"])
        assert http.get(engagement_url(world)).status_code == 302
        accept(http, recorded["data_protection"])
        assert http.get(engagement_url(world)).status_code == 200

    def test_the_pages_to_read_accept_and_sign_out_stay_open(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        http = world.http("coach")
        page = http.get(reverse("policies:accept"))
        assert page.status_code == 200
        body = page.content.decode()
        assert CONFIDENTIALITY_TEXT in body and DATA_PROTECTION_TEXT in body
        assert sha(CONFIDENTIALITY_TEXT) in body  # the hash of the exact text shown goes back with the form
        assert http.get(reverse("account_settings")).status_code == 200
        assert http.get(reverse("mfa_index")).status_code == 200

    def test_after_accepting_they_go_where_they_were_going(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        http = world.http("coach")
        accept(http, recorded["confidentiality"], next=engagement_url(world))
        response = accept(http, recorded["data_protection"], next=engagement_url(world))
        assert response["Location"] == engagement_url(world)
        assert accept(http, recorded["data_protection"], next="https://evil.example/")["Location"] == reverse(
            "dashboard"
        )


@pytest.mark.django_db
class TestANewVersion:
    def test_it_blocks_everyone_again_until_they_accept_it(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        coach, api = world.http("coach"), world.api("coach")
        for document in recorded.values():
            accept(coach, document)
        assert coach.get(engagement_url(world)).status_code == 200
        assert api.get(engagement_api(world)).status_code == 200
        admin = world.http("admin")
        for document in recorded.values():
            accept(admin, document)
        second = record(world, text=CONFIDENTIALITY_TEXT + " Version two adds this sentence.")
        assert second.version == 2
        assert coach.get(engagement_url(world)).status_code == 302
        assert api.get(engagement_api(world)).status_code == 403
        assert "Confidentiality policy (version 2)" in api.get(engagement_api(world)).json()["detail"]
        # The administrator, who recorded it, is asked too.
        assert admin.get(reverse("dashboard")).status_code == 302
        # The old version can no longer be accepted; the new one can.
        assert accept(coach, recorded["confidentiality"]).status_code == 302
        assert not PolicyAcceptance.objects.filter(user=world.people["coach"], document=second).exists()
        accept(coach, second)
        assert coach.get(engagement_url(world)).status_code == 200
        assert api.get(engagement_api(world)).status_code == 200

    def test_the_administrator_sees_who_has_and_who_has_not(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        admin = world.http("admin")
        for document in recorded.values():
            accept(admin, document)
            accept(world.http("coach"), document)
        record(world, text=CONFIDENTIALITY_TEXT + " Version two.")
        accept(admin, PolicyDocument.objects.get(kind="confidentiality", version=2))
        body = admin.get(reverse("policies:status")).content.decode()
        confidentiality, data_protection = body.split("Data protection policy, version 1")
        assert "Confidentiality policy, version 2" in confidentiality
        assert "1 of 5 accepted" in confidentiality  # admin, two coaches, auditor, superuser
        assert "Not yet</strong> (accepted version 1 on" in confidentiality  # the coach
        assert "2 of 5 accepted" in data_protection
        assert "Firefox test" in body and "127.0.0.1" in body

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_the_administrator_sees_the_status(
        self, world: World, recorded: dict[str, PolicyDocument], persona: str
    ) -> None:
        http = world.http(persona)
        if persona in STAFF:
            for document in recorded.values():
                accept(http, document)
        expected = {"admin": 200, "anonymous": 302}.get(persona, 404)
        assert http.get(reverse("policies:status")).status_code == expected


@pytest.mark.django_db
class TestTheRecord:
    def test_it_holds_the_hash_of_the_text_the_time_and_the_place(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        accept(world.http("coach"), recorded["confidentiality"])
        acceptance = PolicyAcceptance.objects.get()
        assert acceptance.user == world.people["coach"]
        assert acceptance.text_sha256 == sha(CONFIDENTIALITY_TEXT)
        assert acceptance.ip_address == "127.0.0.1" and acceptance.user_agent == "Firefox test"
        assert abs((timezone.now() - acceptance.accepted_at).total_seconds()) < 60
        event = AuditEvent.objects.get(action="policy.accept")
        assert event.actor_id == world.people["coach"].pk
        assert event.detail == {
            "kind": "confidentiality",
            "version": 1,
            "document": str(recorded["confidentiality"].pk),
        }

    def test_a_text_other_than_the_one_recorded_is_refused(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        http = world.http("coach")
        response = accept(http, recorded["confidentiality"], shown_hash=sha("some other text"))
        assert response.status_code == 302
        assert not PolicyAcceptance.objects.exists()
        assert "changed while you were reading" in http.get(reverse("policies:accept")).content.decode()

    def test_it_needs_the_box_ticked(self, world: World, recorded: dict[str, PolicyDocument]) -> None:
        http = world.http("coach")
        http.post(
            reverse("policies:accept_version", args=[recorded["confidentiality"].pk]),
            {"shown_hash": sha(CONFIDENTIALITY_TEXT)},
        )
        assert not PolicyAcceptance.objects.exists()

    def test_clients_and_sponsors_are_not_asked(self, world: World, recorded: dict[str, PolicyDocument]) -> None:
        for persona in ("client", "sponsor"):
            accept(world.http(persona), recorded["confidentiality"])
        assert not PolicyAcceptance.objects.exists()

    def test_accepting_twice_keeps_one_record(self, world: World, recorded: dict[str, PolicyDocument]) -> None:
        http = world.http("coach")
        accept(http, recorded["confidentiality"])
        accept(http, recorded["confidentiality"])
        assert PolicyAcceptance.objects.count() == 1

    def test_the_retention_policy_is_not_asked_for(self, world: World, recorded: dict[str, PolicyDocument]) -> None:
        retention = record(world, "retention", "We keep files two years.")
        http = world.http("coach")
        for document in recorded.values():
            accept(http, document)
        assert http.get(engagement_url(world)).status_code == 200
        accept(http, retention)
        assert not PolicyAcceptance.objects.filter(document=retention).exists()


@pytest.mark.django_db
class TestCost:
    """Whether someone has a policy to accept is a flag on their own row, read with it anyway."""

    def test_nothing_to_accept_costs_no_query(
        self, world: World, recorded: dict[str, PolicyDocument], django_assert_num_queries: Any
    ) -> None:
        import access
        from confidentiality.models import User

        for document in recorded.values():
            accept(world.http("coach"), document)
        coach = User.objects.get(pk=world.people["coach"].pk)
        assert coach.role is not None  # the role is read once per request in any case
        with django_assert_num_queries(0):
            assert access.policies_to_accept(coach) == []

    def test_something_to_accept_costs_one_query_per_request(
        self, world: World, recorded: dict[str, PolicyDocument], django_assert_num_queries: Any
    ) -> None:
        import access
        from confidentiality.models import User

        coach = User.objects.get(pk=world.people["coach"].pk)
        assert coach.must_accept_policies and coach.role is not None
        with django_assert_num_queries(1):
            assert len(access.policies_to_accept(coach)) == 2
        with django_assert_num_queries(0):
            access.policies_to_accept(coach)  # cached for the rest of the request

    def test_staff_added_while_a_policy_is_in_force_are_asked(
        self, world: World, recorded: dict[str, PolicyDocument]
    ) -> None:
        from confidentiality.models import User
        from confidentiality.roles import Role
        from tests.factories import UserFactory

        newcomer = UserFactory(role=Role.COACH)
        client = UserFactory(role=Role.CLIENT)
        assert User.objects.get(pk=newcomer.pk).must_accept_policies
        assert not User.objects.get(pk=client.pk).must_accept_policies
        superuser = User.objects.create_superuser("root2@example.org", "a long test password 2026")
        # The technical admin site's users are checked on every request, flag or not.
        assert access.policies_to_accept(User.objects.get(pk=superuser.pk))

    @pytest.mark.parametrize("role", ["client", "sponsor"])
    def test_a_client_or_sponsor_given_the_admin_site_by_hand_is_asked_too(
        self, world: World, recorded: dict[str, PolicyDocument], role: str
    ) -> None:
        from confidentiality.models import User

        person = User.objects.get(pk=world.people[role].pk)
        User.objects.filter(pk=person.pk).update(is_staff=True)  # by hand, outside the services
        person.refresh_from_db()
        assert not person.must_accept_policies
        assert {d.pk for d in access.policies_to_accept(person)} == {d.pk for d in recorded.values()}
        response = login(HttpClient(), person).get(reverse("dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("policies:accept"))


@pytest.mark.django_db
def test_the_demo_staff_have_accepted_and_the_demo_associate_has_not() -> None:
    import io

    from django.core.management import call_command
    from django.test import Client as HttpClient

    from confidentiality.models import User
    from tests.conftest import login

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert PolicyAcceptance.objects.count() == 8  # four members of staff, two policies, once
    maya = User.objects.get(email="maya.coach@practice.example")
    assert login(HttpClient(), maya).get(reverse("dashboard")).status_code == 200
    jo = User.objects.get(email="jo.associate@practice.example")
    assert jo.is_associate and jo.contract_ends_on is not None
    response = login(HttpClient(), jo).get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("policies:accept"))


@pytest.mark.django_db
def test_the_status_page_costs_the_same_however_many(
    world: World, recorded: dict[str, PolicyDocument], django_assert_max_num_queries: Any
) -> None:
    from confidentiality.roles import Role
    from tests.factories import UserFactory

    http = world.http("admin")
    for document in recorded.values():
        accept(http, document)
    with django_assert_max_num_queries(14) as few:
        http.get(reverse("policies:status"))
    baseline = len(few.captured_queries)
    for _ in range(10):
        accept(login_new(UserFactory(role=Role.COACH)), recorded["confidentiality"])
    with django_assert_max_num_queries(baseline):
        assert http.get(reverse("policies:status")).status_code == 200


def login_new(user: Any) -> Any:
    from django.test import Client as HttpClient

    from tests.conftest import login

    return login(HttpClient(), user)
