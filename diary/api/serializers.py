"""Serializers of the diary's API. They check the shape of the input; the views
pass what they validated to the functions in ``diary.services``, which enforce
the rules (the same rules, and the same messages, as the web pages).

Integer ids never appear: objects are named by ``uuid``, symptoms in scores and
in the tracked list too. Every object carries ``sync_version`` and
``updated_at``.
"""

import copy
import datetime
import re
import uuid as uuid_lib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from accounts.models import User, time_zone_choices
from config.api.fields import (
    DecimalNumberField,
    DiaryDateField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)

from ..models import NOTES_MAX_LENGTH, BellScore, Crash, Entry, Medication, Symptom
from .sync import StrictUUIDField, client_uuid_field

NON_FIELD_ERRORS_KEY = api_settings.NON_FIELD_ERRORS_KEY
SYNC_FIELDS = ["sync_version", "created_at", "updated_at"]
MAX_SCORES = 500
MAX_TRACKED = 500


class ChoiceField(serializers.ChoiceField):
    """A choice whose error names the allowed values and never repeats the input
    (which need not even be encodable, such as a lone surrogate)."""

    LISTED_MAX = 20

    def __init__(self, choices, **kwargs):
        super().__init__(choices, **kwargs)
        if "invalid_choice" in kwargs.get("error_messages", {}):
            return
        keys = ", ".join(str(key) for key in self.choices if key != "")
        listed = len(self.choices) <= self.LISTED_MAX

        def message() -> str:
            if listed:
                return gettext("Choose one of: %(choices)s.") % {"choices": keys}
            return gettext("Not one of the allowed values.")

        # Lazy, so the message is in the language of the request.
        self.error_messages["invalid_choice"] = lazy(message, str)()

    def to_internal_value(self, data):
        # Of the JSON type of the choices: DRF would take "1" for 1 (and 1 for "1").
        if not (data == "" and self.allow_blank) and not any(
            type(data) is type(key) for key in self.choices
        ):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


def notes_field(**kwargs) -> serializers.CharField:
    return StrictCharField(
        max_length=NOTES_MAX_LENGTH, allow_blank=True, required=False, **kwargs
    )


# ----------------------------------------------------------------------- symptoms


class SymptomSerializer(serializers.ModelSerializer):
    """A symptom of the built-in catalogue (read-only) or one of the user's own."""

    uuid = client_uuid_field()
    name = StrictCharField(max_length=80)
    description = StrictCharField(max_length=240, allow_blank=True, default="")
    is_builtin = serializers.BooleanField(read_only=True)
    tracked = serializers.BooleanField(
        read_only=True,
        source="api_tracked",
        help_text=_("On the user's check-in (set the list and order through me/)."),
    )
    archived = serializers.BooleanField(
        read_only=True,
        source="api_archived",
        help_text=_("Once tracked, now hidden from the check-in; scores are kept."),
    )

    class Meta:
        model = Symptom
        fields = [
            "uuid",
            "name",
            "description",
            "is_builtin",
            "tracked",
            "archived",
            *SYNC_FIELDS,
        ]
        read_only_fields = SYNC_FIELDS


# ------------------------------------------------------------------------ entries


class PrebuiltFieldsMixin:
    # The serializer's fields are built once per class (``get_fields``: the
    # deep copies of the declared fields and, for a model serializer, the fields
    # it derives from the model), and each instance gets its own shallow copies of
    # them, which it then binds. Building them for every instance was a large part
    # of the daily write's cost.
    #
    # Safe because ``get_fields`` here depends on the class alone (not on the
    # instance, its data or its context) and a field's state after ``__init__`` is
    # only read, never changed, by DRF: binding sets attributes on the copy, and
    # the validators list (which a caller may replace on its instance) is copied
    # too. A nested serializer keeps DRF's deep copy: it has state of its own.
    # (A comment, not a docstring: the schema would take it as the description
    # of every serializer using the mixin.)

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prebuilt_fields")
        if prototype is None:
            prototype = super().get_fields()  # type: ignore[misc]
            cls._prebuilt_fields = prototype  # type: ignore[attr-defined]
        return {name: _field_copy(field) for name, field in prototype.items()}


