from django.conf import settings
from django.core.management.base import BaseCommand

from diary.exports.services import export_requeue_stale


class Command(BaseCommand):
    help = (
        "Send again the export jobs the broker never got, and put back in the queue "
        "the jobs whose worker died (also run by Celery beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=120,
            metavar="SECONDS",
            help="Re-send queued jobs sent longer ago than this (default 120).",
        )
        parser.add_argument(
            "--running-older-than",
            type=int,
            default=None,
            metavar="SECONDS",
            help=(
                "Treat running jobs whose worker gave no sign of life for this long "
                "as abandoned (default EXPORT_WORKER_DEAD_SECONDS, "
                f"{settings.EXPORT_WORKER_DEAD_SECONDS})."
            ),
        )

    def handle(self, *args, **options):
        sent = export_requeue_stale(
            older_than_seconds=options["older_than"],
            running_older_than_seconds=options["running_older_than"],
        )
        self.stdout.write(self.style.SUCCESS(f"{sent} export job(s) sent again."))
