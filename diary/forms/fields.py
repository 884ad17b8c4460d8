"""Form fields and small form helpers shared by the diary's pages."""

import datetime
import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from diary.dates import EARLIEST_DATE, validate_diary_date
from diary.models import NOTES_MAX_LENGTH

# A plain decimal number: optional sign, digits, at most one decimal point.
# No exponents ("1e3"), digit separators ("1_000"), NaN or infinity.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class LenientDecimalField(forms.DecimalField):
    """A ``DecimalField`` that does not care which decimal separator the user's
    keyboard or locale produces: "1.5" and "1,5" are both 1.5.

    A single comma with no dot is read as the decimal point. Anything else that is
    not a plain decimal number ("1,5,3", "1.000,5", "abc", "1e3") is rejected with
    a clear message. ``max_digits``, ``decimal_places``, ``min_value`` and
    ``max_value`` work as on ``forms.DecimalField``; so do their error messages,
    which a form can replace through ``error_messages`` (codes ``invalid``,
    ``max_decimal_places``, ``max_digits``, ``max_whole_digits``, ``min_value``,
    ``max_value``).

    The widget is a text input with ``inputmode="decimal"``: a phone shows a number
    pad, and, unlike ``<input type="number">``, no browser silently drops "1,5".
    """

    widget = forms.TextInput
    default_error_messages = {
        "invalid": _("Enter a number, for example 1.5 (1,5 works too)."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value in self.empty_values:
                return None
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
            if not _PLAIN_DECIMAL.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if not isinstance(widget, forms.NumberInput) and not widget.is_hidden:
            attrs.setdefault("inputmode", "decimal")
            attrs.setdefault("autocomplete", "off")
        return attrs


NOTES_TOO_LONG = _(
    "Notes can be at most %(limit_value)d characters long; these have "
    "%(show_value)d. Please shorten them; your changes are not saved yet."
)


def notes_field(**kwargs) -> forms.CharField:
    """A notes box with the same limit as the database, and a message that says
    what the limit is."""
    kwargs.setdefault("label", _("Notes"))
    return forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": NOTES_TOO_LONG},
        **kwargs,
    )


class IsoDateInput(forms.DateInput):
    """``<input type="date">``; its value must be ISO (YYYY-MM-DD) whatever the
    language, or the browser shows an empty box."""

    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {"min": EARLIEST_DATE.isoformat(), **(attrs or {})}
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DiaryDateField(forms.DateField):
    """A date from 1 January 1900 on (``diary.dates``): earlier dates are refused
    with a message that says so, whatever form they are typed into."""

    default_validators = [validate_diary_date]


def date_messages(label) -> dict:
    """Plain messages that name the date field (Django's say "This field is
    required." and "Enter a valid date.")."""
    return {
        "required": format_lazy(_("{label}: choose a date."), label=label),
        "invalid": format_lazy(
            _("{label}: enter a real date, for example 2026-01-31."), label=label
        ),
    }


def date_field(**kwargs) -> forms.DateField:
    """A date field with the browser's date picker, still accepting typed ISO
    dates (2026-01-31) from browsers without one. Dates before 1900 are refused."""
    kwargs.setdefault("widget", IsoDateInput)
    if "label" in kwargs:
        kwargs["error_messages"] = {
            **date_messages(kwargs["label"]),
            **kwargs.get("error_messages", {}),
        }
    return DiaryDateField(**kwargs)


def limit_dates_to(form: forms.BaseForm, today: datetime.date | None) -> None:
    """Tell the date pickers not to offer days after ``today`` (the user's own
    today). A hint only: the services reject future dates whatever is sent."""
    if today is None:
        return
    for field in form.fields.values():
        if isinstance(field.widget, IsoDateInput):
            field.widget.attrs["max"] = today.isoformat()


def add_service_errors(
    form: forms.BaseForm,
    error: ValidationError,
    rename: dict[str, str] | None = None,
) -> None:
    """Attach a ``ValidationError`` raised by a service to ``form``.

    Services name model fields (``{"dose_mg": [...]}``); ``rename`` maps them to
    the form's field names where they differ. Errors about fields the form does
    not have become errors about the whole form, so no message is ever lost.
    """
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = rename.get(name, name)
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(target, errors)
