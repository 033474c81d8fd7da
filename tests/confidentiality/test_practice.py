"""The practice's own details, kept by the administrator (confidentiality/practice.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from confidentiality.models import AuditEvent, Practice
from confidentiality.practice import current_practice, normalise_vat_number
from tests.conftest import World

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "Lindqvist Coaching Ltd",
    "address": "4 Mill Lane\nYork YO1 7HH",
    "email": "hello@lindqvist.example",
    "phone": "01904 000000",
    "company_number": "09876543",
    "vat_number": "GB 123 4567 89",
    "payment_details": "Bank: Northern Bank, sort code 12-34-56, account 12345678",
    "data_protection_contact": "Ingrid Lindqvist",
    "data_protection_email": "privacy@lindqvist.example",
    "regulator": "The Information Commissioner's Office",
    "regulator_registration": "ZA123456",
    "concern_reminder_days": "7",
    "unsolicited_share_days": "5",
}


def test_until_recorded_the_practice_is_named_by_the_setting(settings: object) -> None:
    assert not Practice.objects.exists()
    assert current_practice().name == "Coaching practice"


def test_the_administrator_records_the_details_and_the_audit_names_only_what_changed(world: World) -> None:
    http = world.http("admin")
    page = http.get(reverse("practice_settings"))
    assert page.status_code == 200 and "Practice settings" in page.content.decode()
    saved = http.post(reverse("practice_settings"), DETAILS)
    assert saved.status_code == 302
    practice = current_practice()
    assert practice.name == "Lindqvist Coaching Ltd" and practice.vat_number == "GB123456789"
    event = AuditEvent.objects.get(action="practice.details_changed")
    assert "vat_number" in event.detail["fields"] and "Lindqvist" not in str(event.detail)


def test_a_vat_number_that_is_not_one_is_refused_beside_its_field_with_every_word_kept(world: World) -> None:
    http = world.http("admin")
    answer = http.post(reverse("practice_settings"), {**DETAILS, "vat_number": "123"})
    text = answer.content.decode()
    assert answer.status_code == 200 and "GB followed by 9 digits" in text
    assert "Northern Bank, sort code 12-34-56" in text and "4 Mill Lane" in text
    assert not Practice.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("GB123456789", "GB123456789"), ("123 4567 89", "GB123456789"), ("gb123456789012", "GB123456789012"), ("", "")],
)
def test_vat_numbers_are_written_one_way(typed: str, stored: str) -> None:
    assert normalise_vat_number(typed) == stored


def test_only_the_administrator_sees_the_page_and_its_menu_link(world: World) -> None:
    for persona in ("coach", "client", "sponsor", "auditor"):
        assert world.http(persona).get(reverse("practice_settings")).status_code == 404
    assert 'href="/practice/"' in world.http("admin").get(reverse("dashboard")).content.decode()
    assert 'href="/practice/"' not in world.http("coach").get(reverse("dashboard")).content.decode()


class TestTheHeader:
    """Every page's header names the practice, without a query per page (issue 17: the practice's
    name on what people see)."""

    def test_it_names_the_practice_and_follows_a_change_at_once(self, world: World) -> None:
        http = world.http("admin")
        assert '<a class="brand" href="/">Coaching practice</a>' in http.get(reverse("dashboard")).content.decode()
        http.post(reverse("practice_settings"), DETAILS)
        page = http.get(reverse("dashboard")).content.decode()
        assert '<a class="brand" href="/">Lindqvist Coaching Ltd</a>' in page
        assert re.search(r"<title>[^<]* · Lindqvist Coaching Ltd</title>", page)

    def test_it_reads_the_name_from_the_cache_not_the_database(self, world: World) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        http = world.http("coach")
        http.get(reverse("dashboard"))
        with CaptureQueriesContext(connection) as captured:
            page = http.get(reverse("dashboard"))
        assert page.status_code == 200
        assert not [q for q in captured.captured_queries if "confidentiality_practice" in q["sql"]]


class TestTheEmails:
    """Every e-mail is in the practice's name (issue 17, item 3), not a fixed "Coaching practice"."""

    def test_a_notice_by_e_mail_names_the_practice(
        self, world: World, django_capture_on_commit_callbacks: object
    ) -> None:
        from django.core import mail

        from confidentiality.notify import notify
        from confidentiality.practice import practice_update

        practice_update(actor=world.people["admin"], name="Lindqvist Coaching Ltd")
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            notify(users=[world.people["coach"]], text="Something waits for you.", link="/dashboard/")
        assert [m.subject for m in mail.outbox] == ["Lindqvist Coaching Ltd: something needs your attention"]

    def test_no_code_writes_a_fixed_practice_name_into_a_subject(self) -> None:
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        fixed = [
            f"{path.relative_to(root)}:{number}"
            for folder in (
                "confidentiality",
                "engagements",
                "feedback",
                "finance",
                "rights",
                "reports",
                "consent",
                "disclosures",
                "complaints",
                "people",
                "retention",
                "portal",
            )
            for path in (root / folder).rglob("*.py")
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if '"Coaching practice:' in line
        ]
        assert not fixed, fixed


def test_the_sign_in_page_reads_nothing_from_the_database_for_the_name(db: object) -> None:
    """Someone not signed in costs the database nothing: their pages name the practice from the
    cache, or from the setting while the cache is cold."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from confidentiality.practice import practice_name_cache_key

    cache.delete(practice_name_cache_key())
    with CaptureQueriesContext(connection) as captured:
        page = Client().get(reverse("account_login")).content.decode()
    assert '<a class="brand" href="/">Coaching practice</a>' in page
    assert not [q for q in captured.captured_queries if "confidentiality_practice" in q["sql"]]
