from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from confidentiality.dbroles import grant_application_role


class Command(BaseCommand):
    help = (
        "On PostgreSQL, as the tables' owner (AS_DATABASE_OWNER=1), grant the processes' role (the user of "
        "DATABASE_URL) what it needs and no more. The release step runs it after migrate."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql" or settings.DATABASE_OWNER_URL is None:
            self.stdout.write("One database role (no DATABASE_OWNER_URL): nothing to grant.")
            return
        role = settings.APP_DATABASE_ROLE
        owner = connection.settings_dict.get("USER")
        if not role or role == owner:
            raise CommandError(
                "DATABASE_URL must name the processes' own role, not the owner's: run this with AS_DATABASE_OWNER=1."
            )
        grant_application_role(connection, role)
        self.stdout.write(self.style.SUCCESS(f"Granted role {role!r} read and write, the audit log read and append."))
