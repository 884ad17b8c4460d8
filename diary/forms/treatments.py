"""Forms for the treatments pages: the LDN course and its dose history, missed
doses, side effects, other medications, and the opioid question.

They check the shape of the input; the services in ``diary.services`` enforce the
rules (dates not in the future, not before the course started, one dose change a
day...) and the views attach the services' messages to these forms.

None of these forms offers or suggests a dose: the patient types what their
prescriber decided.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from diary.models import (
    DOSE_MAX_MG,
    DoseChange,
    Medication,
    SideEffect,
    TreatmentCourse,
)

from .fields import (
    LenientDecimalField,
    PlainErrorsMixin,
    date_field,
    limit_dates_to,
    notes_field,
)

DOSE_RANGE_MESSAGE = _("The dose must be more than 0 and at most 50 mg.")
DOSE_STEP_MESSAGE = _("Use 0.1 mg steps, for example 1.5 or 4.5 (mg).")
NO_DOSE_FOR_PAUSE = _("A pause or stop has no dose: leave the dose empty.")
DOSE_REQUIRED = _("Enter the dose in mg.")


def dose_field(**kwargs) -> LenientDecimalField:
    """A dose in mg: more than 0, at most 50, in 0.1 mg steps; "1,5" is 1.5."""
    kwargs.setdefault("label", _("Dose (mg)"))
    return LenientDecimalField(
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=DOSE_MAX_MG,
        error_messages={
            "min_value": DOSE_RANGE_MESSAGE,
            "max_value": DOSE_RANGE_MESSAGE,
            "max_digits": DOSE_RANGE_MESSAGE,
            "max_whole_digits": DOSE_RANGE_MESSAGE,
            "max_decimal_places": DOSE_STEP_MESSAGE,
        },
        **kwargs,
    )


def _blank_first(choices, label=None):
    return [("", label or "—"), *choices]


class _DatesUpToToday(PlainErrorsMixin, forms.Form):
    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates_to(self, today)


class CourseForm(_DatesUpToToday):
    start_date = date_field(label=_("LDN start date"))
    formulation = forms.ChoiceField(
        label=_("Formulation"),
        choices=_blank_first(TreatmentCourse.Formulation.choices, _("Choose…")),
    )
    strength = forms.CharField(
        label=_("Strength"),
        max_length=40,
        required=False,
        help_text=_("As on the label, for example 1 mg/ml or 4.5 mg capsules."),
    )
    pharmacy = forms.CharField(label=_("Pharmacy"), max_length=120, required=False)
    notes = notes_field()

    @classmethod
    def initial_from(cls, course: TreatmentCourse) -> dict:
        return {name: getattr(course, name) for name in cls.base_fields}


class CourseCreateForm(CourseForm):
    first_dose_mg = dose_field(
        label=_("First dose (mg)"),
        required=False,
        help_text=_(
            "Optional: the dose your prescriber set for the start date. "
            "You can add it, and every later step, on the course page."
        ),
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=_blank_first(DoseChange.TimeOfDay.choices),
        required=False,
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("time_of_day")
            and cleaned.get("first_dose_mg") is None
            and "first_dose_mg" not in self.errors
        ):
            self.add_error(
                "first_dose_mg",
                _("Enter the first dose too, or leave the time of day empty."),
            )
        return cleaned


class DoseChangeForm(_DatesUpToToday):
    prefix = "dose"

    date = date_field(label=_("Date"))
    reason = forms.ChoiceField(
        label=_("What happened"),
        choices=_blank_first(DoseChange.Reason.choices, _("Choose…")),
    )
    dose_mg = dose_field(
        required=False,
        help_text=_("As prescribed, in mg. Leave empty for a pause or a stop."),
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=_blank_first(DoseChange.TimeOfDay.choices),
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        reason = cleaned.get("reason")
        if not reason or "dose_mg" in self.errors:
            return cleaned
        dose = cleaned.get("dose_mg")
        if reason in DoseChange.NO_DOSE_REASONS:
            # A pause or stop is not taken at any time of day.
            cleaned["time_of_day"] = ""
        if reason in DoseChange.NO_DOSE_REASONS and dose is not None:
            self.add_error("dose_mg", NO_DOSE_FOR_PAUSE)
        elif reason not in DoseChange.NO_DOSE_REASONS and dose is None:
            self.add_error("dose_mg", DOSE_REQUIRED)
        return cleaned

    @classmethod
    def initial_from(cls, change: DoseChange) -> dict:
        return {name: getattr(change, name) for name in cls.base_fields}


class MissedDoseForm(_DatesUpToToday):
    prefix = "missed"

    date = date_field(label=_("Date"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SideEffectForm(_DatesUpToToday):
    prefix = "effect"

    date = date_field(label=_("Date"))
    kind = forms.ChoiceField(
        label=_("Side effect"),
        choices=_blank_first(SideEffect.Kind.choices, _("Choose…")),
    )
    other_description = forms.CharField(
        label=_("Describe (if other)"), max_length=120, required=False
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=SideEffect.Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Severity: choose one, from 0 to 3."),
            "invalid_choice": _("Severity: choose one, from 0 to 3."),
        },
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MedicationForm(_DatesUpToToday):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Medication.Kind.choices,
        initial=Medication.Kind.MEDICATION,
    )
    dose = forms.CharField(
        label=_("Dose"),
        max_length=80,
        required=False,
        help_text=_("As you take it, for example 200 mg twice a day."),
    )
    start_date = date_field(label=_("Start date"), required=False)
    stop_date = date_field(
        label=_("Stop date"),
        required=False,
        help_text=_("Leave empty while you still take it."),
    )
    notes = notes_field()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, stop = cleaned.get("start_date"), cleaned.get("stop_date")
        if start and stop and stop < start:
            self.add_error(
                "stop_date", _("The stop date cannot be before the start date.")
            )
        return cleaned

    @classmethod
    def initial_from(cls, medication: Medication) -> dict:
        return {name: getattr(medication, name) for name in cls.base_fields}


class OpioidAnswerForm(PlainErrorsMixin, forms.Form):
    takes_opioids = forms.ChoiceField(
        label=_("Do you take opioid medicines?"),
        help_text=_(
            "For example codeine, tramadol, morphine, oxycodone or fentanyl, "
            "including in cough or pain medicines."
        ),
        choices=[(v, label) for v, label in User.OpioidAnswer.choices if v],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one answer."),
            "invalid_choice": _("Choose one answer."),
        },
    )
