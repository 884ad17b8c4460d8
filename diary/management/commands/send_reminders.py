"""Send the daily check-in reminders that are due now: the same work as the
periodic Celery task ``diary.reminders.tasks.reminders_send_due``, for cron or
for a look at what is due (``--dry-run``)."""

from django.core.management.base import BaseCommand

from config.celery import app as celery_app
from diary.reminders import services


class Command(BaseCommand):
    help = (
        "Send the daily check-in reminders that are due now (each at most once "
        "per user and day). With --dry-run, only say how many are due."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the reminders that are due without sending any.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            due = len(services.reminders_due())
            self.stdout.write(f"{due} reminder(s) due now; none sent (dry run).")
            return
        queued = services.reminders_send_due()
        how = "handled in-process" if celery_app.conf.task_always_eager else "queued"
        self.stdout.write(self.style.SUCCESS(f"{queued} reminder(s) due now, {how}."))
