"""Forms of the trends page: the date range (query parameters of the page and of
its JSON endpoint) and the symptom toggles remembered per user."""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils.translation import gettext_lazy as _

from diary.models import TreatmentCourse
from diary.trends import MAX_RANGE_YEARS, earliest_allowed_start
from diary.trends_cache import first_logged_day

from .fields import PlainErrorsMixin, date_field, limit_dates_to

DEFAULT_PRESET = "90"
DAY_PRESETS = {"30": 30, "90": 90, "180": 180, "365": 365}
PRESET_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("180", _("180 days")),
    ("365", _("1 year")),
    ("ldn", _("Since LDN start")),
    ("all", _("All")),
]
DATE_INVALID = _("Enter a date as YYYY-MM-DD, for example 2026-01-31.")


class TrendsRangeForm(PlainErrorsMixin, forms.Form):
    """Either a preset (``preset``) or your own dates (``start``, optional ``end``).

    Dates win when both are sent. After validation ``cleaned_data`` holds the
    resolved ``range_start`` and ``range_end``: an end after the user's today is
    moved back to today, an end before the start is an error, and a range may
    span at most 20 years (presets that reach further back are shortened).
    """

    preset = forms.ChoiceField(
        label=_("Range"),
        choices=PRESET_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": _(
                "Choose 30, 90, 180 or 365 days, since LDN start, or all."
            )
        },
    )
    start = date_field(
        label=_("From"), required=False, error_messages={"invalid": DATE_INVALID}
    )
    end = date_field(
        label=_("To"),
        required=False,
        help_text=_("Leave empty for today."),
        error_messages={"invalid": DATE_INVALID},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.today = user.local_today()
        limit_dates_to(self, self.today)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None or end is not None:
            cleaned["preset"] = ""
            self._clean_dates(cleaned, start, end)
        else:
            cleaned["preset"] = cleaned.get("preset") or DEFAULT_PRESET
            self._clean_preset(cleaned, cleaned["preset"])
        return cleaned

    def _clean_dates(self, cleaned, start, end):
        today = self.today
        if start is None:
            self.add_error("start", _("Choose the first day of the range."))
            return
        end = min(end or today, today)
        if start > today:
            self.add_error(
                "start", _("The start date is in the future; choose today or earlier.")
            )
            return
        if end < start:
            self.add_error("end", _("The end date is before the start date."))
            return
        if start < earliest_allowed_start(end):
            self.add_error(
                "start",
                _("Choose a range of at most %(years)d years.")
                % {"years": MAX_RANGE_YEARS},
            )
            return
        cleaned["range_start"], cleaned["range_end"] = start, end

    def _clean_preset(self, cleaned, preset):
        end = self.today
        if preset in DAY_PRESETS:
            start = end - datetime.timedelta(days=DAY_PRESETS[preset] - 1)
        elif preset == "ldn":
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
                return
        else:  # "all"
            start = first_logged_day(self.user, end) or end
        cleaned["range_start"] = max(start, earliest_allowed_start(end))
        cleaned["range_end"] = end

    def error_dict(self) -> dict[str, list[str]]:
        """``{field: [messages]}`` for a JSON error response."""
        return {
            field: [str(message) for message in messages]
            for field, messages in self.errors.items()
        }


class UUIDListField(forms.Field):
    """Several UUIDs sent under one name (checkboxes or hidden inputs)."""

    widget = forms.MultipleHiddenInput
    max_items = 500
    default_error_messages = {
        "invalid": _("“%(value)s” is not a symptom on your list."),
        "too_many": _("Too many symptoms were sent (at most %(limit)d)."),
    }

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        if len(value) > self.max_items:
            raise ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": self.max_items},
            )
        parsed = []
        for item in value:
            try:
                parsed.append(uuid.UUID(str(item)))
            except ValueError:
                raise ValidationError(
                    self.error_messages["invalid"],
                    code="invalid",
                    params={"value": str(item)[:40]},
                ) from None
        return parsed


class TrendsPreferencesForm(PlainErrorsMixin, forms.Form):
    """The symptom toggles: ``shown`` are the ticked symptoms (symptom UUIDs);
    ``offered`` are all the symptoms the page offered, so a symptom that was not
    on the page keeps its setting."""

    shown = UUIDListField(label=_("Symptoms shown on the chart"), required=False)
    offered = UUIDListField(required=False)

    def error_dict(self) -> dict[str, list[str]]:
        return {
            field: [str(message) for message in messages]
            for field, messages in self.errors.items()
        }
