"""Retention: the schedule covers every record, sweeps delete on the day and not before, holds
stop them, receipts prove them, and a restored backup cannot bring deleted files back."""

from __future__ import annotations

import datetime
import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from confidentiality.models import AuditEvent, DataKey, Notice, User
from confidentiality.records import record_label
from confidentiality.roles import Role
from engagements import services
from engagements.models import Client, Document, Engagement, Note
from people.models import PolicyDocument
from retention import services as retention_services
from retention import sweep as sweep_module
from retention.models import DeletionReceipt, LegalHold, RetentionSweep, SweepLease
from retention.schedule import KEPT, RULES, add_years, covered_kinds, latest_anchor
from retention.sweep import preview, run_sweep
from tests.conftest import PERSONAS, World
from tests.factories import ClientFactory, EngagementFactory, UserFactory

# Also run on SQLite (CI's embedded pass): the sweep's SQL, leases and triggers.
pytestmark = pytest.mark.embedded

NOTE_TEXT = "Private: Thaddeus spoke about the merger and his health"
DOC_BYTES = b"%PDF-1.4\n% assessment of Thaddeus\n%%EOF\n"


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


def closed_on(engagement: Engagement, day: datetime.date) -> Engagement:
    """Close the engagement as of ``day`` (midday local time)."""
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))), tick=False):
        services.engagement_close(actor=None, engagement=engagement)
    engagement.refresh_from_db()
    return engagement


def filled(world: World, engagement: Engagement | None = None) -> tuple[Engagement, Note, Document]:
    engagement = engagement or world.engagement
    coach = world.people["coach"]
    note = services.note_create(actor=coach, engagement=engagement, body=NOTE_TEXT)
    document = services.document_upload(actor=coach, engagement=engagement, name="thaddeus.pdf", content=DOC_BYTES)
    return engagement, note, document


class TestSchedule:
    def test_every_kind_of_record_has_a_rule(self) -> None:
        covered = covered_kinds()
        missing = sorted(record_label(m) for m in apps.get_models() if record_label(m) not in covered)
        assert missing == [], f"No retention rule for: {', '.join(missing)}"

    def test_kept_kinds_are_not_also_deleted_by_a_rule(self) -> None:
        deleted = {kind for rule in RULES for kind in rule.plan().kinds()}
        assert not (deleted & set(KEPT)) - {"confidentiality.datakey"}

    @pytest.mark.parametrize(
        ("anchor", "years", "due"),
        [
            (datetime.date(2024, 3, 10), 2, datetime.date(2026, 3, 10)),
            (datetime.date(2024, 2, 29), 2, datetime.date(2026, 3, 1)),  # never early
            (datetime.date(2024, 2, 29), 4, datetime.date(2028, 2, 29)),
            (datetime.date(2021, 12, 31), 5, datetime.date(2026, 12, 31)),
        ],
    )
    def test_anniversaries(self, anchor: datetime.date, years: int, due: datetime.date) -> None:
        assert add_years(anchor, years) == due
        assert latest_anchor(due, years) >= anchor
        assert latest_anchor(due - datetime.timedelta(days=1), years) < anchor


@pytest.mark.django_db
class TestBoundaries:
    @pytest.mark.parametrize(
        ("closed", "as_of", "deleted"),
        [
            (datetime.date(2024, 3, 10), datetime.date(2026, 3, 9), False),  # the day before
            (datetime.date(2024, 3, 10), datetime.date(2026, 3, 10), True),  # the day
            (datetime.date(2024, 3, 10), datetime.date(2026, 3, 11), True),  # the day after
            (datetime.date(2024, 2, 29), datetime.date(2026, 2, 28), False),  # from 29 February
            (datetime.date(2024, 2, 29), datetime.date(2026, 3, 1), True),
        ],
    )
    def test_engagement_files_go_two_years_after_closing(
        self, world: World, closed: datetime.date, as_of: datetime.date, deleted: bool
    ) -> None:
        engagement, note, _ = filled(world)
        closed_on(engagement, closed)
        run_sweep(as_of=as_of)
        assert Engagement.objects.filter(pk=engagement.pk).exists() is not deleted
        assert Note.objects.filter(pk=note.pk).exists() is not deleted

    def test_the_period_is_a_setting(self, world: World, settings: Any) -> None:
        engagement, _, _ = filled(world)
        closed_on(engagement, datetime.date(2024, 3, 10))
        settings.RETENTION_ENGAGEMENT_YEARS = 3
        run_sweep(as_of=datetime.date(2026, 3, 10))
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        run_sweep(as_of=datetime.date(2027, 3, 10))
        assert not Engagement.objects.filter(pk=engagement.pk).exists()

    def test_an_open_engagement_is_never_swept(self, world: World) -> None:
        filled(world)
        run_sweep(as_of=datetime.date(2099, 1, 1))
        assert Engagement.objects.filter(pk=world.engagement.pk).exists()
        assert Note.objects.filter(engagement=world.engagement).count() == 1


