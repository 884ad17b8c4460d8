from django.conf import settings
from django.core.management.base import BaseCommand

from diary.sharing.services import share_accesses_delete_old


class Command(BaseCommand):
    help = (
        "Delete share-link access-log rows older than SHARE_ACCESS_RETENTION_DAYS "
        "(also run by Celery beat)."
    )

    def handle(self, *args, **options):
        deleted = share_accesses_delete_old()
        self.stdout.write(
            self.style.SUCCESS(
                f"{deleted} share-link visit(s) older than "
                f"{settings.SHARE_ACCESS_RETENTION_DAYS} days deleted."
            )
        )
