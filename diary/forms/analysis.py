"""The before/after analysis settings and the primary-outcome choice.

``AnalysisForm`` (GET, nothing saved): how many weeks before LDN make the
baseline, and how many weeks the on-LDN window lasts. The windows themselves
come from the dose history (see :mod:`diary.comparison.windows`).

``PrimaryOutcomeForm`` (POST): the outcome the comparison leads with; the choice
is recorded with its time by :func:`diary.comparison.services.primary_outcome_choose`.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from diary.comparison.windows import (
    BASELINE_WEEKS_DEFAULT,
    ON_WEEKS_DEFAULT,
    WEEKS_MAX,
    WEEKS_MIN,
)

from .fields import PlainErrorsMixin

WEEKS_LIMITS = {"min": WEEKS_MIN, "max": WEEKS_MAX}


def _weeks_message(field: str) -> str:
    return gettext("%(field)s: enter a whole number from %(min)d to %(max)d.") % {
        "field": field,
        **WEEKS_LIMITS,
    }


def _weeks_help() -> str:
    return gettext("From %(min)d to %(max)d weeks; 8 unless you change it.") % (
        WEEKS_LIMITS
    )


def _weeks_field(label, message_label) -> forms.IntegerField:
    message = lazy(_weeks_message, str)(message_label)
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=WEEKS_MIN,
        max_value=WEEKS_MAX,
        help_text=lazy(_weeks_help, str)(),
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AnalysisForm(PlainErrorsMixin, forms.Form):
    baseline_weeks = _weeks_field(
        _("Weeks before LDN to use as the baseline"), _("Weeks before LDN")
    )
    on_weeks = _weeks_field(_("Weeks on LDN to compare"), _("Weeks on LDN"))

    def clean_baseline_weeks(self):
        weeks = self.cleaned_data["baseline_weeks"]
        return BASELINE_WEEKS_DEFAULT if weeks is None else weeks

    def clean_on_weeks(self):
        weeks = self.cleaned_data["on_weeks"]
        return ON_WEEKS_DEFAULT if weeks is None else weeks

    def parameters(self) -> dict:
        """Keyword arguments for ``comparison_for_user``; call after is_valid()."""
        return {
            "baseline_weeks": self.cleaned_data["baseline_weeks"],
            "on_weeks": self.cleaned_data["on_weeks"],
        }


class PrimaryOutcomeForm(PlainErrorsMixin, forms.Form):
    primary_outcome = forms.ChoiceField(
        label=_("Primary outcome"),
        help_text=_(
            "The one outcome that matters most to you. Choose it before looking at "
            "the numbers; the date you choose it is recorded and shown."
        ),
        error_messages={
            "required": _("Primary outcome: choose one."),
            "invalid_choice": _(
                "Primary outcome: choose function, hours upright or one of the "
                "symptoms you track."
            ),
        },
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["primary_outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(choices)
