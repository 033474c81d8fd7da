"""Plain words for the people who run the practice (issue "a practice can start on Monday", item 8),
in Chromium at desktop and phone width: the Retention page reads months as "March 2027" and names
no model or command; a legal hold is placed from the record's own page, never by typing an id; a
refused hold comes back with what was typed and the reason beside the field; the hold is then
named on the Retention page, not shown as an id.

The same by keyboard alone is ``test_keyboard_journeys_retention.py``.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from confidentiality.roles import Role
from engagements.models import Engagement
from engagements.services import engagement_close
from retention.models import LegalHold
from retention.schedule import add_years, rule_for
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTH = re.compile(r"^(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CASE = "Tribunal claim 2026/114"


def practice() -> dict[str, Any]:
    """An administrator, and an engagement closed two years ago less forty days: its files fall
    due for deletion in the coming months."""
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT), full_name="Leo Brandt"),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-PLAIN-001",
    )
    closed_on = timezone.localdate() - datetime.timedelta(days=2 * 365 - 40)
    noon = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(12)))
    with time_machine.travel(noon, tick=False):
        engagement_close(actor=admin, engagement=engagement)
    due_on = rule_for("engagement_files").due_date(closed_on)
    assert timezone.localdate() < due_on < add_years(timezone.localdate(), 1)
    return {"admin": admin, "secret": secret, "engagement": engagement, "due_on": due_on}


def open_retention(page: Any, url: str, world: dict[str, Any], width: str) -> None:
    """Signed in, the administrator opens Retention from the main navigation (behind the Menu
    button on a phone)."""
    sign_in(page, url, world["admin"].email, world["secret"])
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    if width == "phone":
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    page.get_by_role("heading", level=1, name=re.compile("^Retention")).wait_for()


def test_the_retention_page_speaks_plainly(live_server: Any, screen: Any, width: str) -> None:
    world = practice()
    open_retention(screen, live_server.url, world, width)

    months = screen.locator(".bars__label").all_inner_texts()
    assert len(months) == 12 and all(MONTH.match(m) for m in months), months
    assert months[0] == timezone.localdate().strftime("%B %Y")
    due = screen.locator(".bars li", has_text=world["due_on"].strftime("%B %Y"))
    assert due.locator(".bars__value").inner_text() == "1"

    screen.locator("summary", has_text="Records kept, and why").click()
    main = screen.locator("main").inner_text()
    assert not re.search(r"\b20\d\d-\d\d\b", main), "a month or day written for a machine"
    for technical in ("django_celery_beat", "crontabschedule", "confidentiality.", "manage.py", "retention_sweep"):
        assert technical not in main, technical
    assert_accessible(screen, f"retention-plain-words-{width}")


def test_a_hold_is_placed_from_the_engagements_page_and_a_refusal_keeps_what_was_typed(
    live_server: Any, screen: Any, width: str
) -> None:
    world = practice()
    engagement: Engagement = world["engagement"]
    open_retention(screen, live_server.url, world, width)

    # The Retention page says where a hold is placed: from the record, never by typing an id.
    screen.get_by_role("link", name="engagement", exact=True).click()
    screen.get_by_role("link", name="ENG-PLAIN-001", exact=True).click()
    screen.get_by_role("heading", level=1, name=re.compile("ENG-PLAIN-001")).wait_for()
    screen.get_by_role("link", name="Place a legal hold on this engagement").click()
    screen.get_by_role("heading", level=1, name="Place a legal hold on engagement ENG-PLAIN-001").wait_for()
    assert screen.get_by_label(re.compile(r"\bid\b|reference", re.I)).count() == 0  # nothing to type an id in

    # Sent without a reason: refused, the case kept, the reason for the refusal beside the field.
    screen.get_by_label("Case or matter").fill(CASE)
    screen.get_by_role("button", name="Place the hold").click()
    screen.wait_for_load_state()
    assert not LegalHold.objects.exists()
    screen.get_by_role("heading", level=1, name="Place a legal hold on engagement ENG-PLAIN-001").wait_for()
    assert screen.get_by_label("Case or matter").input_value() == CASE, "the typed case was lost"
    reason = screen.get_by_label("Why the records must be kept (no client content)")
    error = screen.locator(".field", has=reason).get_by_role("alert")
    assert error.is_visible() and error.inner_text().strip()
    assert screen.locator(".field", has=screen.get_by_label("Case or matter")).get_by_role("alert").count() == 0
    # Beside the field, and on the screen: not at the top of a long page.
    box, field_box = error.bounding_box(), reason.bounding_box()
    assert abs(box["y"] - field_box["y"]) < 200
    assert error.evaluate("(e) => e.getBoundingClientRect().bottom <= window.innerHeight")
    assert_accessible(screen, f"hold-refused-text-kept-{width}")

    reason.fill("Evidence for the tribunal")
    screen.get_by_role("button", name="Place the hold").click()
    screen.get_by_text("Hold placed.").wait_for()
    hold = LegalHold.objects.get()
    assert (hold.scope, hold.engagement_id, hold.case_reference) == ("engagement", engagement.pk, CASE)

    holds = screen.get_by_role("region", name="Holds in force")
    text = holds.inner_text()
    assert "ENG-PLAIN-001" in text and CASE in text
    assert not UUID.search(text), f"the hold is shown by an id: {text}"
    due = screen.locator(".bars li", has_text=world["due_on"].strftime("%B %Y"))
    assert due.locator(".bars__value").inner_text() == "0"  # held: nothing falls due
    assert_accessible(screen, f"hold-named-on-retention-{width}")


def test_a_hold_on_a_client_is_placed_from_the_clients_list_and_named(
    live_server: Any, screen: Any, width: str
) -> None:
    world = practice()
    open_retention(screen, live_server.url, world, width)
    screen.get_by_role("link", name="clients list", exact=True).click()
    screen.get_by_role("link", name="Place a legal hold on Leo Brandt").click()
    screen.get_by_role("heading", level=1, name="Place a legal hold on Leo Brandt, client").wait_for()
    screen.get_by_label("Case or matter").fill(CASE)
    screen.get_by_label("Why the records must be kept (no client content)").fill("Evidence for the tribunal")
    screen.get_by_role("button", name="Place the hold").click()
    screen.get_by_text("Hold placed.").wait_for()

    hold = LegalHold.objects.get()
    assert hold.scope == "client" and hold.client_id == world["engagement"].client_id
    text = screen.get_by_role("region", name="Holds in force").inner_text()
    assert "Leo Brandt" in text and not UUID.search(text), text
