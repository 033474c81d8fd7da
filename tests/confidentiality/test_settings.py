"""Strict parsing: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from confidentiality import env

# Also run on SQLite (CI's embedded pass): the embedded default's settings and start-up.
pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[2]


class TestEnvParsing:
    def test_it_parses_booleans_strictly(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("X_FLAG", "yes")
        assert env.env_bool("X_FLAG", False) is True
        monkeypatch.setenv("X_FLAG", "Off")
        assert env.env_bool("X_FLAG", True) is False
        monkeypatch.setenv("X_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
            env.env_bool("X_FLAG", False)

    def test_it_parses_integers_with_bounds(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("X_NUM", "12")
        assert env.env_int("X_NUM", 1, minimum=1, maximum=20) == 12
        monkeypatch.setenv("X_NUM", "twelve")
        with pytest.raises(ImproperlyConfigured, match="X_NUM must be a whole number"):
            env.env_int("X_NUM", 1)
        monkeypatch.setenv("X_NUM", "0")
        with pytest.raises(ImproperlyConfigured, match="X_NUM must be at least 1"):
            env.env_int("X_NUM", 1, minimum=1)

    def test_it_refuses_empty_list_items(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("X_HOSTS", "a.example,,b.example")
        with pytest.raises(ImproperlyConfigured, match="X_HOSTS"):
            env.env_list("X_HOSTS", [])

    def test_it_reads_secrets_from_a_file(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        secret = tmp_path / "secret"
        secret.write_text("from-a-file\n")
        monkeypatch.setenv("X_SECRET_FILE", str(secret))
        assert env.env_str("X_SECRET") == "from-a-file"
        monkeypatch.setenv("X_SECRET", "also-set")
        with pytest.raises(ImproperlyConfigured, match="X_SECRET or X_SECRET_FILE"):
            env.env_str("X_SECRET")

    def test_it_refuses_unknown_database_schemes(self) -> None:
        os.environ["X_DB"] = "mysql://root@localhost/db"
        try:
            with pytest.raises(ImproperlyConfigured, match="X_DB"):
                env.env_database_url("X_DB", "sqlite:///x")
        finally:
            del os.environ["X_DB"]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    # A minimal environment, as a production host would have: nothing from the test run leaks in.
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    base.update(
        {
            "DEPLOYMENT": "production",
            "SECRET_KEY": "p" * 20 + "roduction-secret-key-that-is-long-enough-0123456789",
            "FIELD_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(b"\x01" * 32).decode(),
            "AUDIT_CHAIN_KEYS": "a1:" + base64.urlsafe_b64encode(b"\x02" * 32).decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "ALLOWED_HOSTS": "practice.example",
            "SITE_URL": "https://practice.example",
            "VAR_DIR": str(tmp_path / "var"),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
        }
    )
    base.update(overrides)
    return {k: v for k, v in base.items() if v != ""}


def run_manage(env_vars: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env_vars, capture_output=True, text=True, timeout=120
    )


class TestStartup:
    @pytest.mark.parametrize(
        "missing",
        ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "AUDIT_CHAIN_KEYS", "ALLOWED_HOSTS", "SITE_URL", "FORWARDED_ALLOW_IPS"],
    )
    def test_production_refuses_to_start_without(self, tmp_path: Path, missing: str) -> None:
        result = run_manage(production_env(tmp_path, **{missing: ""}), "check")
        assert result.returncode != 0
        assert f"{missing} must be set" in result.stderr

    @pytest.mark.parametrize(
        ("variable", "value"),
        [("DEBUG", "perhaps"), ("SESSION_IDLE_SECONDS", "soon"), ("REDIS_URL", "http://x"), ("DEPLOYMENT", "staging")],
    )
    def test_a_bad_value_names_its_variable(self, tmp_path: Path, variable: str, value: str) -> None:
        result = run_manage(production_env(tmp_path, **{variable: value}), "check")
        assert result.returncode != 0
        assert variable in result.stderr

    def test_check_deploy_is_clean_with_production_settings(self, tmp_path: Path) -> None:
        result = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout

    def test_the_embedded_broker_keeps_every_file_under_var(self, tmp_path: Path) -> None:
        """kombu's filesystem transport defaults its exchange table to ``control/`` in the working
        directory; the embedded default keeps it under ``VAR_DIR`` with the queue."""
        env_vars = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "DEPLOYMENT": "embedded",
            "VAR_DIR": str(tmp_path / "var"),
        }
        code = (
            "from django.conf import settings; import json; print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS))"
        )
        result = run_manage(env_vars, "shell", "-c", code)
        assert result.returncode == 0, result.stderr
        folders = {
            k: v
            for k, v in json.loads(result.stdout.splitlines()[-1]).items()
            if k.endswith(("folder", "folder_in", "folder_out"))
        }
        assert set(folders) == {"data_folder_in", "data_folder_out", "processed_folder", "control_folder"}
        for folder in folders.values():
            assert Path(folder).is_relative_to(tmp_path / "var")


def embedded_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    base.update({"DEPLOYMENT": "embedded", "VAR_DIR": str(tmp_path / "var")})
    base.update(overrides)
    return {k: v for k, v in base.items() if v != ""}


class TestEmailSettings:
    """Issue 16, item 5: production printed every e-mail (reset and feedback links, single-use
    secrets) to the process log when EMAIL_BACKEND was not set; the embedded default printed them too."""

    @pytest.mark.parametrize(
        "backend",
        [
            "",
            "django.core.mail.backends.console.EmailBackend",
            "django.core.mail.backends.locmem.EmailBackend",
            "django.core.mail.backends.dummy.EmailBackend",
            "django.core.mail.backends.filebased.EmailBackend",
            "confidentiality.outbox.OutboxEmailBackend",
        ],
    )
    def test_production_refuses_to_start_without_a_backend_that_delivers(self, tmp_path: Path, backend: str) -> None:
        result = run_manage(production_env(tmp_path, EMAIL_BACKEND=backend), "check")
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and "EMAIL_BACKEND" in result.stderr

    def test_production_delivers_through_the_outbox_with_the_backend_it_names(self, tmp_path: Path) -> None:
        code = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_DELIVERY_BACKEND)"
        result = run_manage(production_env(tmp_path), "shell", "-c", code)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1].split() == [
            "confidentiality.outbox.OutboxEmailBackend",
            "django.core.mail.backends.smtp.EmailBackend",
        ]

    def test_the_embedded_default_refuses_to_print_mail_to_the_log(self, tmp_path: Path) -> None:
        result = run_manage(
            embedded_env(tmp_path, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"), "check"
        )
        assert result.returncode != 0 and "EMAIL_BACKEND" in result.stderr

    @pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="the embedded default's own mail runs in CI's SQLite pass"
    )
    def test_the_embedded_default_writes_mail_to_var_mail_and_none_of_it_to_the_log(self, tmp_path: Path) -> None:
        """The whole way, as ``make run`` has it: a reset link sent, stored in the outbox, delivered
        by the task (eagerly here) through the file backend into var/mail/; the log holds none of it."""
        secret = "https://127.0.0.1:8000/accounts/password/reset/key/7-SeCrEtKeY0123/"
        code = (
            "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
            "import logging; logging.getLogger('confidentiality').setLevel(logging.DEBUG)\n"
            "from django.core.mail import send_mail\n"
            f"send_mail('Password reset', 'Open {secret}', None, ['client@example.org'])\n"
            "from confidentiality.models import OutgoingEmail\n"
            "print('status', OutgoingEmail.objects.get().status)\n"
        )
        result = run_manage(embedded_env(tmp_path, CELERY_TASK_ALWAYS_EAGER="true"), "shell", "-c", code)
        assert result.returncode == 0, result.stderr
        assert "status sent" in result.stdout
        log = result.stdout + result.stderr
        assert "SeCrEtKeY0123" not in log and "client@example.org" not in log and "Password reset" not in log
        files = list((tmp_path / "var" / "mail").iterdir())
        assert len(files) == 1
        written = files[0].read_text()
        assert secret in written and "client@example.org" in written
