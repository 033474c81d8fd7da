"""The administrator's retention review by keyboard alone (JOURNEYS.md, Administrator 3): no
click, no mouse. Tab and Shift+Tab move the focus, Enter acts, and a date is typed into its
field segment by segment.

- Open the retention timeline from the main navigation; see the month in which an engagement
  falls due, and the rule it falls under.
- Run a dry run: the page's "Dry run" form shows what a sweep on a later day would delete (the
  same forecast as the API's retention preview); nothing is deleted.
- See the receipts of the last sweep (two run in the set-up, as the nightly task would): the
  last one's only.
- Place a legal hold on the engagement that falls due, from its own page (a refusal keeps what was
  typed): it leaves the timeline and a sweep keeps it; release the hold with a reason, and the
  next sweep deletes it and leaves its receipt.

A hold on a whole organisation, placed from the organisation's page, is
``test_the_administrator_places_a_legal_hold_on_an_organisation`` in ``test_keyboard_journeys.py``.

Every element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from confidentiality.records import model_for_label
from confidentiality.roles import Role
from engagements.models import Engagement
from engagements.services import engagement_close
from retention.models import DeletionReceipt, LegalHold, RetentionSweep
from retention.schedule import add_years, rule_for
from retention.sweep import run_sweep
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import check_skip_link, press_and_wait, sign_in, staff, tab_to
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def closed_engagement(reference: str, closed_on: datetime.date) -> Engagement:
    organisation = OrganisationFactory()
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference=reference,
    )
    noon = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(12)))
    with time_machine.travel(noon, tick=False):
        engagement_close(actor=None, engagement=engagement)
    return engagement


def rule_row(page: Any, title: str) -> list[str]:
    """The cells of a rule's row in the table "Deletions by rule"."""
    row = page.get_by_role("region", name="Deletions by rule").get_by_role("row").filter(has_text=title)
    assert row.count() == 1, title
    cells: list[str] = row.get_by_role("cell").all_inner_texts()
    return cells


