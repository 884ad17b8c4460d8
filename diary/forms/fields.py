"""Form fields and small form helpers shared by the diary's pages."""

import datetime
import re

from django import forms
from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import pretty_name
from django.utils.formats import number_format
from django.utils.functional import lazy
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


def notes_field(**kwargs) -> forms.CharField:
    """A notes box with the same limit as the database; ``plain_messages`` says
    what the limit is."""
    kwargs.setdefault("label", _("Notes"))
    return forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
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


def date_field(**kwargs) -> forms.DateField:
    """A date field with the browser's date picker, still accepting typed ISO
    dates (2026-01-31) from browsers without one. Dates before 1900 are refused."""
    kwargs.setdefault("widget", IsoDateInput)
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


# ---------------------------------------------------------------------------
# Plain error messages, for every form a patient fills in.
#
# Django's defaults ("This field is required.", "Ensure this value is less than
# or equal to 24.") do not say which box is wrong, and a tired reader should not
# have to work it out. ``plain_messages`` writes, from a field's label and its
# validators' limits, a message that names both; ``PlainErrorsMixin`` applies it
# to every field of a form (also fields added in ``__init__``). Messages a form
# already sets itself are kept: they are specific already.


def _number(value) -> str:
    """1234567 -> "1,234,567" (in the active language's style)."""
    if isinstance(value, float | int) or hasattr(value, "as_tuple"):
        return number_format(value, force_grouping=True)
    return str(value)


def _escape_percent(text) -> str:
    return str(text).replace("%", "%%")


# The label, with "%" escaped: messages raised with params are %-formatted.
_escaped = lazy(_escape_percent, str)


class PlainMaxLengthValidator(validators.MaxLengthValidator):
    """Django's check, with the counts formatted for reading (100,000)."""

    def __call__(self, value):
        length = self.clean(value)
        if length > self.limit_value:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "limit_value": _number(self.limit_value),
                    "show_value": _number(length),
                    "value": value,
                },
            )


class PlainMinLengthValidator(validators.MinLengthValidator):
    def __call__(self, value):
        length = self.clean(value)
        if length < self.limit_value:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "limit_value": _number(self.limit_value),
                    "show_value": _number(length),
                    "value": value,
                },
            )


def _limit(field: forms.Field, validator_class, attribute: str | None = None):
    if attribute and getattr(field, attribute, None) is not None:
        return getattr(field, attribute)
    for validator in field.validators:
        if isinstance(validator, validator_class):
            return validator.limit_value
    return None


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values: list[str] = []
    for value, label in list(field.choices):  # type: ignore[arg-type]
        if isinstance(label, list | tuple):  # an option group
            values.extend(str(v) for v, _label in label)
        elif value not in ("", None):
            values.append(str(value))
    return values


