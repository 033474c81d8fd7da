"""A client answers the practice's response to their complaint, and may complain about the service
itself (issue "a practice can start on Monday", item 9), in Chromium at desktop and phone width."""

from __future__ import annotations

import re
from typing import Any

import pytest

from complaints import services
from complaints.models import Complaint, ComplaintResponse
from confidentiality.roles import Role
from tests.browser.conftest import WIDTHS, assert_accessible
from tests.browser.keyboard import sign_in
from tests.factories import ClientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = "Thank you. The report still went to my manager's deputy, though."


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_client_replies_to_the_practices_response(live_server: Any, browser: Any, width: str) -> None:
    admin = UserFactory(role=Role.ADMIN)
    client = UserFactory(role=Role.CLIENT, email="ines@example.org")
    ClientFactory(user=client, full_name="Ines Okafor")
    complaint = services.complaint_lodge(actor=client, about="shared", body="My report went to the wrong person.")
    services.complaint_respond(actor=admin, complaint=complaint, message="We are sorry: we are looking into it.")

    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, client.email)
        page.goto(f"{live_server.url}/complaints/{complaint.pk}/")
        page.get_by_role("heading", level=1, name=re.compile("Complaint")).wait_for()
        page.get_by_label("Your reply to the practice").fill(REPLY)
        page.get_by_role("button", name="Send my reply").click()
        page.get_by_text("Your reply is sent.").wait_for()
        assert "Your reply" in page.locator("main").inner_text() and REPLY in page.locator("main").inner_text()
        assert_accessible(page, f"complaint-reply-{width}")

        page.goto(f"{live_server.url}/complaints/new/")
        about = page.get_by_label("What is your complaint about?")
        about.select_option(label="The coaching itself")
        page.get_by_label("Your complaint", exact=True).fill("Two sessions were cancelled at an hour's notice.")
        page.get_by_role("button", name=re.compile("Send|Lodge|Submit")).click()
        page.get_by_text(re.compile("is lodged")).wait_for()
    finally:
        context.close()
    (reply,) = ComplaintResponse.objects.filter(complaint=complaint, kind="client_reply")
    assert reply.body == REPLY
    assert Complaint.objects.filter(about="coaching").count() == 1
