from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import security_events_delete_old


class Command(BaseCommand):
    help = (
        "Delete security events older than SECURITY_EVENT_RETENTION_DAYS "
        "(also run by Celery beat)."
    )

    def handle(self, *args, **options):
        deleted = security_events_delete_old()
        self.stdout.write(
            self.style.SUCCESS(
                f"{deleted} security event(s) older than "
                f"{settings.SECURITY_EVENT_RETENTION_DAYS} days deleted."
            )
        )
