"""The coach's concern journey by keyboard alone (JOURNEYS.md, Coach 4. A concern): no click, no
mouse. Tab and Shift+Tab move the focus, Enter and Space act, the arrow keys and typed letters
choose in a <select>, and text is typed into whatever has the focus.

Something said in a session suggests serious danger: the coach opens a concern (Space ticks the
serious-danger box) and is told to call 999 first if someone is in immediate danger; records the
decision and the minimum, takes the decision back to correct the recipient (its text comes back),
and records the disclosure; the administrator, in a browser of their own, gives the second
approval; the coach records the steps serious danger put afterwards, skipping with a reason only
what it allows (Enter opens the "Skip this step" panel), and the concern closes; the client opens
the disclosure and downloads the confirmation letter (PDF).

Every element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from confidentiality.roles import Role
from disclosures.models import Concern, ConcernStep, Disclosure
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import check_skip_link, choose, press_and_wait, selected, sign_in, staff, tab_to, tick
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_to_choose(page: Any, select: Any, letters: str, label: str) -> None:
    """Tab to a closed <select> and type the first letters of an option to choose it."""
    tab_to(page, select)
    page.keyboard.type(letters)
    assert selected(select) == [label]


def record_step(page: Any, fields: list[tuple[str, str]]) -> None:
    """The current step's fields in the order they come on the page: a <select> is chosen with
    ArrowDown, anything else is typed into; then Tab to "Record this step" and Enter."""
    for label, value in fields:
        field = page.get_by_label(label, exact=True)
        if field.evaluate("(e) => e.tagName") == "SELECT":
            choose(page, field, value)
        else:
            tab_to(page, field)
            page.keyboard.type(value)
    tab_to(page, page.get_by_role("button", name="Record this step", exact=True))
    # The previous page also says "Step recorded.": wait for the new one before going on.
    press_and_wait(page, "Enter")
    page.get_by_text("Step recorded.").wait_for()


def skip_step(page: Any, reason: str) -> None:
    """Enter on the summary opens the panel; the reason is typed; Enter on the button skips."""
    panel = page.locator("details", has=page.locator("summary", has_text="Skip this step (serious danger)"))
    tab_to(page, panel.locator("summary"))
    page.keyboard.press("Enter")
    assert panel.get_attribute("open") is not None
    tab_to(page, page.get_by_label("Why this step is skipped (serious danger)", exact=True))
    page.keyboard.type(reason)
    tab_to(page, page.get_by_role("button", name="Skip this step", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_text("Step skipped, with your reason.").wait_for()


def current_step(page: Any) -> str:
    return page.locator("li[aria-current='step'] h3").inner_text()


def test_a_coach_works_a_serious_danger_concern_through_to_the_letter(
    live_server: Any, new_page: Callable[[], Any]
) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    coach, coach_secret = staff(Role.COACH, email="coach@example.org", display_name="Cora Coach")
    admin, admin_secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Admin")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Client"),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-CONCERN",
    )
    base = live_server.url

    # The coach: from the engagement to "Raise a concern".
    coach_page = new_page()
    sign_in(coach_page, base, coach.email, coach_secret)
    coach_page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    tab_to(coach_page, coach_page.get_by_role("link", name="ENG-KEYS-CONCERN", exact=True))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-CONCERN")).wait_for()
    tab_to(coach_page, coach_page.get_by_role("link", name="Disclosures and concerns"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_role("heading", level=1, name="Disclosures and concerns").wait_for()
    check_skip_link(coach_page)
    assert_accessible(coach_page, "keyboard-disclosures-coach")
    tab_to(coach_page, coach_page.get_by_role("link", name="Raise a concern"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_role("heading", level=1, name="Raise a concern").wait_for()
    check_skip_link(coach_page)

    # Open it: the kind stays on its default, the issue is typed, Space ticks serious danger.
    kind = coach_page.get_by_label("What the concern is about", exact=True)
    tab_to(coach_page, kind)
    assert kind.input_value() == Concern.Kind.BREAKING_CONFIDENTIALITY
    tab_to(coach_page, coach_page.get_by_label("The issue: what was said or seen, and what concerns you"))
    coach_page.keyboard.type("Ines said a colleague threatened to harm a child in his care this weekend.")
    danger = coach_page.get_by_label(re.compile("compelling evidence of serious danger"))
    tick(coach_page, danger)
    tab_to(coach_page, coach_page.get_by_role("button", name="Open the concern"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("Concern opened and the issue noted.").wait_for()
    concern = Concern.objects.get(engagement=engagement)
    assert concern.serious_danger and concern.state == Concern.State.OPEN
    assert_accessible(coach_page, "keyboard-concern-steps")

    # Serious danger: what to do now comes first, and only the decision and the minimum stand
    # between the issue and the disclosure; the conversation with the client comes afterwards.
    assert coach_page.get_by_text("If someone is in immediate danger, call 999 first").is_visible()
    assert current_step(coach_page).startswith("Decision and recipient")
    decision = coach_page.get_by_label("Decision", exact=True)
    choose(coach_page, decision, "Disclose")
    assert decision.input_value() == "disclose"
    recipient = coach_page.get_by_label("Recipient", exact=True)
    choose(coach_page, recipient, "A government body")
    assert recipient.input_value() == "government_body"
    assert "A safeguarding lead" in recipient.inner_text() and "The emergency services (999)" in recipient.inner_text()
    basis = coach_page.get_by_label("Basis", exact=True)
    type_to_choose(coach_page, basis, "Compelling", "Compelling evidence of serious danger")
    assert basis.input_value() == Disclosure.Basis.SERIOUS_DANGER
    record_step(
        coach_page,
        [
            ("The recipient, by name or office", "The local authority's children's"),
            ("The reasons for the decision", "Compelling evidence of serious danger to a child."),
        ],
    )
    record_step(
        coach_page,
        [("Exactly what will be disclosed", "A named colleague threatened a child in his care this weekend.")],
    )

    # The recipient's name was cut short: the coach takes the decision back to change it. Its form
    # comes back with what was typed, the minimum after it opens again (its text kept too), and
    # the earlier answers stay on the page.
    assert current_step(coach_page).startswith("The disclosure")
    tab_to(coach_page, coach_page.get_by_role("button", name="Change this answer: Decision and recipient"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("The earlier answer is kept").wait_for()
    assert current_step(coach_page).startswith("Decision and recipient")
    assert coach_page.get_by_label("Recipient", exact=True).input_value() == "government_body"
    assert coach_page.get_by_label("Basis", exact=True).input_value() == Disclosure.Basis.SERIOUS_DANGER
    assert coach_page.get_by_label("The reasons for the decision").input_value().startswith("Compelling evidence")
    name = coach_page.get_by_label("The recipient, by name or office", exact=True)
    assert name.input_value() == "The local authority's children's"
    tab_to(coach_page, name)  # Tab selects the field's text: End keeps it and goes to its end
    coach_page.keyboard.press("End")
    coach_page.keyboard.type(" services")
    record_step(coach_page, [])
    assert coach_page.get_by_label("Exactly what will be disclosed").input_value().startswith("A named colleague")
    record_step(coach_page, [])
    assert ConcernStep.objects.filter(concern=concern, superseded_at__isnull=False).count() == 2
    assert_accessible(coach_page, "keyboard-concern-changed")

    # The disclosure: nothing to type (no consent, no evidence); Tab to the button and Enter.
    assert current_step(coach_page).startswith("The disclosure")
    tab_to(coach_page, coach_page.get_by_role("button", name="Record the disclosure", exact=True))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("It waits for the second approval before it is made.").wait_for()
    assert coach_page.get_by_role("button", name="Approve the disclosure").count() == 0  # never its own author
    disclosure = Disclosure.objects.get(concern=concern)
    assert disclosure.state == Disclosure.State.AWAITING_APPROVAL
    assert (disclosure.recipient_kind, disclosure.basis) == ("government_body", Disclosure.Basis.SERIOUS_DANGER)
    assert disclosure.authorised_by_id == coach.pk and disclosure.made_at is None

    # The administrator, in a browser of their own: Concerns, the waiting disclosure, Approve.
    admin_page = new_page()
    sign_in(admin_page, base, admin.email, admin_secret)
    admin_page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    tab_to(
        admin_page, admin_page.get_by_role("navigation", name="Main").get_by_role("link", name="Concerns", exact=True)
    )
    press_and_wait(admin_page, "Enter")
    admin_page.get_by_role("heading", level=1, name="Concerns").wait_for()
    check_skip_link(admin_page)
    tab_to(admin_page, admin_page.get_by_role("link", name=re.compile("Disclosure for ENG-KEYS-CONCERN")))
    press_and_wait(admin_page, "Enter")
    admin_page.get_by_role("heading", level=1, name=re.compile("^Disclosure of")).wait_for()
    assert "A named colleague threatened a child" in admin_page.content()
    assert_accessible(admin_page, "keyboard-disclosure-second-approval")
    tab_to(admin_page, admin_page.get_by_role("button", name="Approve the disclosure"))
    press_and_wait(admin_page, "Enter")
    admin_page.get_by_text("Approved: the disclosure is made").wait_for()
    disclosure.refresh_from_db()
    assert disclosure.state == Disclosure.State.MADE
    assert disclosure.second_approved_by_id == admin.pk
    assert disclosure.made_at is not None and disclosure.confirmation_sent_at is not None

    # The coach: the steps serious danger put after the disclosure (verifying skipped, with a
    # reason), then the last two, and the concern closes.
    coach_page.reload()
    assert current_step(coach_page).startswith("Verify with the client what you heard")
    assert coach_page.get_by_role("button", name=re.compile("Change this answer")).count() == 0  # made: it stands
    skip_step(coach_page, "The child was at immediate risk; there was no time to verify first.")
    record_step(coach_page, [("What you established together", "Who: the colleague. When: this weekend.")])
    assert current_step(coach_page).startswith("The client's agreement or refusal")
    record_step(
        coach_page,
        [
            ("The client's answer", "The client refused"),
            ("The clauses of the agreement you pointed to", "Exceptions: serious danger to others."),
            ("The client's reasons, in their words where you can", "She fears for her job."),
        ],
    )
    record_step(
        coach_page,
        [("How, when and where it will be disclosed, and what the client was told", "By phone today; Ines told now.")],
    )
    skip_step(coach_page, "Support is arranged after the call; the call could not wait.")
    assert current_step(coach_page).startswith("Review the coaching relationship")
    record_step(coach_page, [("What you and the client concluded", "We continue; Ines wants to.")])
    record_step(
        coach_page,
        [
            ("Who reviewed it with you, by name and role", "Tom Achebe, supervising coach"),
            ("When you met, and the outcome: what they advised", "Today: well handled."),
        ],
    )
    coach_page.get_by_text("Every step has been taken; the concern is closed.").wait_for()
    concern.refresh_from_db()
    assert concern.state == Concern.State.CLOSED and concern.closed_at is not None
    taken = {s.step: s.skipped for s in ConcernStep.objects.filter(concern=concern)}
    assert taken == {
        "pause": False,
        "verify": True,
        "examine": False,
        "client_view": False,
        "decision": False,
        "minimum": False,
        "method": False,
        "support": True,
        "disclosure": False,
        "review": False,
        "supervision": False,
    }
    assert ConcernStep.objects.get(concern=concern, step="client_view").outcome == "refused"
    assert ConcernStep.objects.get(concern=concern, step="disclosure").disclosure_id == disclosure.pk
    assert disclosure.recipient == "The local authority's children's services"

    # The client: the disclosure in their register, and the confirmation letter.
    client_page = new_page()
    sign_in(client_page, base, client.email)
    tab_to(client_page, client_page.get_by_role("link", name="ENG-KEYS-CONCERN", exact=True))
    press_and_wait(client_page, "Enter")
    tab_to(client_page, client_page.get_by_role("link", name="Disclosures and concerns"))
    press_and_wait(client_page, "Enter")
    client_page.get_by_role("heading", level=1, name="Disclosures and concerns").wait_for()
    tab_to(client_page, client_page.get_by_role("link", name=re.compile("to The local authority")))
    press_and_wait(client_page, "Enter")
    assert "Compelling evidence of serious danger" in client_page.content()
    assert client_page.get_by_role("button", name="Approve the disclosure").count() == 0
    assert_accessible(client_page, "keyboard-disclosure-client")
    tab_to(client_page, client_page.get_by_role("link", name="Download the confirmation letter (PDF)"))
    with client_page.expect_download() as download:
        client_page.keyboard.press("Enter")
    assert re.fullmatch(r"disclosure-letter-ENG-KEYS-CONCERN-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
