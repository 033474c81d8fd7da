from typing import Any

from django.core.management.base import BaseCommand, CommandParser

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
            # Not a failure of the release (someone who moved a row could otherwise stop every
            # deploy), but audited, and the administrators are told.
            from confidentiality.accounts import administrators
            from confidentiality.audit import audit_record
            from confidentiality.notify import notify

            for what in report.refused:
                self.stderr.write(f"  left unbound: {what} is not under its owner's key, or does not open")
            audit_record(actor=None, action="crypto.values_not_bound", detail={"count": len(report.refused)})
            notify(
                users=administrators(),
                text=f"{len(report.refused)} stored values are not under their owner's key, as a record moved to "
                "another engagement or client would be. They read as unreadable; look into them.",
                about="crypto:values-not-bound",
            )
            self.stderr.write(
                self.style.WARNING(f"{len(report.refused)} values were left unbound; the administrators are told.")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                "Every ciphertext is bound to its owner. Set ACCEPT_UNBOUND_CIPHERTEXTS=false: a value written "
                "before binding then opens for no one."
            )
        )