def plain_messages(field: forms.Field, label) -> dict:
    """Plain messages for ``field``, naming ``label`` and the field's limits.

    Codes: required, invalid, invalid_choice, invalid_list, min_value, max_value,
    max_length, min_length, max_digits, max_decimal_places, max_whole_digits,
    null_characters_not_allowed. Only the codes the field can raise are returned.
    """
    esc = _escaped(label)
    messages: dict = {}

    def say(code, text, params=False, **kwargs):
        messages[code] = format_lazy(text, label=esc if params else label, **kwargs)

    codes = set(field.error_messages)
    lowest = _limit(field, validators.MinValueValidator, "min_value")
    highest = _limit(field, validators.MaxValueValidator, "max_value")

    # required / invalid, by kind of field
    if isinstance(field, forms.DateField):
        say("required", _("{label}: choose a date."))
        say("invalid", _("{label}: enter a real date, for example 2026-01-31."))
    elif isinstance(field, forms.BooleanField):
        say("required", _("{label}: tick this box to go on."))
    elif isinstance(field, forms.ChoiceField):
        say("required", _("{label}: choose one."))
    else:
        say("required", _("{label}: fill this in."))
    # (DecimalField and FloatField are IntegerFields too.)
    if isinstance(field, forms.DecimalField | forms.FloatField):
        say("invalid", _("{label}: enter a number, for example 1.5 (1,5 works too)."))
    elif isinstance(field, forms.IntegerField):
        say("invalid", _("{label}: enter a whole number, for example 7."))
    elif isinstance(field, forms.EmailField):
        say("invalid", _("{label}: enter an email address, like name@example.org."))
    elif "invalid" in codes and "invalid" not in messages:
        say("invalid", _("{label}: this is not in a form we can read."))

    if isinstance(field, forms.ChoiceField):
        values = _choice_values(field)
        numbers = [int(v) for v in values if v.lstrip("-").isdigit()]
        if values and len(numbers) == len(values) and len(values) > 2:
            say(
                "invalid_choice",
                _("{label}: choose a score from {low} to {high}."),
                params=True,
                low=_number(min(numbers)),
                high=_number(max(numbers)),
            )
        else:
            say(
                "invalid_choice",
                _("{label}: choose one of the options shown."),
                params=True,
            )
        say("invalid_list", _("{label}: choose from the options shown."))

    # numbers: one message for the whole range
    if lowest is not None and highest is not None:
        range_text = _("{label}: enter a number from {low} to {high}.")
    elif lowest is not None:
        range_text = _("{label}: enter a number of at least {low}.")
    elif highest is not None:
        range_text = _("{label}: enter a number of at most {high}.")
    else:
        range_text = None
    if range_text is not None:
        low = _number(lowest) if lowest is not None else ""
        high = _number(highest) if highest is not None else ""
        for code in ("min_value", "max_value", "max_digits", "max_whole_digits"):
            say(code, range_text, params=True, low=low, high=high)
    if isinstance(field, forms.DecimalField) and field.decimal_places is not None:
        if field.decimal_places == 0:
            say("max_decimal_places", _("{label}: enter a whole number."), True)
        else:
            say(
                "max_decimal_places",
                _("{label}: at most {places} decimal places."),
                params=True,
                places=field.decimal_places,
            )
        if range_text is None and field.max_digits is not None:
            for code in ("max_digits", "max_whole_digits"):
                say(
                    code,
                    _("{label}: at most {digits} digits."),
                    params=True,
                    digits=field.max_digits,
                )

    # text
    if _limit(field, validators.MaxLengthValidator) is not None:
        say(
            "max_length",
            _(
                "{label}: at most %(limit_value)s characters (you typed %(show_value)s)."
            ),
            params=True,
        )
    if _limit(field, validators.MinLengthValidator) is not None:
        say(
            "min_length",
            _(
                "{label}: at least %(limit_value)s characters (you typed %(show_value)s)."
            ),
            params=True,
        )
    if any(
        isinstance(v, validators.ProhibitNullCharactersValidator)
        for v in field.validators
    ):
        say(
            "null_characters_not_allowed",
            _("{label}: remove the invisible null character (it came with a paste)."),
            params=True,
        )
    return messages


def _class_defaults(field: forms.Field) -> dict:
    """The generic messages ``field`` has from its classes (Django's, and this
    module's): not from the form, nor from a field class written for one form,
    whose messages are specific already."""
    defaults: dict = {}
    for cls in reversed(type(field).__mro__):
        if cls.__module__.startswith("django.") or cls.__module__ == __name__:
            defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


# Codes a field raises itself; the others come from its validators, whose
# message the field replaces when it has one for that code.
_FIELD_CODES = {"required", "invalid", "invalid_choice", "invalid_list"}


def use_plain_messages(field: forms.Field, label) -> None:
    """Replace, on ``field``, each default message with a plain one (see
    ``plain_messages``). Messages the form sets itself are kept."""
    defaults = _class_defaults(field)
    for code, message in plain_messages(field, label).items():
        current = field.error_messages.get(code)
        if code in _FIELD_CODES:
            # Kept if the form set it; "invalid" may be missing because it is a
            # validator's code (EmailField): then the field's message wins.
            if current is not None and current is not defaults.get(code):
                continue
        elif current is not None:
            continue
        field.error_messages[code] = message
        if code == "max_length":
            field.validators = [
                PlainMaxLengthValidator(v.limit_value, v.message)
                if type(v) is validators.MaxLengthValidator
                else v
                for v in field.validators
            ]
        if code == "min_length":
            field.validators = [
                PlainMinLengthValidator(v.limit_value, v.message)
                if type(v) is validators.MinLengthValidator
                else v
                for v in field.validators
            ]


class PlainErrorsMixin:
    """Gives every field of the form plain messages naming its label and limits
    (``use_plain_messages``). Applied when the form is validated, so fields added
    or changed in a subclass's ``__init__`` are covered too."""

    fields: dict

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            use_plain_messages(field, field.label or pretty_name(name))
        super().full_clean()  # type: ignore[misc]
