"""A patient story for the report tests: 70 days into LDN, with every page-1
figure worked out by hand (see :class:`Story`). Shared by the PDF, share-page
and agreement tests."""

import datetime
from decimal import Decimal

from diary import services
from diary.comparison.services import primary_outcome_choose
from diary.models import Symptom, TrackedSymptom

WEEK = datetime.timedelta(days=7)

# Logged in a repeating pattern, so every figure is exact by hand: 48 of the 56
# days of each window are logged (every 7th day is not), so each pattern runs
# 12 whole times.
BASE_FATIGUE = [6, 7, 5, 8]  # mean 6.5
ON_FATIGUE = [3, 4, 2, 5]  # mean 3.5
BASE_BELL = [30, 30, 20, 30]  # median 30
ON_BELL = [40, 40, 50, 40]  # median 40
BASE_HOURS = [4, 4, 3, 5]  # median 4
ON_HOURS = [6, 6, 5, 7]  # median 6


class Story:
    """A patient 70 days into LDN at 3 mg (one dose from the start, so no
    titration): the baseline is the 8 weeks before the start, the on-LDN window
    the last 8 weeks. Three crash days before (two of them not logged), two on
    LDN; four missed doses in the on-LDN window and one before it; magnesium
    stopped during the baseline; fatigue chosen as the primary outcome; opioids
    answered "yes"."""

    def __init__(self, user):
        self.user = user
        self.today = user.local_today()
        self.ldn_start = self.today - datetime.timedelta(days=70)
        self.baseline_start = self.ldn_start - 8 * WEEK
        self.on_start = self.today - datetime.timedelta(days=55)
        keep = Symptom.objects.filter(slug__in=["fatigue", "brain-fog"])
        TrackedSymptom.objects.filter(user=user).exclude(symptom__in=keep).delete()
        self.fatigue = keep.get(slug="fatigue")
        self._window(self.baseline_start, BASE_FATIGUE, BASE_BELL, BASE_HOURS)
        self._window(self.on_start, ON_FATIGUE, ON_BELL, ON_HOURS)
        services.crash_create(
            user=user,
            start_date=self.day(self.baseline_start, 13),
            end_date=self.day(self.baseline_start, 13),
            severity=2,
        )
        services.crash_create(
            user=user,
            start_date=self.day(self.baseline_start, 40),
            end_date=self.day(self.baseline_start, 41),
            severity=2,
        )
        services.crash_create(
            user=user,
            start_date=self.day(self.on_start, 30),
            end_date=self.day(self.on_start, 31),
            severity=3,
            notes="secret crash note",
        )
        course = services.course_create(
            user=user,
            start_date=self.ldn_start,
            formulation="liquid",
            first_dose_mg=Decimal("3"),
            time_of_day="bedtime",
        )
        for offset in (2, 9, 16, 23):
            services.missed_dose_add(
                course=course, date=self.day(self.on_start, offset)
            )
        services.missed_dose_add(course=course, date=self.day(self.ldn_start, 3))
        for offset in (40, 41, 45):
            services.side_effect_add(
                course=course,
                date=self.day(self.on_start, offset),
                kind="vivid_dreams",
                severity=1,
            )
        services.side_effect_add(
            course=course,
            date=self.day(self.on_start, 48),
            kind="headache",
            severity=2,
            note="secret",
        )
        services.medication_create(
            user=user,
            name="Magnesium",
            kind="supplement",
            dose="200 mg",
            start_date=self.ldn_start - datetime.timedelta(days=300),
            stop_date=self.ldn_start - datetime.timedelta(days=21),
            notes="",
        )
        user.takes_opioids = "yes"
        user.save(update_fields=["takes_opioids"])
        primary_outcome_choose(user=user, key=f"symptom:{self.fatigue.uuid}")

    @staticmethod
    def day(first, offset):
        return first + datetime.timedelta(days=offset)

    def _window(self, first, fatigue, bell, hours):
        logged = 0
        for offset in range(56):
            if offset % 7 == 6:
                continue  # not logged
            k = logged % 4
            services.entry_upsert(
                user=self.user,
                date=self.day(first, offset),
                scores={self.fatigue.pk: fatigue[k]},
                fields={
                    "function_score": bell[k],
                    "hours_upright": Decimal(hours[k]),
                    "notes": "secret diary note",
                },
            )
            logged += 1


def flat(text: str) -> str:
    return " ".join(text.split())


def page_one_expectations(story) -> list[str]:
    """What a doctor must find on page 1, worked out by hand."""
    return [
        "Primary outcome: Fatigue",
        "6.5",  # the baseline mean of 6, 7, 5, 8
        "3.5",  # on LDN: 3, 4, 2, 5
        "48 of 56 days logged",
        "Function (Bell scale)",
        "Hours upright",
        "Crash days per 30 days",
        "1.6",  # 3 crash days in 56: 3 / 56 * 30
        "3 crash days in 56 days",
        "1.1",  # 2 / 56 * 30
        "2 crash days in 56 days",
        "Adherence",
        "93% taken",  # 52 of 56
        "4 missed of 56 days on LDN",
        f"LDN started {story.ldn_start:%-d %b %Y}",
        "Magnesium",
        "stopped during the baseline",
        "LDN and opioids interact",
        "Vivid dreams",
    ]
