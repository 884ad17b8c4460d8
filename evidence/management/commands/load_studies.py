from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.services import studies_load


class Command(BaseCommand):
    help = (
        "Load the evidence catalogue from evidence/data/ (studies and their symptom "
        "links). Safe to run again: studies are matched by key and updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", help="Another studies JSON file to load.")
        parser.add_argument(
            "--symptom-links", help="Another study-to-symptom links JSON file."
        )

    def handle(self, *args, **options):
        try:
            result = studies_load(
                path=options["path"], symptom_links_path=options["symptom_links"]
            )
        except ValidationError as exc:
            raise CommandError(
                "Nothing was loaded:\n" + "\n".join(f"  {m}" for m in exc.messages)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Studies: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.total} in the catalogue."
            )
        )
