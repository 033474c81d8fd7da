from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from confidentiality.roles import STAFF_ROLES, Role
from confidentiality.services import user_create


class Command(BaseCommand):
    help = "Create a person with one role. Sponsors need --organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organisation", help="The organisation id a sponsor contact belongs to.")
        parser.add_argument("--name", default="", help="The name shown in the product.")
        parser.add_argument("--password", help="Without it, the person sets one through password reset.")

    def handle(self, *args: Any, **options: Any) -> None:
        from engagements.models import Organisation
        from engagements.services import sponsor_contact_add
        from people.policies import ask_newcomer

        role = Role(options["role"])
        if role == Role.SPONSOR and not options["organisation"]:
            raise CommandError("A sponsor contact needs --organisation ID.")
        if role != Role.SPONSOR and options["organisation"]:
            raise CommandError("--organisation is only for sponsor contacts.")
        try:
            with transaction.atomic():
                user = user_create(
                    actor=None,
                    email=options["email"],
                    role=role,
                    display_name=options["name"],
                    password=options["password"],
                )
                if role in STAFF_ROLES:
                    ask_newcomer(user)
                if role == Role.SPONSOR:
                    try:
                        organisation = Organisation.objects.get(pk=options["organisation"])
                    except (Organisation.DoesNotExist, ValidationError, ValueError):
                        raise CommandError(f"No organisation with id {options['organisation']!r}.") from None
                    sponsor_contact_add(actor=None, organisation=organisation, user=user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Created {user.email} ({role.label}), id {user.pk}."))
