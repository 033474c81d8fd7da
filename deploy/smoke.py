"""The production smoke test: the README's production run, driven over HTTP through its main journeys.

    python -m deploy.smoke              # make prod-smoke; CI runs it after the test suite

It writes an environment file from ``deploy/production.env.example`` (fresh secrets, a database
and a Redis database of its own) and runs the README's ``python -m deploy.stack`` with it: the
Procfile's ``release`` step (migrate, bind_ciphertexts, sync_schedules, collectstatic, ``check --deploy`` with
nothing to report), then ``web`` (gunicorn), ``worker`` and ``beat`` (Celery on Redis) under
honcho. It builds a small practice with ``deploy.fixtures``, and then, as people do, over HTTP:

1. production posture: plain http is redirected to https; HSTS, CSP, frame and referrer headers;
   Secure cookies; ``/healthz`` sees the database, the cache, the broker and the worker's
   heartbeat (beat → Redis → worker → PostgreSQL);
2. the first administrator, made with ``add_user``, signs in, is asked for the password again,
   must set up an authenticator app, and then signs in with password and code;
3. a coach signs in with password and code, opens an engagement, writes a note through the form,
   finds it in the notes list and through the API with a token, and it is not in the database
   in plain text;
4. a client signs in, sees the shared note and not the private ones, sees who has read their
   file, and asks for a copy of their information;
5. the administrator has the copy made (a Celery job on the worker), watches it finish and
   releases it; the client downloads the ZIP;
6. a sponsor sees the organisation's engagements and the released report as a PDF, and gets 404
   for the coach's note;
7. behind the proxy, five wrong passwords from one forwarded address lock that address out and not
   the person's own;
8. ``verify_audit_chain`` finds the audit chain intact.

Prints one line per check and ``N passed, N failed``; exits non-zero on any failure, with the last
lines of each process's output.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import time
import traceback
import zipfile
from collections.abc import Callable
from io import BytesIO
from typing import Any

from deploy.client import Browser, api, totp
from deploy.throwaway import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, Run

PORT = 8061


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class Smoke:
    def __init__(self, run: Run, fixtures: dict[str, Any]) -> None:
        self.run = run
        self.base = run.base_url
        self.fx = fixtures
        self.password = fixtures["password"]
        self.marker = "smoke-note-" + secrets.token_hex(6)
        self.sar_id = ""
        self.admin_password = "admin-" + secrets.token_urlsafe(18)
        self.admin = Browser(self.base, name="smoke-admin")
        self.client = Browser(self.base, name="smoke-client")

    # 1 ---------------------------------------------------------------------------------------
    def production_posture(self) -> None:
        plain = Browser(self.base)
        plain.http.headers.pop("X-Forwarded-Proto")
        redirect = plain.get("/", allow_redirects=False)
        expect(redirect.status_code == 301, f"plain http answered {redirect.status_code}, not a redirect")
        expect(redirect.headers["Location"].startswith("https://"), "the redirect does not go to https")
        page = Browser(self.base).get("/accounts/login/")
        expect(page.status_code == 200, f"login page answered {page.status_code}")
        headers = page.headers
        expect("max-age=31536000" in headers.get("Strict-Transport-Security", ""), "no HSTS header")
        csp = headers.get("Content-Security-Policy", "")
        expect("script-src 'self'" in csp and "unsafe-inline" not in csp, f"CSP is {csp!r}")
        expect(headers.get("X-Frame-Options") == "DENY", "X-Frame-Options is not DENY")
        expect(headers.get("Referrer-Policy") == "same-origin", "no same-origin referrer policy")
        expect("; Secure" in headers.get("Set-Cookie", ""), "the CSRF cookie is not Secure")
        css = re.search(r'href="(/static/[^"]+\.css)"', page.text)
        expect(css is not None, "no stylesheet linked")
        assert css is not None
        static = Browser(self.base).get(css.group(1))
        expect(static.status_code == 200 and "immutable" in static.headers.get("Cache-Control", ""), "static files")
        deadline = time.monotonic() + 120
        while True:
            health = Browser(self.base).get("/healthz").json()
            checks = health["checks"]
            if health["status"] == "ok" and checks["worker"]["detail"].startswith("last heartbeat"):
                break
            expect(time.monotonic() < deadline, f"/healthz did not see the worker's heartbeat: {health}")
            time.sleep(2)
        expect(checks["database"]["detail"] == "postgresql", "the database is not PostgreSQL")
        expect(checks["cache"]["detail"] == "RedisCache" and checks["broker"]["detail"] == "redis", "not on Redis")

    # 2 ---------------------------------------------------------------------------------------
    def first_administrator(self) -> None:
        self.run.manage(
            "add_user",
            "admin@smoke.example",
            "--role",
            "admin",
            "--name",
            "Ada Admin",
            "--password",
            self.admin_password,
        )
        refused = self.run.manage("api_token", "admin@smoke.example", check=False)
        expect(refused.returncode != 0, "a token was issued to staff without a second factor")
        page = self.admin.sign_in("admin@smoke.example", self.admin_password)
        # Adding a second factor asks for the password once more, then shows the secret.
        expect("/reauthenticate/" in page.url, f"staff without a second factor landed on {page.url}")
        page = self.admin.submit(page, {"password": self.admin_password}, field="password")
        expect("/2fa/totp/activate" in page.url, f"staff without a second factor landed on {page.url}")
        secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text) or re.search(
            r'value="([A-Z2-7]{32})"', page.text
        )
        expect(secret is not None, "the activation page shows no secret")
        assert secret is not None
        self.admin_secret = secret.group(1)
        done = self.admin.submit(page, {"code": totp(self.admin_secret)}, field="code")
        expect(done.status_code == 200, f"activation answered {done.status_code}")
        # That session did not pass a second factor, so it ends: sign in again, now with a code.
        self.admin = Browser(self.base, name="smoke-admin")
        dashboard = self.admin.sign_in("admin@smoke.example", self.admin_password, self.admin_secret)
        expect(dashboard.url.endswith("/dashboard/") and "Sign out" in dashboard.text, "not signed in with the code")
        self.admin_token = self.run.manage("api_token", "admin@smoke.example").stdout.strip()

    # 3 ---------------------------------------------------------------------------------------
    def coach_writes_a_note(self) -> None:
        coach = self.fx["coaches"][0]
        engagement = coach["engagements"][0]["id"]
        browser = Browser(self.base, name="smoke-coach")
        dashboard = browser.sign_in(coach["email"], self.password, coach["totp_secret"])
        expect(dashboard.url.endswith("/dashboard/"), f"coach landed on {dashboard.url}")
        expect("SMOKE-0001" in dashboard.text, "the coach's dashboard does not list their engagement")
        page = browser.get(f"/engagements/{engagement}/")
        expect(page.status_code == 200, f"engagement page answered {page.status_code}")
        saved = browser.submit(page, {"body": f"Private: {self.marker}"}, action="/notes/new/")
        expect(saved.status_code == 200, f"writing a note answered {saved.status_code}")
        notes = browser.get(f"/engagements/{engagement}/notes/")
        expect(self.marker in notes.text, "the new note is not in the notes list")
        found = api(self.base, coach["token"]).get(f"{self.base}/api/v1/engagements/{engagement}/notes/", timeout=30)
        expect(found.status_code == 200 and self.marker in found.text, f"API notes answered {found.status_code}")
        import psycopg

        with psycopg.connect(self.run.database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM engagements_note n WHERE n::text LIKE %s", (f"%{self.marker}%",)
            ).fetchone()
        expect(row is not None and row[0] == 0, "the note's text is in the database in plain text")

    # 4 ---------------------------------------------------------------------------------------
    def client_portal(self) -> None:
        client = self.fx["clients"][0]
        browser = self.client
        dashboard = browser.sign_in(client["email"], self.password)
        expect("SMOKE-0001" in dashboard.text, "the client's dashboard does not list their engagement")
        engagement = browser.get(f"/engagements/{client['engagement']}/")
        expect(engagement.status_code == 200, f"client's engagement page answered {engagement.status_code}")
        expect("Session note 1" in engagement.text, "the shared note is not shown to the client")
        expect("Session note 2" not in engagement.text, "a private note is shown to the client")
        expect(self.marker not in engagement.text, "the coach's private note is shown to the client")
        readers = browser.get("/engagements/my-file/who-has-read-it/")
        expect("Coach 001" in text_of(readers.text), "who has read my file does not name the coach")
        page = browser.get("/subject-access/")
        asked = browser.submit(page, action="/subject-access/new/")
        found = re.search(r"/subject-access/([0-9a-f-]{36})/", asked.url)
        expect(asked.status_code == 200 and found is not None, f"asking for a copy landed on {asked.url}")
        assert found is not None
        self.sar_id = found.group(1)

    # 5 ---------------------------------------------------------------------------------------
    def copy_made_in_the_background(self) -> None:
        expect(bool(self.sar_id), "no subject-access request to work on")
        page = self.admin.get(f"/subject-access/{self.sar_id}/")
        started = self.admin.submit(page, action="/start/")
        expect(started.status_code == 200, f"starting the copy answered {started.status_code}")
        deadline = time.monotonic() + 120
        while True:
            status = self.admin.get(f"/subject-access/{self.sar_id}/status/").json()
            if status["export_state"] == "built":
                break
            expect(status["export_state"] != "failed", f"the worker failed to make the copy: {status}")
            expect(time.monotonic() < deadline, f"the worker did not make the copy in 120s: {status}")
            time.sleep(1)
        # The administrator reads the copy before releasing it, and confirms it (issue 21).
        page = self.admin.get(f"/subject-access/{self.sar_id}/copy/")
        expect(page.status_code == 200, f"reading the copy answered {page.status_code}")
        released = self.admin.submit(page, {"reviewed": "on"}, action="/release/")
        expect(released.status_code == 200, f"releasing answered {released.status_code}")
        download = self.client.get(f"/subject-access/{self.sar_id}/download/")
        expect(download.status_code == 200, f"the client's download answered {download.status_code}")
        with zipfile.ZipFile(BytesIO(download.content)) as archive:
            names = archive.namelist()
        expect(any(name.endswith(".pdf") for name in names), f"the copy holds no PDF: {names}")
        expect(any(name.endswith(".json") for name in names), f"the copy holds no JSON: {names}")

    # 6 ---------------------------------------------------------------------------------------
    def sponsor_sees_what_was_released(self) -> None:
        sponsor = self.fx["sponsors"][0]
        browser = Browser(self.base, name="smoke-sponsor")
        dashboard = browser.sign_in(sponsor["email"], self.password)
        expect("SMOKE-0001" in dashboard.text, "the sponsor's dashboard does not list the engagement")
        pdf = browser.get(f"/engagements/reports/{sponsor['reports'][0]}/pdf/")
        expect(pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), f"report PDF answered {pdf.status_code}")
        note = self.fx["coaches"][0]["engagements"][0]["notes"][1]
        hidden = browser.get(f"/engagements/notes/{note}/")
        expect(hidden.status_code == 404, f"the coach's note answered {hidden.status_code} to the sponsor")
        engagement = browser.get(f"/engagements/{sponsor['engagements'][0]}/")
        expect(engagement.status_code == 200, f"sponsor's engagement page answered {engagement.status_code}")
        expect("Session note" not in engagement.text and self.marker not in engagement.text, "notes leak to sponsor")

    # 7 ---------------------------------------------------------------------------------------
    def lockouts_follow_the_forwarded_address(self) -> None:
        """Behind the proxy a lockout holds the person's address, not the proxy's: five wrong
        passwords from one address lock that address out, and the person signs in from another."""
        client = self.fx["clients"][-1]
        attacker = Browser(self.base, name="smoke-attacker", forwarded_for="203.0.113.66")
        for _ in range(5):  # AXES_FAILURE_LIMIT's default
            attacker.sign_in(client["email"], "not the password")
        locked = attacker.sign_in(client["email"], self.password)
        expect(locked.status_code == 429, f"the attacking address was not locked out ({locked.status_code})")
        person = Browser(self.base, name="smoke-person", forwarded_for="198.51.100.7")
        page = person.sign_in(client["email"], self.password)
        expect(page.url.endswith("/dashboard/"), f"the person was locked out from another address too ({page.url})")

    def audit_chain_intact(self) -> None:
        done = self.run.manage("verify_audit_chain", check=False)
        expect(done.returncode == 0, f"verify_audit_chain exited {done.returncode}: {done.stdout}{done.stderr}")

    def journeys(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("production posture and health", self.production_posture),
            ("first administrator sets up a second factor", self.first_administrator),
            ("coach signs in with a code and writes a note", self.coach_writes_a_note),
            ("client portal and request for a copy", self.client_portal),
            ("copy made by the worker, released, downloaded", self.copy_made_in_the_background),
            ("sponsor sees only what was released", self.sponsor_sees_what_was_released),
            ("a lockout holds the forwarded address only", self.lockouts_follow_the_forwarded_address),
            ("audit chain intact", self.audit_chain_intact),
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs, env file) and database")
    args = parser.parse_args(argv)
    started = time.monotonic()
    passed = failed = 0
    run = Run("prod-smoke", args.port, database_url=args.database_url, redis_url=args.redis_url, keep=args.keep)
    run.prepare()
    print(f"production run: {run.env_file} (release, then web + worker + beat on {run.base_url})", flush=True)
    try:
        run.start()
        print(f"  up in {time.monotonic() - started:.0f}s", flush=True)
        smoke = Smoke(run, run.fixtures("--coaches", "2", "--sponsors", "1", "--clients", "2"))
        for name, journey in smoke.journeys():
            began = time.monotonic()
            try:
                journey()
            except Exception as exc:
                failed += 1
                print(f"FAIL {name}: {exc}", flush=True)
                if not isinstance(exc, AssertionError):
                    traceback.print_exc()
            else:
                passed += 1
                print(f"ok   {name} ({time.monotonic() - began:.1f}s)", flush=True)
    except Exception as exc:
        failed += 1
        print(f"FAIL starting the production run: {exc}", flush=True)
    finally:
        for name in ("web", "worker", "beat"):
            if run.up and not run.alive(name):
                failed += 1
                print(f"FAIL {name} exited during the smoke test", flush=True)
        run.close(failed=failed > 0)
    print(f"smoke: {passed} passed, {failed} failed ({time.monotonic() - started:.0f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
