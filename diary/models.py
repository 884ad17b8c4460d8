"""The diary: symptoms, daily entries, crashes and treatments.

Every invariant that matters is backed by a database constraint. Each model that
belongs to a patient carries a UUID, so mobile clients can create it offline and
retry safely; integer keys stay internal.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .managers import (
    CourseOwnedQuerySet,
    CrashQuerySet,
    EntryQuerySet,
    OwnedQuerySet,
    SymptomQuerySet,
    TrackedSymptomQuerySet,
)

NOTES_MAX_LENGTH = 10_000
SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]
DOSE_MAX_MG = Decimal("50")


class Synced(models.Model):
    """Something a phone keeps a copy of. ``sync_version`` is the owner's change
    counter at this row's last write (see ``services.next_sync_version``)."""

    sync_version = models.BigIntegerField(default=0, db_index=True, editable=False)
    uuid: "uuid.UUID"

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'"{self.uuid}.{self.sync_version}"'


class TimeStamped(Synced):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Tombstone(models.Model):
    """What remains of a deleted diary object, so every device learns of the
    deletion, and a late retry can never bring the object back."""

    class Kind(models.TextChoices):
        SYMPTOM = "symptom"
        TRACKED_SYMPTOM = "tracked_symptom"
        ENTRY = "entry"
        CRASH = "crash"
        COURSE = "course"
        DOSE_CHANGE = "dose_change"
        MISSED_DOSE = "missed_dose"
        SIDE_EFFECT = "side_effect"
        MEDICATION = "medication"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tombstones"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    uuid = models.UUIDField()
    sync_version = models.BigIntegerField(db_index=True)
    deleted_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("kind", "uuid", name="tombstone_unique_kind_uuid")
        ]

    def __str__(self) -> str:
        return f"deleted {self.kind} {self.uuid}"


class Symptom(Synced):
    """A symptom a patient can score 0-10. Built-in symptoms have no owner and are
    managed by staff; patients add their own."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=240, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_symptoms",
    )
    default_position = models.PositiveSmallIntegerField(default=100)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SymptomQuerySet.as_manager()

    class Meta:
        ordering = ["default_position", "name"]
        constraints = [
            models.UniqueConstraint(
                "slug",
                condition=Q(owner__isnull=True),
                name="symptom_builtin_slug_unique",
            ),
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                name="symptom_name_unique_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.owner_id is None


class TrackedSymptom(Synced):
    """A symptom on one patient's check-in, in their order. Archiving hides it from
    the check-in and keeps every score ever given."""

    # No index of its own: tracked_symptom_unique_per_user's leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tracked",
        db_index=False,
    )
    symptom = models.ForeignKey(Symptom, on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    shown_on_trends = models.BooleanField(
        _("shown on the trends chart"),
        default=True,
        help_text=_("The symptom toggles on the trends page, remembered per user."),
    )

    objects = TrackedSymptomQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                "user", "symptom", name="tracked_symptom_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.symptom} ({self.user_id})"


class BellScore(models.IntegerChoices):
    """Bell's CFS disability scale (Bell 1995), 0-100 in steps of 10."""

    B0 = (
        0,
        _(
            "0: Severe symptoms continuously. Bedridden constantly; unable to care for yourself."
        ),
    )
    B10 = (
        10,
        _(
            "10: Severe symptoms at rest. Bedridden most of the time; no travel outside the house."
        ),
    )
    B20 = (
        20,
        _(
            "20: Moderate to severe symptoms at rest. Unable to do any strenuous activity; able to leave the house rarely."
        ),
    )
    B30 = (
        30,
        _(
            "30: Moderate to severe symptoms at rest. Severe symptoms with any exercise; activity limited to about 50% of normal; confined to the house almost all the time."
        ),
    )
    B40 = (
        40,
        _(
            "40: Moderate symptoms at rest. Moderate to severe symptoms with exercise; able to do about 50-70% of normal activity; able to do light work at home or leave the house."
        ),
    )
    B50 = (
        50,
        _(
            "50: Moderate symptoms at rest. Daily activity limited; able to do about 50-70% of normal activity; unable to work full time."
        ),
    )
    B60 = (
        60,
        _(
            "60: Mild to moderate symptoms at rest. Daily activity limited to about 70-90%; unable to work full time in a job needing physical labour, but able to do light work part time."
        ),
    )
    B70 = (
        70,
        _(
            "70: Mild symptoms at rest. Daily activity limited to about 70-90%; able to work full time with difficulty."
        ),
    )
    B80 = (
        80,
        _(
            "80: Mild symptoms with exercise. Near-normal activity; able to work full time with difficulty."
        ),
    )
    B90 = (
        90,
        _(
            "90: No symptoms at rest; mild symptoms with activity. Normal activity level; able to work full time without difficulty."
        ),
    )
    B100 = (
        100,
        _(
            "100: No symptoms at rest or with exercise. Normal overall activity; able to work full time without difficulty."
        ),
    )


