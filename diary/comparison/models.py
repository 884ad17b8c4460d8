"""The patient's primary outcome: the one outcome the comparison leads with.

Every choice is kept with the time it was made (the latest is the current one),
so a doctor can see whether it was chosen before the numbers were seen.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary.managers import OwnedQuerySet

FUNCTION = "function"
HOURS_UPRIGHT = "hours_upright"
SYMPTOM = "symptom"


class PrimaryOutcomeChoice(models.Model):
    class Outcome(models.TextChoices):
        FUNCTION = FUNCTION, _("Overall function (Bell scale)")
        HOURS_UPRIGHT = HOURS_UPRIGHT, _("Hours upright")
        SYMPTOM = SYMPTOM, _("A symptom")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="primary_outcome_choices",
    )
    outcome = models.CharField(_("primary outcome"), max_length=16, choices=Outcome)
    symptom = models.ForeignKey(
        "diary.Symptom",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    chosen_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-chosen_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome=SYMPTOM) & Q(symptom__isnull=False))
                | (~Q(outcome=SYMPTOM) & Q(symptom__isnull=True)),
                name="primary_outcome_symptom_iff_symptom_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} at {self.chosen_at.isoformat()}"

    @property
    def key(self) -> str:
        if self.outcome == SYMPTOM and self.symptom is not None:
            return f"symptom:{self.symptom.uuid}"
        return self.outcome