def test_the_administrator_reviews_retention(live_server: Any, page: Any, settings: Any, tmp_path: Any) -> None:
    settings.RETENTION_JOURNAL = tmp_path / "receipts.jsonl"
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    today = timezone.localdate()
    files = rule_for("engagement_files")

    # Past its period: an earlier sweep deleted one engagement, last night's two more; each left
    # receipts.
    earlier = closed_engagement("ENG-RET-GONE-1", add_years(today, -2) - datetime.timedelta(days=30))
    run_sweep(as_of=today - datetime.timedelta(days=20))
    gone = [
        closed_engagement(reference, add_years(today, -2) - datetime.timedelta(days=10))
        for reference in ("ENG-RET-GONE-2", "ENG-RET-GONE-3")
    ]
    sweep = run_sweep().sweep
    assert not Engagement.objects.filter(pk__in=[earlier.pk] + [e.pk for e in gone]).exists()
    receipts = list(DeletionReceipt.objects.filter(sweep=sweep))
    assert {(r.rule, r.kind, r.count) for r in receipts} >= {("engagement_files", "engagements.engagement", 2)}
    journal = [json.loads(line) for line in settings.RETENTION_JOURNAL.read_text().splitlines()]
    assert {(j["rule"], j["kind"], j["count"]) for j in journal} >= {(r.rule, r.kind, r.count) for r in receipts}
    receipts_before = DeletionReceipt.objects.count()

    # Closed two years ago, less forty days: it falls due next month or the one after.
    closed_on = today - datetime.timedelta(days=2 * 365 - 40)
    due = closed_engagement("ENG-RET-DUE", closed_on)
    due_on = files.due_date(closed_on)
    assert today < due_on < add_years(today, 1)

    # 1. The timeline, from the main navigation.
    sign_in(page, live_server.url, admin.email, secret)
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("^Retention")).wait_for()
    check_skip_link(page)
    timeline = page.get_by_role("figure", name=re.compile("^Records falling due for deletion"))
    months = timeline.get_by_role("listitem")
    assert months.count() == 12
    assert months.first.locator(".bars__label").inner_text() == today.strftime("%B %Y")
    month = months.filter(has_text=due_on.strftime("%B %Y"))
    assert month.locator(".bars__value").inner_text() == "1"
    # Today, nothing of it is due yet; the rule it falls under, and its period, are on the page.
    by_rule = page.get_by_role("region", name="Deletions by rule")
    assert f"By rule: due today, {today.day} {today.strftime('%b %Y')}" in by_rule.inner_text()
    what, period, due_now, held, falling = rule_row(page, files.title)
    assert what == files.title
    assert period.startswith("2 years after the engagement closes")
    assert (due_now, held) == ("0", "0")
    assert falling == f"{due_on.strftime('%B %Y')}: 1"
    assert_accessible(page, "keyboard-retention-overview")

    # 2. The dry run: a sweep as of the day it falls due, typed into "Sweep as of" (en-US order).
    # Tab enters a date field at its month, and typing moves on through the day to the year.
    as_of = page.get_by_label("Sweep as of", exact=True)
    tab_to(page, as_of)
    assert as_of.input_value() == today.isoformat()
    page.keyboard.type(due_on.strftime("%m%d%Y"))
    assert as_of.input_value() == due_on.isoformat()
    tab_to(page, page.get_by_role("button", name="Run a dry run", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("^Retention")).wait_for()
    assert f"as_of={due_on.isoformat()}" in page.url
    assert page.get_by_label("Sweep as of", exact=True).input_value() == due_on.isoformat()
    by_rule = page.get_by_role("region", name="Deletions by rule")
    tab_to(page, by_rule)
    caption = f"By rule: what a sweep on {due_on.day} {due_on.strftime('%b %Y')} would delete (dry run)"
    assert caption in by_rule.inner_text()
    what, period, due_now, held, falling = rule_row(page, files.title)
    assert (due_now, held) == ("1", "0")  # a sweep that day would delete the engagement
    months = page.get_by_role("figure", name=re.compile("^Records falling due")).get_by_role("listitem")
    assert months.first.locator(".bars__label").inner_text() == due_on.strftime("%B %Y")
    # Nothing was deleted, and no sweep was run.
    assert Engagement.objects.filter(pk=due.pk).exists()
    assert RetentionSweep.objects.count() == 2
    assert DeletionReceipt.objects.count() == receipts_before
    assert_accessible(page, "keyboard-retention-dry-run")

    # 3. The receipts of the last sweep, the kinds named as people read them; the sweep before
    # it is listed, its receipts are not in the table.
    sweeps = page.get_by_role("heading", level=2, name="Recent sweeps and receipts")
    listed = sweeps.locator("xpath=following-sibling::ul[1]").get_by_role("listitem")
    assert listed.count() == 2
    started = timezone.localtime(sweep.started_at)
    assert listed.first.inner_text().startswith(f"{started.day} {started.strftime('%b %Y %H:%M')}: Finished")
    assert "2 engagements" in listed.first.inner_text()
    assert "1 engagements" in listed.nth(1).inner_text()
    table = page.get_by_role("region", name="Receipts of the last sweep")
    tab_to(page, table)
    caption = table.get_by_role("table").get_by_role("caption").inner_text()
    assert caption.startswith(f"Receipts of the last sweep, started {started.day} {started.strftime('%b %Y %H:%M')}")
    rows = {
        tuple(row.get_by_role("cell").all_inner_texts()[1:])
        for row in table.get_by_role("row").all()
        if row.get_by_role("cell").count()
    }
    named = {(r.rule, str(model_for_label(r.kind)._meta.verbose_name_plural), str(r.count)) for r in receipts}
    assert rows == named
    assert ("engagement_files", "engagements", "2") in rows
    assert "ENG-RET-GONE" not in page.content()

    # 4. A legal hold on the engagement that falls due, placed from the engagement's own page (the
    # Retention page says where): it leaves the timeline, and a sweep on the day it falls due keeps it.
    assert "manage.py" not in page.content()
    tab_to(page, page.get_by_role("link", name="engagement", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="ENG-RET-DUE", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Place a legal hold on this engagement"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Place a legal hold on engagement ENG-RET-DUE").wait_for()
    tab_to(page, page.get_by_label("Case or matter"))
    page.keyboard.type("Tribunal claim 2026/114")
    tab_to(page, page.get_by_role("button", name="Place the hold"))  # the reason left empty
    press_and_wait(page, "Enter")
    assert page.get_by_label("Case or matter").input_value() == "Tribunal claim 2026/114"
    assert not LegalHold.objects.exists()
    tab_to(page, page.get_by_label("Why the records must be kept (no client content)"))
    page.keyboard.type("Evidence for the tribunal")
    tab_to(page, page.get_by_role("button", name="Place the hold"))
    press_and_wait(page, "Enter")
    page.get_by_text("Hold placed.").wait_for()
    hold = LegalHold.objects.get()
    assert (hold.scope, hold.engagement_id, hold.placed_by_id) == ("engagement", due.pk, admin.pk)
    holds = page.get_by_role("region", name="Holds in force")
    assert "ENG-RET-DUE" in holds.inner_text() and str(due.pk) not in holds.inner_text()
    month = page.locator(".bars li", has_text=due_on.strftime("%B %Y"))
    assert month.locator(".bars__value").inner_text() == "0"
    run_sweep(as_of=due_on + datetime.timedelta(days=1))
    assert Engagement.objects.filter(pk=due.pk).exists()

    # 5. The hold released, with a reason: the next sweep deletes the engagement, and its receipt
    # is the last sweep's.
    tab_to(page, page.get_by_label("Reason for release"))
    page.keyboard.type("Claim settled")
    tab_to(page, page.get_by_role("button", name="Release", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_text("Hold released.").wait_for()
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.release_reason == "Claim settled"
    run_sweep(as_of=due_on + datetime.timedelta(days=1))
    assert not Engagement.objects.filter(pk=due.pk).exists()
    page.reload()
    receipts = page.get_by_role("region", name="Receipts of the last sweep")
    receipts.get_by_role("cell", name="engagements", exact=True).wait_for()
    assert "ENG-RET-DUE" not in page.content()
