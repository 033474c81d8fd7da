"""Complaints and breaches: what each page and endpoint lists and shows, the deadlines, the
transitions, bad input that changes nothing, and no confidential text outside its field. Who may
reach each page and endpoint is the access matrix's (tests/matrix/table.py)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Breach, Complaint, ComplaintResponse
from confidentiality.models import AuditEvent, Notice
from engagements.services import ConflictError
from tests.conftest import PERSONAS, BuiltOnce, World, build_world, login, same_page

COMPLAINT_TEXT = "My coach mentioned my divorce to my line manager Priscilla Vantongeren."
OTHER_COMPLAINT_TEXT = "Someone left my file open on a train to Rotterdam-Zuid."
RESPONSE_TEXT = "We are sorry: Fairweather-Lyle removed the email from the sponsor's inbox."
BREACH_TEXT = "Laptop with unencrypted coaching notes stolen from Quillfeather's car."
COACH_BREACH_TEXT = "Email with a client's goals sent to the wrong Zebedee at the sponsor."
# Each text with its one distinctive word, which HTML escaping leaves alone.
SECRET_WORD = {
    COMPLAINT_TEXT: "Vantongeren",
    OTHER_COMPLAINT_TEXT: "Rotterdam-Zuid",
    RESPONSE_TEXT: "Fairweather-Lyle",
    BREACH_TEXT: "Quillfeather",
    COACH_BREACH_TEXT: "Zebedee",
}
SECRET_WORDS = tuple(SECRET_WORD.values())


def lodge(world: World, text: str = COMPLAINT_TEXT, engagement: Any = None) -> Complaint:
    return complaint_services.complaint_lodge(
        actor=world.people["client"], about=Complaint.About.SHARED, body=text, engagement=engagement
    )


def lodge_for_other_client(world: World) -> Complaint:
    other_user = world.other_engagement.client.user
    return complaint_services.complaint_lodge(
        actor=other_user, about=Complaint.About.SECURITY, body=OTHER_COMPLAINT_TEXT
    )


def record(world: World, persona: str = "admin", text: str = BREACH_TEXT, **extra: Any) -> Breach:
    return complaint_services.breach_record(
        actor=world.people[persona],
        discovered_at=extra.pop("discovered_at", timezone.now() - datetime.timedelta(hours=1)),
        what_happened=text,
        information_involved="Session notes of two clients",
        people_affected="Two clients of the Northwind engagement",
        people_affected_count=2,
        **extra,
    )


@pytest.fixture
def register(world: World) -> dict[str, Any]:
    return make_register(world)


def make_register(world: World) -> dict[str, Any]:
    return {
        "complaint": lodge(world, engagement=world.engagement),
        "other_complaint": lodge_for_other_client(world),
        "coach_breach": record(world, "coach", COACH_BREACH_TEXT),
        "admin_breach": record(world),
    }


class WorldWithRegister(BuiltOnce):
    """The personas' world and two complaints and two breaches, built once for the class's tests."""

    @staticmethod
    def build() -> tuple[World, dict[str, Any]]:
        world = build_world()
        return world, make_register(world)

    @pytest.fixture
    def world(self, fresh: tuple[World, dict[str, Any]]) -> World:
        return fresh[0]

    @pytest.fixture
    def register(self, fresh: tuple[World, dict[str, Any]]) -> dict[str, Any]:
        return fresh[1]


@pytest.mark.django_db
class TestPages(WorldWithRegister):
    def test_a_missing_complaint_looks_like_someone_elses(self, world: World, register: dict[str, Any]) -> None:
        http = world.http("client")
        missing = http.get(reverse("complaints:complaint_detail", args=["00000000-0000-0000-0000-000000000000"]))
        forbidden = http.get(reverse("complaints:complaint_detail", args=[register["other_complaint"].pk]))
        assert missing.status_code == forbidden.status_code == 404
        assert same_page(missing.content, forbidden.content)

    def test_the_client_lists_only_their_own_complaints(self, world: World, register: dict[str, Any]) -> None:
        body = world.http("client").get(reverse("complaints:complaint_list")).content.decode()
        assert register["complaint"].reference in body
        assert register["other_complaint"].reference not in body

    def test_a_coach_lists_only_the_breaches_they_reported(self, world: World, register: dict[str, Any]) -> None:
        body = world.http("coach").get(reverse("complaints:breach_list")).content.decode()
        assert register["coach_breach"].reference in body
        assert register["admin_breach"].reference not in body
        other = world.http("other_coach").get(reverse("complaints:breach_list")).content.decode()
        assert register["coach_breach"].reference not in other

    def test_a_coach_sees_their_report_but_not_how_it_is_handled(self, world: World, register: dict[str, Any]) -> None:
        complaint_services.breach_update(
            actor=world.people["admin"],
            breach=register["coach_breach"],
            expected_version=1,
            changes={"disciplinary_follow_up": "Formal warning to the coach under the Hollingbrook procedure."},
        )
        url = reverse("complaints:breach_detail", args=[register["coach_breach"].pk])
        body = world.http("coach").get(url).content.decode()
        assert "Zebedee" in body
        assert "Hollingbrook" not in body and "Disciplinary" not in body

    def test_the_register_holds_complaints_and_breaches_in_one_list(
        self, world: World, register: dict[str, Any]
    ) -> None:
        body = world.http("admin").get(reverse("complaints:register")).content.decode()
        for item in register.values():
            assert item.reference in body
        for word in SECRET_WORDS:
            assert word not in body  # the list reads no text, so it needs no audit

    def test_the_register_filters_open_and_closed(self, world: World, register: dict[str, Any]) -> None:
        admin = world.people["admin"]
        complaint_services.complaint_close(
            actor=admin, complaint=register["complaint"], outcome=Complaint.Outcome.NOT_UPHELD, message="Final."
        )
        http = world.http("admin")
        # The table after the filter, not the deadlines above it.
        marker = 'aria-label="Filter the register"'
        open_body = http.get(reverse("complaints:register") + "?state=open").content.decode().split(marker)[1]
        closed_body = http.get(reverse("complaints:register") + "?state=closed").content.decode().split(marker)[1]
        assert register["complaint"].reference not in open_body and register["complaint"].reference in closed_body
        assert register["admin_breach"].reference in open_body and register["admin_breach"].reference not in closed_body

    def test_the_register_costs_a_constant_number_of_queries(
        self, world: World, register: dict[str, Any], django_assert_max_num_queries: Any
    ) -> None:
        http = world.http("admin")
        http.get(reverse("complaints:register"))
        for _ in range(10):
            lodge(world)
            record(world)
            record(world, "coach")
        with django_assert_max_num_queries(14):
            assert http.get(reverse("complaints:register")).status_code == 200
        # The dashboard also reads the policies due for review (one query, whatever the register holds).
        with django_assert_max_num_queries(15):
            assert http.get(reverse("dashboard")).status_code == 200

    def test_navigation_offers_the_register_and_the_complaints_page(self, world: World) -> None:
        admin = world.http("admin").get(reverse("dashboard")).content.decode()
        client = world.http("client").get(reverse("dashboard")).content.decode()
        coach = world.http("coach").get(reverse("dashboard")).content.decode()
        assert "Complaints &amp; breaches" in admin
        assert f'href="{reverse("complaints:complaint_list")}"' in client
        assert "Complaints &amp; breaches" not in coach and reverse("complaints:breach_new") in coach


@pytest.mark.django_db
class TestJourneysOnPages:
    def test_a_client_lodges_a_complaint_and_follows_the_response(self, world: World) -> None:
        http = world.http("client")
        response = http.post(
            reverse("complaints:complaint_lodge"),
            {"about": "shared", "engagement": str(world.engagement.pk), "body": COMPLAINT_TEXT},
        )
        complaint = Complaint.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("complaints:complaint_detail", args=[complaint.pk])
        assert complaint.engagement == world.engagement and complaint.client == world.client_record
        admin = world.http("admin")
        admin.post(reverse("complaints:complaint_respond", args=[complaint.pk]), {"message": RESPONSE_TEXT})
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.ACKNOWLEDGED
        body = http.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
        assert "Vantongeren" in body and "Fairweather-Lyle" in body and "Acknowledgement" in body
        admin.post(
            reverse("complaints:complaint_close", args=[complaint.pk]),
            {"outcome": "partly_upheld", "message": "We changed how reports are sent."},
        )
        body = http.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
        assert "Partly upheld" in body and "We changed how reports are sent." in body

    def test_a_client_cannot_name_someone_elses_engagement(self, world: World) -> None:
        response = world.http("client").post(
            reverse("complaints:complaint_lodge"),
            {"about": "shared", "engagement": str(world.other_engagement.pk), "body": COMPLAINT_TEXT},
        )
        assert response.status_code == 200 and not Complaint.objects.exists()

    def test_an_administrator_records_handles_and_closes_a_breach(self, world: World) -> None:
        http = world.http("admin")
        discovered = timezone.localtime() - datetime.timedelta(hours=2)
        response = http.post(
            reverse("complaints:breach_new"),
            {
                "discovered_at": discovered.strftime("%Y-%m-%dT%H:%M"),
                "what_happened": BREACH_TEXT,
                "information_involved": "Notes",
                "people_affected": "Two clients",
                "people_affected_count": "2",
                "containment": "",
            },
        )
        breach = Breach.objects.get()
        assert response.status_code == 302 and breach.status == Breach.Status.OPEN
        page = http.get(reverse("complaints:breach_detail", args=[breach.pk])).content.decode()
        assert "Notify the regulator" in page and ("69h 59m left" in page or "70h 00m left" in page)
        form = {
            "version": "1",
            "discovered_at": discovered.strftime("%Y-%m-%dT%H:%M"),
            "what_happened": BREACH_TEXT,
            "information_involved": "Notes",
            "people_affected": "Two clients",
            "people_affected_count": "2",
            "containment": "Laptop wiped remotely; passwords changed.",
            "notification": "required",
            "notification_reason": "",
            "regulator_notified_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "regulator_reference": "ICO-123456",
            "outcome": "Encryption now enforced on every laptop.",
            "cause": "system",
            "disciplinary_follow_up": "None: the coach followed procedure.",
        }
        assert http.post(reverse("complaints:breach_detail", args=[breach.pk]), form).status_code == 302
        breach.refresh_from_db()
        assert breach.version == 2 and breach.regulator_reference == "ICO-123456" and not breach.clock_running
        http.post(reverse("complaints:breach_close", args=[breach.pk]), {"version": "2"})
        breach.refresh_from_db()
        assert breach.status == Breach.Status.CLOSED and breach.closed_by == world.people["admin"]

    def test_a_coach_reports_a_suspected_breach_and_the_administrator_is_told(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = world.http("coach").post(
                reverse("complaints:breach_new"),
                {
                    "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                    "what_happened": COACH_BREACH_TEXT,
                    "information_involved": "Goals",
                    "people_affected": "One client",
                },
            )
        breach = Breach.objects.get()
        assert response.status_code == 302 and breach.status == Breach.Status.SUSPECTED
        notice = Notice.objects.get(user=world.people["admin"])
        assert breach.reference in notice.text and notice.link.endswith(f"/breaches/{breach.pk}/")
        assert [m.to for m in mail.outbox] == [[world.people["admin"].email]]
        assert "Zebedee" not in mail.outbox[0].body


# --- the API ----------------------------------------------------------------------------------


def breach_payload(text: str = BREACH_TEXT) -> dict[str, Any]:
    return {
        "discovered_at": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
        "what_happened": text,
        "information_involved": "Notes",
        "people_affected": "One client",
    }


@pytest.mark.django_db
class TestEndpoints(WorldWithRegister):
    @pytest.mark.parametrize("persona", ["admin", "coach"])
    def test_the_administrator_records_an_open_breach_and_a_coach_reports_a_suspected_one(
        self, world: World, persona: str
    ) -> None:
        response = world.api(persona).post("/api/v1/breaches/", breach_payload(), content_type="application/json")
        assert response.status_code == 201
        status = Breach.Status.OPEN if persona == "admin" else Breach.Status.SUSPECTED
        assert response.json()["status"] == status
        assert ("containment" in response.json()) == (persona == "admin")

    def test_lists_hold_only_what_the_persona_may_see(self, world: World, register: dict[str, Any]) -> None:
        def ids(http: HttpClient, url: str) -> set[str]:
            return {item["id"] for item in http.get(url).json()["results"]}

        assert ids(world.api("client"), "/api/v1/complaints/") == {str(register["complaint"].pk)}
        assert len(ids(world.api("admin"), "/api/v1/complaints/")) == 2
        assert ids(world.api("coach"), "/api/v1/breaches/") == {str(register["coach_breach"].pk)}
        assert ids(world.api("other_coach"), "/api/v1/breaches/") == set()
        assert len(ids(world.api("admin"), "/api/v1/breaches/")) == 2

    def test_the_api_closes_a_complaint_and_a_breach(self, world: World, register: dict[str, Any]) -> None:
        api = world.api("admin")
        url = f"/api/v1/complaints/{register['complaint'].pk}/responses/"
        answer = api.post(url, {"message": "Final.", "outcome": "upheld"}, content_type="application/json").json()
        assert answer["status"] == "closed" and answer["outcome"] == "upheld"
        assert [r["kind"] for r in answer["responses"]] == ["final"]
        breach = f"/api/v1/breaches/{register['coach_breach'].pk}/"
        assert api.post(breach + "close/", {"version": 1}, content_type="application/json").status_code == 400
        assert (
            api.patch(
                breach, {"version": 1, "outcome": "Not a breach: sent internally."}, content_type="application/json"
            ).status_code
            == 200
        )
        closed = api.post(breach + "close/", {"version": 2}, content_type="application/json")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"

    def test_a_stale_version_answers_409(self, world: World, register: dict[str, Any]) -> None:
        response = world.api("admin").patch(
            f"/api/v1/breaches/{register['admin_breach'].pk}/",
            {"version": 7, "containment": "x"},
            content_type="application/json",
        )
        assert response.status_code == 409

    def test_lists_cost_a_constant_number_of_queries(
        self, world: World, register: dict[str, Any], django_assert_max_num_queries: Any
    ) -> None:
        api = world.api("admin")
        for _ in range(10):
            lodge(world)
            record(world)
        with django_assert_max_num_queries(8):
            assert api.get("/api/v1/complaints/").status_code == 200
        with django_assert_max_num_queries(8):
            assert api.get("/api/v1/breaches/").status_code == 200


# --- the 72-hour clock and the complaint deadlines --------------------------------------------

DISCOVERED = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
class TestNotificationClock:
    def _dashboard_at(self, world: World, moment: datetime.datetime) -> str:
        with time_machine.travel(moment, tick=False):
            return login(HttpClient(), world.people["admin"]).get(reverse("dashboard")).content.decode()

    @pytest.fixture
    def breach(self, world: World) -> Breach:
        with time_machine.travel(DISCOVERED + datetime.timedelta(minutes=30), tick=False):
            return record(world, discovered_at=DISCOVERED)

    def test_one_minute_before_the_deadline_it_is_not_overdue(self, world: World, breach: Breach) -> None:
        body = self._dashboard_at(world, DISCOVERED + datetime.timedelta(hours=71, minutes=59))
        assert breach.reference in body and "0h 01m left" in body and "Overdue" not in body

    def test_at_exactly_72_hours_it_is_due_now_not_overdue(self, world: World, breach: Breach) -> None:
        body = self._dashboard_at(world, DISCOVERED + datetime.timedelta(hours=72))
        assert "due now" in body and "Overdue" not in body

    def test_one_second_after_72_hours_it_is_overdue(self, world: World, breach: Breach) -> None:
        body = self._dashboard_at(world, DISCOVERED + datetime.timedelta(hours=72, seconds=1))
        assert "Overdue" in body and "overdue by less than a minute" in body and "clock--overdue" in body

    def test_a_day_later_it_says_by_how_much(self, world: World, breach: Breach) -> None:
        body = self._dashboard_at(world, DISCOVERED + datetime.timedelta(hours=96, minutes=30))
        assert "overdue by 24h 30m" in body

    def test_the_breach_page_shows_the_clock_prominently(self, world: World, breach: Breach) -> None:
        with time_machine.travel(DISCOVERED + datetime.timedelta(hours=1), tick=False):
            http = login(HttpClient(), world.people["admin"])
            body = http.get(reverse("complaints:breach_detail", args=[breach.pk])).content.decode()
        assert "clock-callout" in body and "71h 00m left" in body

    def test_the_clock_stops_once_the_regulator_is_notified(self, world: World, breach: Breach) -> None:
        with time_machine.travel(DISCOVERED + datetime.timedelta(hours=70), tick=False):
            complaint_services.breach_update(
                actor=world.people["admin"],
                breach=breach,
                expected_version=1,
                changes={
                    "notification": Breach.Notification.REQUIRED,
                    "regulator_notified_at": timezone.now(),
                    "regulator_reference": "ICO-1",
                },
            )
        body = self._dashboard_at(world, DISCOVERED + datetime.timedelta(hours=80))
        assert "deadlines-heading" not in body and breach.reference not in body

    def test_the_clock_stops_when_it_need_not_be_notified(self, world: World, breach: Breach) -> None:
        with time_machine.travel(DISCOVERED + datetime.timedelta(hours=2), tick=False):
            complaint_services.breach_update(
                actor=world.people["admin"],
                breach=breach,
                expected_version=1,
                changes={"notification": "not_required", "notification_reason": "Unlikely to risk anyone's rights."},
            )
            assert not breach.clock_running and breach.decided_at == timezone.now()

    def test_the_period_is_a_setting(self, world: World, breach: Breach, settings: Any) -> None:
        settings.BREACH_NOTIFICATION_HOURS = 24
        assert breach.notify_by == DISCOVERED + datetime.timedelta(hours=24)

    @pytest.mark.parametrize(
        ("elapsed", "label", "overdue"),
        [
            (datetime.timedelta(hours=71, minutes=59), "0h 01m left", False),
            (datetime.timedelta(hours=72), "due now", False),
            (datetime.timedelta(hours=72, seconds=1), "overdue by less than a minute", True),
            (datetime.timedelta(hours=0), "72h 00m left", False),
            (datetime.timedelta(days=10), "7 days", True),
        ],
    )
    def test_the_clock_reads(self, elapsed: datetime.timedelta, label: str, overdue: bool) -> None:
        running = complaint_services.clock(DISCOVERED + datetime.timedelta(hours=72), DISCOVERED + elapsed)
        assert label in running.label and running.overdue is overdue


@pytest.mark.django_db
class TestComplaintDeadlines:
    def test_they_are_set_from_the_settings_when_lodged(self, world: World, settings: Any) -> None:
        settings.COMPLAINT_ACKNOWLEDGE_DAYS, settings.COMPLAINT_RESPONSE_DAYS = 3, 20
        with time_machine.travel(DISCOVERED, tick=False):
            complaint = lodge(world)
        assert complaint.acknowledge_by == DISCOVERED + datetime.timedelta(days=3)
        assert complaint.respond_by == DISCOVERED + datetime.timedelta(days=20)

    def test_the_dashboard_shows_acknowledgement_then_response_due(self, world: World, settings: Any) -> None:
        settings.COMPLAINT_ACKNOWLEDGE_DAYS, settings.COMPLAINT_RESPONSE_DAYS = 5, 28
        with time_machine.travel(DISCOVERED, tick=False):
            complaint = lodge(world)
        body = TestNotificationClock()._dashboard_at(world, DISCOVERED + datetime.timedelta(days=5, seconds=1))
        assert complaint.reference in body and "Acknowledge" in body and "Overdue" in body
        with time_machine.travel(DISCOVERED + datetime.timedelta(days=6), tick=False):
            complaint_services.complaint_respond(actor=world.people["admin"], complaint=complaint, message="Received.")
        body = TestNotificationClock()._dashboard_at(world, DISCOVERED + datetime.timedelta(days=7))
        assert "Respond" in body and "21 days left" in body and "Overdue" not in body
        with time_machine.travel(DISCOVERED + datetime.timedelta(days=8), tick=False):
            complaint_services.complaint_close(
                actor=world.people["admin"], complaint=complaint, outcome="upheld", message="Done."
            )
        body = TestNotificationClock()._dashboard_at(world, DISCOVERED + datetime.timedelta(days=9))
        assert "deadlines-heading" not in body


# --- services: transitions, bad input, and no text outside its field -----------------------


def snapshot() -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(),
        Complaint.objects.count(),
        ComplaintResponse.objects.count(),
        Breach.objects.count(),
        Notice.objects.count(),
        list(Breach.objects.order_by("pk").values_list("version", "status", "notification", "regulator_reference")),
        list(Complaint.objects.order_by("pk").values_list("status", "outcome", "acknowledged_at")),
    )


@pytest.mark.django_db
class TestBadInputChangesNothing(WorldWithRegister):
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"about": "shared", "body": "   "},
            {"about": "shared", "body": "x" * (complaint_services.COMPLAINT_MAX_CHARS + 1)},
            {"about": "shared", "body": 42},
            {"about": "gossip", "body": COMPLAINT_TEXT},
        ],
    )
    def test_a_complaint_needs_a_known_subject_and_text(self, world: World, kwargs: dict[str, Any]) -> None:
        before = snapshot()
        with pytest.raises(ValidationError):
            complaint_services.complaint_lodge(actor=world.people["client"], **kwargs)
        assert snapshot() == before

    def test_a_complaint_names_only_the_clients_own_engagement(self, world: World) -> None:
        before = snapshot()
        with pytest.raises(ValidationError):
            lodge(world, engagement=world.other_engagement)
        assert snapshot() == before

    @pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "client"])
    def test_only_a_client_lodges(self, world: World, persona: str) -> None:
        before = snapshot()
        with pytest.raises(Http404):
            complaint_services.complaint_lodge(actor=world.people[persona], about="shared", body=COMPLAINT_TEXT)
        assert snapshot() == before

    def test_a_closed_complaint_takes_no_more_responses(self, world: World) -> None:
        admin = world.people["admin"]
        complaint = lodge(world)
        complaint_services.complaint_close(actor=admin, complaint=complaint, outcome="withdrawn", message="Withdrawn.")
        before = snapshot()
        with pytest.raises(ValidationError):
            complaint_services.complaint_respond(actor=admin, complaint=complaint, message="More.")
        with pytest.raises(ValidationError):
            complaint_services.complaint_close(actor=admin, complaint=complaint, outcome="upheld", message="Again.")
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("outcome", "message"), [("", "Final."), ("maybe", "Final."), ("upheld", ""), ("upheld", None)]
    )
    def test_closing_needs_an_outcome_and_a_final_response(self, world: World, outcome: str, message: Any) -> None:
        complaint = lodge(world)
        before = snapshot()
        with pytest.raises(ValidationError):
            complaint_services.complaint_close(
                actor=world.people["admin"], complaint=complaint, outcome=outcome, message=message
            )
        assert snapshot() == before

    @pytest.mark.parametrize(
        "change",
        [
            {"discovered_at": "yesterday"},
            {"discovered_at": timezone.now() + datetime.timedelta(days=1)},
            {"discovered_at": datetime.datetime(1899, 12, 31, 23, 59, tzinfo=datetime.UTC)},
            {"what_happened": ""},
            {"people_affected_count": -1},
            {"people_affected_count": True},
            {"notification": "perhaps"},
            {"notification": "not_required"},  # without the reasoning
            {"regulator_notified_at": timezone.now()},  # while undecided
            {"regulator_reference": "ICO-9"},  # without when
            {"notification": "required", "regulator_notified_at": timezone.now() - datetime.timedelta(days=30)},
            {"regulator_reference": "x" * 81},
            {"status": "closed"},
            {"reported_by": 1},
        ],
    )
    def test_a_breach_update_is_checked_whole_before_anything_is_saved(
        self, world: World, change: dict[str, Any]
    ) -> None:
        breach = record(world)
        before = snapshot()
        with pytest.raises(ValidationError):
            complaint_services.breach_update(
                actor=world.people["admin"],
                breach=breach,
                expected_version=1,
                changes={"containment": "Recalled.", "outcome": "Done.", **change},
            )
        assert snapshot() == before
        breach.refresh_from_db()
        assert breach.containment == "" and breach.outcome == ""

    def test_a_stale_version_is_refused(self, world: World) -> None:
        breach = record(world)
        before = snapshot()
        with pytest.raises(ConflictError):
            complaint_services.breach_update(
                actor=world.people["admin"], breach=breach, expected_version=2, changes={"containment": "Recalled."}
            )
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("changes", "missing"),
        [
            ({}, {"outcome", "containment", "notification", "cause"}),
            ({"outcome": "Done.", "containment": "Recalled.", "cause": "system"}, {"notification"}),
            (
                {"outcome": "Done.", "containment": "Recalled.", "notification": "required", "cause": "system"},
                {"regulator_notified_at"},
            ),
        ],
    )
    def test_an_open_breach_closes_only_when_its_record_is_complete(
        self, world: World, changes: dict[str, Any], missing: set[str]
    ) -> None:
        admin = world.people["admin"]
        breach = record(world)
        if changes:
            complaint_services.breach_update(actor=admin, breach=breach, expected_version=1, changes=changes)
        before = snapshot()
        with pytest.raises(ValidationError) as caught:
            complaint_services.breach_close(actor=admin, breach=breach, expected_version=breach.version)
        assert set(caught.value.message_dict) == missing
        assert snapshot() == before

    def test_a_suspected_breach_is_confirmed_once_and_a_closed_one_is_final(self, world: World) -> None:
        admin = world.people["admin"]
        breach = record(world, "coach")
        complaint_services.breach_confirm(actor=admin, breach=breach, expected_version=1)
        assert breach.status == Breach.Status.OPEN
        with pytest.raises(ValidationError):
            complaint_services.breach_confirm(actor=admin, breach=breach, expected_version=2)
        complaint_services.breach_update(
            actor=admin,
            breach=breach,
            expected_version=2,
            changes={
                "outcome": "Done.",
                "containment": "Recalled.",
                "notification": "not_required",
                "notification_reason": "No risk: the recipient deleted it.",
                "cause": "third_party",
            },
        )
        complaint_services.breach_close(actor=admin, breach=breach, expected_version=3)
        before = snapshot()
        for attempt in (
            lambda: complaint_services.breach_update(
                actor=admin, breach=breach, expected_version=4, changes={"outcome": "x"}
            ),
            lambda: complaint_services.breach_close(actor=admin, breach=breach, expected_version=4),
        ):
            with pytest.raises(ValidationError):
                attempt()
        assert snapshot() == before

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"what_happened": ""},
            {"discovered_at": timezone.now() + datetime.timedelta(hours=1)},
            {"discovered_at": datetime.date(2026, 1, 1)},
            # Found by the API fuzzing: shown back with a local mean time offset no client could read.
            {"discovered_at": datetime.datetime(222, 5, 26, 3, 54, tzinfo=datetime.UTC)},
            {"people_affected_count": -3},
        ],
    )
    def test_a_breach_record_needs_its_facts(self, world: World, kwargs: dict[str, Any]) -> None:
        data = {
            "discovered_at": timezone.now(),
            "what_happened": BREACH_TEXT,
            "information_involved": "Notes",
            "people_affected": "One client",
        } | kwargs
        before = snapshot()
        with pytest.raises(ValidationError):
            complaint_services.breach_record(actor=world.people["admin"], **data)
        assert snapshot() == before

    def test_a_coach_cannot_link_a_breach_to_a_complaint(self, world: World) -> None:
        complaint = lodge(world)
        before = snapshot()
        with pytest.raises(ValidationError):
            record(world, "coach", complaint=complaint)
        assert snapshot() == before

    def test_bad_api_input_answers_400_and_changes_nothing(self, world: World) -> None:
        client, admin = world.api("client"), world.api("admin")  # their tokens are made (and told) first
        before = snapshot()
        for payload in (
            {"about": "shared", "body": ["not", "text"]},
            {"about": "shared"},
            {"about": "shared", "body": COMPLAINT_TEXT, "engagement": str(world.other_engagement.pk)},
            {"about": "shared", "body": COMPLAINT_TEXT, "engagement": "not-a-uuid"},
        ):
            assert client.post("/api/v1/complaints/", payload, content_type="application/json").status_code == 400
        assert admin.post("/api/v1/breaches/", {"what_happened": 3}, content_type="application/json").status_code == 400
        assert snapshot() == before


@pytest.mark.django_db
class TestConfidentialText:
    def _everything(self, world: World, django_capture_on_commit_callbacks: Any) -> tuple[Complaint, Breach]:
        admin = world.people["admin"]
        with django_capture_on_commit_callbacks(execute=True):
            complaint = lodge(world, engagement=world.engagement)
            complaint_services.complaint_respond(actor=admin, complaint=complaint, message=RESPONSE_TEXT)
            breach = record(world, "coach", COACH_BREACH_TEXT)
            complaint_services.breach_update(
                actor=admin,
                breach=breach,
                expected_version=1,
                changes={"containment": "Asked Zebedee to delete it.", "outcome": "Quillfeather retrained."},
            )
            record(world, complaint=complaint)
        for persona in ("client", "admin"):
            world.http(persona).get(reverse("complaints:complaint_detail", args=[complaint.pk]))
            world.api(persona).get(f"/api/v1/complaints/{complaint.pk}/")
        world.http("admin").get(reverse("complaints:breach_detail", args=[breach.pk]))
        world.http("coach").get(reverse("complaints:breach_detail", args=[breach.pk]))
        return complaint, breach

    def test_it_is_not_in_the_audit_log_notices_or_emails(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        self._everything(world, django_capture_on_commit_callbacks)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {
            "complaint.lodge",
            "complaint.respond",
            "complaint.read",
            "breach.report",
            "breach.record",
            "breach.update",
            "breach.read",
        } <= actions
        rows = json.dumps(list(AuditEvent.objects.values()), default=str)
        notices = json.dumps(list(Notice.objects.values_list("text", "link")))
        emails = json.dumps([(m.subject, m.body) for m in mail.outbox])
        assert mail.outbox
        for word in SECRET_WORDS:
            assert word not in rows and word not in notices and word not in emails

    def test_it_is_encrypted_at_rest(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        self._everything(world, django_capture_on_commit_callbacks)
        with connection.cursor() as cursor:
            stored = []
            for table in ("confidentiality_complaint", "confidentiality_complaintresponse", "confidentiality_breach"):
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
                stored.append(json.dumps(cursor.fetchall(), default=str))
        for word in SECRET_WORDS:
            assert all(word not in rows for rows in stored)

    def test_every_read_is_audited_and_the_client_sees_the_administrators(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        complaint, breach = self._everything(world, django_capture_on_commit_callbacks)
        reads = AuditEvent.objects.filter(action="complaint.read", object_id=str(complaint.pk))
        assert reads.count() == 4 and set(reads.values_list("client_id", flat=True)) == {world.client_record.pk}
        assert AuditEvent.objects.filter(action="breach.read", object_id=str(breach.pk)).count() == 2
        log = world.http("client").get(reverse("engagements:access_log")).content.decode()
        assert "Your complaint" in log

    def test_it_survives_a_rotation_of_the_data_keys(self, world: World) -> None:
        from confidentiality.crypto import data_key_cache
        from confidentiality.rotation import rotate_data_keys

        complaint = lodge(world)
        complaint_services.complaint_respond(actor=world.people["admin"], complaint=complaint, message=RESPONSE_TEXT)
        breach = record(world)
        old_keys = {world.client_record.data_key_id, breach.data_key_id}
        report = rotate_data_keys()
        data_key_cache.clear()
        fresh = Complaint.objects.select_related("client").get(pk=complaint.pk)
        assert fresh.body == COMPLAINT_TEXT and fresh.client.data_key_id not in old_keys
        assert ComplaintResponse.objects.get().body == RESPONSE_TEXT
        fresh_breach = Breach.objects.get(pk=breach.pk)
        assert fresh_breach.what_happened == BREACH_TEXT and fresh_breach.data_key_id not in old_keys
        assert report.by_field["complaints.Complaint.body"] == 1


COMPLETE = {
    "outcome": "Done.",
    "containment": "Recalled.",
    "notification": "not_required",
    "notification_reason": "No risk: the recipient deleted it unread.",
}


@pytest.mark.django_db
class TestDiscipline:
    """Policy 002: "any breach of confidentiality will be dealt with through the company's staff and
    volunteer disciplinary procedures". A breach states its cause before it closes, and one caused
    by a member of staff closes only with the disciplinary follow-up recorded (issue 22, item 9)."""

    def test_it_refuses_to_close_a_staff_caused_breach_without_the_disciplinary_follow_up(self, world: World) -> None:
        admin = world.people["admin"]
        breach = record(world)
        complaint_services.breach_update(
            actor=admin, breach=breach, expected_version=1, changes={**COMPLETE, "cause": "staff"}
        )
        before = snapshot()
        with pytest.raises(ValidationError) as caught:
            complaint_services.breach_close(actor=admin, breach=breach, expected_version=2)
        assert set(caught.value.message_dict) == {"disciplinary_follow_up"}
        assert "disciplinary" in caught.value.message_dict["disciplinary_follow_up"][0]
        assert snapshot() == before
        complaint_services.breach_update(
            actor=admin,
            breach=breach,
            expected_version=2,
            changes={"disciplinary_follow_up": "Retraining on addressing e-mails; a written warning."},
        )
        complaint_services.breach_close(actor=admin, breach=breach, expected_version=3)
        assert breach.status == Breach.Status.CLOSED

    def test_it_refuses_to_close_a_breach_whose_cause_is_not_established(self, world: World) -> None:
        admin = world.people["admin"]
        breach = record(world)
        complaint_services.breach_update(actor=admin, breach=breach, expected_version=1, changes=COMPLETE)
        with pytest.raises(ValidationError) as caught:
            complaint_services.breach_close(actor=admin, breach=breach, expected_version=2)
        assert set(caught.value.message_dict) == {"cause"}

    def test_a_breach_from_outside_the_practice_closes_without_discipline(self, world: World) -> None:
        admin = world.people["admin"]
        breach = record(world)
        complaint_services.breach_update(
            actor=admin, breach=breach, expected_version=1, changes={**COMPLETE, "cause": "third_party"}
        )
        complaint_services.breach_close(actor=admin, breach=breach, expected_version=2)
        assert breach.status == Breach.Status.CLOSED

    def test_the_page_and_the_api_refuse_the_close_and_say_why(self, world: World) -> None:
        admin = world.people["admin"]
        breach = record(world)
        complaint_services.breach_update(
            actor=admin, breach=breach, expected_version=1, changes={**COMPLETE, "cause": "staff"}
        )
        page = world.http("admin").post(
            reverse("complaints:breach_close", args=[breach.pk]), {"version": "2"}, follow=True
        )
        assert "disciplinary procedures" in page.content.decode()
        api = world.api("admin").post(
            f"/api/v1/breaches/{breach.pk}/close/", {"version": 2}, content_type="application/json"
        )
        assert api.status_code == 400 and "disciplinary_follow_up" in api.json()
        breach.refresh_from_db()
        assert breach.status == Breach.Status.OPEN
        shown = world.api("admin").get(f"/api/v1/breaches/{breach.pk}/").json()
        assert shown["cause"] == "staff"
