from django.core.management.base import BaseCommand

from diary.services import symptoms_load_builtin


class Command(BaseCommand):
    help = "Create or update the built-in ME/CFS symptom catalogue (idempotent)."

    def handle(self, *args, **options):
        count = symptoms_load_builtin()
        self.stdout.write(self.style.SUCCESS(f"{count} built-in symptoms loaded."))
