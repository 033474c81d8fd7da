from typing import Any

from django.core.management.base import BaseCommand

from retention.reapply import reapply


class Command(BaseCommand):
    help = "After restoring a backup: delete again every record the retention receipts say was deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        result = reapply()
        total = sum(n for kind, n in result.items() if kind != "receipts restored")
        self.stdout.write(
            self.style.SUCCESS(
                f"Receipts re-applied: {total} records deleted again, {result['receipts restored']} receipts restored."
            )
        )
        for kind, count in sorted(result.items()):
            if count and kind != "receipts restored":
                self.stdout.write(f"  {kind}: {count}")
