import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from retention.sweep import preview, run_sweep


class Command(BaseCommand):
    help = (
        "Delete what is past its retention period (and not under a legal hold), leaving receipts. "
        "--dry-run shows what would go now and in each of the next twelve months, and deletes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="The day to sweep as of (YYYY-MM-DD); today by default.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be deleted; delete nothing.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = timezone.localdate()
        if options["as_of"]:
            try:
                as_of = datetime.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of takes a date as YYYY-MM-DD, e.g. 2026-11-22.") from None
        if as_of > timezone.localdate() and not options["dry_run"]:
            raise CommandError(
                f"--as-of {as_of} is in the future: a sweep as of a later day would delete records before "
                "their time. Use it with --dry-run to see what will go then."
            )
        if options["dry_run"]:
            result: dict[str, Any] = preview(as_of)
            if options["json"]:
                self.stdout.write(json.dumps(result))
                return
            self.stdout.write(f"Dry run as of {as_of}: nothing is deleted.")
            for rule in result["rules"]:
                self.stdout.write(f"  {rule['rule']}: {rule['due_now']} due now, {rule['held']} held")
            for month in result["timeline"]:
                self.stdout.write(f"  {month['month']}: {month['count']} fall due")
            return
        outcome = run_sweep(as_of=as_of)
        summary = {
            "sweep": str(outcome.sweep.pk),
            "state": outcome.sweep.state,
            "as_of": as_of.isoformat(),
            "deleted": dict(outcome.deleted),
            "kept_because_still_referenced": dict(outcome.kept_blocked),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        if outcome.sweep.state == "skipped":
            self.stdout.write("Another sweep is running; this one did nothing.")
            return
        total = sum(outcome.deleted.values())
        self.stdout.write(self.style.SUCCESS(f"Sweep as of {as_of} finished: {total} records deleted."))
        for kind, count in sorted(outcome.deleted.items()):
            self.stdout.write(f"  {kind}: {count}")
