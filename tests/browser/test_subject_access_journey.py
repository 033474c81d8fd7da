"""A client asks for a copy of everything held on them; the administrator sees the request in the
register, starts the copy, watches its progress, checks the contents page and releases it; the
client downloads the ZIP, which holds their private notes too."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from confidentiality.roles import Role
from engagements.services import note_create
from retention import subject_access
from retention.tasks import subject_access_export_task
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIVATE = "Private reflection: worried the Okonkwo merger will cost her the team."


@pytest.fixture(autouse=True)
def media_dir(settings: Any, tmp_path: Any) -> Any:
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


def test_client_requests_admin_builds_and_releases_client_downloads(
    live_server: Any, new_page: Callable[[], Any], monkeypatch: Any, tmp_path: Any
) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    coach = UserFactory(role=Role.COACH, email="coach@example.org")
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org", display_name="Ada Admin")
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(full_name="Ines Quartermaine", user=client),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation)],
        reference="ENG-SAR-001",
    )
    note_create(actor=coach, engagement=engagement, body=PRIVATE)
    # The worker is this test: the message the page would send to the broker is kept here.
    queued: list[str] = []
    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: queued.append(export_id))
    base = live_server.url

    client_page = new_page()
    sign_in(client_page, base, client.email)
    client_page.get_by_role("link", name="Request a copy of my information").click()
    assert_accessible(client_page, "subject-access-client-request")
    client_page.get_by_role("button", name="Ask for a copy of my information").click()
    client_page.get_by_text(re.compile(r"Your request SAR-\w+ is received")).wait_for()
    reference = client_page.get_by_role("heading", level=1).inner_text().removeprefix("Request ").strip()
    assert reference.startswith("SAR-")

    admin_page = new_page()
    sign_in(admin_page, base, admin.email, secret)
    admin_page.get_by_role("link", name="Subject-access requests").click()
    admin_page.get_by_role("link", name=reference).wait_for()
    assert "Ines Quartermaine" in admin_page.content()
    assert_accessible(admin_page, "subject-access-register")
    admin_page.get_by_role("link", name=reference).click()
    admin_page.get_by_role("button", name="Start making the copy").click()
    progress = admin_page.get_by_role("progressbar", name="Progress of the copy")
    progress.wait_for()
    assert_accessible(admin_page, "subject-access-progress")
    assert len(queued) == 1

    # The worker builds the copy while the page follows it; the page reloads when it is built.
    assert subject_access.export_build(export_id=queued[0]) is True
    admin_page.get_by_role("heading", name="Contents of the copy").wait_for(timeout=20000)
    assert PRIVATE not in admin_page.content()  # counts, never content, for the administrator
    assert_accessible(admin_page, "subject-access-contents")
    admin_page.get_by_role("button", name="Release the copy to the requester").click()
    admin_page.get_by_text("The copy is released.").wait_for()

    client_page.reload()
    assert_accessible(client_page, "subject-access-client-download")
    with client_page.expect_download() as download:
        client_page.get_by_role("link", name=re.compile("Download the copy")).click()
    assert download.value.suggested_filename == f"information-{reference}.zip"
    saved = tmp_path / "copy.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("information.json"))
        assert {"README.txt", "information.json", "information.pdf"} <= set(archive.namelist())
    assert [n["text"] for n in data["notes"]] == [PRIVATE]
    assert data["identity"][0]["full_name"] == "Ines Quartermaine"
