from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from confidentiality.rotation import rotate_data_keys, rotate_key_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-wrap every data key with the first key in FIELD_ENCRYPTION_KEYS (fast). "
        "With --data-keys, also re-encrypt all content under fresh data keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-keys", action="store_true", help="Also give every subject a fresh data key.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_key_encryption_keys(batch_size=options["batch_size"])
        self.stdout.write(
            f"Re-wrapped {report.data_keys_rewrapped} data keys; "
            f"re-sealed {report.secrets_resealed} second-factor secrets and {report.emails_resealed} waiting e-mails."
        )
        for what in report.secrets_unreadable:
            self.stderr.write(f"  left as it is, it does not open for its person (a copied secret?): {what}")
        if options["data_keys"]:
            content = rotate_data_keys(batch_size=options["batch_size"])
            self.stdout.write(
                f"Re-keyed {content.subjects_rekeyed} subjects; re-encrypted {content.values_reencrypted} values."
            )
            for label, count in sorted(content.by_field.items()):
                self.stdout.write(f"  {label}: {count}")
            for what in content.skipped:
                self.stderr.write(f"  left under its old key, something of it does not decrypt: {what}")
        self.stdout.write(
            self.style.SUCCESS("Rotation complete. Old keys may now be removed from FIELD_ENCRYPTION_KEYS.")
        )
