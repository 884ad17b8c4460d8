"""Serializer fields that take only the JSON type the schema documents.

DRF coerces: it takes ``5`` for a string, ``"5"`` or ``5.0`` for an integer and
``"yes"`` or ``1`` for a boolean. A client that sends the wrong type has a bug,
and the schema (which says what each field is) would be wrong about what the
API accepts: these fields answer 400 instead. Decimals also come as strings, and
the schema says so.
"""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diary.dates import validate_diary_date


class StrictJSONTypeMixin:
    """Refuses input whose JSON type is not one of ``json_types``."""

    json_types: tuple[type, ...] = ()

    def to_internal_value(self, data):
        is_bool = isinstance(data, bool)
        if (is_bool and bool not in self.json_types) or not isinstance(
            data, self.json_types
        ):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictCharField(StrictJSONTypeMixin, serializers.CharField):
    """A string, at most ``max_length`` long as sent (DRF measures it after
    trimming the whitespace around it; the schema's maxLength is as sent)."""

    json_types = (str,)

    def to_internal_value(self, data):
        if (
            isinstance(data, str)
            and self.max_length is not None
            and len(data) > self.max_length
        ):
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictIntegerField(StrictJSONTypeMixin, serializers.IntegerField):
    json_types = (int,)


DECIMAL_STRING = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_STRING}]}
)
class DecimalNumberField(serializers.DecimalField):
    """A JSON number, or a decimal in a string ("0.5", which a client may send to
    avoid binary floats), as the schema says; answered as a number (use with
    ``coerce_to_string=False``). Never a boolean."""

    def validate_empty_values(self, data):
        # DRF takes "" (and "  ") for null here; the schema does not.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        if isinstance(data, str) and not re.fullmatch(DECIMAL_STRING, data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(StrictJSONTypeMixin, serializers.BooleanField):
    json_types = (bool,)


class DiaryDateField(serializers.DateField):
    """An ISO date from 1 January 1900 on (``diary.dates``): earlier dates, which
    nobody logs and which break date arithmetic, answer 400 with a clear message."""

    def to_internal_value(self, value):
        date = super().to_internal_value(value)
        try:
            validate_diary_date(date)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None
        return date
