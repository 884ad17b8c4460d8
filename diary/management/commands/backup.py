from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from diary.portability.backup import (
    POSTGRESQL,
    BackupError,
    database_backup,
    database_kind,
)


class Command(BaseCommand):
    help = (
        "Back up the whole database to one file, readable by its owner only: "
        "pg_dump (custom format) on PostgreSQL, SQLite's backup API on SQLite. "
        "Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Where to write the backup (default: var/backups/ldn-diary-<time>.dump "
            "or .sqlite3).",
        )

    def handle(self, *args, path=None, **options):
        try:
            kind = database_kind()
            if not path:
                extension = "dump" if kind == POSTGRESQL else "sqlite3"
                stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
                path = (
                    Path(settings.BASE_DIR)
                    / "var"
                    / "backups"
                    / (f"ldn-diary-{stamp}.{extension}")
                )
            written = database_backup(path=Path(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = written.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(f"Backup written to {written} ({size} bytes).")
        )
