from typing import Any

from django.core.management.base import BaseCommand, CommandError

from retention.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the data without the data keys (BACKUP_DIR) and the keys apart (KEY_BACKUP_DIR); then delete "
        "key backups older than KEY_BACKUP_DAYS and data backups older than BACKUP_DAYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = backup()
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from None
        self.stdout.write(f"Data: {made.data}")
        self.stdout.write(f"Keys: {made.keys}")
        self.stdout.write(self.style.SUCCESS("Backup written. Keep the two folders on separate storage."))
