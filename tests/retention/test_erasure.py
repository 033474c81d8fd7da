"""An erasure is carried out when it is answered (issue 21; UK GDPR art. 17): through the retention
engine, with receipts in the database and the journal, keys destroyed, and a letter that says what
went and what stays and why. What the law lets the practice keep stays; the client's own record
follows a month later, so that they can read the letter."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import DataKey, User
from disclosures.models import Disclosure
from engagements.models import Client, Engagement, Note
from finance.models import Invoice
from retention import services as retention_services
from retention.models import DeletionReceipt
from retention.sweep import run_sweep
from rights import services as sar
from rights.models import SubjectAccessRequest
from tests.conftest import World
from tests.finance.conftest import make_invoice
from tests.retention.test_retention import closed_on, filled

pytestmark = pytest.mark.django_db

ERASE = "Please delete everything you hold about me: Quillfeather."
ANSWER = "We have erased your information as the law allows."


@pytest.fixture(autouse=True)
def _storage_and_journal(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.RETENTION_JOURNAL = tmp_path / "journal" / "receipts.jsonl"


def erasure(world: World) -> SubjectAccessRequest:
    return sar.subject_access_request_open(actor=world.people["client"], right="erasure", details=ERASE)


def answer(world: World, request: SubjectAccessRequest) -> SubjectAccessRequest:
    return sar.right_answer(actor=world.people["admin"], request=request, outcome=ANSWER)


class TestCarryingOut:
    def test_it_deletes_a_closed_engagement_with_its_keys_and_receipts_and_says_so(
        self, world: World, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        engagement, note, _document = filled(world)
        invoice = make_invoice(world.people["admin"], world.organisation, engagement=engagement)
        closed_on(engagement, timezone.localdate())
        key_id = engagement.data_key_id
        with django_capture_on_commit_callbacks(execute=True):  # the journal is written once it commits
            request = answer(world, erasure(world))
        assert not Engagement.objects.filter(pk=engagement.pk).exists()
        assert not Note.objects.filter(pk=note.pk).exists()
        assert not DataKey.objects.filter(pk=key_id).exists()
        # Financial records stay five years, detached from the engagement they named.
        kept = Invoice.objects.get(pk=invoice.pk)
        assert kept.engagement_id is None and kept.gross == invoice.gross
        receipts = {r.kind: r for r in DeletionReceipt.objects.filter(rule="erasure")}
        assert str(engagement.pk) in receipts["engagements.engagement"].object_ids
        assert str(note.pk) in receipts["engagements.note"].object_ids
        journal = [json.loads(line) for line in Path(settings.RETENTION_JOURNAL).read_text().splitlines()]
        assert any(e["rule"] == "erasure" and str(engagement.pk) in e["ids"] for e in journal)
        request.refresh_from_db()
        assert request.state == "completed" and request.outcome.startswith(ANSWER)
        assert "1 engagements" in request.outcome and "1 notes" in request.outcome
        assert "Invoices, with their payments and credit notes (1)" in request.outcome
        assert "five years" in request.outcome
        client = Client.objects.get(pk=engagement.client_id)
        assert client.erased_at is not None
        assert "sign-in are deleted on" in request.outcome
        # The client still reads the letter until their own record goes.
        letter = world.http("client").get(reverse("subject_access:letter", args=[request.pk]))
        assert letter.status_code == 200

    def test_the_clients_own_record_goes_a_month_later_and_their_sign_in_closes(
        self, world: World, settings: Any
    ) -> None:
        engagement = closed_on(world.engagement, timezone.localdate())
        client_id, user = engagement.client_id, world.people["client"]
        answer(world, erasure(world))
        run_sweep(as_of=timezone.localdate() + datetime.timedelta(days=settings.RETENTION_ERASED_CLIENT_DAYS - 1))
        assert Client.objects.filter(pk=client_id).exists()
        later = timezone.localdate() + datetime.timedelta(days=settings.RETENTION_ERASED_CLIENT_DAYS)
        with time_machine.travel(timezone.make_aware(datetime.datetime.combine(later, datetime.time(12)))):
            run_sweep(as_of=later)
        assert not Client.objects.filter(pk=client_id).exists()
        assert not SubjectAccessRequest.objects.filter(client_id=client_id).exists()
        user = User.objects.get(pk=user.pk)
        assert not user.is_active and not user.has_usable_password()
        assert DeletionReceipt.objects.filter(rule="erased_client_record", kind="engagements.client").exists()

    def test_it_keeps_an_engagement_in_progress_and_the_clients_record_with_it(self, world: World) -> None:
        request = answer(world, erasure(world))
        assert Engagement.objects.filter(pk=world.engagement.pk).exists()
        assert "Engagements still in progress (1)" in request.outcome
        assert "kept while the records above are" in request.outcome
        assert "nothing could be deleted yet" in request.outcome

    def test_it_keeps_an_engagement_under_a_legal_hold(self, world: World) -> None:
        engagement = closed_on(world.engagement, timezone.localdate())
        retention_services.hold_place(
            actor=world.people["admin"], target=engagement, case_reference="Claim 2026/7", reason="Tribunal"
        )
        request = answer(world, erasure(world))
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        assert "Legal holds (1)" in request.outcome

    def test_it_keeps_an_engagement_with_a_disclosure_made_under_the_law(self, world: World) -> None:
        from tests.disclosures.test_concerns import danger_up_to_disclosure, take

        concern = danger_up_to_disclosure(world, supervisor=world.people["other_coach"])
        made = take(world, concern, "disclosure", "")
        assert made.basis == Disclosure.Basis.SERIOUS_DANGER
        engagement = closed_on(world.engagement, timezone.localdate())
        request = answer(world, erasure(world))
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        assert "Disclosures made under a legal requirement or in serious danger (1)" in request.outcome

    def test_a_refused_erasure_deletes_nothing(self, world: World) -> None:
        engagement = closed_on(world.engagement, timezone.localdate())
        request = erasure(world)
        sar.subject_access_refuse(actor=world.people["admin"], request=request, reason="Not you, it seems.")
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        assert Client.objects.get(pk=engagement.client_id).erased_at is None

    def test_the_api_answer_carries_it_out_too(self, world: World) -> None:
        engagement = closed_on(world.engagement, timezone.localdate())
        request = erasure(world)
        url = f"/api/v1/subject-access-requests/{request.pk}/answer/"
        response = world.api("admin").post(url, {"outcome": ANSWER}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert not Engagement.objects.filter(pk=engagement.pk).exists()
        assert "What we deleted" in response.json()["outcome"]


class TestFoundInReview:
    """What an attacker's review of the first version found: each was a fault then."""

    def test_an_engagement_with_an_open_complaint_stays_with_its_evidence(self, world: World) -> None:
        from complaints.services import complaint_lodge

        complaint_lodge(
            actor=world.people["client"], about="shared", body="My notes were shown.", engagement=world.engagement
        )
        engagement = closed_on(world.engagement, timezone.localdate())
        request = answer(world, erasure(world))
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        assert "Open complaints (1)" in request.outcome

    def test_an_engagement_with_an_open_concern_stays(self, world: World) -> None:
        from tests.disclosures.test_concerns import start

        start(world)
        engagement = closed_on(world.engagement, timezone.localdate())
        request = answer(world, erasure(world))
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        assert "Open concerns about someone's safety or the law (1)" in request.outcome

    def test_what_was_kept_goes_once_it_closes_and_a_restore_cannot_bring_a_testimonial_back(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        from retention.reapply import reapply
        from testimonials.models import Testimonial
        from testimonials.services import testimonial_create

        item = testimonial_create(
            actor=world.people["admin"],
            client=world.client_record,
            kind="testimonial",
            text="Quillfeather changed how I lead.",
            used_in="Website",
        )
        with django_capture_on_commit_callbacks(execute=True):
            answer(world, erasure(world))  # the engagement is in progress: it stays, the testimonial goes
        assert Engagement.objects.filter(pk=world.engagement.pk).exists()
        assert not Testimonial.objects.filter(pk=item.pk).exists()
        # A backup restored: the testimonial row is back, and the journal deletes it again.
        item.save(force_insert=True)
        assert Testimonial.objects.filter(pk=item.pk).exists()
        with django_capture_on_commit_callbacks(execute=True):
            reapply()
        assert not Testimonial.objects.filter(pk=item.pk).exists()
        # The engagement closes: the next sweep finishes the erasure, not two years later.
        engagement = closed_on(world.engagement, timezone.localdate())
        run_sweep(as_of=timezone.localdate())
        assert not Engagement.objects.filter(pk=engagement.pk).exists()
        assert DeletionReceipt.objects.filter(rule="erased_client_engagements").exists()


def test_a_breach_keeps_the_record_it_names_until_closed_and_then_only_that_they_were_told(world: World) -> None:
    """Art. 33(5), 34: the register keeps that someone was told; their own record waits for an open breach."""
    from django.utils import timezone as tz

    from complaints import letters
    from complaints import services as complaint_services
    from complaints.models import Breach, BreachAffected

    admin = world.people["admin"]
    breach = complaint_services.breach_record(
        actor=admin,
        discovered_at=tz.now() - datetime.timedelta(hours=1),
        what_happened="A laptop left on a train.",
        information_involved="Session notes.",
        people_affected="One client.",
    )
    named = letters.breach_affected_add(actor=admin, breach=breach, client=world.client_record)
    engagement = closed_on(world.engagement, timezone.localdate())
    answer(world, erasure(world))
    assert not Engagement.objects.filter(pk=engagement.pk).exists()
    later = timezone.localdate() + datetime.timedelta(days=40)
    run_sweep(as_of=later)
    assert Client.objects.filter(pk=world.client_record.pk).exists()  # the open breach names them
    Breach.objects.filter(pk=breach.pk).update(status=Breach.Status.CLOSED, closed_at=tz.now())
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(later, datetime.time(12)))):
        run_sweep(as_of=later)
    assert not Client.objects.filter(pk=world.client_record.pk).exists()
    kept = BreachAffected.objects.get(pk=named.pk)
    assert kept.client_id is None and kept.breach_id == breach.pk
    page = world.http("admin").get(reverse("complaints:breach_detail", args=[breach.pk]))
    assert page.status_code == 200 and "A record since deleted" in page.content.decode()
