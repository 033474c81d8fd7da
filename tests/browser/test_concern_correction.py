"""A concern can be corrected, withdrawn, and is quick in an emergency (issue "a practice can start
on Monday", item 6), in Chromium at desktop and phone width, by pointer or tap.

- The coach opens a concern from the engagement's page, answers a step, takes that answer back to
  change it: the step's form comes back filled with the earlier answer, and the earlier answer
  stays on the page.
- The coach withdraws the concern with a reason; a withdrawal without one is refused beside the
  field. What was recorded stays, and no answer can be changed any more.
- On the serious-danger path the page says "call 999 first" before anything else is asked, and
  the emergency services, the police, the client's GP and a safeguarding lead are offered as
  recipients; the coach chooses the emergency services and the disclosure waits for the second
  approval.

The same concern by keyboard alone is ``test_keyboard_journeys_concern.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from confidentiality.models import AuditEvent
from confidentiality.roles import Role
from disclosures.models import Concern, ConcernStep, Disclosure
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import sign_in, staff
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEARD = "Ines said her manager has been signing off safety checks that were never done."
FIRST = "Ines confirmed it: the checks on the third floor, since March."
SECOND = "Ines confirmed it: the checks on the third and fourth floors, since March."
WHY = "Raised in error: Ines was describing a case study from her course, not her workplace."


def practice() -> dict[str, Any]:
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="ines@example.org", display_name="Ines Okafor")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Okafor"),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-CONCERN-001",
    )
    return {"coach": coach, "secret": secret, "engagement": engagement}


def raise_a_concern(page: Any, url: str, world: dict[str, Any], *, serious_danger: bool = False) -> Concern:
    """From the engagement's page to an open concern, as the coach does."""
    sign_in(page, url, world["coach"].email, world["secret"])
    page.goto(f"{url}/engagements/{world['engagement'].pk}/")
    page.get_by_role("heading", level=1, name=re.compile("ENG-CONCERN-001")).wait_for()
    page.get_by_role("link", name="Disclosures and concerns").click()
    page.get_by_role("heading", level=1, name="Disclosures and concerns").wait_for()
    page.get_by_role("link", name="Raise a concern").click()
    page.get_by_role("heading", level=1, name="Raise a concern").wait_for()
    page.get_by_label("The issue: what was said or seen, and what concerns you").fill(HEARD)
    if serious_danger:
        page.get_by_label(re.compile("compelling evidence of serious danger")).check()
    page.get_by_role("button", name="Open the concern").click()
    page.get_by_text("Concern opened and the issue noted.").wait_for()
    return Concern.objects.get(engagement=world["engagement"])


def current_step(page: Any) -> Any:
    return page.locator("li[aria-current='step']")


def record_step(page: Any) -> None:
    page.get_by_role("button", name="Record this step", exact=True).click()
    page.get_by_text("Step recorded.").wait_for()


def test_an_answer_is_changed_and_the_earlier_one_kept(live_server: Any, screen: Any, width: str) -> None:
    world = practice()
    concern = raise_a_concern(screen, live_server.url, world)
    assert screen.get_by_text("call 999 first").count() == 0  # not a concern of serious danger

    step = current_step(screen)
    assert step.locator("h3").inner_text().startswith("Verify with the client what you heard")
    step.get_by_label("What the client confirmed or corrected").fill(FIRST)
    record_step(screen)
    assert current_step(screen).locator("h3").inner_text().startswith("Define and examine the issue")

    # The first floor was not the only one: the coach takes the answer back to change it.
    screen.get_by_role("button", name="Change this answer: Verify with the client what you heard").click()
    screen.get_by_text("The earlier answer is kept").wait_for()
    step = current_step(screen)
    assert step.locator("h3").inner_text().startswith("Verify with the client what you heard")
    answer = step.get_by_label("What the client confirmed or corrected")
    assert answer.input_value() == FIRST, "the form did not come back filled with the earlier answer"
    assert answer.is_visible()
    assert_accessible(screen, f"concern-answer-taken-back-{width}")
    answer.fill(SECOND)
    record_step(screen)

    # The new answer stands; the earlier one is kept on the page, under the step.
    verify = screen.locator("li", has=screen.get_by_role("heading", name=re.compile("^Verify with the client")))
    assert SECOND in verify.inner_text()
    earlier = verify.locator("details", has_text="Earlier answers (1)")
    earlier.locator("summary").click()
    assert earlier.get_by_text(FIRST).is_visible()
    records = ConcernStep.objects.filter(concern=concern, step="verify").order_by("recorded_at")
    assert [(r.text, r.superseded_at is not None) for r in records] == [(FIRST, True), (SECOND, False)]
    assert AuditEvent.objects.filter(action="concern.step_change", object_id=str(concern.pk)).count() == 1
    assert_accessible(screen, f"concern-answer-changed-{width}")


