"""Notices on the dashboard: opening one marks it read, so the dashboard lists what is still new;
nobody opens another person's notice, and a notice only ever leads somewhere on this site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from confidentiality.models import Notice
from tests.conftest import PERSONAS, World

pytestmark = pytest.mark.django_db


def notice_for(world: World, persona: str, link: str) -> Notice:
    return Notice.objects.create(user=world.people[persona], text="A report is waiting for your review.", link=link)


def test_opening_a_notice_marks_it_read_and_goes_where_it_points(world: World) -> None:
    target = reverse("engagements:detail", args=[world.engagement.pk])
    notice = notice_for(world, "client", target)
    browser = world.http("client")
    dashboard = browser.get("/dashboard/").content.decode()
    opener = reverse("notice_open", args=[notice.pk])
    assert f'href="{opener}" aria-label="Open: A report is waiting for your review."' in dashboard

    opened = browser.get(opener)
    assert (opened.status_code, opened["Location"]) == (302, target)
    notice.refresh_from_db()
    first_read = notice.read_at
    assert first_read is not None
    assert opener not in browser.get("/dashboard/").content.decode()  # no longer among the new

    again = browser.get(opener)  # the link still works, and the first reading is kept
    assert (again.status_code, again["Location"]) == (302, target)
    notice.refresh_from_db()
    assert notice.read_at == first_read


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("client", "anonymous")])
def test_nobody_opens_another_persons_notice(world: World, persona: str) -> None:
    notice = notice_for(world, "client", "/dashboard/")
    assert world.http(persona).get(reverse("notice_open", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_anonymous_is_sent_to_sign_in_and_the_notice_stays_unread(world: World) -> None:
    notice = notice_for(world, "client", "/dashboard/")
    response = world.http("anonymous").get(reverse("notice_open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.parametrize("link", ["https://elsewhere.example/x", "//elsewhere.example/x", "/\\elsewhere.example", ""])
def test_a_notice_never_leads_off_this_site(world: World, link: str) -> None:
    notice = notice_for(world, "coach", link)
    response = world.http("coach").get(reverse("notice_open", args=[notice.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("dashboard"))
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_only_get_opens_a_notice(world: World) -> None:
    notice = notice_for(world, "coach", "/dashboard/")
    assert world.http("coach").post(reverse("notice_open", args=[notice.pk])).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None
