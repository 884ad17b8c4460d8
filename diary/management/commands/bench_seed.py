"""Fill a benchmark database fast: ``--users`` patients with ``--years`` of
daily entries each, and one patient with ``--long-years`` of entries for
``--long-symptoms`` symptoms, an LDN course with dose steps, crashes and side
effects. Everything goes in with ``bulk_create``; the same ``--seed`` gives the
same diaries. About one day in ten is left unlogged (a gap, never a zero).

For the load benchmark (``bench/load.py``) on a throwaway database: it refuses
to run where any account other than its own exists, unless ``--force``.
"""

import datetime
import random
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from diary import rollups
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    SideEffect,
    Symptom,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)
from diary.services import CHART_DEFAULT_SHOWN

DOMAIN = "bench.invalid"
LONG_EMAIL = f"long@{DOMAIN}"
BATCH = 5000
GAP_RATE = 0.1


def bench_email(index: int) -> str:
    return f"user{index:05d}@{DOMAIN}"


class Command(BaseCommand):
    help = "Create benchmark patients with years of diary data, fast (bulk_create)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--years", type=int, default=1)
        parser.add_argument("--symptoms", type=int, default=5)
        parser.add_argument("--long-years", type=int, default=10)
        parser.add_argument("--long-symptoms", type=int, default=10)
        parser.add_argument("--password", default="bench-password-not-secret")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the database has other accounts.",
        )

    def handle(self, *args, **options):
        if (
            not options["force"]
            and User.objects.exclude(email__endswith=f"@{DOMAIN}").exists()
        ):
            raise CommandError(
                "This database has real accounts; bench_seed is for a throwaway "
                "benchmark database (use --force to run anyway)."
            )
        builtin = list(Symptom.objects.builtin().order_by("default_position", "pk"))
        wanted = max(options["symptoms"], options["long_symptoms"])
        if len(builtin) < wanted:
            raise CommandError(
                f"{len(builtin)} built-in symptoms; run load_symptoms first "
                f"({wanted} are needed)."
            )
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        password = make_password(options["password"])
        with transaction.atomic():
            User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
            users = User.objects.bulk_create(
                [self._user(bench_email(i), password) for i in range(options["users"])]
                + [self._user(LONG_EMAIL, password)],
                batch_size=BATCH,
            )
        *many, long = users
        self._diaries(
            rng, many, builtin[: options["symptoms"]], options["years"], today
        )
        self._diaries(
            rng,
            [long],
            builtin[: options["long_symptoms"]],
            options["long_years"],
            today,
        )
        self._treatment(rng, long, options["long_years"], today)
        # The weekly and monthly totals the trends chart reads, as writes keep them.
        rollups.rebuild()
        if connection.vendor == "postgresql":
            # Planner statistics and visibility maps for the bulk-loaded tables,
            # as autovacuum keeps them on a live server. Done here, so that
            # autovacuum does not start on the new rows during the first
            # measurements (it took CPU from the daily write's runs). VACUUM
            # cannot run inside a transaction (as under the test suite), where
            # only the statistics are gathered.
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                )
        self.stdout.write(
            f"{len(many)} patients x {options['years']} year(s), and {LONG_EMAIL} "
            f"with {options['long_years']} years x {options['long_symptoms']} "
            f"symptoms; password {options['password']!r}."
        )

    @staticmethod
    def _user(email: str, password: str) -> User:
        return User(
            email=email,
            password=password,
            medical_notice_version=settings.MEDICAL_NOTICE_VERSION,
            medical_notice_acknowledged_at=timezone.now(),
        )

    def _diaries(self, rng, users, symptoms, years, today) -> None:
        days = years * 365
        TrackedSymptom.objects.bulk_create(
            [
                TrackedSymptom(
                    user=user,
                    symptom=symptom,
                    position=position,
                    shown_on_trends=position < CHART_DEFAULT_SHOWN,
                )
                for user in users
                for position, symptom in enumerate(symptoms)
            ],
            batch_size=BATCH,
        )
        # Rows go in with executemany (explicit entry ids, so the scores need no
        # read-back): the ORM's bulk_create costs several times more per row.
        ops = connection.ops
        quote = ops.quote_name
        now = ops.adapt_datetimefield_value(timezone.now())
        uuid_field = Entry._meta.get_field("uuid")
        next_id = (Entry.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        entry_sql = (
            f"INSERT INTO {quote(Entry._meta.db_table)} (id, sync_version, uuid, "  # noqa: S608
            "created_at, updated_at, user_id, date, sleep_hours, notes) "
            "VALUES (%s, 0, %s, %s, %s, %s, %s, %s, '')"
        )
        score_sql = (
            f"INSERT INTO {quote(SymptomScore._meta.db_table)} "  # noqa: S608
            "(entry_id, symptom_id, score) VALUES (%s, %s, %s)"
        )
        entries: list[tuple] = []
        scores: list[tuple] = []

        def flush() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(entry_sql, entries)
                cursor.executemany(score_sql, scores)
            entries.clear()
            scores.clear()

        for user in users:
            level = [rng.uniform(3, 8) for _ in symptoms]
            for offset in range(days, 0, -1):
                level = [
                    min(10.0, max(0.0, value + rng.gauss(0, 0.7))) for value in level
                ]
                if rng.random() < GAP_RATE:
                    continue
                entries.append(
                    (
                        next_id,
                        uuid_field.get_db_prep_value(uuid.uuid4(), connection),
                        now,
                        now,
                        user.pk,
                        (today - datetime.timedelta(days=offset)).isoformat(),
                        ops.adapt_decimalfield_value(
                            Decimal(rng.randint(40, 95)) / 10, 3, 1
                        ),
                    )
                )
                scores.extend(
                    (next_id, symptom.pk, round(value))
                    for symptom, value in zip(symptoms, level, strict=True)
                )
                next_id += 1
            if len(entries) >= 4 * BATCH:
                flush()
        if entries:
            flush()
        with connection.cursor() as cursor:
            for sql in ops.sequence_reset_sql(no_style(), [Entry]):
                cursor.execute(sql)

    @staticmethod
    def _treatment(rng, user, years, today) -> None:
        start = today - datetime.timedelta(days=years * 365 // 2)
        course = TreatmentCourse.objects.create(user=user, start_date=start)
        doses = ["0.5", "1.0", "1.5", "2.0", "3.0", "4.5"]
        DoseChange.objects.bulk_create(
            [
                DoseChange(
                    course=course,
                    date=start + datetime.timedelta(days=14 * step),
                    dose_mg=Decimal(dose),
                    reason="start" if step == 0 else "planned_step",
                )
                for step, dose in enumerate(doses)
            ]
        )
        crashes, day = [], today - datetime.timedelta(days=years * 365)
        while day < today - datetime.timedelta(days=10):
            length = rng.randint(1, 6)
            crashes.append(
                Crash(
                    user=user,
                    start_date=day,
                    end_date=day + datetime.timedelta(days=length),
                    severity=rng.randint(1, 3),
                )
            )
            day += datetime.timedelta(days=rng.randint(20, 60))
        Crash.objects.bulk_create(crashes)
        SideEffect.objects.bulk_create(
            [
                SideEffect(
                    course=course,
                    date=start + datetime.timedelta(days=i * 9),
                    kind=rng.choice(["vivid_dreams", "insomnia", "headache"]),
                    severity=rng.randint(1, 2),
                )
                for i in range(12)
            ]
        )
