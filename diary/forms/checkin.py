"""The daily check-in: one screen, every answer optional, unanswered is missing."""

import datetime
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..models import NOTES_MAX_LENGTH, BellScore, Entry, Symptom
from .fields import (
    DiaryDateField,
    IsoDateInput,
    LenientDecimalField,
    PlainErrorsMixin,
    notes_field,
)

StrOrPromise = Any  # str or a lazy translation

SCORE_CHOICES = [("", _("Not answered"))] + [(str(i), str(i)) for i in range(11)]
NOT_ANSWERED = _("Not answered")


def score_field(
    label: StrOrPromise, help_text: StrOrPromise = ""
) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


def hours_field(label: StrOrPromise) -> LenientDecimalField:
    # Plain messages that name the field and its limits (Django's default is
    # "Ensure this value is less than or equal to 24").
    out_of_range = format_lazy(
        _("{label}: enter a number of hours from 0 to 24, for example 7.5."),
        label=label,
    )
    return LenientDecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=24,
        max_digits=3,
        decimal_places=1,
        error_messages={
            "min_value": out_of_range,
            "max_value": out_of_range,
            "max_digits": out_of_range,
            "max_whole_digits": out_of_range,
            "max_decimal_places": format_lazy(
                _("{label}: one decimal place at most, for example 7.5."),
                label=label,
            ),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class CheckinForm(PlainErrorsMixin, forms.Form):
    """Scores for the given symptoms, plus the optional day fields."""

    date = DiaryDateField(label=_("Date"), widget=IsoDateInput)
    function_score = forms.TypedChoiceField(
        label=_("Overall function (Bell disability scale)"),
        help_text=_("Pick the line that best describes today."),
        choices=[("", NOT_ANSWERED)] + [(str(v), lbl) for v, lbl in BellScore.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    hours_upright = hours_field(_("Hours upright (sitting up, standing or walking)"))
    sleep_hours = hours_field(_("Hours of sleep"))
    sleep_quality = score_field(_("Sleep quality"), _("0 = very poor, 10 = very good"))
    physical_exertion = score_field(
        _("Physical exertion"), _("0 = none at all, 10 = the most you can do")
    )
    cognitive_exertion = score_field(
        _("Cognitive exertion"), _("0 = none at all, 10 = the most you can do")
    )
    notes = notes_field(
        help_text=_("Private. Up to %(limit)s characters.")
        % {"limit": f"{NOTES_MAX_LENGTH:,}"},
    )

    DAY_FIELDS = (
        "function_score",
        "hours_upright",
        "sleep_hours",
        "sleep_quality",
        "physical_exertion",
        "cognitive_exertion",
        "notes",
    )

    def __init__(self, *args, symptoms: list[Symptom], today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.symptoms = symptoms
        self.today = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        for symptom in symptoms:
            self.fields[self.symptom_field_name(symptom)] = score_field(symptom.name)

    @staticmethod
    def symptom_field_name(symptom: Symptom) -> str:
        return f"symptom_{symptom.pk}"

    def symptom_fields(self):
        return [self[self.symptom_field_name(s)] for s in self.symptoms]

    def optional_fields(self):
        return [self[name] for name in self.DAY_FIELDS if name != "notes"]

    def clean_date(self) -> datetime.date:
        value = self.cleaned_data["date"]
        if value > self.today:
            raise forms.ValidationError(
                _("This date is in the future. You can log today or earlier days.")
            )
        return value

    def scores(self) -> dict[int, int | None]:
        return {
            s.pk: self.cleaned_data.get(self.symptom_field_name(s))
            for s in self.symptoms
        }

    def day_fields(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in self.DAY_FIELDS}

    @classmethod
    def initial_from(cls, entry: Entry, *, include_notes: bool = True) -> dict:
        """Form initial values from a saved entry (its scores must be prefetched)."""
        initial: dict[str, object] = {
            name: getattr(entry, name)
            for name in cls.DAY_FIELDS
            if include_notes or name != "notes"
        }
        for score in entry.scores.all():
            initial[f"symptom_{score.symptom_id}"] = str(score.score)
        return initial
