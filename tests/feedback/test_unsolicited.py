"""Unsolicited feedback (policy 003): "I may receive unsolicited feedback, often anonymously … I will
promptly share this feedback with my clients verbatim or in summary form, identifying the source by
category of person or specific name (if allowed)". The coach records it as it arrives, at the
anonymity the agreement settled; it stays on the coach's dashboard until shared, with the day it is
due; the client reads it once shared; the sponsor never."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import AuditEvent, Notice
from consent.models import Agreement, FeedbackAnonymity
from feedback import services as feedback_services
from feedback.models import UnsolicitedFeedback
from tests.conftest import PERSONAS, World

TEXT = "Sam cut me off twice in the budget meeting; it felt like my numbers did not matter."
NAME = "Dana Whitfield"


def agreed(world: World, anonymity: str) -> None:
    Agreement.objects.filter(engagement=world.engagement).update(feedback_anonymity=anonymity)


def record(world: World, **overrides: Any) -> UnsolicitedFeedback:
    values: dict[str, Any] = {
        "actor": world.people["coach"],
        "engagement": world.engagement,
        "source_category": "colleague",
        "source_name": "",
        "presentation": "verbatim",
        "text": TEXT,
        "received_on": timezone.localdate(),
    }
    values.update(overrides)
    return feedback_services.unsolicited_feedback_record(**values)


def shared(world: World, **overrides: Any) -> UnsolicitedFeedback:
    item = record(world, **overrides)
    return feedback_services.unsolicited_feedback_share(actor=world.people["coach"], feedback=item)


def detail_url(item: UnsolicitedFeedback) -> str:
    return reverse("feedback:unsolicited_detail", args=[item.pk])


def list_url(world: World) -> str:
    return reverse("feedback:feedback_list", args=[world.engagement.pk])


def record_url(world: World) -> str:
    return reverse("feedback:unsolicited_record", args=[world.engagement.pk])


@pytest.mark.django_db
class TestRecording:
    def test_it_is_encrypted_at_rest_and_audited_without_the_text(self, world: World) -> None:
        item = record(world)
        item.refresh_from_db()
        assert item.text == TEXT and item.shared_at is None
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT text FROM {UnsolicitedFeedback._meta.db_table}")  # noqa: S608
            (raw,) = cursor.fetchone()
        assert "budget" not in str(raw)
        event = AuditEvent.objects.get(action="feedback.unsolicited.record")
        assert "budget" not in str(event.detail)

    def test_the_share_deadline_is_the_practice_setting_after_it_was_recorded(self, world: World) -> None:
        from confidentiality.practice import practice_update

        practice_update(actor=world.people["admin"], unsolicited_share_days=3)
        with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)):
            item = record(world, received_on=datetime.date(2026, 2, 27))
        assert item.share_by == datetime.date(2026, 3, 5)

    def test_the_default_deadline_is_five_days_and_the_administrator_sets_it_on_the_settings_page(
        self, world: World
    ) -> None:
        from django.urls import reverse

        from confidentiality.practice import current_practice

        assert current_practice().unsolicited_share_days == 5
        http = world.http("admin")
        details = {"name": "Lindqvist Coaching", "regulator": "The ICO", "concern_reminder_days": "7"}
        for bad in ("0", "61", "soon"):
            answer = http.post(reverse("practice_settings"), {**details, "unsolicited_share_days": bad})
            assert answer.status_code == 200 and 'id="id_unsolicited_share_days"' in answer.content.decode()
            assert current_practice().unsolicited_share_days == 5
        assert http.post(reverse("practice_settings"), {**details, "unsolicited_share_days": "10"}).status_code == 302
        assert current_practice().unsolicited_share_days == 10

    @pytest.mark.parametrize("persona", ["other_coach", "client", "sponsor", "admin", "auditor", "superuser"])
    def test_only_a_coach_on_the_engagement_records_it(self, world: World, persona: str) -> None:
        with pytest.raises(PermissionDenied):
            record(world, actor=world.people[persona])
        assert not UnsolicitedFeedback.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("text", "   "),
            ("text", "x" * (feedback_services.UNSOLICITED_MAX_CHARS + 1)),
            ("source_category", "the_cleaner"),
            ("presentation", "rumour"),
            ("received_on", "tomorrow"),
        ],
    )
    def test_a_bad_input_changes_nothing(self, world: World, field: str, value: str) -> None:
        if value == "tomorrow":
            value = timezone.localdate() + datetime.timedelta(days=1)  # type: ignore[assignment]
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as caught:
            record(world, **{field: value})
        assert field in caught.value.message_dict
        assert not UnsolicitedFeedback.objects.exists()
        assert AuditEvent.objects.count() == before

    def test_nothing_is_recorded_before_the_agreement_is_signed(self, world: World) -> None:
        Agreement.objects.filter(engagement=world.engagement).update(state=Agreement.State.DRAFT)
        with pytest.raises(ValidationError):
            record(world)
        assert not UnsolicitedFeedback.objects.exists()

    def test_a_refused_page_keeps_the_typed_text_with_the_error_beside_the_field(self, world: World) -> None:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = world.http("coach").post(
            record_url(world),
            {"source_category": "colleague", "presentation": "verbatim", "text": TEXT, "received_on": str(tomorrow)},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "budget meeting" in page  # what was typed, kept
        assert 'id="unsolicited-received_on-error"' in page
        assert 'aria-describedby="unsolicited-received_on-error"' in page
        assert not UnsolicitedFeedback.objects.exists()

    def test_the_page_records_it_and_shows_it_to_the_coach(self, world: World) -> None:
        response = world.http("coach").post(
            record_url(world),
            {
                "source_category": "direct_report",
                "presentation": "summary",
                "text": TEXT,
                "received_on": str(timezone.localdate()),
            },
        )
        assert response.status_code == 302
        item = UnsolicitedFeedback.objects.get()
        assert item.presentation == "summary" and item.source_category == "direct_report"
        assert "budget" not in response["Location"]
        page = world.http("coach").get(list_url(world)).content.decode()
        assert detail_url(item) in page and 'name="text"' in page


@pytest.mark.django_db
class TestAnonymity:
    def test_by_category_no_name_is_stored_or_shown(self, world: World) -> None:
        agreed(world, FeedbackAnonymity.BY_CATEGORY)
        with pytest.raises(ValidationError) as caught:
            record(world, source_name=NAME)
        assert "source_name" in caught.value.message_dict
        assert not UnsolicitedFeedback.objects.exists()
        item = shared(world, source_category="line_manager")
        assert item.source_name == "" and item.anonymity == FeedbackAnonymity.BY_CATEGORY
        page = world.http("client").get(detail_url(item)).content.decode()
        assert "Line manager" in page and TEXT in page
        form = world.http("coach").get(list_url(world)).content.decode()
        assert 'name="source_name"' not in form

    def test_by_name_the_client_reads_the_name(self, world: World) -> None:
        agreed(world, FeedbackAnonymity.BY_NAME)
        item = shared(world, source_category="line_manager", source_name=NAME)
        assert item.source_name == NAME
        page = world.http("client").get(detail_url(item)).content.decode()
        assert NAME in page and TEXT in page
        api = world.api("client").get(f"/api/v1/unsolicited-feedback/{item.pk}/").json()
        assert api["given_by"] == NAME

    def test_unidentified_the_client_learns_nothing_about_the_source(self, world: World) -> None:
        agreed(world, FeedbackAnonymity.UNIDENTIFIED)
        item = shared(world, source_category="line_manager")
        page = world.http("client").get(detail_url(item)).content.decode()
        assert TEXT in page and "Line manager" not in page
        api = world.api("client").get(f"/api/v1/unsolicited-feedback/{item.pk}/").json()
        assert "line_manager" not in str(api) and "Line manager" not in str(api)

    def test_the_anonymity_is_the_one_agreed_when_it_was_recorded(self, world: World) -> None:
        agreed(world, FeedbackAnonymity.BY_CATEGORY)
        item = record(world)
        agreed(world, FeedbackAnonymity.BY_NAME)
        item.refresh_from_db()
        assert item.anonymity == FeedbackAnonymity.BY_CATEGORY


@pytest.mark.django_db
class TestWhoReadsIt:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_the_pages_and_the_api(self, world: World, persona: str) -> None:
        pending = record(world)
        done = shared(world, text="Shared: " + TEXT)
        for item, readers in ((pending, {"coach"}), (done, {"coach", "client"})):
            page = world.http(persona).get(detail_url(item))
            api = world.api(persona).get(f"/api/v1/unsolicited-feedback/{item.pk}/")
            if persona in readers:
                assert page.status_code == 200 and api.status_code == 200
                assert item.text in page.content.decode()
            else:
                assert page.status_code == (302 if persona == "anonymous" else 404)
                assert api.status_code == (401 if persona == "anonymous" else 404)
                assert "budget" not in page.content.decode() + api.content.decode()

    def test_the_client_reads_it_only_once_shared(self, world: World) -> None:
        item = record(world)
        client = world.http("client")
        assert client.get(detail_url(item)).status_code == 404
        assert detail_url(item) not in client.get(list_url(world)).content.decode()
        listed = world.api("client").get(f"/api/v1/engagements/{world.engagement.pk}/unsolicited-feedback/").json()
        assert listed == []
        feedback_services.unsolicited_feedback_share(actor=world.people["coach"], feedback=item)
        assert client.get(detail_url(item)).status_code == 200
        assert detail_url(item) in client.get(list_url(world)).content.decode()
        assert AuditEvent.objects.filter(action="feedback.unsolicited.read", actor_id=world.people["client"].pk)

    @pytest.mark.parametrize("persona", ["sponsor", "other_coach"])
    def test_the_sponsor_and_another_coach_get_404_everywhere(self, world: World, persona: str) -> None:
        item = shared(world)
        assert world.http(persona).get(detail_url(item)).status_code == 404
        assert world.http(persona).post(detail_url(item)).status_code == 404
        assert world.api(persona).get(f"/api/v1/unsolicited-feedback/{item.pk}/").status_code == 404
        assert (
            world.api(persona).get(f"/api/v1/engagements/{world.engagement.pk}/unsolicited-feedback/").status_code
            == 404
        )

    @pytest.mark.parametrize("persona", ["other_coach", "client", "sponsor"])
    def test_only_the_coach_shares(self, world: World, persona: str) -> None:
        item = record(world)
        with pytest.raises(PermissionDenied):
            feedback_services.unsolicited_feedback_share(actor=world.people[persona], feedback=item)
        world.http(persona).post(detail_url(item))
        world.api(persona).post(f"/api/v1/unsolicited-feedback/{item.pk}/share/", {}, content_type="application/json")
        item.refresh_from_db()
        assert item.shared_at is None


@pytest.mark.django_db
class TestSharing:
    def test_sharing_tells_the_client_without_the_text_and_is_audited(self, world: World) -> None:
        item = shared(world)
        assert item.shared_at is not None
        notice = Notice.objects.filter(user=world.people["client"]).latest("id")
        assert notice.link == detail_url(item)
        assert "budget" not in notice.text and "budget" not in notice.link
        event = AuditEvent.objects.get(action="feedback.unsolicited.share")
        assert "budget" not in str(event.detail)

    def test_it_is_shared_once(self, world: World) -> None:
        item = shared(world)
        first = item.shared_at
        with pytest.raises(ValidationError):
            feedback_services.unsolicited_feedback_share(actor=world.people["coach"], feedback=item)
        item.refresh_from_db()
        assert item.shared_at == first

    def test_the_page_shares_it(self, world: World) -> None:
        item = record(world)
        response = world.http("coach").post(detail_url(item))
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.shared_at is not None


@pytest.mark.django_db
class TestDashboard:
    def dashboard(self, world: World) -> str:
        return world.http("coach").get(reverse("dashboard")).content.decode()

    def test_unshared_feedback_is_on_the_dashboard_with_its_due_date_until_shared(self, world: World) -> None:
        with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)):
            item = record(world, received_on=datetime.date(2026, 3, 1))
            page = self.dashboard(world)
            assert 'id="unsolicited-to-share"' in page and detail_url(item) in page
            assert "7 Mar 2026" in page and "overdue" not in page
            assert "budget" not in page  # the text stays on its own page
        with time_machine.travel(datetime.datetime(2026, 3, 7, 10, tzinfo=datetime.UTC)):
            assert "overdue" not in self.dashboard(world)  # the day it is due
        with time_machine.travel(datetime.datetime(2026, 3, 8, 10, tzinfo=datetime.UTC)):
            assert "overdue" in self.dashboard(world)  # the day after
            feedback_services.unsolicited_feedback_share(actor=world.people["coach"], feedback=item)
            page = self.dashboard(world)
            assert detail_url(item) not in page and 'id="unsolicited-to-share"' not in page

    def test_another_coach_does_not_see_it(self, world: World) -> None:
        item = record(world)
        page = world.http("other_coach").get(reverse("dashboard")).content.decode()
        assert detail_url(item) not in page

    def test_the_dashboard_costs_the_same_for_one_or_ten(self, world: World) -> None:
        record(world)
        http = world.http("coach")
        http.get(reverse("dashboard"))  # warm the caches a first visit fills
        with CaptureQueriesContext(connection) as one:
            assert http.get(reverse("dashboard")).status_code == 200
        for _ in range(9):
            record(world)
        with CaptureQueriesContext(connection) as ten:
            page = http.get(reverse("dashboard")).content.decode()
        assert page.count("feedback/unsolicited/") == 10
        assert len(ten) == len(one), [q["sql"] for q in ten.captured_queries]


@pytest.mark.django_db
class TestApi:
    def test_record_list_share_read(self, world: World) -> None:
        coach = world.api("coach")
        url = f"/api/v1/engagements/{world.engagement.pk}/unsolicited-feedback/"
        body = {
            "source_category": "colleague",
            "presentation": "verbatim",
            "text": TEXT,
            "received_on": str(timezone.localdate()),
        }
        bad = coach.post(url, body | {"source_name": NAME}, content_type="application/json")  # by category
        assert bad.status_code == 400 and "source_name" in bad.json()
        assert not UnsolicitedFeedback.objects.exists()
        created = coach.post(url, body, content_type="application/json")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert created.json()["share_by"] and created.json()["text"] == TEXT
        listed = coach.get(url).json()
        assert [row["id"] for row in listed] == [pk] and "text" not in listed[0]
        assert world.api("client").get(f"/api/v1/unsolicited-feedback/{pk}/").status_code == 404
        assert world.api("client").post(f"/api/v1/unsolicited-feedback/{pk}/share/").status_code == 404
        done = coach.post(f"/api/v1/unsolicited-feedback/{pk}/share/")
        assert done.status_code == 200 and done.json()["shared_at"]
        assert coach.post(f"/api/v1/unsolicited-feedback/{pk}/share/").status_code == 400
        seen = world.api("client").get(f"/api/v1/unsolicited-feedback/{pk}/").json()
        assert seen["text"] == TEXT and seen["given_by"] == "Colleague" and "source_name" not in seen
        assert world.api("client").post(f"/api/v1/unsolicited-feedback/{pk}/share/").status_code == 403


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_demo_has_one_shared_and_one_waiting_and_seeding_again_adds_none() -> None:
    from confidentiality.models import User
    from demo.practice import PEOPLE, seed_demo
    from engagements.models import Engagement
    from tests.conftest import login

    seed_demo()
    seed_demo()
    engagement = Engagement.objects.get(reference="ENG-2026-001")
    items = list(UnsolicitedFeedback.objects.filter(engagement=engagement))
    assert sorted(item.shared_at is None for item in items) == [False, True]
    waiting = next(item for item in items if item.shared_at is None)
    done = next(item for item in items if item.shared_at is not None)
    emails = {person.key: person.email for person in PEOPLE}
    from django.test import Client as HttpClient

    coach = login(HttpClient(), User.objects.get(email=emails["coach"]))
    assert detail_url(waiting) in coach.get(reverse("dashboard")).content.decode()
    client = login(HttpClient(), User.objects.get(email=emails["client"]))
    page = client.get(reverse("feedback:feedback_list", args=[engagement.pk])).content.decode()
    assert detail_url(done) in page and detail_url(waiting) not in page


@pytest.mark.django_db
class TestKeptAndCopied:
    def test_the_retention_schedule_deletes_it_with_the_engagements_files(self) -> None:
        from retention.schedule import covered_kinds

        assert covered_kinds()["feedback.unsolicitedfeedback"] == "engagement_files"

    def test_the_clients_copy_holds_what_was_shared_and_names_no_one(self, world: World) -> None:
        from rights.exports import client_contents

        agreed(world, FeedbackAnonymity.BY_NAME)
        shared(world, source_category="line_manager", source_name=NAME)
        record(world, text="Not shared yet: the quarterly plan.")
        contents = client_contents(world.client_record)
        [section] = [s for s in contents.sections if s.key == "unsolicited_feedback"]
        assert [item["text"] for item in section.items] == [TEXT]
        assert section.items[0]["from"] == "Line manager"
        assert NAME not in str(section.items) and "quarterly" not in str(contents.sections)