def _field_copy(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    new = object.__new__(type(field))
    state = new.__dict__
    state.update(field.__dict__)
    if "_validators" in state:
        state["_validators"] = list(state["_validators"])
    state["error_messages"] = dict(state["error_messages"])
    return new


class FlatListSerializer(serializers.ListSerializer):
    """Errors about the list itself (not a list, too long) name the field, not
    ``field.non_field_errors``."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict) and set(detail) == {NON_FIELD_ERRORS_KEY}:
                raise serializers.ValidationError(
                    detail[NON_FIELD_ERRORS_KEY]
                ) from None
            raise


class ScoreSerializer(PrebuiltFieldsMixin, serializers.Serializer):
    symptom = StrictUUIDField(source="symptom_uuid", help_text=_("A symptom's uuid."))
    score = StrictIntegerField(
        min_value=0,
        max_value=10,
        allow_null=True,
        help_text=_("0 (none) to 10 (worst). null: not answered (clears a score)."),
    )


def hours_field() -> serializers.DecimalField:
    return DecimalNumberField(
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        allow_null=True,
        required=False,
        coerce_to_string=False,
    )


def zero_to_ten(**kwargs) -> serializers.IntegerField:
    return StrictIntegerField(
        min_value=0, max_value=10, allow_null=True, required=False, **kwargs
    )


class EntryListSerializer(serializers.ListSerializer):
    """A page of entries: ``EntrySerializer.represent_all``."""

    def to_representation(self, data):
        if isinstance(data, models.manager.BaseManager):
            data = data.all()
        child = self.child
        assert isinstance(child, EntrySerializer)
        return child.represent_all(data)


class EntrySerializer(PrebuiltFieldsMixin, serializers.ModelSerializer):
    """One day. Every field is optional; `null` is "not answered", never zero."""

    uuid = StrictUUIDField(
        required=False,
        help_text=_(
            "Optional: a UUID generated by the client, used when the day has no "
            "entry yet, so that a retried request never makes a duplicate."
        ),
    )
    date = DiaryDateField(
        required=False,
        help_text=_("YYYY-MM-DD, the user's local date; required when POSTing."),
    )
    function_score = ChoiceField(
        choices=BellScore.choices,
        allow_null=True,
        required=False,
        help_text=_("Bell disability scale, 0-100 in steps of 10."),
    )
    hours_upright = hours_field()
    sleep_hours = hours_field()
    sleep_quality = zero_to_ten(help_text=_("0 = very poor, 10 = very good."))
    physical_exertion = zero_to_ten(
        help_text=_("0 = none at all, 10 = the most you can do.")
    )
    cognitive_exertion = zero_to_ten(
        help_text=_("0 = none at all, 10 = the most you can do.")
    )
    notes = notes_field(allow_null=True)
    scores = FlatListSerializer(
        child=ScoreSerializer(), required=False, max_length=MAX_SCORES
    )

    class Meta:
        model = Entry
        fields = [
            "uuid",
            "date",
            "function_score",
            "hours_upright",
            "sleep_hours",
            "sleep_quality",
            "physical_exertion",
            "cognitive_exertion",
            "notes",
            "scores",
            *SYNC_FIELDS,
        ]
        read_only_fields = SYNC_FIELDS
        list_serializer_class = EntryListSerializer

    def _representation_plan(self) -> list[tuple]:
        """``(name, model attribute or None, field, fast kind)`` per readable
        field, worked out once per serializer (a list serializer's child answers
        every row): a field reading one of the model's columns is read with
        ``getattr``, which is all DRF's ``get_attribute`` does for it, and the
        kinds of ``_fast_kind`` are written as DRF would write them."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            columns = {field.attname for field in Entry._meta.concrete_fields}
            plan = []
            for field in self._readable_fields:
                attrs = field.source_attrs
                simple = len(attrs) == 1 and attrs[0] in columns
                plan.append(
                    (
                        str(field.field_name),
                        attrs[0] if simple else None,
                        field,
                        _fast_kind(field),
                    )
                )
            self.__dict__["_plan"] = plan
        return plan

    def to_representation(self, instance):
        return self.represent_all([instance])[0]

    def represent_all(self, instances) -> list[dict[str, Any]]:
        """As DRF's ``to_representation`` of each, but the scores are plain pairs
        built directly from the rows (``api_scores`` set by
        ``entries.attach_score_pairs``, or the prefetched scores with their
        ``symptom_uuid``): a nested serializer per score was most of the cost of
        a month of entries. The current time zone is looked up once."""
        plan = self._representation_plan()
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        answers = []
        for instance in instances:
            data: dict[str, Any] = {}
            for name, attr, field, kind in plan:
                if name == "scores":
                    pairs = getattr(instance, "api_scores", None)
                    if pairs is None:
                        pairs = [
                            (s.symptom_uuid, s.score) for s in instance.scores.all()
                        ]
                    data[name] = [
                        {"symptom": str(symptom), "score": score}
                        for symptom, score in pairs
                    ]
                    continue
                if attr is not None:
                    value = getattr(instance, attr)
                else:
                    value = field.get_attribute(instance)
                if value is None:
                    data[name] = None
                elif kind is None:
                    data[name] = field.to_representation(value)
                elif kind is int or kind is str:
                    # IntegerField's int(value), CharField's str(value).
                    data[name] = (
                        value if type(value) is kind else field.to_representation(value)
                    )
                elif kind is datetime.date:  # DateField, ISO 8601
                    data[name] = (
                        value.isoformat()
                        if type(value) is datetime.date
                        else field.to_representation(value)
                    )
                elif kind is uuid_lib.UUID:  # UUIDField, hex_verbose
                    data[name] = (
                        str(value)
                        if type(value) is uuid_lib.UUID
                        else field.to_representation(value)
                    )
                else:  # DateTimeField, ISO 8601 in the current time zone
                    data[name] = _iso_datetime(field, value, zone)
            answers.append(data)
        return answers


def _fast_kind(field: serializers.Field) -> type | None:
    """Fields whose DRF representation ``EntrySerializer.represent_all`` writes
    itself, for values of exactly the type named (any other value, and any other
    field, goes to the field's own ``to_representation``): ``int`` for
    IntegerField (``int(value)``), ``str`` for CharField (``str(value)``),
    ``datetime.date`` for an ISO 8601 DateField, ``uuid.UUID`` for a hex_verbose
    UUIDField and ``datetime.datetime`` for an ISO 8601 DateTimeField without a
    time zone of its own (with ``USE_TZ``)."""
    method = type(field).to_representation
    if method is serializers.IntegerField.to_representation:
        return int
    if method is serializers.CharField.to_representation:
        return str
    if method is serializers.UUIDField.to_representation:
        verbose = getattr(field, "uuid_format", None) == "hex_verbose"
        return uuid_lib.UUID if verbose else None
    if method is serializers.DateField.to_representation:
        output = getattr(field, "format", api_settings.DATE_FORMAT)
        iso = isinstance(output, str) and output.lower() == ISO_8601
        return datetime.date if iso else None
    if method is serializers.DateTimeField.to_representation:
        if hasattr(field, "timezone") or not settings.USE_TZ:
            return None
        output = getattr(field, "format", api_settings.DATETIME_FORMAT)
        iso = isinstance(output, str) and output.lower() == ISO_8601
        return datetime.datetime if iso else None
    return None


def _iso_datetime(field, value, zone) -> str:
    """DRF's ``DateTimeField.to_representation`` of an aware datetime in
    ``zone`` (the current time zone); anything else goes to DRF's."""
    if type(value) is not datetime.datetime or value.utcoffset() is None:
        return field.to_representation(value)
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return field.to_representation(value)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# ------------------------------------------------------------------------ crashes


class CrashSerializer(serializers.ModelSerializer):
    uuid = client_uuid_field()
    start_date = DiaryDateField()
    end_date = DiaryDateField(
        allow_null=True, default=None, help_text=_("null while ongoing.")
    )
    severity = ChoiceField(choices=Crash.Severity.choices)
    trigger = ChoiceField(choices=Crash.Trigger.choices, default=Crash.Trigger.UNKNOWN)
    notes = notes_field(default="")

    class Meta:
        model = Crash
        fields = [
            "uuid",
            "start_date",
            "end_date",
            "severity",
            "trigger",
            "notes",
            *SYNC_FIELDS,
        ]
        read_only_fields = SYNC_FIELDS


# -------------------------------------------------------------------- medications


class MedicationSerializer(serializers.ModelSerializer):
    uuid = client_uuid_field()
    name = StrictCharField(max_length=120)
    kind = ChoiceField(
        choices=Medication.Kind.choices, default=Medication.Kind.MEDICATION
    )
    dose = StrictCharField(max_length=80, allow_blank=True, default="")
    start_date = DiaryDateField(allow_null=True, default=None)
    stop_date = DiaryDateField(allow_null=True, default=None)
    notes = notes_field(default="")

    class Meta:
        model = Medication
        fields = [
            "uuid",
            "name",
            "kind",
            "dose",
            "start_date",
            "stop_date",
            "notes",
            *SYNC_FIELDS,
        ]
        read_only_fields = SYNC_FIELDS


# ---------------------------------------------------------------------------- me

HOUR_MINUTE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


@extend_schema_field(
    {"type": "string", "pattern": f"^{HOUR_MINUTE.pattern}$", "example": "19:00"}
)
class HourMinuteField(serializers.TimeField):
    """A time of day as exactly "HH:MM" (24-hour clock), in and out."""

    default_error_messages = {
        "invalid": _("Enter a time of day as HH:MM, for example 19:00.")
    }

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not HOUR_MINUTE.fullmatch(value):
            self.fail("invalid")
        return super().to_internal_value(value)


class RemindersSerializer(serializers.Serializer):
    """The daily check-in reminder by e-mail (never more than one a day)."""

    enabled = StrictBooleanField(required=False)
    time = HourMinuteField(
        required=False, help_text=_("HH:MM, in the user's own time zone.")
    )


class MeSerializer(serializers.Serializer):
    """The signed-in user's profile. `tracked_symptoms` is the check-in: the
    symptoms' uuids in order; symptoms left out are archived (scores kept)."""

    email = serializers.EmailField(read_only=True)
    display_name = StrictCharField(max_length=80, allow_blank=True, required=False)
    time_zone = ChoiceField(
        choices=time_zone_choices(),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Not a known time zone; use an IANA name such as Europe/London."
            )
        },
    )
    takes_opioids = ChoiceField(
        choices=User.OpioidAnswer.choices, allow_blank=True, required=False
    )
    tracked_symptoms = serializers.ListField(
        child=StrictUUIDField(),
        max_length=MAX_TRACKED,
        required=False,
        help_text=_("Symptom uuids in check-in order."),
    )
    reminders = RemindersSerializer(
        required=False,
        help_text=_(
            "The daily check-in reminder. PATCH changes only the keys it sends."
        ),
    )
    sync_version = serializers.IntegerField(
        read_only=True, help_text=_("The user's change counter.")
    )


class PrimaryOutcomeSerializer(serializers.Serializer):
    """The primary outcome: ``function``, ``hours_upright`` or ``symptom:<uuid>``
    (checked against the symptoms the user tracks by the service)."""

    primary_outcome = serializers.CharField(
        max_length=64,
        help_text=_("function, hours_upright or symptom:<uuid> of a tracked symptom."),
    )
    chosen_at = serializers.DateTimeField(read_only=True)
