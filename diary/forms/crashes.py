"""The crash (post-exertional malaise episode) form. It checks the shape of the
input; ``diary.services.crash_create`` / ``crash_update`` enforce the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.models import Crash

from .fields import PlainErrorsMixin, date_field, limit_dates_to, notes_field


class CrashForm(PlainErrorsMixin, forms.Form):
    start_date = date_field(label=_("Start date"))
    end_date = date_field(
        label=_("End date"),
        required=False,
        help_text=_("Leave empty while the crash is ongoing."),
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=Crash.Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    trigger = forms.ChoiceField(
        label=_("Suspected trigger"),
        choices=Crash.Trigger.choices,
        initial=Crash.Trigger.UNKNOWN,
    )
    notes = notes_field()

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates_to(self, today)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", _("The end date cannot be before the start date.")
            )
        return cleaned

    @classmethod
    def initial_from(cls, crash: Crash) -> dict:
        return {
            "start_date": crash.start_date,
            "end_date": crash.end_date,
            "severity": crash.severity,
            "trigger": crash.trigger,
            "notes": crash.notes,
        }