class Entry(TimeStamped):
    """One day of the diary. Every field is optional: unanswered is missing, never
    zero. One entry per user per local date."""

    # No index of its own: entry_one_per_user_per_date's (user, date) serves
    # every lookup by user, and one index fewer is one less to write each time
    # a check-in changes the row.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,
    )
    date = models.DateField(_("date"))
    function_score = models.PositiveSmallIntegerField(
        _("overall function (Bell scale)"),
        choices=BellScore.choices,
        null=True,
        blank=True,
    )
    hours_upright = models.DecimalField(
        _("hours upright"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    sleep_hours = models.DecimalField(
        _("hours of sleep"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    sleep_quality = models.PositiveSmallIntegerField(
        _("sleep quality (0 = very poor, 10 = very good)"),
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    physical_exertion = models.PositiveSmallIntegerField(
        _("physical exertion (0-10)"),
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    cognitive_exertion = models.PositiveSmallIntegerField(
        _("cognitive exertion (0-10)"),
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint("user", "date", name="entry_one_per_user_per_date"),
            models.CheckConstraint(
                condition=Q(function_score__isnull=True)
                | Q(function_score__in=list(range(0, 101, 10))),
                name="entry_function_score_bell_steps",
            ),
            models.CheckConstraint(
                condition=Q(hours_upright__isnull=True)
                | Q(hours_upright__gte=0, hours_upright__lte=24),
                name="entry_hours_upright_0_24",
            ),
            models.CheckConstraint(
                condition=Q(sleep_hours__isnull=True)
                | Q(sleep_hours__gte=0, sleep_hours__lte=24),
                name="entry_sleep_hours_0_24",
            ),
            models.CheckConstraint(
                condition=Q(sleep_quality__isnull=True)
                | Q(sleep_quality__gte=0, sleep_quality__lte=10),
                name="entry_sleep_quality_0_10",
            ),
            models.CheckConstraint(
                condition=Q(physical_exertion__isnull=True)
                | Q(physical_exertion__gte=0, physical_exertion__lte=10),
                name="entry_physical_exertion_0_10",
            ),
            models.CheckConstraint(
                condition=Q(cognitive_exertion__isnull=True)
                | Q(cognitive_exertion__gte=0, cognitive_exertion__lte=10),
                name="entry_cognitive_exertion_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Entry {self.date.isoformat()}"


class SymptomScore(models.Model):
    # No index of its own: symptom_score_one_per_entry's (entry, symptom) serves
    # every lookup by entry.
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    symptom = models.ForeignKey(Symptom, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "entry", "symptom", name="symptom_score_one_per_entry"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10), name="symptom_score_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symptom_id}={self.score}"


class ScoreRollup(models.Model):
    """The sum and the number of logged days of one symptom's scores in one ISO
    week or calendar month: derived from ``SymptomScore`` and kept up to date by
    ``diary.rollups`` on every write, so that a trends chart of ten years reads
    one row per symptom and period instead of every day. Never shown or exported
    as such; ``manage.py rebuild_rollups`` recomputes them from the scores."""

    class Period(models.TextChoices):
        WEEK = "week", _("ISO week")
        MONTH = "month", _("Calendar month")

    # No index of its own: score_rollup_one_per_period's leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    symptom = models.ForeignKey(Symptom, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=5, choices=Period.choices)
    # The Monday of the week, or the first day of the month.
    start = models.DateField()
    score_sum = models.PositiveIntegerField()
    days_logged = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user", "period", "start", "symptom", name="score_rollup_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start.isoformat()} {self.symptom_id}"


class Crash(TimeStamped):
    """A post-exertional malaise episode, spanning days. No end date: ongoing."""

    class Severity(models.IntegerChoices):
        MILD = 1, _("Mild: symptoms worse, still managing some usual activity")
        MODERATE = 2, _("Moderate: most usual activity stopped")
        SEVERE = 3, _("Severe: mostly in bed")
        VERY_SEVERE = 4, _("Very severe: bedbound, unable to do basic care")

    class Trigger(models.TextChoices):
        PHYSICAL = "physical", _("Physical exertion")
        COGNITIVE = "cognitive", _("Cognitive exertion")
        EMOTIONAL = "emotional", _("Emotional stress")
        INFECTION = "infection", _("Infection or illness")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crashes"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty while ongoing.")
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    trigger = models.CharField(
        _("suspected trigger"),
        max_length=16,
        choices=Trigger.choices,
        default=Trigger.UNKNOWN,
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)

    objects = CrashQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="crash_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4),
                name="crash_severity_1_4",
            ),
        ]

    def __str__(self) -> str:
        return f"Crash from {self.start_date.isoformat()}"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The end date cannot be before the start date.")}
            )

    @property
    def is_ongoing(self) -> bool:
        return self.end_date is None

    def duration_days(self, today: datetime.date) -> int:
        end = self.end_date or today
        return (end - self.start_date).days + 1


class TreatmentCourse(TimeStamped):
    """A course of low-dose naltrexone. The current dose is derived from the dose
    history, never stored twice."""

    class Formulation(models.TextChoices):
        CAPSULE = "capsule", _("Capsule")
        LIQUID = "liquid", _("Liquid")
        TABLET = "tablet", _("Tablet")
        SUBLINGUAL = "sublingual", _("Sublingual")
        CREAM = "cream", _("Cream")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courses"
    )
    medication = models.CharField(
        _("medication"), max_length=80, default="Low-dose naltrexone (LDN)"
    )
    start_date = models.DateField(_("LDN start date"))
    formulation = models.CharField(
        _("formulation"), max_length=16, choices=Formulation.choices
    )
    strength = models.CharField(
        _("strength"),
        max_length=40,
        blank=True,
        help_text=_("As on the label, for example 1 mg/ml or 4.5 mg capsules."),
    )
    pharmacy = models.CharField(_("pharmacy"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.medication} from {self.start_date.isoformat()}"


class DoseChange(TimeStamped):
    """A dated step in the dose history. Pause and stop carry no dose."""

    class TimeOfDay(models.TextChoices):
        MORNING = "morning", _("Morning")
        MIDDAY = "midday", _("Midday")
        EVENING = "evening", _("Evening")
        BEDTIME = "bedtime", _("Bedtime")

    class Reason(models.TextChoices):
        START = "start", _("Start")
        PLANNED_STEP = "planned_step", _("Planned step")
        SIDE_EFFECT = "side_effect", _("Side effect")
        PAUSE = "pause", _("Pause")
        RESTART = "restart", _("Restart")
        STOP = "stop", _("Stop")

    NO_DOSE_REASONS = (Reason.PAUSE, Reason.STOP)

    # No index of its own: dose_change_one_per_day's leads with it.
    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.CASCADE,
        related_name="dose_changes",
        db_index=False,
    )
    date = models.DateField(_("date"))
    dose_mg = models.DecimalField(
        _("dose (mg)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(DOSE_MAX_MG)],
    )
    time_of_day = models.CharField(
        _("time of day"), max_length=10, choices=TimeOfDay.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = CourseOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint("course", "date", name="dose_change_one_per_day"),
            models.CheckConstraint(
                condition=(
                    Q(reason__in=["pause", "stop"], dose_mg__isnull=True)
                    | (
                        ~Q(reason__in=["pause", "stop"])
                        & Q(dose_mg__isnull=False, dose_mg__gt=0, dose_mg__lte=50)
                    )
                ),
                name="dose_change_dose_matches_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()}: {self.dose_mg or '-'} mg ({self.reason})"


class MissedDose(TimeStamped):
    # No index of its own: missed_dose_one_per_day's leads with it.
    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.CASCADE,
        related_name="missed_doses",
        db_index=False,
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = CourseOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint("course", "date", name="missed_dose_one_per_day")
        ]

    def __str__(self) -> str:
        return f"Missed dose {self.date.isoformat()}"


class SideEffect(TimeStamped):
    class Kind(models.TextChoices):
        VIVID_DREAMS = "vivid_dreams", _("Vivid dreams")
        INSOMNIA = "insomnia", _("Insomnia")
        HEADACHE = "headache", _("Headache")
        NAUSEA = "nausea", _("Nausea")
        FATIGUE = "fatigue", _("Fatigue")
        ANXIETY = "anxiety", _("Anxiety")
        OTHER = "other", _("Other")

    class Severity(models.IntegerChoices):
        NONE = 0, _("0: none")
        MILD = 1, _("1: mild")
        MODERATE = 2, _("2: moderate")
        SEVERE = 3, _("3: severe")

    # No index of its own: side_effect_one_per_kind_per_day's leads with it.
    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.CASCADE,
        related_name="side_effects",
        db_index=False,
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("side effect"), max_length=16, choices=Kind.choices)
    other_description = models.CharField(
        _("describe (if other)"), max_length=120, blank=True
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = CourseOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "kind"]
        constraints = [
            models.UniqueConstraint(
                "course",
                "date",
                "kind",
                "other_description",
                name="side_effect_one_per_kind_per_day",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=0, severity__lte=3),
                name="side_effect_severity_0_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.OTHER and self.other_description:
            return self.other_description
        return str(self.get_kind_display())


class Medication(TimeStamped):
    """Another medication or supplement, with start and stop dates."""

    class Kind(models.TextChoices):
        MEDICATION = "medication", _("Medication")
        SUPPLEMENT = "supplement", _("Supplement")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medications"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.MEDICATION
    )
    dose = models.CharField(
        _("dose"),
        max_length=80,
        blank=True,
        help_text=_("For example 200 mg twice a day."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    stop_date = models.DateField(_("stop date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["stop_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(stop_date__gte=models.F("start_date")),
                name="medication_stop_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.stop_date and self.stop_date < self.start_date:
            raise ValidationError(
                {"stop_date": _("The stop date cannot be before the start date.")}
            )


# Models of the sub-packages, imported here so Django finds them in the diary app.
from .comparison.models import PrimaryOutcomeChoice  # noqa: E402
from .exports.models import ExportJob  # noqa: E402
from .reminders.models import ReminderDelivery  # noqa: E402
from .sharing.models import ShareAccess, ShareLink  # noqa: E402

__all__ = [
    "BellScore",
    "Crash",
    "DoseChange",
    "Entry",
    "ExportJob",
    "Medication",
    "MissedDose",
    "PrimaryOutcomeChoice",
    "ReminderDelivery",
    "ScoreRollup",
    "ShareAccess",
    "ShareLink",
    "SideEffect",
    "Symptom",
    "SymptomScore",
    "Tombstone",
    "TrackedSymptom",
    "TreatmentCourse",
]
