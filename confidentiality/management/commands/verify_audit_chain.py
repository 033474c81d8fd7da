from django.core.management.base import BaseCommand, CommandError

from confidentiality.audit import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit chain's keyed links and its anchors outside the database, then anchor its head. "
        "Exits non-zero and names the first bad event."
    )

    def handle(self, *args: object, **options: object) -> None:
        report = audit_verify_chain()
        if not report.ok:
            if report.first_bad_seq is None:
                raise CommandError(f"Audit anchors in doubt: {report.reason}. {report.checked} events verified.")
            where = f"event seq {report.first_bad_seq}" + (
                f" (row id {report.first_bad_id})" if report.first_bad_id else ""
            )
            raise CommandError(
                f"Audit chain broken at {where}: {report.reason}. {report.checked} events verified before it."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events verified, against {report.anchors} anchors; "
                "its head is anchored."
            )
        )
