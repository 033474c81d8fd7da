"""A complaint recorded on a person's behalf (issue 21), in Chromium: the administrator records a
complaint a client without a portal sign-in made by telephone, from the clients' list (refused
without saying how identity was checked, with what was typed kept), acknowledges it, downloads the
letter, finds the postal address on the page and marks it posted (axe at zero serious or critical)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from complaints.models import Complaint, ComplaintResponse
from confidentiality.roles import Role
from tests.browser.conftest import WIDTHS, assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAID = "My coach read out my goals in the waiting room at Wexcombe, where others could hear."


def test_a_complaint_by_telephone_from_a_client_without_a_sign_in_is_answered_by_post(
    live_server: Any, browser: Any
) -> None:
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    client = ClientFactory(full_name="Ottoline Featherstonehaugh", user=None, postal_address="14 Row Lane\nLeeds")

    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/engagements/clients/")
        page.get_by_role("link", name="Record a complaint from Ottoline Featherstonehaugh").click()
        page.get_by_text(re.compile("who has no portal sign-in")).wait_for()
        assert_accessible(page, "complaint-on-behalf-no-login")
        page.get_by_label("How it reached the practice").select_option("telephone")
        page.get_by_label("What is the complaint about?").select_option("seen")
        page.get_by_label("The complaint", exact=True).fill(SAID)
        page.get_by_role("button", name="Record the complaint").click()
        page.get_by_role("alert").filter(has_text="This client has no portal sign-in").wait_for()
        assert not Complaint.objects.exists()
        assert page.get_by_label("The complaint", exact=True).input_value() == SAID  # kept
        assert page.get_by_label("How it reached the practice").input_value() == "telephone"
        assert_accessible(page, "complaint-on-behalf-refused")
        page.get_by_label("How you checked it is from them").fill(
            "Called from the number on file; gave her date of birth."
        )
        page.get_by_role("button", name="Record the complaint").click()
        page.get_by_text(re.compile("the practice's answers go to them by post")).wait_for()
        complaint = Complaint.objects.get()
        assert (complaint.client_id, complaint.received_by, complaint.lodged_by_id) == (
            client.pk,
            "telephone",
            admin.pk,
        )

        page.get_by_label("Response to the client").fill("We have received your complaint and are looking into it.")
        page.get_by_role("button", name="Acknowledge and send").click()
        page.get_by_text(re.compile("Your response is saved as a letter to post")).wait_for()
        page.get_by_text("To post.", exact=True).wait_for()
        assert "14 Row Lane" in page.locator("main").inner_text()
        assert_accessible(page, "complaint-letter-to-post")
        response = ComplaintResponse.objects.get()
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("download the letter")).click()
        assert download.value.suggested_filename.startswith(f"letter-{complaint.reference}-")
        page.get_by_role("button", name=re.compile("Mark the letter posted")).click()
        page.get_by_text("The letter is marked posted.").wait_for()
        response.refresh_from_db()
        assert response.posted_at is not None and response.posted_by_id == admin.pk
        assert page.get_by_role("button", name=re.compile("Mark the letter posted")).count() == 0
    finally:
        context.close()
