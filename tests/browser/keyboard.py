"""Moving through the product by keyboard alone, for the keyboard journeys: Tab and Shift+Tab
move the focus, Enter and Space act, and text is typed into whatever has the focus. Every element
the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.roles import Role
from tests.browser.conftest import PHONE as PHONE  # re-exported for the keyboard journeys
from tests.browser.conftest import totp_now
from tests.factories import PASSWORD, UserFactory

# What has the focus, and whether it shows: an outline (any style but none) or a box shadow.
FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const style = getComputedStyle(e);
    const label = e.getAttribute('aria-label') || e.labels?.[0]?.innerText || e.innerText || e.value || '';
    return {
        element: `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}> ${label.trim().slice(0, 50)}`,
        visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
        style: `outline: ${style.outlineStyle} ${style.outlineWidth}; box-shadow: ${style.boxShadow}`,
    };
}"""


def tab_to(page: Any, target: Any, *, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until ``target`` (a locator) has the focus, checking on the way
    that every element reached shows its focus. Fails, naming the path taken, if it is not
    reached within ``limit`` presses."""
    path: list[str] = []
    for _ in range(limit + 1):
        if target.evaluate_all("(elements) => elements.includes(document.activeElement)"):
            return
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused is not None:
            path.append(focused["element"])
            assert focused["visible"], f"no visible focus on {focused['element']} at {page.url} ({focused['style']})"
    pytest.fail(f"{target} was not reached in {limit} presses of {key} on {page.url}; the focus went: {path}")


def tick(page: Any, box: Any) -> None:
    """Tab to a checkbox or radio button and press Space: it ends chosen."""
    tab_to(page, box)
    page.keyboard.press("Space")
    assert box.is_checked(), f"Space did not choose {box}"


def pick(page: Any, radio: Any, *, limit: int = 10) -> None:
    """Tab into a radio button's group (Tab stops at the group's chosen button) and press
    ArrowDown, which moves round the group, until ``radio`` is chosen."""
    name = radio.get_attribute("name")
    tab_to(page, page.locator(f'input[type="radio"][name="{name}"]'))
    for _ in range(limit):
        if radio.is_checked():
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{radio} was not chosen by ArrowDown in its group")


def selected(select: Any) -> list[str]:
    """The labels of the options chosen in a <select> (one, or several in a <select multiple>)."""
    labels: list[str] = select.evaluate("(s) => Array.from(s.selectedOptions).map((o) => o.textContent.trim())")
    return labels


def choose(page: Any, select: Any, label: str, *, limit: int = 20) -> None:
    """Tab to a closed <select> and press ArrowDown until ``label`` is chosen."""
    tab_to(page, select)
    for _ in range(limit):
        if selected(select) == [label]:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{label!r} was not reached by ArrowDown; chosen: {selected(select)}")


def press_and_wait(page: Any, key: str) -> None:
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def check_skip_link(page: Any) -> None:
    """The first Tab on a page reaches the skip link; Enter on it puts the focus in <main>, and
    the next Tab goes to the page's own content, not back through the navigation."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused is not None and focused["element"].endswith("Skip to main content"), focused
    assert focused["visible"]
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # shown, not off-screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')"), page.evaluate(FOCUSED)


def sign_in(page: Any, base_url: str, email: str, totp_secret: str | None = None) -> None:
    """The login page by keyboard: e-mail, password, Enter; then the code for staff."""
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    press_and_wait(page, "Enter")
    if totp_secret is not None:
        code = page.get_by_label(re.compile("^Code", re.I))
        tab_to(page, code)
        page.keyboard.type(totp_now(totp_secret))
        press_and_wait(page, "Enter")
    # On a phone the button is behind the menu: present, not shown.
    page.get_by_role("button", name="Sign out", include_hidden=True).wait_for(state="attached")


def staff(role: Role, **fields: Any) -> tuple[Any, str]:
    user = UserFactory(role=role, **fields)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret
