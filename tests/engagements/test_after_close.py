"""Once an engagement has closed, its client and sponsor keep only what policy lets them keep.

Policy 001: confidentiality "does not stop when the relationship with the consumer comes to an
end". The client keeps the engagement's record, its released reports, their agreement, their own
data (consents, complaints, disclosures about them, who has read their file) and the right to a
copy of everything; the working material (shared notes, documents, sessions, feedback, reports
still under review) is no longer theirs to browse. Retention then deletes it all on its schedule.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from engagements import services
from engagements.models import Engagement
from reports import services as report_services
from tests.conftest import World
from tests.engagements.conftest import SHARED_TEXT, Content
from tests.reports.test_reports import GOALS_V1, released, to_client


def close(world: World) -> None:
    services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
    world.engagement.refresh_from_db()
    assert world.engagement.status == Engagement.Status.CLOSED


@pytest.mark.django_db
class TestTheClient:
    def test_working_material_closes_with_the_engagement(self, world: World, content: Content) -> None:
        client, api = world.http("client"), world.api("client")
        pk = world.engagement.pk
        working = [
            reverse("engagements:note_list", args=[pk]),
            reverse("engagements:note_view", args=[content.shared_note.pk]),
            reverse("engagements:document_download", args=[content.shared_document.pk]),
            reverse("feedback:feedback_list", args=[pk]),
        ]
        api_working = [f"/api/v1/engagements/{pk}/notes/", f"/api/v1/engagements/{pk}/sessions/"]
        assert all(client.get(url).status_code == 200 for url in working[:3])
        assert all(api.get(url).status_code == 200 for url in api_working)
        close(world)
        for url in working:
            assert client.get(url).status_code == 404, url
        for url in api_working:
            assert api.get(url).status_code == 404, url
        assert api.get(f"/api/v1/engagements/{pk}/documents/").status_code == 404
        page = client.get(reverse("engagements:detail", args=[pk]))
        assert page.status_code == 200 and SHARED_TEXT not in page.content.decode()

    def test_released_reports_their_agreement_and_their_own_data_stay(self, world: World) -> None:
        report = released(world)
        under_review = report_services.report_create(
            actor=world.people["coach"],
            engagement=world.engagement,
            title="Closing summary",
            sections={report.versions.get().sections.get().category_id: GOALS_V1},
        )
        report_services.report_submit(actor=world.people["coach"], report=under_review, expected_version=1)
        close(world)
        client = world.http("client")
        pk = world.engagement.pk
        assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
        assert client.get(reverse("reports:report_detail", args=[under_review.pk])).status_code == 404
        listing = client.get(reverse("reports:report_list", args=[pk])).content.decode()
        assert report.title in listing and "Closing summary" not in listing
        assert world.api("client").get(f"/api/v1/reports/{report.pk}/").status_code == 200
        for url in (
            reverse("engagements:detail", args=[pk]),
            reverse("consent:engagement_agreement", args=[pk]),
            reverse("consent:consents"),
            reverse("engagements:access_log"),
            reverse("subject_access:list"),
        ):
            assert client.get(url).status_code == 200, url
        # And the right to a copy of everything held on them.
        from rights.models import SubjectAccessRequest

        client.post(reverse("subject_access:new"))
        assert SubjectAccessRequest.objects.filter(client=world.client_record).exists()

    def test_an_open_engagement_is_unchanged(self, world: World, content: Content) -> None:
        to_client(world)
        client = world.http("client")
        assert client.get(reverse("engagements:note_list", args=[world.engagement.pk])).status_code == 200


@pytest.mark.django_db
class TestTheSponsor:
    def test_released_reports_stay_and_nothing_else_opens(self, world: World) -> None:
        report = released(world)
        close(world)
        sponsor = world.http("sponsor")
        assert sponsor.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
        assert sponsor.get(reverse("engagements:detail", args=[world.engagement.pk])).status_code == 200
        assert sponsor.get(reverse("engagements:note_list", args=[world.engagement.pk])).status_code == 404


@pytest.mark.django_db
def test_the_coach_keeps_the_record_of_a_closed_engagement(world: World, content: Content) -> None:
    """Coaches keep reading what they wrote (a legal requirement can arrive after the end, policy
    001) until retention deletes it; they write nothing more."""
    close(world)
    coach = world.http("coach")
    assert coach.get(reverse("engagements:note_list", args=[world.engagement.pk])).status_code == 200
