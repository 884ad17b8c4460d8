"""The export request form: a format, a range (a preset or your own dates) and the
sections. It resolves the range to two dates; ``services.export_request`` checks
the rules (at most two years, nothing in the future)."""

import datetime

from django import forms
from django.db.models import Min
from django.utils.translation import gettext_lazy as _

from diary.forms.fields import PlainErrorsMixin, date_field, limit_dates_to
from diary.models import TreatmentCourse

from .models import DEFAULT_SECTIONS, ExportJob, ExportSection
from .services import MAX_RANGE_DAYS

CUSTOM = "custom"
DAY_PRESETS = {"14": 14, "30": 30, "90": 90}
PRESET_CHOICES = [
    ("14", _("Last 14 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("ldn", _("Since LDN start")),
    (CUSTOM, _("My own dates (up to 2 years)")),
]
FORMAT_HELP = {
    ExportJob.Format.PDF: _("For your doctor: a one-page summary, then the detail."),
    ExportJob.Format.CSV_TIDY: _("For a spreadsheet: one row per day and symptom."),
    ExportJob.Format.CSV_WIDE: _("For a spreadsheet: one row per day."),
    ExportJob.Format.FHIR: _("For health-record systems (HL7 FHIR R4)."),
}
DATE_INVALID = _("Enter a date as YYYY-MM-DD, for example 2026-01-31.")


class ExportForm(PlainErrorsMixin, forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.PDF,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a format."),
            "invalid_choice": _("Choose one of the export formats."),
        },
    )
    preset = forms.ChoiceField(
        label=_("Range"),
        choices=PRESET_CHOICES,
        initial="30",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a range."),
            "invalid_choice": _("Choose one of the ranges."),
        },
    )
    start = date_field(
        label=_("From"), required=False, error_messages={"invalid": DATE_INVALID}
    )
    end = date_field(
        label=_("To"),
        required=False,
        help_text=_("Filling in the dates chooses your own range."),
        error_messages={"invalid": DATE_INVALID},
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections"),
        choices=ExportSection.choices,
        initial=DEFAULT_SECTIONS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Notes are private: they are left out unless you tick them. Tick them "
            "only if you want your doctor to read them."
        ),
        error_messages={
            "required": _("Choose at least one section."),
            "invalid_choice": _("Choose sections from the list."),
        },
    )
    display_name = forms.CharField(
        label=_("Your name on the report"),
        max_length=80,
        required=False,
        help_text=_("Optional. Shown to your doctor; your email address never is."),
        error_messages={
            "max_length": _("The name can be at most 80 characters long."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.today = user.local_today()
        limit_dates_to(self, self.today)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if any(name in self.errors for name in ("preset", "start", "end")):
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None or end is not None or cleaned.get("preset") == CUSTOM:
            cleaned["preset"] = CUSTOM
            if start is None:
                self.add_error("start", _("Choose the first day of the range."))
            if end is None:
                self.add_error("end", _("Choose the last day of the range."))
            return cleaned
        preset = cleaned.get("preset")
        if not preset:
            return cleaned
        end = self.today
        if preset in DAY_PRESETS:
            start = end - datetime.timedelta(days=DAY_PRESETS[preset] - 1)
        else:  # since the LDN start
            start = (
                TreatmentCourse.objects.for_user(self.user)
                .filter(start_date__lte=end)
                .aggregate(first=Min("start_date"))["first"]
            )
            if start is None:
                self.add_error(
                    "preset",
                    _(
                        "You have not recorded an LDN start date yet; choose "
                        "another range."
                    ),
                )
                return cleaned
            # An export covers at most two years: the most recent ones.
            start = max(start, end - datetime.timedelta(days=MAX_RANGE_DAYS - 1))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def service_kwargs(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "format": cleaned["format"],
            "start": cleaned["start"],
            "end": cleaned["end"],
            "sections": cleaned["sections"],
            "display_name": cleaned["display_name"],
        }
