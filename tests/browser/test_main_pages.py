"""Every main page of every role, at a phone's width and a desktop's, in Debian's Chromium.

For each page: it is the page expected (its level-1 heading), axe-core finds no serious or
critical violation, nothing runs off the side of a phone, and a full-page screenshot is kept in
test-artifacts/ as ``<role>-<page>-<phone|desktop>.png`` for people to look at.

The practice is the demo's (``seed_demo``, the state every journey starts from), built once for
this module and served by a live server of its own: pytest-django's ``live_server`` would flush
the database after each of the ~90 cases. Each role signs in once, through the login page, and
keeps its browser context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# role, page, address ({…} filled in from the demo practice), the page's level-1 heading.
# The addresses are those of the URL confs (confidentiality/urls.py and each app's urls.py).
MAIN_PAGES: list[tuple[str, str, str, str]] = [
    ("anonymous", "sign-in", "/accounts/login/", "Sign in"),
    ("anonymous", "password-reset", "/accounts/password/reset/", "Password Reset"),
    ("feedback-giver", "give-feedback", "/feedback/give/{feedback_token}/", "Feedback about Sam Carter"),
    ("coach", "dashboard", "/dashboard/", "Your engagements"),
    ("coach", "engagements", "/engagements/", "Engagements"),
    ("coach", "engagement", "/engagements/{ENG-2026-001}/", "Leadership coaching ENG-2026-001"),
    ("coach", "notes", "/engagements/{ENG-2026-001}/notes/", "Notes"),
    ("coach", "report-draft", "/engagements/reports/{draft_report}/", "Closing summary"),
    ("coach", "feedback", "/engagements/{ENG-2026-001}/feedback/", "Feedback from others"),
    ("coach", "concerns", "/concerns/", "Concerns"),
    ("coach", "disclosures", "/engagements/{ENG-2026-001}/disclosures/", "Disclosures and concerns"),
    ("coach", "account", "/account/", "My account"),
    ("associate", "dashboard", "/dashboard/", "Your engagements"),
    ("associate", "engagement", "/engagements/{ENG-2026-003}/", "New manager programme ENG-2026-003"),
    ("associate", "policies", "/policies/", "The practice's policies"),
    ("client", "dashboard", "/dashboard/", "My coaching"),
    ("client", "engagement", "/engagements/{ENG-2026-001}/", "Leadership coaching ENG-2026-001"),
    ("client", "report-to-approve", "/engagements/reports/{review_report}/", "Mid-point summary"),
    ("client", "shared-notes", "/engagements/{ENG-2026-001}/notes/", "Notes shared with you"),
    ("client", "consents", "/consents/", "My consents"),
    ("client", "who-has-read-my-file", "/engagements/my-file/who-has-read-it/", "Who has read my file"),
    ("client", "subject-access", "/subject-access/", "My information and my rights"),
    ("client", "complaints", "/complaints/", "My complaints"),
    ("client", "complaint", "/complaints/{complaint}/", "Complaint {complaint_reference}"),
    ("client", "make-a-complaint", "/complaints/new/", "Make a complaint"),
    ("sponsor", "dashboard", "/dashboard/", "Coaching for your organisation"),
    ("sponsor", "reports", "/engagements/{ENG-2026-001}/reports/", "Reports to the sponsor"),
    ("sponsor", "released-report", "/engagements/reports/{released_report}/", "Starting point"),
    ("sponsor", "invoices", "/finance/invoices/", "Invoices"),
    ("admin", "dashboard", "/dashboard/", "Practice dashboard"),
    ("admin", "engagements", "/engagements/", "Engagements"),
    ("admin", "clients", "/engagements/clients/", "Clients"),
    ("admin", "people", "/people/", "People"),
    ("admin", "leaver", "/people/offboarding/{leaver_offboarding}/", "Ben Okonjo has left"),
    ("admin", "policies-status", "/policies/status/", "Who has accepted the practice's policies"),
    ("admin", "retention", "/retention/", "Retention: what is kept, and when it is deleted"),
    ("admin", "subject-access", "/subject-access/", "Data-protection requests"),
    ("admin", "complaints-and-breaches", "/register/", "Complaints & breaches"),
    ("auditor", "dashboard", "/dashboard/", "Audit"),
    ("auditor", "finance", "/finance/", "Finance"),
    ("auditor", "invoices", "/finance/invoices/", "Invoices"),
    ("auditor", "payments", "/finance/payments/", "Payments received"),
    ("auditor", "credit-notes", "/finance/credit-notes/", "Credit notes"),
]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# Who each role is in the demo practice (demo/practice.py).
DEMO_LOGINS = {
    "coach": "maya.coach@practice.example",
    "associate": "jo.associate@practice.example",
    "client": "sam@client.example",
    "sponsor": "priya@northwind.example",
    "admin": "admin@practice.example",
    "auditor": "auditor@audit.example",
}

# How wide the document is, and the outermost elements sticking out (for the failure message):
# those inside a scrolling box (a wide table in its .table-wrap) do not widen the page.
OVERFLOW = """() => {
    const edge = window.innerWidth + 1;
    const clipped = (e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n && out.length < 3; n = walker.nextNode()) {
        const box = n.nodeType === Node.TEXT_NODE
            ? (() => { const r = document.createRange(); r.selectNodeContents(n); return r.getBoundingClientRect(); })()
            : n.getBoundingClientRect();
        const element = n.nodeType === Node.TEXT_NODE ? n.parentElement : n;
        if (box.right > edge && !clipped(n.nodeType === Node.TEXT_NODE ? n : element)
            && !(element.parentElement && element.parentElement.getBoundingClientRect().right > edge)) {
            out.push(element.outerHTML.slice(0, 160));
        }
    }
    return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, sticking_out: out};
}"""

CASES = [
    pytest.param(role, page, path, heading, width, id=f"{role}-{page}-{width}")
    for role, page, path, heading in MAIN_PAGES
    for width in WIDTHS
]


@dataclass
class Practice:
    url: str
    values: dict[str, str]
    pages: dict[str, Any]


def _seed() -> tuple[dict[str, str], dict[str, str | None]]:
    """The demo practice, and what a few main pages need that it does not hold yet."""
    from complaints.models import Complaint
    from confidentiality.models import User
    from consent.models import InformationCategory
    from demo.practice import LEAVER, seed_demo, totp_secret
    from engagements.models import Engagement
    from feedback import services as feedback_services
    from people.models import Offboarding
    from people.policies import current_required, policy_accept, text_hash
    from reports import services as report_services
    from reports.models import SponsorReport
    from tests.factories import PASSWORD

    seeded = seed_demo()
    values: dict[str, str] = dict(seeded["engagements"])
    people = {role: User.objects.get(email=email) for role, email in DEMO_LOGINS.items()}
    for user in people.values():  # the browser signs in with the tests' password
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    coach = people["coach"]
    first = Engagement.objects.get(reference="ENG-2026-001")
    # The associate has read and accepted the policies (their first sign-in is a keyboard journey).
    for document in current_required():
        policy_accept(
            actor=people["associate"],
            document=document,
            shown_hash=text_hash(document.text),
            ip_address=None,
            user_agent="test",
        )
    goals = InformationCategory.objects.get(key="goals")
    draft = report_services.report_create(
        actor=coach, engagement=first, title="Closing summary", sections={goals.pk: "Sam leads the budget review."}
    )
    _, tokens = feedback_services.feedback_request_create(
        actor=coach,
        engagement=first,
        kind="named",
        source_category="line_manager",
        prompt="What change have you seen?",
        sources=[feedback_services.NewSource(email="second.manager@example.org", name="Eli Marsh")],
    )
    complaint = Complaint.objects.get(lodged_by=people["client"])
    values |= {
        "draft_report": str(draft.pk),
        "review_report": str(SponsorReport.objects.get(engagement=first, title="Mid-point summary").pk),
        "released_report": str(SponsorReport.objects.get(engagement=first, title="Starting point").pk),
        "feedback_token": tokens[0][1],
        "complaint": str(complaint.pk),
        "complaint_reference": complaint.reference,
        "leaver_offboarding": str(Offboarding.objects.get(user__email=LEAVER.email).pk),
    }
    return values, {role: totp_secret(user) for role, user in people.items()}


@pytest.fixture(scope="module")
def practice(django_db_setup: Any, django_db_blocker: Any, browser: Any) -> Iterator[Practice]:
    """The demo practice, committed so that the live server's thread sees it on PostgreSQL too
    (on SQLite it shares this in-memory connection), and every role signed in. Each test then
    runs in a transaction of its own (pytest-django's ``db``); the module ends with the database
    flushed, as a transactional test leaves it."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "main-pages"}},
    )
    overrides.enable()
    server = None
    pages: dict[str, Any] = {}
    try:
        with django_db_blocker.unblock():
            _flush()  # from a known start, whatever ran before in this process
            values, secrets = _seed()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            for role in dict.fromkeys(role for role, *_ in MAIN_PAGES):
                pages[role] = _signed_in_page(browser, server.url, role, secrets.get(role))
        yield Practice(url=server.url, values=values, pages=pages)
    finally:
        for page in pages.values():
            page.context.close()
        if server is not None:
            server._live_server_modified_settings.disable()
            server.stop()
        with django_db_blocker.unblock():
            _flush()
        overrides.disable()


