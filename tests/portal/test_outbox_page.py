"""The administrator's outbox: every e-mail the practice sent or tried to send, with its recipient,
subject, state, attempts and the kind of the last error, never its body; a failed one can be sent
again from here (issue 16, item 5). Nobody else can see the page or act on it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.urls import reverse

from confidentiality import outbox as outbox_services
from confidentiality.models import AuditEvent, OutgoingEmail
from tests.confidentiality.outbox_helpers import LOCMEM, REFUSING, Outbox, enable_outbox
from tests.conftest import PERSONAS, World

pytestmark = pytest.mark.django_db

SECRET = "https://practice.example/feedback/give/SeCrEtToKeN-never-shown/"


@pytest.fixture
def outbox(world: World, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    """After the world is built: its set-up mail went to locmem, and is cleared."""
    return enable_outbox(settings, monkeypatch)


def failed_message(settings: Any, to: str = "ada@example.net") -> OutgoingEmail:
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 1
    send_mail("Coaching practice: a request for your feedback", f"Answer here: {SECRET}", None, [to])
    email = OutgoingEmail.objects.order_by("-created_at").first()
    assert email is not None
    outbox_services.outbox_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    return email


class TestTheOutboxPage:
    def test_it_lists_messages_with_their_state_and_error_but_never_a_body(
        self, world: World, outbox: Outbox, settings: Any
    ) -> None:
        failed_message(settings)
        send_mail("Coaching practice: something needs your attention", "Sign in", None, ["coach@example.org"])
        outbox_services.outbox_deliver(email_id=OutgoingEmail.objects.get(status="queued").pk)
        page = world.http("admin").get(reverse("outbox"))
        assert page.status_code == 200
        html = page.content.decode()
        assert "ada@example.net" in html and "Coaching practice: a request for your feedback" in html
        assert "SMTPRecipientsRefused" in html and "Failed" in html
        assert "coach@example.org" in html and "Sent" in html
        assert "SeCrEtToKeN" not in html and "Answer here" not in html
        assert reverse("outbox_resend", args=[OutgoingEmail.objects.get(status="failed").pk]) in html

    def test_it_does_not_say_who_was_asked_for_feedback(
        self, world: World, outbox: Outbox, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        """A feedback source is known to the coach alone (the administrator: "third-party feedback: none")."""
        from feedback import services as feedback_services

        settings.EMAIL_DELIVERY_BACKEND = REFUSING
        with django_capture_on_commit_callbacks(execute=True):
            feedback_services.feedback_request_create(
                actor=world.people["coach"],
                engagement=world.engagement,
                kind="category",
                source_category="peer",
                prompt="What does Sam do well?",
                sources=[feedback_services.NewSource(email="ada.source@example.net", name="Ada Source")],
            )
        outbox.deliver()
        html = world.http("admin").get(reverse("outbox")).content.decode()
        assert "a request for your feedback" in html and "hidden: a person asked for feedback" in html
        assert "ada.source" not in html and "Ada Source" not in html

    def test_it_costs_the_same_queries_for_many_messages(
        self, world: World, outbox: Outbox, settings: Any, django_assert_max_num_queries: Any
    ) -> None:
        for n in range(30):
            send_mail("Subject", "Body", None, [f"p{n}@example.org"])
        browser = world.http("admin")
        with django_assert_max_num_queries(10):
            assert browser.get(reverse("outbox")).status_code == 200

    def test_it_can_show_only_the_failed_ones(self, world: World, outbox: Outbox, settings: Any) -> None:
        failed_message(settings)
        send_mail("Fine", "Body", None, ["fine@example.org"])
        html = world.http("admin").get(reverse("outbox"), {"status": "failed"}).content.decode()
        assert "ada@example.net" in html and "fine@example.org" not in html

    @pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("admin", "anonymous")])
    def test_nobody_else_sees_it(self, world: World, outbox: Outbox, settings: Any, persona: str) -> None:
        failed_message(settings)
        assert world.http(persona).get(reverse("outbox")).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, world: World) -> None:
        response = world.http("anonymous").get(reverse("outbox"))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_the_administrators_navigation_links_to_it_and_no_one_elses(self, world: World) -> None:
        href = f'href="{reverse("outbox")}"'
        assert href in world.http("admin").get(reverse("dashboard")).content.decode()
        for persona in ("coach", "client", "sponsor", "auditor", "superuser"):
            assert href not in world.http(persona).get(reverse("dashboard")).content.decode()


class TestResendButton:
    def test_the_administrator_sends_a_failed_message_again(
        self, world: World, outbox: Outbox, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        email = failed_message(settings)
        outbox.woken.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = world.http("admin").post(reverse("outbox_resend", args=[email.pk]))
        assert (response.status_code, response["Location"]) == (302, reverse("outbox"))
        assert AuditEvent.objects.filter(action="email.resend", object_id=str(email.pk)).exists()
        assert outbox.deliver() == 1
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.SENT and email.sealed_message == ""
        assert [m.to for m in mail.outbox] == [["ada@example.net"]] and SECRET in mail.outbox[0].body

    def test_a_message_already_sent_is_not_sent_twice(self, world: World, outbox: Outbox) -> None:
        send_mail("Subject", "Body", None, ["someone@example.org"])
        email = OutgoingEmail.objects.get()
        outbox_services.outbox_deliver(email_id=email.pk)
        response = world.http("admin").post(reverse("outbox_resend", args=[email.pk]), follow=True)
        assert "Only a message that failed can be sent again" in response.content.decode()
        assert outbox.deliver() == 0 and len(mail.outbox) == 1

    @pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("admin", "anonymous")])
    def test_nobody_else_can_press_it(self, world: World, outbox: Outbox, settings: Any, persona: str) -> None:
        email = failed_message(settings)
        outbox.woken.clear()
        assert world.http(persona).post(reverse("outbox_resend", args=[email.pk])).status_code == 404
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.FAILED and not outbox.woken
        assert not AuditEvent.objects.filter(action="email.resend").exists()

    def test_it_does_nothing_on_get(self, world: World, outbox: Outbox, settings: Any) -> None:
        email = failed_message(settings)
        assert world.http("admin").get(reverse("outbox_resend", args=[email.pk])).status_code == 405
