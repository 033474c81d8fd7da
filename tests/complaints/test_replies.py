"""A client answers the practice (issue "a practice can start on Monday", item 9): a reply to any
response, which reopens a closed complaint and asks the administrators to respond; and complaints
about anything in the service, the information-handling ones still marked as such in the register."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintResponse
from confidentiality.models import Notice
from tests.conftest import PERSONAS, World

pytestmark = pytest.mark.django_db

REPLY = "Thank you, but the report still went to my manager's deputy."


def lodged(world: World, about: str = "shared") -> Complaint:
    return services.complaint_lodge(actor=world.people["client"], about=about, body="My report went astray.")


def asks_admin(world: World) -> bool:
    return Notice.objects.filter(
        user=world.people["admin"], about__startswith="complaint.reply:", done_at__isnull=True
    ).exists()


def test_the_client_replies_and_the_practice_is_asked_to_respond(world: World) -> None:
    complaint = lodged(world)
    services.complaint_respond(actor=world.people["admin"], complaint=complaint, message="We are looking into it.")
    response = world.http("client").post(reverse("complaints:complaint_reply", args=[complaint.pk]), {"message": REPLY})
    assert response.status_code == 302
    reply = ComplaintResponse.objects.get(complaint=complaint, kind=ComplaintResponse.Kind.CLIENT_REPLY)
    assert reply.body == REPLY and reply.author == world.people["client"]
    assert asks_admin(world)
    page = world.http("admin").get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
    assert "Reply from the client" in page and "the report still went" in page
    services.complaint_respond(actor=world.people["admin"], complaint=complaint, message="We have checked again.")
    assert not asks_admin(world)  # answered: the notice has cleared


def test_a_reply_to_the_final_response_opens_the_complaint_again(world: World) -> None:
    complaint = lodged(world)
    services.complaint_close(
        actor=world.people["admin"], complaint=complaint, outcome="not_upheld", message="We found no breach."
    )
    page = world.http("client").get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
    assert "Reply to the practice" in page and "looks at your complaint again" in page
    world.http("client").post(reverse("complaints:complaint_reply", args=[complaint.pk]), {"message": REPLY})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACKNOWLEDGED and complaint.closed_at is None
    assert asks_admin(world)


def test_an_empty_reply_is_refused_and_changes_nothing(world: World) -> None:
    complaint = lodged(world)
    response = world.http("client").post(reverse("complaints:complaint_reply", args=[complaint.pk]), {"message": "  "})
    assert response.status_code == 400
    assert not ComplaintResponse.objects.filter(complaint=complaint).exists() and not asks_admin(world)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "client"])
def test_only_the_client_who_complained_replies(world: World, persona: str) -> None:
    complaint = lodged(world)
    response = world.http(persona).post(reverse("complaints:complaint_reply", args=[complaint.pk]), {"message": REPLY})
    assert response.status_code in (302, 404) and (persona == "anonymous") == (response.status_code == 302)
    assert not ComplaintResponse.objects.filter(complaint=complaint).exists()


@pytest.mark.parametrize(
    ("about", "information"), [("shared", True), ("other", True), ("coaching", False), ("billing", False)]
)
def test_a_complaint_may_be_about_the_service_and_the_register_says_which(
    world: World, about: str, information: bool
) -> None:
    complaint = lodged(world, about)
    assert complaint.about_information is information
    register = world.http("admin").get(reverse("complaints:register")).content.decode()
    kind = "Complaint about information" if information else "Complaint about the service"
    assert kind in register
    page = world.http("admin").get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
    assert ("Record a breach of confidentiality from this complaint" in page) is information


def test_the_form_offers_the_service_topics(world: World) -> Any:
    page = world.http("client").get(reverse("complaints:complaint_lodge")).content.decode()
    for label in ("The coaching itself", "How someone at the practice behaved", "An invoice or a payment"):
        assert label in page
