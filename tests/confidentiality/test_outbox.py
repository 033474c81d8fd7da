"""Every e-mail goes through the outbox: stored sealed in the transaction that sends it, delivered by
a worker with retries, a failure left for the administrator to see and send again, nothing of a
message in a log, and no code that drops a failed send (issue 16, item 5)."""

from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import send_mail
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from confidentiality import outbox as outbox_services
from confidentiality import tasks
from confidentiality.models import AuditEvent, Notice, OutgoingEmail
from confidentiality.notify import notify
from confidentiality.schedules import SCHEDULES
from feedback import services as feedback_services
from tests.confidentiality.outbox_helpers import REFUSING, Outbox, enable_outbox
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
RESET_LINK = re.compile(r"/accounts/password/reset/key/\S+/")


@pytest.fixture
def outbox(world: World, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    """After the world is built: its set-up mail went to locmem, and is cleared."""
    return enable_outbox(settings, monkeypatch)


def stored_text(email: OutgoingEmail) -> str:
    """Everything the row holds, as a dump of the table would show it."""
    return " ".join(str(getattr(email, f.attname)) for f in OutgoingEmail._meta.concrete_fields)


class TestNoSilentFailures:
    def test_no_source_file_passes_fail_silently_true(self) -> None:
        offenders = []
        for path in ROOT.rglob("*.py"):
            relative = path.relative_to(ROOT)
            if relative.parts[0] in {".venv", "var", "tests", ".git"}:
                continue
            if re.search(r"fail_silently\s*=\s*True", path.read_text(encoding="utf-8")):
                offenders.append(str(relative))
        assert not offenders, offenders

    def test_the_project_sends_every_message_through_the_outbox(self) -> None:
        # Django's test set-up swaps EMAIL_BACKEND for locmem; the settings module itself says what runs.
        from confidentiality import settings as project_settings

        assert project_settings.EMAIL_BACKEND == "confidentiality.outbox.OutboxEmailBackend"
        assert project_settings.EMAIL_DELIVERY_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
        assert Path(project_settings.EMAIL_FILE_PATH) == Path(project_settings.VAR_DIR) / "mail"

    def test_a_schedule_wakes_the_messages_that_are_due(self) -> None:
        assert "confidentiality.tasks.outbox_wake_due_task" in {s.task for s in SCHEDULES}


@pytest.mark.django_db
class TestWhatGoesIntoTheOutbox:
    def test_a_password_reset_mail_waits_sealed_then_the_worker_delivers_it(
        self, world: World, outbox: Outbox, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = HttpClient().post(reverse("account_reset_password"), {"email": "client@example.org"})
        assert response.status_code == 302
        assert not mail.outbox  # stored, not yet sent
        email = OutgoingEmail.objects.get()
        assert email.status == OutgoingEmail.Status.QUEUED
        assert [woken for woken, _ in outbox.woken] == [str(email.pk)]
        # Sealed at rest: neither the address nor the link is in the row.
        assert "client@example.org" not in stored_text(email)
        assert "/accounts/password/reset/key/" not in stored_text(email)

        assert outbox.deliver() == 1
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["client@example.org"]
        assert RESET_LINK.search(mail.outbox[0].body)
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.SENT and email.attempts == 1 and email.sent_at is not None
        assert email.sealed_message == ""  # the secret is gone once it is delivered

    def test_a_notice_mail_is_stored_once_its_write_commits_and_never_if_it_rolls_back(
        self, world: World, outbox: Outbox, django_capture_on_commit_callbacks: Any
    ) -> None:
        client = world.people["client"]
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(users=[client], text="Something happened", link="/dashboard/")
            raise RuntimeError("the write failed")
        assert not OutgoingEmail.objects.exists() and not outbox.woken

        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[client], text="A report is ready for you", link="/dashboard/")
        email = OutgoingEmail.objects.get()
        assert outbox.woken == [(str(email.pk), None)]
        outbox.deliver()
        assert [m.to for m in mail.outbox] == [[client.email]]
        assert "/dashboard/" in mail.outbox[0].body

    def test_a_feedback_link_goes_through_the_outbox(
        self, world: World, outbox: Outbox, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            _, issued = feedback_services.feedback_request_create(
                actor=world.people["coach"],
                engagement=world.engagement,
                kind="category",
                source_category="peer",
                prompt="What does Sam do well?",
                sources=[feedback_services.NewSource(email="ada@example.net", name="Ada")],
            )
        (_, token), email = issued[0], OutgoingEmail.objects.get()
        assert token not in stored_text(email) and "ada@example.net" not in stored_text(email)
        outbox.deliver()
        assert token in mail.outbox[0].body and mail.outbox[0].to == ["ada@example.net"]
        # The outbox's own mark (recipients hidden from its page) does not travel with the message.
        assert not {k.lower() for k in mail.outbox[0].extra_headers} & {"x-outbox-hide-recipients"}
        assert "X-Outbox" not in mail.outbox[0].message().as_string()

    def test_a_duplicate_wake_up_sends_once(self, world: World, outbox: Outbox) -> None:
        send_mail("Subject", "Body", None, ["someone@example.org"])
        email = OutgoingEmail.objects.get()
        assert outbox_services.outbox_deliver(email_id=email.pk) is True
        assert outbox_services.outbox_deliver(email_id=email.pk) is False
        assert len(mail.outbox) == 1

    def test_a_message_keeps_its_sender_copies_and_alternatives(self, world: World, outbox: Outbox) -> None:
        from django.core.mail import EmailMultiAlternatives

        message = EmailMultiAlternatives(
            "Hello", "Plain", "from@example.org", ["to@example.org"], cc=["cc@example.org"], reply_to=["r@example.org"]
        )
        message.attach_alternative("<p>Rich</p>", "text/html")
        message.send()
        outbox_services.outbox_deliver(email_id=OutgoingEmail.objects.get().pk)
        sent = mail.outbox[0]
        assert (sent.subject, sent.body, sent.from_email) == ("Hello", "Plain", "from@example.org")
        assert (sent.to, sent.cc, sent.reply_to) == (["to@example.org"], ["cc@example.org"], ["r@example.org"])
        assert [tuple(a) for a in sent.alternatives] == [("<p>Rich</p>", "text/html")]


@pytest.mark.django_db
class TestFailedDelivery:
    def test_it_retries_with_backoff_then_leaves_the_message_failed_for_the_administrator(
        self, world: World, outbox: Outbox, settings: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        settings.EMAIL_DELIVERY_BACKEND = REFUSING
        settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 3
        secret_link = "https://practice.example/accounts/password/reset/key/abc-SECRETKEY123/"
        send_mail("Reset your password", f"Open {secret_link}", None, ["client@example.org"])
        email = OutgoingEmail.objects.get()
        delays = []
        with caplog.at_level(logging.DEBUG):
            for attempt in (1, 2, 3):
                with time_machine.travel(email.next_attempt_at, tick=False):
                    outbox.woken.clear()
                    assert outbox_services.outbox_deliver(email_id=email.pk) is False
                email.refresh_from_db()
                assert email.attempts == attempt
                assert email.last_error == "SMTPRecipientsRefused"
                if attempt < 3:
                    assert email.status == OutgoingEmail.Status.QUEUED
                    # The worker is woken again when the next attempt is due; the row says when.
                    [(woken, countdown)] = outbox.woken
                    assert woken == str(email.pk) and countdown is not None and countdown > 0
                    delays.append(email.next_attempt_at)
        assert email.status == OutgoingEmail.Status.FAILED
        assert email.sealed_message != ""  # kept, so that it can be sent again
        assert delays[1] - delays[0] > datetime.timedelta(minutes=1)  # backing off
        assert not mail.outbox
        # The administrators are told on their dashboard (not by e-mail: mail is what is failing).
        assert Notice.objects.filter(user=world.people["admin"], link=reverse("outbox")).exists()
        assert OutgoingEmail.objects.count() == 1
        # Nothing of the message (its link, its address, its subject) reached the log.
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert str(email.pk) in logged
        assert "SECRETKEY123" not in logged and "client@example.org" not in logged and "Reset" not in logged

    def test_a_message_not_yet_due_is_not_sent_early(self, world: World, outbox: Outbox, settings: Any) -> None:
        settings.EMAIL_DELIVERY_BACKEND = REFUSING
        send_mail("Subject", "Body", None, ["someone@example.org"])
        email = OutgoingEmail.objects.get()
        outbox_services.outbox_deliver(email_id=email.pk)
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert outbox_services.outbox_deliver(email_id=email.pk) is False  # a duplicate wake-up, too early
        with time_machine.travel(OutgoingEmail.objects.get().next_attempt_at, tick=False):
            assert outbox_services.outbox_deliver(email_id=email.pk) is True
        assert len(mail.outbox) == 1

    def test_the_periodic_task_deletes_failed_messages_after_their_time(
        self, world: World, outbox: Outbox, settings: Any
    ) -> None:
        settings.EMAIL_DELIVERY_BACKEND = REFUSING
        settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 1
        send_mail("Subject", "Body", None, ["someone@example.org"])
        email = OutgoingEmail.objects.get()
        outbox_services.outbox_deliver(email_id=email.pk)
        days = settings.EMAIL_OUTBOX_KEEP_FAILED_DAYS
        with time_machine.travel(email.created_at + datetime.timedelta(days=days, seconds=-1), tick=False):
            tasks.outbox_wake_due_task()
        assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED).exists()  # the day before
        with time_machine.travel(email.created_at + datetime.timedelta(days=days, seconds=1), tick=False):
            tasks.outbox_wake_due_task()
        assert not OutgoingEmail.objects.exists()

    def test_the_periodic_task_wakes_due_and_abandoned_messages_and_purges_old_sent_ones(
        self, world: World, outbox: Outbox, settings: Any
    ) -> None:
        for n in range(3):
            send_mail("Subject", "Body", None, [f"p{n}@example.org"])
        due, abandoned, sent = OutgoingEmail.objects.order_by("created_at")
        outbox_services.outbox_deliver(email_id=sent.pk)
        now = timezone.now()
        # A worker claimed this one and died mid-send.
        OutgoingEmail.objects.filter(pk=abandoned.pk).update(
            status=OutgoingEmail.Status.SENDING, claimed_at=now - datetime.timedelta(hours=1)
        )
        outbox.woken.clear()
        with time_machine.travel(now + datetime.timedelta(minutes=5), tick=False):
            tasks.outbox_wake_due_task()
        assert sorted(w for w, _ in outbox.woken) == sorted([str(due.pk), str(abandoned.pk)])
        assert outbox.deliver() == 2
        assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count() == 3
        # Sent messages are kept for a while (the administrator sees them), then deleted.
        with time_machine.travel(now + datetime.timedelta(days=settings.EMAIL_OUTBOX_KEEP_SENT_DAYS + 1), tick=False):
            tasks.outbox_wake_due_task()
        assert not OutgoingEmail.objects.exists()


@pytest.mark.django_db
class TestResend:
    def failed(self, settings: Any) -> OutgoingEmail:
        settings.EMAIL_DELIVERY_BACKEND = REFUSING
        settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 1
        send_mail("Subject", "Body", None, ["someone@example.org"])
        email = OutgoingEmail.objects.get()
        outbox_services.outbox_deliver(email_id=email.pk)
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.FAILED
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        return email

    def test_the_administrator_sends_a_failed_message_again_and_it_is_audited(
        self, world: World, outbox: Outbox, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        email = self.failed(settings)
        outbox.woken.clear()
        with django_capture_on_commit_callbacks(execute=True):
            outbox_services.outbox_resend(actor=world.people["admin"], email=email)
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.QUEUED and email.attempts == 0
        assert AuditEvent.objects.filter(action="email.resend", object_id=str(email.pk)).exists()
        assert outbox.deliver() == 1
        assert [m.to for m in mail.outbox] == [["someone@example.org"]]

    @pytest.mark.parametrize("persona", ["coach", "client", "sponsor", "auditor", "superuser"])
    def test_no_one_else_may(self, world: World, outbox: Outbox, settings: Any, persona: str) -> None:
        from django.core.exceptions import PermissionDenied

        email = self.failed(settings)
        with pytest.raises(PermissionDenied):
            outbox_services.outbox_resend(actor=world.people[persona], email=email)
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.FAILED

    def test_only_a_failed_message_is_sent_again(self, world: World, outbox: Outbox) -> None:
        from django.core.exceptions import ValidationError

        send_mail("Subject", "Body", None, ["someone@example.org"])
        email = OutgoingEmail.objects.get()
        outbox_services.outbox_deliver(email_id=email.pk)
        email.refresh_from_db()
        with pytest.raises(ValidationError):
            outbox_services.outbox_resend(actor=world.people["admin"], email=email)
        assert len(mail.outbox) == 1
