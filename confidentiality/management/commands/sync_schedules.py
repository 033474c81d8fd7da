from django.core.management.base import BaseCommand

from confidentiality.schedules import sync_schedules


class Command(BaseCommand):
    help = "Write the periodic schedules declared in confidentiality/schedules.py to the beat database."

    def handle(self, *args: object, **options: object) -> None:
        for name in sync_schedules():
            self.stdout.write(f"scheduled: {name}")