@pytest.mark.django_db
class TestDeletion:
    def test_everything_of_the_engagement_goes_with_its_files_and_key(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        from consent.models import Agreement, Signature

        engagement, note, document = filled(world)
        key_id = engagement.data_key_id
        assert default_storage.exists(document.blob_name)
        assert Agreement.objects.filter(engagement=engagement).exists()
        closed_on(engagement, datetime.date(2024, 1, 15))
        with django_capture_on_commit_callbacks(execute=True):  # the journal is written once a batch commits
            outcome = run_sweep(as_of=datetime.date(2026, 1, 15))
        assert not default_storage.exists(document.blob_name)
        assert not DataKey.objects.filter(pk=key_id).exists()
        assert not Agreement.objects.filter(engagement_id=engagement.pk).exists()
        assert not Signature.objects.filter(agreement__engagement_id=engagement.pk).exists()
        assert outcome.deleted["engagements.note"] == 1 and outcome.deleted["engagements.engagement"] == 1
        receipts = {r.kind: r for r in DeletionReceipt.objects.all()}
        assert receipts["engagements.note"].object_ids == [str(note.pk)]
        assert receipts["engagements.document"].object_ids == [str(document.pk)]
        # Receipts, the journal and the audit trail name ids only: no names, no content.
        journal = Path(sweep_module.settings.RETENTION_JOURNAL).read_text()
        dumped = json.dumps([r.object_ids + [r.kind, r.rule] for r in receipts.values()]) + journal
        for secret in ("Thaddeus", "Samira", "thaddeus.pdf", world.people["client"].email):
            assert secret not in dumped
        event = AuditEvent.objects.get(action="retention.sweep")
        assert "Thaddeus" not in json.dumps(event.detail)
        # The other organisation's engagement is untouched.
        assert Engagement.objects.filter(pk=world.other_engagement.pk).exists()

    def test_the_client_goes_once_nothing_of_theirs_remains_and_their_login_is_closed(self, world: World) -> None:
        engagement, _, _ = filled(world)
        client_pk, user_pk = world.client_record.pk, world.people["client"].pk
        closed_on(engagement, datetime.date(2024, 1, 15))
        Client.objects.filter(pk=client_pk).update(created_at=timezone.now() - datetime.timedelta(days=3 * 365))
        run_sweep(as_of=datetime.date(2026, 1, 15))
        assert not Client.objects.filter(pk=client_pk).exists()
        user = User.objects.get(pk=user_pk)
        assert not user.is_active and user.email.endswith("@deleted.invalid") and user.display_name == ""
        assert not user.has_usable_password()

    def test_a_client_with_an_engagement_or_an_open_complaint_stays(self, world: World) -> None:
        from complaints.models import Complaint

        Client.objects.update(created_at=timezone.now() - datetime.timedelta(days=5 * 365))
        run_sweep(as_of=timezone.localdate())
        assert Client.objects.filter(pk=world.client_record.pk).exists()  # has engagements
        from complaints.services import complaint_lodge

        lonely_user = UserFactory(role=Role.CLIENT)
        lonely = ClientFactory(full_name="Una Lonely", user=lonely_user)
        Client.objects.filter(pk=lonely.pk).update(created_at=timezone.now() - datetime.timedelta(days=5 * 365))
        complaint_lodge(actor=lonely_user, about=Complaint.About.values[0], body="About my file")
        run_sweep(as_of=timezone.localdate())
        assert Client.objects.filter(pk=lonely.pk).exists()  # an open complaint keeps the client

    def test_a_closed_breach_goes_five_years_later_with_its_key(self, world: World) -> None:
        from complaints.models import Breach
        from complaints.services import breach_record

        breach = breach_record(
            actor=world.people["admin"],
            discovered_at=timezone.now() - datetime.timedelta(hours=1),
            what_happened="A laptop was left on a train",
            information_involved="Session notes of one client",
            people_affected="One client",
        )
        closed = timezone.make_aware(datetime.datetime(2021, 4, 1, 12))
        Breach.objects.filter(pk=breach.pk).update(status=Breach.Status.CLOSED, closed_at=closed)
        run_sweep(as_of=datetime.date(2026, 3, 31))
        assert Breach.objects.filter(pk=breach.pk).exists()
        run_sweep(as_of=datetime.date(2026, 4, 1))
        assert not Breach.objects.filter(pk=breach.pk).exists()
        assert not DataKey.objects.filter(pk=breach.data_key_id).exists()

    def test_paper_still_held_or_due_back_keeps_the_engagement(self, world: World) -> None:
        from engagements.models import HardCopy

        engagement, _, _ = filled(world)
        paper = services.hard_copy_record(
            actor=world.people["coach"],
            engagement=engagement,
            description="Printed 360 pack",
            location="Cabinet B",
            received_on=datetime.date(2023, 5, 1),
        )
        closed_on(engagement, datetime.date(2024, 1, 15))
        run_sweep(as_of=datetime.date(2026, 6, 1))
        assert Engagement.objects.filter(pk=engagement.pk).exists()  # the paper is due back
        HardCopy.objects.filter(pk=paper.pk).update(state=HardCopy.State.RETURNED)
        run_sweep(as_of=datetime.date(2026, 6, 1))
        assert not Engagement.objects.filter(pk=engagement.pk).exists()

    def test_old_notices_go(self, world: World) -> None:
        Notice.objects.create(user=world.people["coach"], text="A report awaits", link="/")
        Notice.objects.update(created_at=timezone.now() - datetime.timedelta(days=400))
        run_sweep(as_of=timezone.localdate())
        assert not Notice.objects.exists()


@pytest.mark.django_db
class TestHolds:
    @pytest.mark.parametrize("scope", ["engagement", "client", "organisation"])
    def test_a_hold_keeps_everything_under_it_until_released(self, world: World, scope: str) -> None:
        engagement, note, _ = filled(world)
        closed_on(engagement, datetime.date(2024, 1, 15))
        target = {"engagement": engagement, "client": world.client_record, "organisation": world.organisation}[scope]
        admin = world.people["admin"]
        hold = retention_services.hold_place(actor=admin, target=target, case_reference="Claim 114", reason="Tribunal")
        second = retention_services.hold_place(actor=admin, target=engagement, case_reference="Claim 2", reason="Audit")
        run_sweep(as_of=datetime.date(2026, 6, 1))
        assert Note.objects.filter(pk=note.pk).exists()
        assert preview(datetime.date(2026, 6, 1))["rules"][0]["held"] == 1
        retention_services.hold_release(actor=admin, hold=hold, reason="Settled")
        run_sweep(as_of=datetime.date(2026, 6, 1))
        assert Note.objects.filter(pk=note.pk).exists()  # the second hold still stands
        retention_services.hold_release(actor=admin, hold=second, reason="Done")
        run_sweep(as_of=datetime.date(2026, 6, 1))
        assert not Note.objects.filter(pk=note.pk).exists()
        hold.refresh_from_db()
        assert hold.held_id == str(target.pk)  # the case record outlives what it held

    def test_bad_holds_are_refused_and_change_nothing(self, world: World) -> None:
        from django.core.exceptions import PermissionDenied, ValidationError

        admin = world.people["admin"]
        with pytest.raises(ValidationError):
            retention_services.hold_place(actor=admin, target=world.engagement, case_reference=" ", reason="x")
        with pytest.raises(ValidationError):
            retention_services.hold_place(actor=admin, target=world.people["coach"], case_reference="C", reason="x")
        with pytest.raises(PermissionDenied):
            retention_services.hold_place(
                actor=world.people["coach"], target=world.engagement, case_reference="C", reason="x"
            )
        assert not LegalHold.objects.exists()
        hold = retention_services.hold_place(actor=admin, target=world.engagement, case_reference="C", reason="x")
        retention_services.hold_release(actor=admin, hold=hold, reason="done")
        with pytest.raises(ValidationError, match="already released"):
            retention_services.hold_release(actor=admin, hold=hold, reason="again")


@pytest.mark.django_db
class TestRobustness:
    def _three_due(self, world: World) -> list[Engagement]:
        engagements = [world.engagement] + [
            EngagementFactory(
                organisation=world.organisation,
                coaches=[world.people["coach"]],
                sponsors=[world.people["sponsor"]],
                client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
            )
            for _ in range(2)
        ]
        for engagement in engagements:
            filled(world, engagement)
            closed_on(engagement, datetime.date(2024, 1, 15))
        return engagements

    def test_a_second_run_deletes_nothing_more(self, world: World) -> None:
        self._three_due(world)
        first = run_sweep(as_of=datetime.date(2026, 2, 1), batch_size=2)
        receipts = DeletionReceipt.objects.count()
        second = run_sweep(as_of=datetime.date(2026, 2, 1), batch_size=2)
        assert first.deleted["engagements.engagement"] == 3
        assert sum(second.deleted.values()) == 0 and DeletionReceipt.objects.count() == receipts

    def test_a_sweep_started_while_another_runs_skips_and_touches_nothing(self, world: World) -> None:
        import uuid

        self._three_due(world)
        SweepLease.objects.create(pk=1, holder=uuid.uuid4(), held_until=timezone.now() + datetime.timedelta(minutes=5))
        outcome = run_sweep(as_of=datetime.date(2026, 2, 1))
        assert outcome.sweep.state == RetentionSweep.State.SKIPPED
        assert Engagement.objects.filter(status="closed").count() == 3
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
            assert run_sweep(as_of=datetime.date(2026, 2, 1)).deleted["engagements.engagement"] == 3

    def test_a_sweep_killed_part_way_is_finished_by_the_next(self, world: World, monkeypatch: Any) -> None:
        engagements = self._three_due(world)
        other_note = Note.objects.filter(engagement=world.other_engagement).count()

        def killed() -> None:
            raise SystemExit("killed")

        monkeypatch.setattr(sweep_module, "after_batch_hook", killed)
        monkeypatch.setattr(sweep_module, "_give_back_lease", lambda holder: None)  # a kill releases nothing
        with pytest.raises(SystemExit):
            run_sweep(as_of=datetime.date(2026, 2, 1), batch_size=1)
        assert Engagement.objects.filter(pk__in=[e.pk for e in engagements]).count() == 2  # one batch committed
        monkeypatch.undo()
        assert run_sweep(as_of=datetime.date(2026, 2, 1)).sweep.state == "skipped"  # the dead sweep's lease
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
            outcome = run_sweep(as_of=datetime.date(2026, 2, 1))
        assert outcome.deleted["engagements.engagement"] == 2
        assert not Engagement.objects.filter(pk__in=[e.pk for e in engagements]).exists()
        assert Note.objects.filter(engagement=world.other_engagement).count() == other_note
        assert RetentionSweep.objects.filter(state="failed").count() == 1
        ids = [i for r in DeletionReceipt.objects.filter(kind="engagements.engagement") for i in r.object_ids]
        assert sorted(ids) == sorted(str(e.pk) for e in engagements)  # each deleted once, each receipted


def _snapshot(tables: list[str]) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            out[table] = (columns, cursor.fetchall())
    return out


def _restore(snapshot: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    """Put rows back as a restored backup would (parents first)."""
    with connection.cursor() as cursor:
        for table, (columns, rows) in snapshot.items():
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            if not rows:
                continue
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})", rows)


