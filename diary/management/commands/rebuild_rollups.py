"""Recompute the weekly and monthly score totals (``ScoreRollup``) from the
scores: after loading diaries in bulk past ``diary.services`` (as ``bench_seed``
does, which calls it itself), or to check nothing drifted (``--check``)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from diary import rollups
from diary.models import ScoreRollup


class Command(BaseCommand):
    help = "Recompute the weekly and monthly score totals the trends chart reads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Say whether the stored totals differ from the scores; change nothing.",
        )

    def handle(self, *args, check=False, **options):
        fields = (
            "user_id",
            "symptom_id",
            "period",
            "start",
            "score_sum",
            "days_logged",
        )
        # A row of 0 days (a symptom's last score of the period cleared) is the
        # same gap as no row.
        logged = ScoreRollup.objects.filter(days_logged__gt=0)
        before = set(logged.values_list(*fields))
        with transaction.atomic():
            count = rollups.rebuild()
            after = set(logged.values_list(*fields))
            if check:
                transaction.set_rollback(True)
        differ = len(before ^ after)
        if check:
            if differ:
                raise CommandError(
                    f"{differ} weekly or monthly totals differ from the scores."
                )
            self.stdout.write(
                f"All {count} weekly and monthly totals match the scores."
            )
            return
        self.stdout.write(
            f"{count} weekly and monthly totals recomputed ({differ} changed)."
        )
