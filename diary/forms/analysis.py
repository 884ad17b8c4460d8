"""The before/after analysis settings: which comparison period, and how many weeks
before LDN make the baseline. A GET form: nothing is saved.

It checks the shape of the input (a known choice, real dates, no future dates, the
end not before the start, 2 to 52 weeks). Rules that need the LDN course (the
comparison must start on or after the LDN start; "since reaching my current dose"
needs a recorded dose) are checked by ``diary.before_after.before_after_report``,
whose errors the view attaches to the same fields.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from diary.before_after import (
    BASELINE_WEEKS_DEFAULT,
    BASELINE_WEEKS_MAX,
    BASELINE_WEEKS_MIN,
    COMPARISON_CHOICES,
    CUSTOM,
    LAST_8_WEEKS,
)

from .fields import date_field, limit_dates_to

WEEKS_LIMITS = {"min": BASELINE_WEEKS_MIN, "max": BASELINE_WEEKS_MAX}


def _weeks_message() -> str:
    return (
        gettext("Weeks before LDN: enter a whole number from %(min)d to %(max)d.")
        % WEEKS_LIMITS
    )


def _weeks_help() -> str:
    return gettext("From %(min)d to %(max)d weeks; 8 unless you change it.") % (
        WEEKS_LIMITS
    )


WEEKS_MESSAGE = lazy(_weeks_message, str)()
FUTURE_MESSAGE = _(
    "%(field)s: this date is in the future. Choose today or an earlier day."
)


class AnalysisForm(forms.Form):
    comparison = forms.ChoiceField(
        label=_("Compare the weeks before LDN with"),
        choices=COMPARISON_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": _(
                "Comparison period: choose the last 8 weeks, since reaching your "
                "current dose, or dates you choose."
            )
        },
    )
    start = date_field(
        label=_("Comparison start"),
        required=False,
        help_text=_("Only for dates you choose. On or after your LDN start date."),
        error_messages={
            "invalid": _("Comparison start: enter a date such as 2026-01-31.")
        },
    )
    end = date_field(
        label=_("Comparison end"),
        required=False,
        help_text=_("Only for dates you choose. Today or earlier."),
        error_messages={
            "invalid": _("Comparison end: enter a date such as 2026-01-31.")
        },
    )
    baseline_weeks = forms.IntegerField(
        label=_("Weeks before LDN to use as the baseline"),
        required=False,
        min_value=BASELINE_WEEKS_MIN,
        max_value=BASELINE_WEEKS_MAX,
        help_text=lazy(_weeks_help, str)(),
        error_messages={
            "invalid": WEEKS_MESSAGE,
            "min_value": WEEKS_MESSAGE,
            "max_value": WEEKS_MESSAGE,
        },
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        limit_dates_to(self, today)

    def clean_comparison(self):
        return self.cleaned_data["comparison"] or LAST_8_WEEKS

    def clean_baseline_weeks(self):
        weeks = self.cleaned_data["baseline_weeks"]
        return BASELINE_WEEKS_DEFAULT if weeks is None else weeks

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("comparison") != CUSTOM:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        for name in ("start", "end"):
            value = cleaned.get(name)
            if name in self.errors:
                continue
            if value is None:
                self.add_error(
                    name,
                    _("%(field)s: enter a date, or choose another comparison period.")
                    % {"field": self.fields[name].label},
                )
            elif self.today is not None and value > self.today:
                self.add_error(
                    name, FUTURE_MESSAGE % {"field": self.fields[name].label}
                )
        valid_dates = "start" not in self.errors and "end" not in self.errors
        if valid_dates and start and end and end < start:
            self.add_error(
                "end",
                _("Comparison end: the end date cannot be before the start date."),
            )
        return cleaned

    def parameters(self) -> dict:
        """Keyword arguments for ``before_after_report``; call after is_valid()."""
        data = self.cleaned_data
        custom = data["comparison"] == CUSTOM
        return {
            "comparison": data["comparison"],
            "start": data.get("start") if custom else None,
            "end": data.get("end") if custom else None,
            "baseline_weeks": data["baseline_weeks"],
        }
