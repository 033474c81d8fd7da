"""The audit chain's key and its anchors outside the database (confidentiality/audit.py).

The key stops someone who can write to the database but does not hold it; the anchors stop what the
key cannot: a chain cut short with its head moved back, history rewritten by someone holding the
key, an older database put back without ``manage.py restore``.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from confidentiality import audit
from confidentiality.audit import (
    GENESIS,
    audit_anchor,
    audit_verify_chain,
    event_hash,
    head_mac,
    key_the_chain,
    read_anchors,
)
from confidentiality.models import AuditChainHead, AuditEvent
from tests.confidentiality.test_audit import attacker_link, make_events, tampering

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def anchor_lines(settings: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in settings.AUDIT_ANCHOR_JOURNAL.read_text().splitlines() if line]


def rewrite_with_the_key(first: AuditEvent, **change: Any) -> None:
    """History rewritten by someone holding the audit key: every later link recomputed properly."""
    with tampering():
        AuditEvent.objects.filter(pk=first.pk).update(**change)
        prev = first.prev_hash
        for event in AuditEvent.objects.filter(seq__gte=first.seq).order_by("seq"):
            event.prev_hash = prev
            event.hash = event_hash(event)
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
            prev = event.hash
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        AuditChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash, mac=head_mac(last.seq, last.hash))


def cut_the_tail_with_the_key(keep: int) -> None:
    """The last events removed and the head moved back to the one kept, its MAC made with the key
    (or as an older database restored by hand would have it)."""
    kept = AuditEvent.objects.get(seq=keep)
    with tampering():
        AuditEvent.objects.filter(seq__gt=keep).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=keep, hash=kept.hash, mac=head_mac(keep, kept.hash))


class TestTheKey:
    def test_every_new_link_is_made_under_the_first_audit_key(self, settings: Any) -> None:
        event = make_events(1)[0]
        assert event.key_id == audit.chain_keys()[0]
        assert event.hash != attacker_link(event)  # not a plain SHA-256 anyone could recompute
        head = AuditChainHead.objects.get(pk=1)
        assert head.mac.startswith(f"{event.key_id}:") and head.seq == event.seq

    def test_a_head_moved_back_to_an_earlier_event_is_found_without_any_anchor(self) -> None:
        events = make_events(4)
        with tampering():
            AuditEvent.objects.filter(pk=events[-1].pk).delete()
        # The head row copied from the event before: the attacker cannot make its MAC.
        AuditChainHead.objects.filter(pk=1).update(seq=events[-2].seq, hash=events[-2].hash)
        report = audit_verify_chain(anchor=False)
        assert not report.ok and "MAC" in report.reason

    def test_every_link_stripped_of_its_key_is_found(self) -> None:
        make_events(3)
        with tampering():
            prev = GENESIS
            for event in AuditEvent.objects.order_by("seq"):
                event.key_id, event.prev_hash = "", prev
                event.hash = attacker_link(event)
                AuditEvent.objects.filter(pk=event.pk).update(key_id="", prev_hash=prev, hash=event.hash)
                prev = event.hash
        AuditChainHead.objects.filter(pk=1).update(hash=prev, mac="")
        report = audit_verify_chain(anchor=False)
        assert not report.ok and "not made under a configured audit key" in report.reason

    def test_a_link_claiming_a_key_nobody_holds_is_found_where_it_is(self) -> None:
        events = make_events(4)
        with tampering():
            AuditEvent.objects.filter(pk=events[1].pk).update(key_id="z9", action="test.forged")
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq == events[1].seq and "'z9'" in report.reason

    def test_a_new_key_links_new_events_and_the_old_one_stays_to_verify_the_old(self, settings: Any) -> None:
        old_events = make_events(2)
        old, a9 = settings.AUDIT_CHAIN_KEYS_RAW, new_key("a9")
        settings.AUDIT_CHAIN_KEYS_RAW = f"{a9},{old}"
        new_events = make_events(2)
        assert {e.key_id for e in new_events} == {"a9"} and old_events[0].key_id != "a9"
        assert audit_verify_chain(anchor=False).ok
        # An event under the old key after the new one's: someone holding only the old key.
        with tampering():
            forged = AuditEvent.objects.get(pk=new_events[1].pk)
            forged.key_id = old_events[0].key_id
            forged.hash = event_hash(forged)
            AuditEvent.objects.filter(pk=forged.pk).update(key_id=forged.key_id, hash=forged.hash)
        AuditChainHead.objects.filter(pk=1).update(hash=forged.hash, mac=head_mac(forged.seq, forged.hash))
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq == forged.seq and "older key" in report.reason
        # An old key taken out of the setting leaves its events unverifiable: that is reported.
        settings.AUDIT_CHAIN_KEYS_RAW = a9
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq == old_events[0].seq and "not configured" in report.reason

    def test_a_chain_written_before_the_key_is_vouched_for_by_one_keyed_event(self) -> None:
        # As the database was before the chain was keyed: SHA-256 links and a head without a MAC.
        prev, now = GENESIS, timezone.now()
        for seq in (1, 2, 3):
            event = AuditEvent(seq=seq, created_at=now, actor_role="system", action="old.event", prev_hash=prev)
            event.hash = attacker_link(event)
            event.save(force_insert=True)
            prev = event.hash
        # (A transactional test before this one may have flushed the head row the migrations made.)
        AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": 3, "hash": prev, "mac": ""})
        assert not audit_verify_chain(anchor=False).ok  # nothing keyed vouches for it yet

        key_the_chain(AuditEvent, AuditChainHead)
        key_the_chain(AuditEvent, AuditChainHead)  # once only

        keyed = AuditEvent.objects.get(action="audit.chain_keyed")
        assert keyed.seq == 4 and keyed.detail == {"vouches_to": 3}
        assert audit_verify_chain(anchor=False).ok
        # An old event changed, and the old links after it recomputed: the keyed one tells.
        with tampering():
            first = AuditEvent.objects.get(seq=1)
            first.action = "old.forged"
            prev = GENESIS
            for event in AuditEvent.objects.filter(seq__lte=3).order_by("seq"):
                if event.seq == 1:
                    event.action = "old.forged"
                event.prev_hash = prev
                event.hash = attacker_link(event)
                AuditEvent.objects.filter(pk=event.pk).update(action=event.action, prev_hash=prev, hash=event.hash)
                prev = event.hash
        assert audit_verify_chain(anchor=False).first_bad_seq == 4


class TestAnchors:
    def test_verification_anchors_the_head_outside_the_database_once_it_holds(
        self, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        events = make_events(3)
        with django_capture_on_commit_callbacks(execute=True):
            report = audit_verify_chain()
        assert report.ok
        (line,) = anchor_lines(settings)
        assert (line["kind"], line["seq"], line["hash"]) == ("head", events[-1].seq, events[-1].hash)

        with django_capture_on_commit_callbacks(execute=True):
            assert audit_verify_chain().anchors == 1
        assert len(anchor_lines(settings)) == 2

    def test_a_broken_chain_is_not_anchored(self, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
        events = make_events(3)
        with tampering():
            AuditEvent.objects.filter(pk=events[1].pk).update(action="test.forged")
        with django_capture_on_commit_callbacks(execute=True):
            assert not audit_verify_chain().ok
        assert not settings.AUDIT_ANCHOR_JOURNAL.exists()

    def test_a_tail_cut_by_someone_holding_the_key_is_found_with_the_first_missing_event(self) -> None:
        make_events(5)
        audit_anchor()
        cut_the_tail_with_the_key(keep=3)
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq == 4
        assert "anchored" in report.reason and "manage.py restore" in report.reason

    def test_history_rewritten_by_someone_holding_the_key_is_found_at_the_first_anchor_it_passes(self) -> None:
        events = make_events(2)
        audit_anchor()  # at event 2
        events += make_events(3)
        audit_anchor()  # at event 5
        rewrite_with_the_key(events[3], action="test.forged")  # event 4
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq == 5 and "anchored" in report.reason
        rewrite_with_the_key(events[0], action="test.forged")  # event 1, before the first anchor
        assert audit_verify_chain(anchor=False).first_bad_seq == 2

    def test_a_restore_through_the_command_retires_the_anchors_past_what_it_put_back(self) -> None:
        make_events(5)
        audit_anchor()
        cut_the_tail_with_the_key(keep=3)  # as an older database put back
        assert not audit_verify_chain(anchor=False).ok
        audit_anchor(kind="restore")  # what manage.py restore writes
        assert audit_verify_chain(anchor=False).ok
        # The chain goes on from there with new events 4 and 5: no old anchor speaks against them.
        make_events(3)
        assert audit_verify_chain(anchor=False).ok

    def test_a_changed_or_forged_anchor_line_is_reported_and_not_used(self, settings: Any) -> None:
        make_events(4)
        audit_anchor()
        lines = anchor_lines(settings)
        forged = {**lines[0], "kind": "restore", "seq": 1}  # would retire the anchors after event 1
        settings.AUDIT_ANCHOR_JOURNAL.write_text("\n".join(json.dumps(x) for x in [lines[0], forged]) + "\n{not json\n")
        anchors, problems = read_anchors()
        assert [a.seq for a in anchors] == [4]
        assert problems == ["anchor journal line 2 is not authentic", "anchor journal line 3 cannot be read"]
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq is None and "not authentic" in report.reason

    @override_settings(DATA_PROTECTION_CONTACT_EMAIL="dpo@practice.example")
    def test_the_hourly_anchor_is_emailed_to_the_data_protection_contact_once_a_day(
        self, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from confidentiality.tasks import audit_anchor_task

        events = make_events(2)
        with django_capture_on_commit_callbacks(execute=True):
            audit_anchor_task.apply()
            audit_anchor_task.apply()
        lines = anchor_lines(settings)
        assert [line["emailed"] for line in lines] == [True, False]
        sent = [m for m in mail.outbox if m.to == ["dpo@practice.example"]]
        assert len(sent) == 1 and events[-1].hash in sent[0].body and f"event {events[-1].seq}" in sent[0].body
        # A day later, the next one is e-mailed again.
        with pytest.MonkeyPatch.context() as patch:
            later = timezone.now() + timedelta(hours=24)
            patch.setattr(audit.timezone, "now", lambda: later)
            with django_capture_on_commit_callbacks(execute=True):
                audit_anchor_task.apply()
        assert [line["emailed"] for line in anchor_lines(settings)] == [True, False, True]

    def test_the_hourly_anchor_refuses_a_head_whose_mac_does_not_hold(self, settings: Any) -> None:
        from confidentiality.tasks import audit_anchor_task

        make_events(2)
        AuditChainHead.objects.filter(pk=1).update(mac="a1:" + "0" * 64)
        audit_anchor_task.apply()
        assert not settings.AUDIT_ANCHOR_JOURNAL.exists()

    def test_a_sweep_anchors_the_head_with_its_deletions_in_it(
        self, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from retention.sweep import run_sweep

        settings.RETENTION_JOURNAL = tmp_path / "receipts.jsonl"
        with django_capture_on_commit_callbacks(execute=True):
            run_sweep()
        (line,) = anchor_lines(settings)
        swept = AuditEvent.objects.get(action="retention.sweep")
        assert (line["seq"], line["hash"]) == (swept.seq, swept.hash)


class TestAHeadMovedBack:
    """Events after the last anchor taken out, the head set back to the event before them with a
    MAC made up: the next ordinary event must not make that head authentic again."""

    def test_the_next_event_records_it_and_verification_keeps_reporting_it(self, settings: Any) -> None:
        events = make_events(3)
        audit_anchor()
        events += make_events(3)  # 4, 5, 6: the last one a download someone wants gone
        with tampering():
            AuditEvent.objects.filter(seq__gt=4).delete()
        AuditChainHead.objects.filter(pk=1).update(seq=4, hash=events[3].hash, mac="a1:" + "0" * 64)

        later = audit.audit_record(actor=None, action="note.read", object_type="engagements.note", object_id="n-2")

        flagged = AuditEvent.objects.get(action=audit.HEAD_NOT_AUTHENTIC)
        assert flagged.seq == 5 and flagged.detail == {"head_seq": 4, "last_seq": 4}
        assert later.seq == 6 and later.prev_hash == flagged.hash
        report = audit_verify_chain(anchor=False)
        assert not report.ok and report.first_bad_seq == 5 and "moved back or forged" in report.reason

    def test_such_a_head_is_never_anchored(self, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
        events = make_events(3)
        with tampering():
            AuditEvent.objects.filter(pk=events[-1].pk).delete()
        AuditChainHead.objects.filter(pk=1).update(seq=2, hash=events[1].hash, mac="a1:" + "0" * 64)
        with pytest.raises(audit.ChainBroken):
            audit_anchor()
        with django_capture_on_commit_callbacks(execute=True):
            audit.anchor_after_commit()
        assert not settings.AUDIT_ANCHOR_JOURNAL.exists()
