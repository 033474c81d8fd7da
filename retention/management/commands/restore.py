from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from retention.backups import BackupError, key_backup_for, restore


class Command(BaseCommand):
    help = (
        "Restore a data backup and a key backup (the newest unless --keys), then delete again everything the "
        "retention journal says was deleted since (as retention_reapply). Stop web, worker and beat first; on "
        "PostgreSQL run it as the tables' owner (AS_DATABASE_OWNER=1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("data", help="The data backup file (data-*.pgdump or data-*.sqlite3).")
        parser.add_argument(
            "--keys",
            help="The key backup file (keys-*.jsonl); by default the one taken with the data, else the newest.",
        )
        parser.add_argument(
            "--no-keys",
            action="store_true",
            help="Restore no keys: every encrypted value of the backup stays unreadable.",
        )
        parser.add_argument(
            "--no-reapply",
            action="store_true",
            help="For drills only: leave the retention journal unapplied, to show what the keys alone guarantee "
            "(run retention_reapply afterwards).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(options["data"])
        keys = None if options["no_keys"] else Path(options["keys"]) if options["keys"] else key_backup_for(data)
        if keys is None and not options["no_keys"]:
            raise CommandError("No key backup found in KEY_BACKUP_DIR: name one with --keys, or pass --no-keys.")
        try:
            done = restore(data=data, keys=keys, reapply=not options["no_reapply"])
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from None
        again = sum(n for kind, n in done.deleted_again.items() if kind != "receipts restored")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored, with {done.keys_restored} keys; {again} records deleted again from the retention journal; "
                "the audit anchors since the backup are marked superseded."
            )
        )
