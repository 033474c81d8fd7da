"""The administrator's retention review by keyboard alone (JOURNEYS.md, Administrator 3): no
click, no mouse. Tab and Shift+Tab move the focus, Enter acts, and a date is typed into its
field segment by segment.

- Open the retention timeline from the main navigation; see the month in which an engagement
  falls due, and the rule it falls under.
- Run a dry-run: the page's "As of" form shows what a sweep on a later day would delete (the
  same forecast as ``manage.py retention_sweep --dry-run``); nothing is deleted.
- See the receipts of the last sweep (run in the set-up, as the nightly task would).

Placing a legal hold by keyboard is ``test_the_administrator_places_a_legal_hold_on_an_organisation``
in ``test_keyboard_journeys.py``.

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

from confidentiality.roles import Role
from engagements.models import Engagement
from engagements.services import engagement_close
from retention.models import DeletionReceipt, RetentionSweep
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

    # Past its period: last night's sweep deleted it and left receipts.
    gone = closed_engagement("ENG-RET-GONE", add_years(today, -2) - datetime.timedelta(days=30))
    sweep = run_sweep().sweep
    assert not Engagement.objects.filter(pk=gone.pk).exists()
    receipts = list(DeletionReceipt.objects.filter(sweep=sweep))
    assert {(r.rule, r.kind, r.count) for r in receipts} >= {("engagement_files", "engagements.engagement", 1)}
    journal = [json.loads(line) for line in settings.RETENTION_JOURNAL.read_text().splitlines()]
    assert {(j["rule"], j["kind"], j["count"]) for j in journal} == {(r.rule, r.kind, r.count) for r in receipts}

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
    assert months.first.locator(".bars__label").inner_text() == today.strftime("%Y-%m")
    month = months.filter(has_text=due_on.strftime("%Y-%m"))
    assert month.locator(".bars__value").inner_text() == "1"
    # Today, nothing of it is due yet; the rule it falls under, and its period, are on the page.
    by_rule = page.get_by_role("region", name="Deletions by rule")
    assert f"By rule, as of {today.day} {today.strftime('%b %Y')}" in by_rule.inner_text()
    what, period, due_now, held = rule_row(page, files.title)
    assert what == files.title
    assert period.startswith("2 years after the engagement closes")
    assert (due_now, held) == ("0", "0")

    # 2. The dry-run: the forecast as of the day it falls due, typed into "As of" (en-US order).
    # Tab enters a date field at its month, and typing moves on through the day to the year.
    as_of = page.get_by_label("As of", exact=True)
    tab_to(page, as_of)
    assert as_of.input_value() == today.isoformat()
    page.keyboard.type(due_on.strftime("%m%d%Y"))
    assert as_of.input_value() == due_on.isoformat()
    tab_to(page, page.get_by_role("button", name="Show", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("^Retention")).wait_for()
    assert f"as_of={due_on.isoformat()}" in page.url
    assert page.get_by_label("As of", exact=True).input_value() == due_on.isoformat()
    by_rule = page.get_by_role("region", name="Deletions by rule")
    tab_to(page, by_rule)
    assert f"By rule, as of {due_on.day} {due_on.strftime('%b %Y')}" in by_rule.inner_text()
    what, period, due_now, held = rule_row(page, files.title)
    assert (due_now, held) == ("1", "0")  # a sweep that day would delete the engagement
    months = page.get_by_role("figure", name=re.compile("^Records falling due")).get_by_role("listitem")
    assert months.first.locator(".bars__label").inner_text() == due_on.strftime("%Y-%m")
    # Nothing was deleted, and no sweep was run.
    assert Engagement.objects.filter(pk=due.pk).exists()
    assert RetentionSweep.objects.count() == 1
    assert DeletionReceipt.objects.count() == len(receipts)
    assert_accessible(page, "keyboard-retention-dry-run")

    # 3. The receipts of the last sweep: ids and counts only, as in the journal.
    sweeps = page.get_by_role("heading", level=2, name="Recent sweeps and receipts")
    listed = sweeps.locator("xpath=following-sibling::ul[1]").get_by_role("listitem")
    assert listed.count() == 1
    started = timezone.localtime(sweep.started_at)
    assert listed.first.inner_text().startswith(f"{started.day} {started.strftime('%b %Y %H:%M')}: Finished")
    assert "1 engagements.engagement" in listed.first.inner_text()
    table = page.get_by_role("region", name="Latest deletion receipts")
    tab_to(page, table)
    assert table.get_by_role("table").get_by_role("caption").inner_text().startswith("Latest deletion receipts")
    rows = {
        tuple(row.get_by_role("cell").all_inner_texts()[1:])
        for row in table.get_by_role("row").all()
        if row.get_by_role("cell").count()
    }
    assert rows == {(r.rule, r.kind, str(r.count)) for r in receipts}
    assert ("engagement_files", "engagements.engagement", "1") in rows
    assert "ENG-RET-GONE" not in page.content()
