"""Security headers with the production settings, as a browser would receive them over HTTPS.

``tests/confidentiality/test_settings.py`` already runs ``check --deploy`` with production settings,
and ``test_auth.py`` looks at a few headers of the sign-in page in the embedded mode; the access
matrix checks every page it reads for inline script. What is added here: HSTS and the redirect to
HTTPS (production only), the whole CSP, and the headers on pages, the API, errors and downloads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.confidentiality.test_settings import ROOT, production_env

HOST = "practice.example"
PATHS = ("/accounts/login/", "/api/v1/me/", "/no-such-page/", "/api/schema/", "/api/docs/")

# Runs inside a production process and reads responses as a browser would.
PROBE = f"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test import override_settings
# No migrate: nothing read here queries the database, so none is made.
# Static files from the source folders, not collected and compressed (minutes): headers do not depend on it.
override_settings(STORAGES={{**settings.STORAGES, "staticfiles": {{
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}}).enable()
browser = Client(HTTP_HOST={HOST!r})
found = {{"settings": {{name: getattr(settings, name) for name in (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "DEBUG")}}}}
for path in {PATHS!r}:
    response = browser.get(path, secure=True)
    found[path] = {{
        "status": response.status_code,
        "headers": dict(response.items()),
        "cookies": {{name: {{"secure": bool(c["secure"]), "httponly": bool(c["httponly"])}}
                    for name, c in response.cookies.items()}},
    }}
plain = browser.get("/accounts/login/")
health = browser.get("/healthz")
found["http"] = {{"status": plain.status_code, "location": plain.get("Location", "")}}
found["healthz over http"] = {{"status": health.status_code}}
print("PROBE" + json.dumps(found))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("production")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=production_env(tmp, DJANGO_SETTINGS_MODULE="confidentiality.settings", PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    found: dict[str, Any] = json.loads(line.removeprefix("PROBE"))
    return found


def csp_of(headers: dict[str, str]) -> dict[str, list[str]]:
    policy = headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


class TestProductionHeaders:
    @pytest.mark.parametrize("path", PATHS)
    def test_every_answer_carries_hsts_and_the_frame_referrer_and_sniffing_policies(
        self, production: dict[str, Any], path: str
    ) -> None:
        headers = production[path]["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"

    @pytest.mark.parametrize("path", PATHS)
    def test_the_content_security_policy_allows_no_inline_script_or_style(
        self, production: dict[str, Any], path: str
    ) -> None:
        csp = csp_of(production[path]["headers"])
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        allowed = " ".join(value for values in csp.values() for value in values)
        for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"):
            assert loophole not in allowed.split(), f"{path}: {loophole} in the CSP"

    def test_plain_http_is_sent_to_https_but_the_health_check_answers(self, production: dict[str, Any]) -> None:
        assert production["http"]["status"] == 301
        assert production["http"]["location"] == f"https://{HOST}/accounts/login/"
        assert production["healthz over http"]["status"] == 200

    def test_cookies_are_secure_and_out_of_reach_of_scripts(self, production: dict[str, Any]) -> None:
        assert production["settings"] == {
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "CSRF_COOKIE_SECURE": True,
            "CSRF_COOKIE_HTTPONLY": True,
            "DEBUG": False,
        }
        cookies = production["/accounts/login/"]["cookies"]
        assert cookies, "the sign-in page sets its CSRF cookie"
        assert all(c["secure"] and c["httponly"] for c in cookies.values()), cookies

    def test_an_unknown_page_gives_nothing_away(self, production: dict[str, Any]) -> None:
        missing = production["/no-such-page/"]
        assert missing["status"] == 404
        assert "Server" not in missing["headers"] and "X-Powered-By" not in missing["headers"]


@pytest.mark.django_db
class TestDownloadsAndDataNeverRender:
    """A download is an attachment the browser saves; data is never sniffed into a page."""

    def test_a_document_a_report_and_an_export_are_attachments(self, world: Any, media_dir: Path) -> None:
        from django.urls import reverse

        from engagements.services import document_upload

        document = document_upload(
            actor=world.people["coach"],
            engagement=world.engagement,
            name="plan.txt",
            content=b"<html><script>alert(1)</script></html>",
        )
        download = world.http("coach").get(reverse("engagements:document_download", args=[document.pk]))
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["Content-Type"].startswith("text/plain")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in download["Content-Security-Policy"]