def test_a_concern_is_withdrawn_with_a_reason(live_server: Any, screen: Any, width: str) -> None:
    world = practice()
    concern = raise_a_concern(screen, live_server.url, world)
    current_step(screen).get_by_label("What the client confirmed or corrected").fill(FIRST)
    record_step(screen)

    # Without a reason the withdrawal is refused, the reason beside the field.
    screen.locator("#withdraw summary").click()
    screen.get_by_role("button", name="Withdraw the concern").click()
    screen.wait_for_load_state()
    reason = screen.get_by_label("Why the concern is withdrawn")
    assert reason.is_visible(), "the refused withdrawal's form is closed"
    field = screen.locator("#withdraw .field", has=reason)
    assert field.get_by_role("alert").is_visible() and field.get_by_role("alert").inner_text().strip()
    concern.refresh_from_db()
    assert concern.state == Concern.State.OPEN

    reason.fill(WHY)
    screen.get_by_role("button", name="Withdraw the concern").click()
    screen.get_by_text("The concern is withdrawn, with your reason. What was recorded stays.").wait_for()
    concern.refresh_from_db()
    assert concern.state == Concern.State.WITHDRAWN and concern.withdrawal_reason == WHY
    assert concern.withdrawn_by == world["coach"]
    main = screen.locator("main").inner_text()
    assert WHY in main and FIRST in main  # the reason, and what was recorded, stay
    assert screen.get_by_role("button", name=re.compile("Change this answer")).count() == 0
    assert screen.get_by_role("button", name="Record this step").count() == 0
    assert screen.locator("#withdraw").count() == 0
    assert_accessible(screen, f"concern-withdrawn-{width}")


def test_serious_danger_says_call_999_first_and_offers_the_emergency_services(
    live_server: Any, screen: Any, width: str
) -> None:
    world = practice()
    concern = raise_a_concern(screen, live_server.url, world, serious_danger=True)

    # What to do now comes first: before the facts and the steps, and in view as the page opens.
    emergency = screen.locator("#emergency")
    assert emergency.get_by_text("If someone is in immediate danger, call 999 first").is_visible()
    assert emergency.evaluate("(e) => e.getBoundingClientRect().top < window.innerHeight")
    steps = screen.get_by_role("heading", level=2, name="Steps")
    assert emergency.bounding_box()["y"] < steps.bounding_box()["y"]
    assert_accessible(screen, f"concern-serious-danger-{width}")

    # The recipients include whoever can act now; the coach chooses the emergency services.
    step = current_step(screen)
    assert step.locator("h3").inner_text().startswith("Decision and recipient")
    recipient = step.get_by_label("Recipient", exact=True)
    offered = recipient.locator("option").all_inner_texts()
    for who in ("The emergency services (999)", "The police", "The client's GP", "A safeguarding lead"):
        assert who in offered, who
    step.get_by_label("Decision", exact=True).select_option(label="Disclose")
    recipient.select_option(label="The emergency services (999)")
    step.get_by_label("Basis", exact=True).select_option(label="Compelling evidence of serious danger")
    step.get_by_label("The recipient, by name or office", exact=True).fill("999 ambulance service")
    step.get_by_label("The reasons for the decision").fill("She said she would harm herself tonight.")
    record_step(screen)
    current_step(screen).get_by_label("Exactly what will be disclosed").fill(
        "A woman at this address has said she will harm herself tonight."
    )
    record_step(screen)
    screen.get_by_role("button", name="Record the disclosure", exact=True).click()
    screen.get_by_text("It waits for the second approval before it is made.").wait_for()

    disclosure = Disclosure.objects.get(concern=concern)
    assert (disclosure.recipient_kind, disclosure.recipient) == ("emergency_services", "999 ambulance service")
    assert disclosure.basis == Disclosure.Basis.SERIOUS_DANGER
    assert disclosure.state == Disclosure.State.AWAITING_APPROVAL
    assert "The emergency services (999): 999 ambulance service" in screen.locator("main").inner_text()