def _flush() -> None:
    """Empty every table. What the migrations install (the built-in information categories and
    agreement template) comes back by itself: ``seed_demo`` installs it, and every database test
    after this module puts it back first (tests/conftest.py). SQLite's append-only triggers on the
    audit log refuse the DELETE, so they are lifted for the flush and put back (as
    tests/conftest.py does for transactional tests)."""
    import importlib

    from django.core.management import call_command
    from django.db import connection

    triggers = importlib.import_module("confidentiality.migrations.0002_audit_append_only")
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            for statement in triggers.SQLITE_DOWN:
                cursor.execute(statement)
    call_command("flush", interactive=False, verbosity=0)
    if sqlite:
        with connection.cursor() as cursor:
            for statement in triggers.SQLITE_UP:
                cursor.execute(statement)


def _signed_in_page(browser: Any, url: str, role: str, secret: str | None) -> Any:
    """One browser context per role, signed in once through the login page."""
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15000)
    if role in DEMO_LOGINS:
        sign_in(page, url, DEMO_LOGINS[role], secret)
    return page


@pytest.mark.parametrize(("role", "name", "path", "heading", "width"), CASES)
def test_the_main_page_is_accessible_at_this_width(
    practice: Practice, role: str, name: str, path: str, heading: str, width: str
) -> None:
    page = practice.pages[role]
    page.set_viewport_size(WIDTHS[width])
    address = path.format_map(practice.values)
    response = page.goto(practice.url + address)
    assert response is not None and response.status == 200, f"{address} answered {response and response.status}"
    assert page.url == practice.url + address, f"{address} went to {page.url}"
    title = page.get_by_role("heading", level=1, name=heading.format_map(practice.values), exact=True)
    assert title.count() == 1, f"{address}: no level-1 heading {heading!r}"
    if width == "phone":
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scroll"] <= overflow["inner"] + 1, f"{address} overflows a phone's width: {overflow}"
        # A table is read without scrolling it sideways: on a phone each row is a card (app.css).
        scrolling = page.evaluate(
            """() => [...document.querySelectorAll('.table-wrap')]
                .filter((e) => e.scrollWidth > e.clientWidth + 1)
                .map((e) => `${e.getAttribute('aria-label')}: ${e.scrollWidth} > ${e.clientWidth}`)"""
        )
        assert not scrolling, f"{address}: a table scrolls sideways on a phone: {scrolling}"
    assert_accessible(page, f"{role}-{name}-{width}")


