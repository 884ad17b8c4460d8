from django.core.management.base import BaseCommand

from diary.exports.services import export_delete_expired


class Command(BaseCommand):
    help = (
        "Delete exports older than EXPORT_RETENTION_DAYS, and files no export owns "
        "(also run by Celery beat)."
    )

    def handle(self, *args, **options):
        result = export_delete_expired()
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.jobs} expired export(s) and {result.files} file(s) deleted."
            )
        )
