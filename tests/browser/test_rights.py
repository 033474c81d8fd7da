"""The rights beyond a copy (issue 21), in Chromium at desktop and phone width: a client asks for a
correction of their details; a refusal keeps what they typed; the administrator corrects the
details (the earlier value shown, kept) and answers; the client reads the answer and downloads the
outcome letter. A private client reads the invoices sent to them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest

from confidentiality.roles import Role
from engagements.services import engagement_create
from finance import services as finance
from rights.models import SubjectAccessRequest
from tests.browser.conftest import WIDTHS, assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASKED = "My telephone number is wrong: it ends 4471, not 4417."


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_client_asks_for_a_correction_and_reads_the_answer(live_server: Any, browser: Any, width: str) -> None:
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    client_user = UserFactory(role=Role.CLIENT, email="ines@example.org")
    client = ClientFactory(user=client_user, full_name="Ines Quartermaine", phone="020 7946 4417")

    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, client_user.email)
        page.goto(f"{live_server.url}/subject-access/")
        page.get_by_role("heading", level=1, name="My information and my rights").wait_for()
        # Sent without saying which right: refused, and the words stay in the box.
        page.get_by_label("What is it about?").fill(ASKED)
        page.get_by_role("button", name="Send my request").click()
        page.get_by_role("heading", level=1, name="My information and my rights").wait_for()
        assert page.get_by_label("What is it about?").input_value() == ASKED
        assert not SubjectAccessRequest.objects.exists()
        page.get_by_role("radio", name=re.compile("Correction")).check()
        page.get_by_role("button", name="Send my request").click()
        page.get_by_text(re.compile(r"Your request SAR-\w+ is received")).wait_for()
        request = SubjectAccessRequest.objects.get()
        assert request.right == "rectification" and request.details == ASKED
        assert_accessible(page, f"rights-asked-{width}")

        admin_context = browser.new_context(viewport=WIDTHS[width])
        admin_page = admin_context.new_page()
        admin_page.set_default_timeout(15000)
        sign_in(admin_page, live_server.url, admin.email, secret)
        admin_page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        admin_page.get_by_text(ASKED).wait_for()
        admin_page.get_by_label("Telephone").fill("020 7946 4471")
        admin_page.get_by_role("button", name="Save the corrected details").click()
        admin_page.get_by_text("Corrected: telephone.").wait_for()
        assert "020 7946 4417" in admin_page.locator("main").inner_text()  # the earlier value, kept
        assert_accessible(admin_page, f"rights-corrected-{width}")
        admin_page.get_by_label("What the practice did").fill("We corrected your telephone number.")
        admin_page.get_by_role("button", name="Answer and tell the requester").click()
        admin_page.get_by_text("The request is answered.").wait_for()
        admin_context.close()

        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_text("We corrected your telephone number.").wait_for()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the outcome letter (PDF)").click()
        assert download.value.suggested_filename == f"letter-{request.reference}.pdf"
        assert_accessible(page, f"rights-answered-{width}")
    finally:
        context.close()
    client.refresh_from_db()
    assert client.phone == "020 7946 4471"


def test_a_private_client_reads_their_invoice(live_server: Any, browser: Any) -> None:
    admin = UserFactory(role=Role.ADMIN)
    coach = UserFactory(role=Role.COACH)
    client_user = UserFactory(role=Role.CLIENT, email="ruth@example.org")
    engagement = engagement_create(
        actor=admin,
        reference="ENG-P-7",
        title="Career coaching",
        organisation=None,
        client=ClientFactory(user=client_user, full_name="Ruth Adeyemi"),
        coaches=[coach],
        sponsors=[],
        starts_on=datetime.date(2026, 1, 5),
    )
    draft = finance.invoice_create(
        actor=admin,
        organisation=None,
        engagement=engagement,
        lines=[finance.LineInput("Coaching sessions", Decimal(2), Decimal("95.00"), Decimal(0))],
    )
    invoice = finance.invoice_issue(actor=admin, invoice=draft)

    context = browser.new_context(viewport=WIDTHS["phone"])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, client_user.email)
        page.get_by_role("link", name="Your invoices").click()
        page.get_by_role("link", name=invoice.reference).wait_for()
        assert "190.00" in page.locator("main").inner_text()
        assert_accessible(page, "private-client-invoices-phone")
        page.get_by_role("link", name=invoice.reference).click()
        page.get_by_text("Ruth Adeyemi").first.wait_for()
    finally:
        context.close()


def test_the_administrator_pauses_processing_then_carries_out_an_erasure(live_server: Any, browser: Any) -> None:
    """Restriction: the administrator pauses processing, the coach finds the engagement paused and
    why, the administrator lifts it. Erasure: the administrator reads what would go and what must
    stay, answers, and the answer says what was deleted; the client reads it (issue 21)."""
    from engagements.models import Engagement
    from engagements.services import engagement_close
    from rights import services as sar

    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    coach, coach_secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Fern")
    client_user = UserFactory(role=Role.CLIENT, email="ines@example.org")
    client = ClientFactory(user=client_user, full_name="Ines Quartermaine")
    engagement = engagement_create(
        actor=admin,
        reference="ENG-R-1",
        title="Career coaching",
        organisation=None,
        client=client,
        coaches=[coach],
        sponsors=[],
        starts_on=datetime.date.today(),
    )
    restriction = sar.subject_access_request_open(
        actor=client_user, right="restriction", details="Stop using my notes until you check them."
    )
    erasure = sar.subject_access_request_open(actor=client_user, right="erasure", details="Delete everything.")

    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/subject-access/{restriction.pk}/")
        page.get_by_label("Why processing is paused").fill("The client contests the notes of March.")
        page.get_by_role("button", name="Pause processing").click()
        page.get_by_text("Processing of the client's records is paused.").wait_for()
        assert_accessible(page, "rights-restricted")
        assert Engagement.objects.get(pk=engagement.pk).restricted

        coach_context = browser.new_context(viewport=WIDTHS["desktop"])
        coach_page = coach_context.new_page()
        coach_page.set_default_timeout(15000)
        sign_in(coach_page, live_server.url, coach.email, coach_secret)
        coach_page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
        coach_page.get_by_text("Processing is paused.").wait_for()
        assert "contests the notes of March" in coach_page.locator("main").inner_text()
        assert_accessible(coach_page, "rights-restricted-engagement")
        coach_context.close()

        page.goto(f"{live_server.url}/subject-access/{restriction.pk}/")
        page.get_by_label("Why processing may start again").fill("The notes were checked with the client.")
        page.get_by_role("button", name="Lift and tell the client").click()
        page.get_by_text("The restriction is lifted.").wait_for()
        assert not Engagement.objects.get(pk=engagement.pk).restricted

        engagement_close(actor=admin, engagement=Engagement.objects.get(pk=engagement.pk))
        page.goto(f"{live_server.url}/subject-access/{erasure.pk}/")
        page.get_by_role("heading", name="What erasure would delete, and what must stay").wait_for()
        assert_accessible(page, "rights-erasure-preview")
        page.get_by_label("What the practice did").fill("We erased your information as the law allows.")
        page.get_by_role("button", name="Erase, answer and tell the requester").click()
        page.get_by_text("The request is answered.").wait_for()
        assert not Engagement.objects.filter(pk=engagement.pk).exists()
    finally:
        context.close()

    client_context = browser.new_context(viewport=WIDTHS["phone"])
    client_page = client_context.new_page()
    client_page.set_default_timeout(15000)
    try:
        sign_in(client_page, live_server.url, client_user.email)
        client_page.goto(f"{live_server.url}/subject-access/{erasure.pk}/")
        client_page.get_by_text(re.compile("What we deleted on")).wait_for()
        assert "1 engagements" in client_page.locator("main").inner_text()
        assert_accessible(client_page, "rights-erasure-answered")
    finally:
        client_context.close()


def test_a_client_without_a_sign_in_is_answered_by_post(live_server: Any, browser: Any) -> None:
    """People without a login (issue 21): the administrator records a correction a client without a
    portal sign-in sent by post, from the clients' list, says how their identity was checked, answers,
    downloads the letter and marks it posted; the address to post it to is on the page."""
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    client = ClientFactory(full_name="Ottoline Featherstonehaugh", user=None, postal_address="14 Row Lane\nLeeds")

    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/engagements/clients/")
        page.get_by_role("link", name="Record a request from Ottoline Featherstonehaugh").click()
        page.get_by_text(re.compile("who has no portal sign-in")).wait_for()
        assert_accessible(page, "rights-on-behalf-no-login")
        page.get_by_role("radio", name=re.compile("Correction")).check()
        page.get_by_label("What is it about?").fill("My surname is spelt Featherstonehaugh, with an h.")
        page.get_by_label("How it reached the practice").select_option("post")
        page.get_by_role("button", name="Record the request").click()
        page.get_by_text(re.compile("How you checked it is from them|how you checked")).first.wait_for()
        assert not SubjectAccessRequest.objects.exists()
        assert page.get_by_label("What is it about?").input_value().startswith("My surname")  # kept
        page.get_by_label("How you checked it is from them").fill("Signed letter; the signature matches.")
        page.get_by_role("button", name="Record the request").click()
        page.get_by_text(re.compile("the answer goes by post")).wait_for()
        request = SubjectAccessRequest.objects.get()
        assert request.by_post and request.client_id == client.pk

        page.get_by_label("What the practice did").fill("Your name was already spelt as you asked.")
        page.get_by_role("button", name="Answer and tell the requester").click()
        page.get_by_text("The request is answered.").wait_for()
        page.get_by_role("heading", name="Send the answer").wait_for()
        assert "14 Row Lane" in page.locator("main").inner_text()
        assert_accessible(page, "rights-post-the-answer")
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("outcome letter")).click()
        assert download.value.suggested_filename == f"letter-{request.reference}.pdf"
        page.get_by_role("button", name="Mark it posted").click()
        page.get_by_text("Marked posted.").wait_for()
        request.refresh_from_db()
        assert request.posted_at is not None
    finally:
        context.close()


def test_a_client_without_a_sign_in_collects_the_answer_with_a_link_and_a_code(live_server: Any, browser: Any) -> None:
    """The answer by a single-use link (issue 21): the administrator e-mails it to the address on file
    and reads the collection code once; the client, at phone width, opens the link (its secret leaves
    the address bar), mistypes the code (told, tries left), types it and downloads the letter; the
    link then opens nothing, and the administrator's page says it was downloaded."""
    from django.core import mail

    from rights import services as sar

    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    client = ClientFactory(full_name="Ottoline Featherstonehaugh", user=None, contact_email="ottoline@example.net")
    request = sar.subject_access_request_open(
        actor=admin,
        client=client,
        right="objection",
        details="Stop sending me surveys.",
        received_by="telephone",
        evidence="Called from the number on file.",
    )
    sar.right_answer(actor=admin, request=request, outcome="We stopped the surveys.")

    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15000)
    phone = browser.new_context(viewport=WIDTHS["phone"])
    their = phone.new_page()
    their.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, admin.email, secret)
        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_role("heading", name="Send the answer").wait_for()
        page.get_by_role("button", name="E-mail a download link").click()
        shown = page.get_by_label("Collection code").inner_text()
        code = re.sub(r"\D", "", shown)
        assert len(code) == 8
        assert_accessible(page, "rights-link-sent")
        (message,) = [m for m in mail.outbox if m.to == ["ottoline@example.net"]]
        assert code not in message.body and "surveys" not in message.body
        found = re.search(r"https?://\S+/subject-access/collect/[^/\s]+/", message.body)
        assert found is not None
        link = found.group(0).replace("http://testserver", live_server.url)
        link = re.sub(r"^https?://[^/]+", live_server.url, link)

        their.goto(link)
        their.get_by_role("heading", level=1, name=re.compile("Download the answer")).wait_for()
        assert their.url == f"{live_server.url}/subject-access/collect/"  # the secret left the address
        assert_accessible(their, "rights-link-code")
        their.get_by_label(re.compile("Collection code")).fill("1234 567" + ("9" if code[-1] != "9" else "8"))
        their.get_by_role("button", name="Download").click()
        their.get_by_text(re.compile("4 tries left")).wait_for()
        assert_accessible(their, "rights-link-wrong-code")
        their.get_by_label(re.compile("Collection code")).fill(shown)
        with their.expect_download() as download:
            their.get_by_role("button", name="Download").click()
        assert download.value.suggested_filename == f"letter-{request.reference}.pdf"
        their.goto(link)
        their.get_by_role("heading", level=1, name="This link does not work").wait_for()

        page.goto(f"{live_server.url}/subject-access/{request.pk}/")
        page.get_by_role("heading", name="How the answer reached the client").wait_for()
        assert "downloaded" in page.locator("main").inner_text()
    finally:
        phone.close()
        context.close()
