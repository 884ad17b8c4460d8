from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diary.portability.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore the database from a file made by `manage.py backup`. Refuses to "
        "overwrite a database that already holds accounts or diary data unless "
        "--force is given. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data.",
        )

    def handle(self, *args, path, force=False, **options):
        try:
            database_restore(path=Path(path), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Database restored from {path}."))
