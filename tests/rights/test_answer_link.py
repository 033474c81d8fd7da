"""A single-use download link for a client without a portal sign-in (issue 21): e-mailed to the
address on file, it opens nothing alone (policy 003: shared electronically only where access can be
controlled): the download asks for a collection code the administrator is shown once and gives the
client another way. It works once, until it expires; wrong codes spend it; a new link ends the old."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as HttpClient
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from confidentiality.logredact import redact
from confidentiality.models import AuditEvent, Notice
from engagements.models import Client
from rights import links
from rights import services as sar
from rights.models import AnswerLink, SubjectAccessRequest
from tests.conftest import World
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

ADDRESS = "ottoline@example.net"
OUTCOME = "We corrected your telephone number to end 4471."
LINK = re.compile(r"https?://\S+/subject-access/collect/[^/\s]+/")
CODE = re.compile(r"\b(\d{4}) (\d{4})\b")


@pytest.fixture(autouse=True)
def queued(monkeypatch: Any) -> None:
    from rights.tasks import subject_access_export_task

    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: None)


@pytest.fixture
def no_login() -> Client:
    return ClientFactory(full_name="Ottoline Featherstonehaugh", user=None, contact_email=ADDRESS)


def answered(world: World, client: Client, right: str = "rectification") -> SubjectAccessRequest:
    request = sar.subject_access_request_open(
        actor=world.people["admin"],
        client=client,
        right=right,
        details="" if right == "access" else "My telephone number is wrong.",
        received_by="post",
        evidence="Signed letter; the signature matches the agreement.",
    )
    if right == "access":
        export = sar.subject_access_export_start(actor=world.people["admin"], request=request)
        assert sar.export_build(export_id=export.pk)
        request.refresh_from_db()
        sar.copy_for_review(actor=world.people["admin"], request=request)
        return sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
    return sar.right_answer(actor=world.people["admin"], request=request, outcome=OUTCOME)


def send(world: World, request: SubjectAccessRequest) -> tuple[str, str]:
    """The administrator sends the link from the request's page: (the e-mailed link, the code shown)."""
    before = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the e-mail goes as the write commits
        page = world.http("admin").post(reverse("subject_access:send_link", args=[request.pk]))
    assert page.status_code == 200, page.content.decode()[:2000]
    assert page["Cache-Control"] == "no-store"
    shown = CODE.search(page.content.decode())
    assert shown is not None
    (message,) = mail.outbox[before:]
    assert message.to == [ADDRESS]
    found = LINK.search(message.body)
    assert found is not None, message.body
    return found.group(0), shown.group(1) + shown.group(2)


def opened(link: str) -> HttpClient:
    """The client opens the link: it lands on the code page, with no secret left in the address."""
    browser = HttpClient()
    landing = browser.get(link)
    assert landing.status_code == 302 and landing["Location"] == reverse("subject_access:collect")
    return browser


