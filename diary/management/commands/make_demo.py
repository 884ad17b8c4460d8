import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from diary.demo import DEMO_EMAIL, DEMO_PASSWORD, MIN_DAYS, demo_user_create
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)


class Command(BaseCommand):
    help = (
        f"Create (or re-create) the demo account {DEMO_EMAIL} with about a year of "
        "invented diary data, for screenshots and manual testing. Deletes the old "
        "demo account first. For local development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-url",
            default="",
            help="The address the site runs at, for the log-in link printed at the "
            "end (default: SITE_URL, else http://127.0.0.1:8000).",
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"Password of the demo account (default: {DEMO_PASSWORD}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=7,
            help="Random seed; the same seed gives the same diary (default: 7).",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=365,
            help=f"Days of diary, ending today (default: 365, at least {MIN_DAYS}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. The password is public: never do "
            "this on a site other people can reach.",
        )

    def handle(self, *args, password, seed, days, force, site_url="", **options):
        site_url = (site_url or settings.SITE_URL or settings.SITE_URL_FALLBACK).rstrip(
            "/"
        )
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like a real deployment. The demo account "
                "has a published password; run make_demo only on your own machine "
                "(DEBUG=1), or pass --force if you are sure."
            )
        if days < MIN_DAYS:
            raise CommandError(f"--days must be at least {MIN_DAYS}.")
        if not password:
            raise CommandError("--password must not be empty.")

        started = time.monotonic()
        user = demo_user_create(
            email=DEMO_EMAIL, password=password, days=days, seed=seed
        )
        elapsed = time.monotonic() - started

        entries = Entry.objects.for_user(user)
        first = entries.order_by("date").values_list("date", flat=True).first()
        counts = [
            ("days logged", entries.count()),
            ("days not logged", days - entries.count()),
            ("symptom scores", SymptomScore.objects.filter(entry__user=user).count()),
            ("symptoms tracked", TrackedSymptom.objects.for_user(user).count()),
            ("crashes", Crash.objects.for_user(user).count()),
            ("LDN courses", TreatmentCourse.objects.for_user(user).count()),
            ("dose changes", DoseChange.objects.for_user(user).count()),
            ("missed doses", MissedDose.objects.for_user(user).count()),
            ("side effects", SideEffect.objects.for_user(user).count()),
            ("other medications", Medication.objects.for_user(user).count()),
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account {user.email} created in {elapsed:.1f} s: "
                f"{days} days from {first} to {user.local_today()} "
                f"({user.time_zone}), seed {seed}."
            )
        )
        for label, count in counts:
            self.stdout.write(f"  {label:<18} {count}")
        self.stdout.write(
            f"Log in at {site_url}{reverse('accounts:login')} with\n"
            f"  email:    {user.email}\n"
            f"  password: {password}"
        )
        self.stdout.write(
            self.style.WARNING(
                "This password is for local demos only: the data is invented and the "
                "password is public. Never create the demo account on a server other "
                "people can reach."
            )
        )
