import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from demo.practice import seed_demo


class Command(BaseCommand):
    help = "Build the demo practice, idempotently. --json prints people, logins, API tokens and ids."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=0, help="Add this many extra engagements.")
        parser.add_argument("--json", action="store_true", help="Print machine-readable output with API tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] < 0:
            raise CommandError("--scale must be zero or more.")
        try:
            # The demo's own notifications (agreements sent, notes shared) are not mailed anywhere.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                result = seed_demo(scale=options["scale"], issue_tokens=options["json"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
            return
        self.stdout.write("Demo practice ready. Every demo login uses the password: " + result["password"])
        for person in result["people"]:
            line = f"  {person['role']:<8} {person['login']:<32} {person['name']}"
            if "totp_secret" in person:
                line += (
                    f"   authenticator secret {person['totp_secret']} (current code: make totp EMAIL={person['login']})"
                )
            self.stdout.write(line)
