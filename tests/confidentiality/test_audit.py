from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from confidentiality import audit
from confidentiality.audit import audit_record, audit_verify_chain
from confidentiality.models import AuditChainHead, AuditEvent

# Also run on SQLite (CI's embedded pass): the audit chain and its append-only triggers.
pytestmark = pytest.mark.embedded


@contextmanager
def tampering() -> Iterator[None]:
    """Lift the append-only triggers, as an attacker with database access could."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE confidentiality_auditevent DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE confidentiality_auditevent ENABLE TRIGGER USER")
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS confidentiality_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS confidentiality_auditevent_no_delete")
        yield  # the test transaction's rollback restores them


def make_events(n: int) -> list[AuditEvent]:
    return [audit_record(actor=None, action="test.event", object_type="test", object_id=str(i)) for i in range(n)]


def verify_command() -> str:
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class TestAuditChain:
    def test_it_verifies_an_untouched_chain(self) -> None:
        make_events(5)
        report = audit_verify_chain()
        assert report.ok and report.checked == 5
        assert "5 events verified" in verify_command()

    def test_it_detects_an_edited_row(self) -> None:
        events = make_events(5)
        with tampering():
            AuditEvent.objects.filter(pk=events[2].pk).update(action="test.innocent")
        report = audit_verify_chain()
        assert not report.ok and report.first_bad_seq == events[2].seq
        with pytest.raises(CommandError, match=f"seq {events[2].seq}"):
            verify_command()

    def test_it_detects_a_deleted_row(self) -> None:
        events = make_events(5)
        with tampering():
            AuditEvent.objects.filter(pk=events[1].pk).delete()
        report = audit_verify_chain()
        assert not report.ok and report.first_bad_seq == events[2].seq
        assert "missing" in report.reason

    def test_it_detects_the_last_row_deleted(self) -> None:
        events = make_events(4)
        with tampering():
            AuditEvent.objects.filter(pk=events[-1].pk).delete()
        report = audit_verify_chain()
        assert not report.ok
        assert "head" in report.reason

    def test_it_detects_reordered_rows(self) -> None:
        events = make_events(5)
        a, b = events[1], events[3]
        with tampering():
            # Swap the two events' positions: each keeps its own content and hash.
            AuditEvent.objects.filter(pk=a.pk).update(seq=-1)
            AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
            AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
        report = audit_verify_chain()
        assert not report.ok and report.first_bad_seq == a.seq

    def test_it_detects_a_rewritten_row_with_a_recomputed_hash(self) -> None:
        from confidentiality.audit import event_hash

        events = make_events(4)
        forged = AuditEvent.objects.get(pk=events[1].pk)
        forged.action = "test.forged"
        forged.hash = event_hash(forged)
        with tampering():
            AuditEvent.objects.filter(pk=forged.pk).update(action=forged.action, hash=forged.hash)
        report = audit_verify_chain()
        assert not report.ok and report.first_bad_seq == events[2].seq

    def test_the_table_refuses_update_and_delete(self) -> None:
        event = make_events(1)[0]
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="changed")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.get(pk=event.pk).action == "test.event"

    def test_it_refuses_free_text_in_details(self) -> None:
        with pytest.raises(ValueError, match="too long"):
            audit_record(actor=None, action="test", detail={"note": "x" * 500})


@pytest.mark.django_db
class TestBatchAppend:
    def test_a_batch_keeps_the_chain_whole(self) -> None:
        from confidentiality.audit import audit_record_many

        make_events(2)
        audit_record_many(
            actor=None, action="test.batch", object_type="test", items=[{"object_id": i} for i in range(5)]
        )
        make_events(1)
        report = audit_verify_chain()
        assert report.ok and report.checked == 8


@pytest.mark.django_db
class TestRequestReads:
    """Issue 23: a request's reads are linked together when its view is done, in one append."""

    def read_twice(self) -> None:
        from confidentiality.audit import audit_record_many

        audit_record(actor=None, action="note.read", object_type="engagements.note", object_id="n-1")
        audit_record_many(
            actor=None, action="client.read", object_type="engagements.client", items=[{"object_id": "c-1"}]
        )

    def test_it_links_every_read_of_a_request_in_one_append(self) -> None:
        from django.test.utils import CaptureQueriesContext

        # The chain's first event of a database makes its head: measured after one, as a running practice's.
        audit_record(actor=None, action="note.read", object_type="engagements.note", object_id="n-first")
        with CaptureQueriesContext(connection) as one_read, audit.request_reads_linked_together():
            audit_record(actor=None, action="note.read", object_type="engagements.note", object_id="n-0")
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as two_reads, audit.request_reads_linked_together():
            self.read_twice()
        assert AuditEvent.objects.count() == before + 2
        assert len(two_reads.captured_queries) == len(one_read.captured_queries) <= 3
        assert audit_verify_chain(anchor=False).ok

    def test_the_reads_wait_for_the_view_to_be_done(self) -> None:
        before = AuditEvent.objects.count()
        with audit.request_reads_linked_together():
            self.read_twice()
            assert AuditEvent.objects.count() == before
        assert list(AuditEvent.objects.order_by("-seq").values_list("object_id", flat=True)[:2]) == ["c-1", "n-1"]

    def test_it_links_a_read_when_the_view_fails(self) -> None:
        before = AuditEvent.objects.count()
        with pytest.raises(RuntimeError), audit.request_reads_linked_together():
            self.read_twice()
            raise RuntimeError("the page failed after reading")
        assert AuditEvent.objects.count() == before + 2

    def test_an_event_inside_a_transaction_is_linked_at_once_and_goes_with_its_rollback(self) -> None:
        before = AuditEvent.objects.count()
        with audit.request_reads_linked_together():
            with transaction.atomic():
                audit_record(actor=None, action="note.create", object_type="engagements.note", object_id="n-2")
            assert AuditEvent.objects.count() == before + 1
            with pytest.raises(RuntimeError), transaction.atomic():
                audit_record(actor=None, action="note.create", object_type="engagements.note", object_id="n-3")
                raise RuntimeError("the write was refused")
        assert AuditEvent.objects.count() == before + 1
        assert not AuditEvent.objects.filter(object_id="n-3").exists()

    def test_a_page_is_not_answered_when_its_reads_cannot_be_linked(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from django.http import HttpResponse

        def broken(*args: object, **kwargs: object) -> list[AuditEvent]:
            raise DatabaseError("the audit table refused the row")

        def view(request: object) -> HttpResponse:
            self.read_twice()
            return HttpResponse("what was read")

        middleware = audit.AuditReadsMiddleware(view)  # type: ignore[arg-type]
        monkeypatch.setattr(audit, "_append", broken)
        with pytest.raises(DatabaseError):
            middleware(object())  # type: ignore[arg-type]


def attacker_link(event: AuditEvent) -> str:
    """The link someone who can write to the database can compute: a SHA-256 of the event's fields
    and the link before it (they have the code, not the audit key)."""
    return hashlib.sha256(audit._canonical(event)).hexdigest()


def remove_and_relink(removed: AuditEvent, *, unkeyed: bool) -> None:
    """The careful attack: take one event out, renumber the ones after it, recompute every later
    link and the head, so that no number is missing and every link follows the one before."""
    with tampering():
        AuditEvent.objects.filter(pk=removed.pk).delete()
        prev = removed.prev_hash
        for event in AuditEvent.objects.filter(seq__gt=removed.seq).order_by("seq"):
            event.seq -= 1
            event.prev_hash = prev
            fields = ["seq", "prev_hash", "hash"]
            if unkeyed and getattr(event, "key_id", ""):
                event.key_id = ""  # passed off as written before the chain was keyed
                fields.append("key_id")
            event.hash = attacker_link(event)
            AuditEvent.objects.filter(pk=event.pk).update(**{f: getattr(event, f) for f in fields})
            prev = event.hash
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        AuditChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)


@pytest.mark.django_db
class TestTheCarefulAttack:
    """Someone with the application's database rights removes the record that a coach read a note
    and recomputes everything after it. Without the audit key, the chain tells."""

    @pytest.mark.parametrize("unkeyed", [False, True], ids=["keeping-the-key-id", "passed-off-as-unkeyed"])
    def test_a_removed_read_with_every_later_link_recomputed_is_found(self, unkeyed: bool) -> None:
        make_events(3)
        read = audit_record(actor=None, action="note.read", object_type="engagements.note", object_id="n-1")
        make_events(3)
        assert audit_verify_chain().ok

        remove_and_relink(read, unkeyed=unkeyed)

        assert not AuditEvent.objects.filter(action="note.read").exists()
        report = audit_verify_chain()
        assert not report.ok
        assert report.first_bad_seq == read.seq  # the first event whose link was recomputed
        with pytest.raises(CommandError, match=f"seq {read.seq}"):
            verify_command()