class TestTheLink:
    def test_the_link_and_the_code_download_the_letter_once(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        link, code = send(world, request)
        message = mail.outbox[-1]
        # The e-mail holds the link and no content: not the code, not the answer.
        for text in (message.body, message.alternatives[0][0], message.subject):
            assert code not in text and code[:4] + " " + code[4:] not in text
            assert "corrected" not in text and "number is wrong" not in text
        # Neither the link nor the code is stored.
        token = link.rstrip("/").rsplit("/", 1)[1]
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM rights_answerlink")
            stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert token not in stored and code not in stored
        browser = opened(link)
        assert token not in str(dict(browser.session))  # only its hash waits in the session
        asked = browser.get(reverse("subject_access:collect"))
        assert asked.status_code == 200 and "Collection code" in asked.content.decode()
        assert OUTCOME not in asked.content.decode() and request.reference in asked.content.decode()
        wrong = browser.post(
            reverse("subject_access:collect"), {"code": "0000 000" + ("1" if code[-1] != "1" else "2")}
        )
        assert wrong.status_code == 400 and "4 tries left" in wrong.content.decode()
        letter = browser.post(reverse("subject_access:collect"), {"code": code[:4] + " " + code[4:]})
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
        assert letter.content.startswith(b"%PDF")
        sent = AnswerLink.objects.get()
        assert sent.used_at is not None and sent.failed_codes == 1
        assert AuditEvent.objects.filter(action="subject_access.link_sent", client_id=no_login.pk).exists()
        assert AuditEvent.objects.filter(action="subject_access.link_download", client_id=no_login.pk).exists()
        # Delivered: the administrators' to-do to post it is done.
        assert not Notice.objects.filter(about__startswith="subject_access.post", done_at__isnull=True).exists()
        # Once: the same link, and the same session, open nothing now.
        assert HttpClient().get(link).status_code == 404
        assert browser.post(reverse("subject_access:collect"), {"code": code}).status_code == 404
        page = world.http("admin").get(reverse("subject_access:detail", args=[request.pk])).content.decode()
        assert "downloaded" in page and "E-mail a download link" not in page

    def test_wrong_codes_spend_the_link_and_the_administrators_are_told(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        link, code = send(world, request)
        browser = opened(link)
        wrong = "1" * 8 if code != "1" * 8 else "2" * 8
        for left in (4, 3, 2, 1):
            response = browser.post(reverse("subject_access:collect"), {"code": wrong})
            assert response.status_code == 400 and f"{left} tr" in response.content.decode()
        last = browser.post(reverse("subject_access:collect"), {"code": wrong})
        assert last.status_code == 404 and "too many times" in last.content.decode()
        # Spent: now even the right code opens nothing.
        assert opened_or_refused(link) == 404
        spent = AnswerLink.objects.get()
        assert spent.ended_at is not None and spent.used_at is None and spent.failed_codes == links.CODE_ATTEMPTS
        told = Notice.objects.filter(user=world.people["admin"], text__contains="wrong collection codes")
        assert told.exists() and code not in told.first().text  # type: ignore[union-attr]
        assert AuditEvent.objects.filter(action="subject_access.link_spent", client_id=no_login.pk).exists()

    def test_a_new_link_ends_the_earlier_one(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        first, first_code = send(world, request)
        second, second_code = send(world, request)
        assert opened_or_refused(first) == 404
        browser = opened(second)
        assert browser.post(reverse("subject_access:collect"), {"code": second_code}).status_code == 200
        old, new = AnswerLink.objects.order_by("created_at")
        assert old.ended_at is not None and "newer link" in old.ended_because and new.used_at is not None

    def test_an_expired_link_opens_nothing(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        link, code = send(world, request)
        browser = opened(link)
        AnswerLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        assert browser.post(reverse("subject_access:collect"), {"code": code}).status_code == 404
        assert AnswerLink.objects.get().used_at is None

    def test_a_copy_is_collected_within_its_own_download_period(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login, right="access")
        export = sar.export_of(request)
        assert export is not None and export.expires_at is not None
        link, code = send(world, request)
        assert AnswerLink.objects.get().expires_at <= export.expires_at
        assert "your copy" in mail.outbox[-1].body
        browser = opened(link)
        copy = browser.post(reverse("subject_access:collect"), {"code": code})
        assert copy.status_code == 200 and copy["Content-Type"] == "application/zip"
        assert b"".join(copy.streaming_content).startswith(b"PK")  # type: ignore[attr-defined]

    def test_a_copy_past_its_download_period_is_not_sent(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login, right="access")
        type(sar.export_of(request)).objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        response = world.http("admin").post(reverse("subject_access:send_link", args=[request.pk]))
        assert response.status_code == 400 and "download period is over" in response.content.decode()
        assert not AnswerLink.objects.exists()


def opened_or_refused(link: str) -> int:
    return int(HttpClient().get(link).status_code)


class TestRefused:
    def test_only_for_an_answered_request_of_a_client_without_a_sign_in_with_an_address(
        self, world: World, no_login: Client
    ) -> None:
        admin = world.http("admin")
        signed_in = sar.subject_access_request_open(actor=world.people["client"], right="objection", details="Stop.")
        open_one = sar.subject_access_request_open(
            actor=world.people["admin"],
            client=no_login,
            right="erasure",
            details="Delete it.",
            received_by="telephone",
            evidence="Called from the number on file.",
        )
        no_address = ClientFactory(user=None, contact_email="")
        without = answered(world, no_address)
        for request, reason in (
            (signed_in, "through their sign-in"),
            (open_one, "not answered yet"),
            (without, "no e-mail address"),
        ):
            response = admin.post(reverse("subject_access:send_link", args=[request.pk]))
            assert response.status_code == 400 and reason in response.content.decode()
        assert not AnswerLink.objects.exists() and not [m for m in mail.outbox if "collect" in m.body]

    def test_nobody_but_the_administrator_sends_one(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        for persona in ("coach", "client", "sponsor", "auditor"):
            assert world.http(persona).post(reverse("subject_access:send_link", args=[request.pk])).status_code == 404
            assert (
                world.api(persona).post(f"/api/v1/subject-access-requests/{request.pk}/send-link/").status_code == 404
            )
        assert not AnswerLink.objects.exists()

    def test_an_unknown_link_and_an_empty_session_open_nothing(self) -> None:
        assert HttpClient().get(reverse("subject_access:collect_link", args=["x" * 43])).status_code == 404
        assert HttpClient().get(reverse("subject_access:collect")).status_code == 404
        assert HttpClient().post(reverse("subject_access:collect"), {"code": "12345678"}).status_code == 404


def test_the_link_never_reaches_a_log_line() -> None:
    line = 'GET /subject-access/collect/Zx9-secret_Token/ HTTP/1.1" 302'
    assert "Zx9-secret_Token" not in redact(line) and "/subject-access/collect/[redacted]/" in redact(line)


def test_the_api_sends_it_and_marks_a_posted_answer(world: World, no_login: Client) -> None:
    request = answered(world, no_login)
    api = world.api("admin")
    with TestCase.captureOnCommitCallbacks(execute=True):
        made = api.post(f"/api/v1/subject-access-requests/{request.pk}/send-link/")
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    code = made.json()["collection_code"].replace(" ", "")
    assert len(code) == links.CODE_DIGITS and code not in mail.outbox[-1].body
    assert made.json()["expires_at"]
    other = answered(world, ClientFactory(user=None))
    posted = api.post(f"/api/v1/subject-access-requests/{other.pk}/posted/")
    assert posted.status_code == 200 and posted.json()["posted_at"]
    again = api.post(f"/api/v1/subject-access-requests/{other.pk}/posted/")
    assert again.status_code == 400


class TestFoundInReview:
    def test_the_right_code_in_full_width_digits_is_the_right_code(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        link, code = send(world, request)
        wide = "".join(chr(0xFF10 + int(d)) for d in code)  # as some keyboards type digits
        letter = opened(link).post(reverse("subject_access:collect"), {"code": wide})
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"

    def test_the_letter_does_not_send_a_client_without_a_sign_in_to_a_portal(
        self, world: World, no_login: Client
    ) -> None:
        import io

        from pypdf import PdfReader

        request = answered(world, no_login)
        link, code = send(world, request)
        letter = opened(link).post(reverse("subject_access:collect"), {"code": code})
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(letter.content)).pages)
        assert "your portal" not in text and "we record your complaint for you" in text

    def test_no_link_once_the_answer_was_posted(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        sar.subject_access_mark_posted(actor=world.people["admin"], request=request)
        refused = world.api("admin").post(f"/api/v1/subject-access-requests/{request.pk}/send-link/")
        assert refused.status_code == 400 and not AnswerLink.objects.exists()

    def test_a_dead_links_hash_leaves_the_session(self, world: World, no_login: Client) -> None:
        request = answered(world, no_login)
        link, _ = send(world, request)
        browser = opened(link)
        AnswerLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        assert browser.get(reverse("subject_access:collect")).status_code == 404
        assert "answer_link" not in browser.session
