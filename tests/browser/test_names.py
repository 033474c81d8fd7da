"""People are named by their names (issue "a practice can start on Monday", item 4): a client added
as the pages add one (a login with no display name, the name only in the client's encrypted record)
appears by that name on the engagement page and on the signed agreement, page and PDF, never as an
e-mail address; at desktop and phone width."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from confidentiality.roles import Role
from confidentiality.services import user_create
from consent.models import Agreement
from tests.browser.conftest import WIDTHS, assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_client_added_through_the_pages_is_named_by_name(live_server: Any, browser: Any, width: str) -> None:
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    login = user_create(actor=None, email="leo@client.example", role=Role.CLIENT, password="a long test password 2026")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=login, full_name="Leo Brandt", contact_email="leo@client.example"),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation, display_name="Omar Haddad")],
        reference="ENG-NAMES-001",
    )
    agreement = Agreement.objects.get(engagement=engagement, state=Agreement.State.SIGNED)

    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server.url, coach.email, secret)
        page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
        people = page.get_by_role("region", name="People on this engagement")
        assert "Leo Brandt: Client" in people.inner_text()
        assert "leo@client.example" not in page.locator("main").inner_text()
        assert_accessible(page, f"names-engagement-{width}")

        page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
        page.get_by_role("heading", name="Signatures").wait_for()
        assert re.search(r"Client: Leo Brandt,", page.locator("main").inner_text())
        assert "leo@client.example" not in page.locator("main").inner_text()

        response = page.request.get(f"{live_server.url}/agreements/{agreement.pk}/pdf/")
        assert response.status == 200
        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.body())).pages)
        assert "Leo Brandt" in text and "leo@client.example" not in text
    finally:
        context.close()