def test_every_role_of_the_issue_is_covered() -> None:
    roles = {role for role, *_ in MAIN_PAGES}
    assert roles >= {"anonymous", "feedback-giver", "coach", "associate", "client", "sponsor", "admin", "auditor"}
    assert len({(role, page) for role, page, *_ in MAIN_PAGES}) == len(MAIN_PAGES)


MISSING = "/engagements/00000000-0000-4000-8000-000000000000/"


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ["coach", "client", "sponsor", "admin", "auditor"])
def test_a_page_not_found_keeps_the_sites_navigation(practice: Practice, role: str, width: str) -> None:
    page = practice.pages[role]
    page.set_viewport_size(WIDTHS[width])
    response = page.goto(practice.url + MISSING)
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1, name="Page not found", exact=True).count() == 1
    assert page.locator("#site-nav a[href='/dashboard/']").count() == 1
    assert page.locator("#site-nav button", has_text="Sign out").count() == 1
    assert page.get_by_role("link", name="Go to your dashboard").count() == 1
    assert_accessible(page, f"{role}-not-found-{width}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_refusal_keeps_the_sites_navigation(practice: Practice, width: str) -> None:
    page = practice.pages["sponsor"]  # may read the invoices, may not make one
    page.set_viewport_size(WIDTHS[width])
    response = page.goto(practice.url + "/finance/invoices/new/")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", level=1, name="Not allowed", exact=True).count() == 1
    assert page.locator("#site-nav a[href='/dashboard/']").count() == 1
    assert_accessible(page, f"sponsor-not-allowed-{width}")


def test_without_javascript_the_menu_is_shown_and_no_dead_button_is(practice: Practice, browser: Any) -> None:
    signed_in = practice.pages["coach"].context.storage_state()
    context = browser.new_context(viewport=WIDTHS["phone"], java_script_enabled=False, storage_state=signed_in)
    try:
        page = context.new_page()
        response = page.goto(practice.url + "/dashboard/")
        assert response is not None and response.status == 200
        assert not page.locator(".nav-toggle").is_visible()
        assert page.locator("#site-nav a[href='/engagements/']").is_visible()
        assert page.locator("#site-nav button", has_text="Sign out").is_visible()
    finally:
        context.close()
    # With JavaScript, on a phone, the button opens the menu.
    page = practice.pages["coach"]
    page.set_viewport_size(WIDTHS["phone"])
    page.goto(practice.url + "/dashboard/")
    assert not page.locator("#site-nav a[href='/engagements/']").is_visible()
    page.locator(".nav-toggle").click()
    assert page.locator("#site-nav a[href='/engagements/']").is_visible()
