from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from confidentiality.rotation import bind_ciphertexts


class Command(BaseCommand):
    help = (
        "Bind every value and file encrypted before owners were bound to its owner and key (same data "
        "keys), and every second-factor secret to its user. Safe to stop and to run again; the release "
        "step runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        report = bind_ciphertexts(batch_size=options["batch_size"])
        self.stdout.write(
            f"Bound {report.values_bound} values, {report.files_bound} files and "
            f"{report.authenticators_bound} second-factor secrets."
        )
        if report.refused:
            for what in report.refused:
                self.stderr.write(f"  refused: {what} is under a key that is not its owner's")
            raise CommandError(
                f"{len(report.refused)} values were left unbound: each is under another owner's key, as a row "
                "moved to another engagement or client would be. Look into them before anything else."
            )
        self.stdout.write(self.style.SUCCESS("Every ciphertext is bound to its owner."))