@pytest.mark.django_db
class TestRestore:
    def test_a_restore_followed_by_reapply_cannot_bring_files_back(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        engagement, note, document = filled(world)
        closed_on(engagement, datetime.date(2024, 1, 15))
        blob = default_storage.open(document.blob_name).read()
        # The backup: parents first. Only the tables this engagement touches matter here.
        tables = [
            "confidentiality_datakey",
            "engagements_engagement",
            "engagements_note",
            "engagements_document",
            "retention_deletionreceipt",
        ]
        backup = _snapshot(tables)
        with django_capture_on_commit_callbacks(execute=True):
            run_sweep(as_of=datetime.date(2026, 1, 15))
        assert not Note.objects.filter(pk=note.pk).exists()
        _restore(backup)  # the database and the files come back from last night's backup
        default_storage.save(document.blob_name, __import__("io").BytesIO(blob))
        assert Note.objects.filter(pk=note.pk).exists() and not DeletionReceipt.objects.exists()
        call_command("retention_reapply", stdout=__import__("io").StringIO())
        assert not Note.objects.filter(pk=note.pk).exists()
        assert not Engagement.objects.filter(pk=engagement.pk).exists()
        assert not default_storage.exists(document.blob_name)
        assert not DataKey.objects.filter(pk=engagement.data_key_id).exists()
        assert DeletionReceipt.objects.filter(kind="engagements.note").exists()  # receipts restored too


@pytest.mark.django_db
class TestTheForecastInOneQueryARule:
    """Issue 23: the retention page counted each rule's records twelve times over (150 queries on the
    access matrix's world); each rule now counts every month at once, with what keeps a record
    (a hold, paper held) applied once."""

    def test_each_rules_counts_are_its_day_by_day_counts(self, world: World) -> None:
        for years_ago, days in ((2, -40), (2, 20), (2, 95), (3, 0)):
            engagement = EngagementFactory(coaches=[world.people["coach"]])
            closed_on(engagement, add_years(timezone.localdate(), -years_ago) + datetime.timedelta(days=days))
        held = EngagementFactory(coaches=[world.people["coach"]])
        closed_on(held, add_years(timezone.localdate(), -2) + datetime.timedelta(days=20))
        retention_services.hold_place(actor=world.people["admin"], target=held, case_reference="C-1", reason="A claim.")
        today = timezone.localdate()
        days = [today + datetime.timedelta(days=n) for n in (0, 30, 61, 92, 400)]
        for rule in RULES:
            assert rule.due_counts(days) == [rule.due(day).count() for day in days], rule.key
        engagements = next(rule for rule in RULES if rule.key == "engagement_files")
        assert engagements.due_counts(days) == [2, 3, 3, 3, 4]  # the held one never
        assert sweep_module._external_due_counts("financial_records", days) == [
            sweep_module._external_due("financial_records", day).count() for day in days
        ]

    def test_the_page_takes_a_query_per_rule_not_one_per_month(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        http = world.http("admin")
        http.get("/retention/")  # the session and the practice's name are warm
        with django_assert_max_num_queries(2 * len(RULES) + 20):  # 12 * len(RULES) before
            assert http.get("/retention/").status_code == 200


class TestPreviewAndCommand:
    def test_dry_run_shows_what_will_go_and_when_and_deletes_nothing(self, world: World) -> None:
        import io

        engagement, _, _ = filled(world)
        closed_on(engagement, datetime.date(2024, 5, 20))
        out = io.StringIO()
        call_command("retention_sweep", "--dry-run", "--json", "--as-of", "2026-01-10", stdout=out)
        result = json.loads(out.getvalue())
        engagement_rule = next(r for r in result["rules"] if r["rule"] == "engagement_files")
        assert engagement_rule["due_now"] == 0
        assert [m["count"] for m in engagement_rule["by_month"]][4] == 1  # due in May 2026
        assert result["timeline"][4] == {"month": "2026-05", "count": 1}
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        out = io.StringIO()
        call_command("retention_sweep", "--json", "--as-of", "2026-05-20", stdout=out)
        assert json.loads(out.getvalue())["deleted"]["engagements.engagement"] == 1

    def test_the_page_names_each_rule_by_month_and_shows_the_last_sweeps_receipts(self, world: World) -> None:
        engagement, _, _ = filled(world)
        closed_on(engagement, add_years(timezone.localdate(), -2) + datetime.timedelta(days=40))
        due = timezone.localdate() + datetime.timedelta(days=40)
        page = world.http("admin").get("/retention/").content.decode()
        assert re.search(rf"<td[^>]*>{due:%B %Y}: 1</td>", page)  # the rule's row names the month it falls due
        assert "No sweep has run yet." in page

        run_sweep()  # deletes nothing: the engagement is not yet due
        page = world.http("admin").get("/retention/").content.decode()
        assert "deleted nothing." in page and "Receipts of the last sweep" not in page

        dry_run = world.http("admin").get(f"/retention/?as_of={due:%Y-%m}-28").content.decode()
        assert "(dry run)" in dry_run
        with time_machine.travel(timezone.now() + datetime.timedelta(days=45)):
            run_sweep()
        page = world.http("admin").get("/retention/").content.decode()
        assert "Receipts of the last sweep" in page
        # Kinds of record as people read them.
        assert re.search(r"<td[^>]*>engagements</td>", page) and "engagements.engagement" not in page
        assert engagement.reference not in page

    def test_a_bad_or_future_date_is_refused(self, world: World) -> None:
        import io

        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("retention_sweep", "--as-of", "20/05/2026")
        engagement, _, _ = filled(world)
        closed_on(engagement, datetime.date(2024, 5, 20))
        future = (timezone.localdate() + datetime.timedelta(days=3 * 365)).isoformat()
        with pytest.raises(CommandError, match="in the future"):
            call_command("retention_sweep", "--as-of", future)
        assert Engagement.objects.filter(pk=engagement.pk).exists()
        call_command("retention_sweep", "--as-of", future, "--dry-run", stdout=io.StringIO())
        assert world.api("admin").get("/api/v1/retention/preview/?as_of=0001-01-01").status_code == 400
        assert world.http("admin").get("/retention/?as_of=9999-12-31").status_code == 404

    def test_the_administrator_is_told_a_week_ahead(self, world: World) -> None:
        engagement, _, _ = filled(world)
        closed_on(engagement, datetime.date(2024, 5, 20))
        assert retention_services.warn_week_ahead(datetime.date(2026, 5, 12), 7) == 0
        assert retention_services.warn_week_ahead(datetime.date(2026, 5, 13), 7) == 1
        notice = Notice.objects.get(user=world.people["admin"])
        assert "20 May 2026" in notice.text and "Samira" not in notice.text
        assert not Notice.objects.filter(user=world.people["coach"], text__contains="deleted").exists()

    def test_a_policy_review_falls_due_two_years_later(self, world: World) -> None:
        document = retention_services.policy_record(
            actor=world.people["admin"],
            kind="confidentiality",
            text="Our policy",
            reviewed_on=datetime.date(2026, 1, 5),
        )
        assert document.version == 1 and document.review_due_on == datetime.date(2028, 1, 5)
        assert retention_services.policies_due(datetime.date(2027, 12, 1)) == []
        assert retention_services.policies_due(datetime.date(2027, 12, 10)) == [document]
        from people.policies import policy_accept, text_hash  # staff accept a recorded policy first

        policy_accept(
            actor=world.people["admin"],
            document=document,
            shown_hash=text_hash(document.text),
            ip_address=None,
            user_agent="",
        )
        with time_machine.travel(datetime.datetime(2027, 12, 10, 12, tzinfo=datetime.UTC)):
            page = world.http("admin").get("/dashboard/").content.decode()
        assert "Policy review due" in page and "5 Jan 2028" in page
        with time_machine.travel(datetime.datetime(2027, 11, 1, 12, tzinfo=datetime.UTC)):
            assert "Policy review due" not in world.http("admin").get("/dashboard/").content.decode()

    def test_two_versions_recorded_at_once_keep_one_and_refuse_the_other_clearly(
        self, world: World, monkeypatch: Any
    ) -> None:
        record = partial(
            retention_services.policy_record,
            actor=world.people["admin"],
            kind="confidentiality",
            reviewed_on=timezone.localdate(),
        )
        first = record(text="Version one")
        events = AuditEvent.objects.count()
        # The other administrator read the versions before the first one was written.
        monkeypatch.setattr(retention_services, "_next_policy_version", lambda kind: 1)
        with pytest.raises(ValidationError, match="at the same moment"):
            record(text="Version one, too")
        assert list(PolicyDocument.objects.values_list("pk", flat=True)) == [first.pk]
        assert AuditEvent.objects.count() == events
        from people.policies import policy_accept, text_hash  # the page opens once it is accepted

        policy_accept(
            actor=world.people["admin"],
            document=first,
            shown_hash=text_hash(first.text),
            ip_address=None,
            user_agent="",
        )
        response = world.http("admin").post(
            "/retention/policies/",
            {"kind": "confidentiality", "text": "Version one, again", "reviewed_on": timezone.localdate().isoformat()},
            follow=True,
        )
        assert "Nothing was recorded" in response.content.decode() and "at the same moment" in response.content.decode()
        assert PolicyDocument.objects.count() == 1


@pytest.mark.django_db
class TestWhoMay:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_the_pages(self, world: World, persona: str) -> None:
        expected = {"admin": 200, "anonymous": 302}.get(persona, 404)
        for url in ("/retention/", "/retention/policies/"):
            assert world.http(persona).get(url).status_code == expected, url
        placing = f"/retention/holds/new/engagement/{world.engagement.pk}/"
        assert world.http(persona).get(placing).status_code == expected
        placed = world.http(persona).post(placing, {"case_reference": "C", "reason": "R"})
        assert placed.status_code == (302 if persona in ("admin", "anonymous") else 404)
        assert LegalHold.objects.exists() == (persona == "admin")

    def test_a_hold_is_placed_from_the_record_and_a_refusal_keeps_what_was_typed(self, world: World) -> None:
        http = world.http("admin")
        organisation = f"/retention/holds/new/organisation/{world.organisation.pk}/"
        page = http.get(organisation).content.decode()
        assert f"Place a legal hold on {world.organisation.name}" in page
        refused = http.post(organisation, {"case_reference": "Tribunal claim 2026/114", "reason": " "})
        body = refused.content.decode()
        assert refused.status_code == 400 and 'value="Tribunal claim 2026/114"' in body
        assert "errorlist" in body and not LegalHold.objects.exists()
        assert http.post(organisation, {"case_reference": "Tribunal claim", "reason": "Evidence"}).status_code == 302
        overview = http.get("/retention/").content.decode()
        holds = re.sub(r"<[^>]+>", " ", overview[overview.index("Holds in force") : overview.index("Place a hold")])
        assert world.organisation.name in holds and str(world.organisation.pk) not in holds  # named, not an id
        for wrong in (
            f"/retention/holds/new/client/{world.engagement.pk}/",
            f"/retention/holds/new/x/{world.engagement.pk}/",
        ):
            assert http.get(wrong).status_code == 404
        assert "manage.py" not in overview

    def test_naming_a_held_client_is_a_read_of_their_file(self, world: World) -> None:
        http, client = world.http("admin"), world.client_record

        def reads() -> int:
            return AuditEvent.objects.filter(action="client.read", object_id=str(client.pk)).count()

        before = reads()
        placing = f"/retention/holds/new/client/{client.pk}/"
        assert client.full_name in http.get(placing).content.decode()
        assert reads() == before + 1
        http.post(placing, {"case_reference": "Tribunal claim", "reason": "Evidence"})
        assert client.full_name in http.get("/retention/").content.decode()
        assert reads() == before + 2

    def test_the_page_names_months_and_kinds_of_record_in_words(self, world: World) -> None:
        page = world.http("admin").get("/retention/").content.decode()
        month = timezone.localdate().strftime("%B %Y")
        assert f'<span class="bars__label">{month}</span>' in page
        assert not re.search(r"\b20\d\d-\d\d\b", page.split("<h2>The schedule</h2>")[0].split('type="date"')[0])
        schedule = page[page.index("<h2>The schedule</h2>") :]
        assert "django_celery_beat" not in schedule and "confidentiality.practice" not in schedule

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_every_persona_on_the_api(self, world: World, persona: str) -> None:
        expected = {"admin": 200, "anonymous": 401}.get(persona, 404)
        api = world.api(persona)
        assert api.get("/api/v1/legal-holds/").status_code == expected
        assert api.get("/api/v1/retention/preview/").status_code == expected
        created = api.post(
            "/api/v1/legal-holds/",
            {"scope": "client", "target": str(world.client_record.pk), "case_reference": "C", "reason": "R"},
            content_type="application/json",
        )
        assert created.status_code == {"admin": 201, "anonymous": 401}.get(persona, 404)

    def test_holds_through_the_api(self, world: World) -> None:
        api = world.api("admin")
        bad = api.post(
            "/api/v1/legal-holds/",
            {"scope": "client", "target": str(world.engagement.pk), "case_reference": "C", "reason": "R"},
            content_type="application/json",
        )
        assert bad.status_code == 400 and not LegalHold.objects.exists()
        hold = api.post(
            "/api/v1/legal-holds/",
            {"scope": "engagement", "target": str(world.engagement.pk), "case_reference": "C", "reason": "R"},
            content_type="application/json",
        )
        assert hold.status_code == 201
        release = f"/api/v1/legal-holds/{hold.json()['id']}/release/"
        assert api.post(release, {"release_reason": ""}, content_type="application/json").status_code == 400
        assert api.post(release, {"release_reason": "Settled"}, content_type="application/json").status_code == 200
        assert api.get("/api/v1/retention/preview/?as_of=nonsense").status_code == 400


@pytest.mark.django_db
class TestFinancialRecords:
    def test_invoices_go_five_years_on_with_what_is_paid_against_them_and_outlive_the_engagement(
        self, world: World
    ) -> None:
        from decimal import Decimal

        from finance import services as finance
        from finance.models import Invoice, InvoiceLine, Payment
        from tests.finance.conftest import make_invoice

        admin = world.people["admin"]
        invoice = make_invoice(
            admin, world.organisation, engagement=world.engagement, issued_on=datetime.date(2020, 6, 1)
        )
        finance.payment_record(
            actor=admin, invoice=invoice, amount=Decimal("100.00"), received_on=datetime.date(2020, 6, 20)
        )
        closed_on(world.engagement, datetime.date(2021, 1, 10))
        run_sweep(as_of=datetime.date(2023, 1, 10))  # the engagement's files go; the invoice stays
        invoice.refresh_from_db()
        assert not Engagement.objects.filter(pk=world.engagement.pk).exists()
        assert invoice.engagement_id is None and invoice.engagement_reference == world.engagement.reference
        # The organisation keeps its record while it has financial records.
        Engagement.objects.filter(organisation=world.organisation).delete()
        from engagements.models import Organisation, SponsorContact

        SponsorContact.objects.filter(organisation=world.organisation).delete()
        Organisation.objects.filter(pk=world.organisation.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=9 * 365)
        )
        hold = retention_services.hold_place(
            actor=admin, target=world.organisation, case_reference="HMRC enquiry", reason="Tax enquiry"
        )
        run_sweep(as_of=datetime.date(2025, 7, 1))
        assert Invoice.objects.filter(pk=invoice.pk).exists()  # held
        retention_services.hold_release(actor=admin, hold=hold, reason="Closed")
        run_sweep(as_of=datetime.date(2025, 6, 20))
        assert Invoice.objects.filter(pk=invoice.pk).exists()  # the payment is not five years old yet
        outcome = run_sweep(as_of=datetime.date(2025, 6, 21))
        assert not Invoice.objects.filter(pk=invoice.pk).exists()
        assert not Payment.objects.filter(invoice_id=invoice.pk).exists()
        assert not InvoiceLine.objects.filter(invoice_id=invoice.pk).exists()
        assert outcome.deleted["finance.invoice"] == 1 and outcome.deleted["finance.payment"] == 1
        assert DeletionReceipt.objects.filter(rule="financial_records", kind="finance.invoice").exists()
        # With its financial records gone, the organisation's own record goes in the same sweep.
        assert outcome.deleted["engagements.organisation"] == 1

    def test_a_hold_on_the_engagement_keeps_its_invoices(self, world: World) -> None:
        from finance.models import Invoice
        from tests.finance.conftest import make_invoice

        admin = world.people["admin"]
        invoice = make_invoice(
            admin, world.organisation, engagement=world.engagement, issued_on=datetime.date(2020, 6, 1)
        )
        retention_services.hold_place(
            actor=admin, target=world.engagement, case_reference="Fee dispute", reason="Claim"
        )
        run_sweep(as_of=datetime.date(2025, 6, 2))
        assert Invoice.objects.filter(pk=invoice.pk).exists()
