from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.practice import current_totp_code


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo account (embedded mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_TOOLS_ENABLED:
            raise CommandError("Demo tools are off in production.")
        code = current_totp_code(options["email"])
        if code is None:
            raise CommandError(f"{options['email']} is not a demo account with an authenticator.")
        self.stdout.write(code)
