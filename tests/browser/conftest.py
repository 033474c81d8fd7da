"""Playwright driving Debian's Chromium (apt-get install chromium).

Without Chromium the browser tests are skipped locally; CI sets REQUIRE_BROWSER=1 so a
missing browser fails the run instead of passing silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Full-page screenshots for people to look at; CI, where no one does, leaves them out
# (BROWSER_SCREENSHOTS=0): they cost it a minute and a half.
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "1") != "0"

# The two screens every journey of the issue "a practice can start on Monday" is tried on: a
# laptop, and a phone (390 px, where the main navigation is behind the Menu button).
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}

# Playwright's sync API runs an event loop in this thread; the test's own database work
# happens before and after it, never concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest) -> str:
    """A test that asks for ``width`` (or ``screen``) runs at a desktop's width and a phone's."""
    return str(request.param)


@pytest.fixture
def screen(browser: Any, width: str) -> Iterator[Any]:
    """A page at the test's width, in a context of its own."""
    context = browser.new_context(viewport=WIDTHS[width], accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def assert_accessible(page: Any, name: str) -> None:
    """axe-core: no serious or critical violations; a screenshot kept for people to look at."""
    from axe_playwright_python.sync_playwright import Axe

    if SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
    assert not bad, f"{name}: " + "; ".join(f"{v['id']}: {v['help']}" for v in bad)


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """A fresh browser context per person, so no cookie is shared between them."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport=DESKTOP)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def totp_now(secret: str) -> str:
    from demo.practice import totp_code

    return totp_code(secret)


def sign_in(page: Any, base_url: str, email: str, totp_secret: str | None = None) -> None:
    """Through the login page as a person does: password, then the code for staff."""
    from tests.factories import PASSWORD

    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    if totp_secret is not None:
        page.get_by_label(re.compile("^Code", re.I)).fill(totp_now(totp_secret))
        page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
    page.get_by_role("button", name="Sign out").wait_for()
