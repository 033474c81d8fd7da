"""The administrator sees what will be deleted and when, holds an engagement that falls due,
sees the hold keep it through a sweep, lifts it, and the next sweep deletes it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from confidentiality.roles import Role
from engagements.models import Engagement
from engagements.services import engagement_close
from retention.sweep import run_sweep
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_see_hold_release(live_server: Any, page: Any, settings: Any, tmp_path: Any) -> None:
    settings.RETENTION_JOURNAL = tmp_path / "receipts.jsonl"
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-RET-001",
    )
    # Closed two years ago next month: it falls due within the twelve months shown.
    closed = timezone.localdate() - datetime.timedelta(days=2 * 365 - 40)
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(closed, datetime.time(12))), tick=False):
        engagement_close(actor=None, engagement=engagement)
    due_on = closed.replace(year=closed.year + 2)

    sign_in(page, live_server.url, admin.email, secret)
    page.get_by_role("link", name="Retention").click()
    page.get_by_role("heading", name="What will be deleted, and when").wait_for()
    month = page.locator(".bars li", has_text=due_on.strftime("%Y-%m"))
    assert month.locator(".bars__value").inner_text() == "1"
    assert_accessible(page, "retention-overview")

    page.get_by_label("Hold", exact=True).select_option("engagement")
    page.get_by_label("Engagement reference, or client or organisation id").fill("ENG-RET-001")
    page.get_by_label("Case or matter").fill("Tribunal claim 2026/114")
    page.get_by_label("Why the records must be kept (no client content)").fill("Evidence for the tribunal")
    page.get_by_role("button", name="Place the hold").click()
    page.get_by_text("Hold placed.").wait_for()
    assert page.locator(".bars li", has_text=due_on.strftime("%Y-%m")).locator(".bars__value").inner_text() == "0"

    run_sweep(as_of=due_on + datetime.timedelta(days=1))
    assert Engagement.objects.filter(pk=engagement.pk).exists()

    page.get_by_label("Reason for release").fill("Claim settled")
    page.get_by_role("button", name="Release").click()
    page.get_by_text("Hold released.").wait_for()
    run_sweep(as_of=due_on + datetime.timedelta(days=1))
    assert not Engagement.objects.filter(pk=engagement.pk).exists()
    page.reload()
    receipts = page.get_by_role("region", name="Receipts of the last sweep")
    receipts.get_by_role("cell", name="engagements", exact=True).wait_for()
