"""The LDN courses and what hangs off them: the dose history, missed doses and
side effects, at ``treatments/`` and ``treatments/{course_uuid}/...``.

Nothing here suggests a dose: the API records what the patient and their
prescriber decided. ``current_dose`` is derived from the dose history
(``diary.doses.current_dose``), never stored.
"""

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.generics import get_object_or_404

from config.api.fields import DecimalNumberField, DiaryDateField, StrictCharField

from .. import services
from ..doses import current_dose
from ..forms.treatments import DOSE_RANGE_MESSAGE, DOSE_STEP_MESSAGE
from ..models import (
    DOSE_MAX_MG,
    DoseChange,
    MissedDose,
    SideEffect,
    Tombstone,
    TreatmentCourse,
)
from .serializers import SYNC_FIELDS, ChoiceField, notes_field
from .sync import (
    SyncedCreateMixin,
    SyncedDestroyMixin,
    SyncedUpdateMixin,
    SyncedViewSet,
    client_uuid_field,
    crud_schema,
    pagination,
    renamer,
    service_errors,
)

DOSE_ERRORS: dict[str, Any] = {
    "min_value": DOSE_RANGE_MESSAGE,
    "max_value": DOSE_RANGE_MESSAGE,
    "max_digits": DOSE_RANGE_MESSAGE,
    "max_whole_digits": DOSE_RANGE_MESSAGE,
    "max_decimal_places": DOSE_STEP_MESSAGE,
}


def dose_field(**kwargs) -> serializers.DecimalField:
    """A dose in mg: more than 0, at most 50, in 0.1 mg steps, with the web form's
    messages (the services check the same range)."""
    return DecimalNumberField(
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=DOSE_MAX_MG,
        allow_null=True,
        coerce_to_string=False,
        error_messages=DOSE_ERRORS,
        **kwargs,
    )


# -------------------------------------------------------------------- serializers


class CurrentDoseSerializer(serializers.Serializer):
    status = ChoiceField(
        choices=["none", "taking", "paused", "stopped"],
        help_text=_("none: no dose recorded yet; taking; paused; stopped."),
    )
    dose_mg = dose_field(help_text=_("While taking: the latest recorded dose."))
    time_of_day = serializers.CharField(allow_blank=True)
    since = DiaryDateField(allow_null=True)


class CourseSerializer(serializers.ModelSerializer):
    uuid = client_uuid_field()
    start_date = DiaryDateField()
    formulation = ChoiceField(choices=TreatmentCourse.Formulation.choices)
    strength = StrictCharField(max_length=40, allow_blank=True, default="")
    pharmacy = StrictCharField(max_length=120, allow_blank=True, default="")
    notes = notes_field(default="")
    first_dose_mg = dose_field(
        write_only=True,
        required=False,
        help_text=_(
            "Only when creating: the dose the prescriber set for the start date, "
            "recorded as the first dose step."
        ),
    )
    time_of_day = ChoiceField(
        choices=DoseChange.TimeOfDay.choices,
        allow_blank=True,
        write_only=True,
        required=False,
        help_text=_("Only when creating, with first_dose_mg."),
    )
    current_dose = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentCourse
        fields = [
            "uuid",
            "medication",
            "start_date",
            "formulation",
            "strength",
            "pharmacy",
            "notes",
            "first_dose_mg",
            "time_of_day",
            "current_dose",
            *SYNC_FIELDS,
        ]
        read_only_fields = ["medication", *SYNC_FIELDS]

    @extend_schema_field(CurrentDoseSerializer)
    def get_current_dose(self, course: TreatmentCourse) -> dict:
        # Once per response, not once per course.
        today = getattr(self, "_today", None)
        if today is None:
            today = self._today = self.context["request"].user.local_today()
        dose = current_dose(course.dose_changes.all(), today)
        return CurrentDoseSerializer(dose).data

    def validate(self, attrs):
        if attrs.get("time_of_day") and attrs.get("first_dose_mg") is None:
            raise serializers.ValidationError(
                {
                    "first_dose_mg": _(
                        "Enter the first dose too, or leave the time of day empty."
                    )
                }
            )
        return attrs


class DoseChangeSerializer(serializers.ModelSerializer):
    uuid = client_uuid_field()
    date = DiaryDateField()
    reason = ChoiceField(choices=DoseChange.Reason.choices)
    dose_mg = dose_field(
        default=None,
        help_text=_("As prescribed, in mg; null for a pause or a stop."),
    )
    time_of_day = ChoiceField(
        choices=DoseChange.TimeOfDay.choices, allow_blank=True, default=""
    )
    note = StrictCharField(max_length=500, allow_blank=True, default="")

    class Meta:
        model = DoseChange
        fields = [
            "uuid",
            "date",
            "reason",
            "dose_mg",
            "time_of_day",
            "note",
            *SYNC_FIELDS,
        ]
        read_only_fields = SYNC_FIELDS


class MissedDoseSerializer(serializers.ModelSerializer):
    uuid = client_uuid_field()
    date = DiaryDateField()
    note = StrictCharField(max_length=500, allow_blank=True, default="")

    class Meta:
        model = MissedDose
        fields = ["uuid", "date", "note", *SYNC_FIELDS]
        read_only_fields = SYNC_FIELDS


class SideEffectSerializer(serializers.ModelSerializer):
    uuid = client_uuid_field()
    date = DiaryDateField()
    kind = ChoiceField(choices=SideEffect.Kind.choices)
    other_description = StrictCharField(
        max_length=120,
        allow_blank=True,
        default="",
        help_text=_("Required when kind is other."),
    )
    severity = ChoiceField(choices=SideEffect.Severity.choices)
    note = StrictCharField(max_length=500, allow_blank=True, default="")

    class Meta:
        model = SideEffect
        fields = [
            "uuid",
            "date",
            "kind",
            "other_description",
            "severity",
            "note",
            *SYNC_FIELDS,
        ]
        read_only_fields = SYNC_FIELDS


COURSE_UUID = OpenApiParameter(
    "course_uuid",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The treatment course's uuid.",
)


# ---------------------------------------------------------------------- viewsets


@crud_schema("LDN treatment courses", CourseSerializer)
@extend_schema(tags=["treatments"])
class CourseViewSet(SyncedCreateMixin, SyncedUpdateMixin, SyncedDestroyMixin):
    serializer_class = CourseSerializer
    tombstone_kind = Tombstone.Kind.COURSE
    pagination_class = pagination("-start_date", "-id")

    def get_queryset(self):
        return TreatmentCourse.objects.for_user(self.request.user).prefetch_related(
            Prefetch("dose_changes", queryset=DoseChange.objects.order_by("date", "id"))
        )

    def service_create(self, data):
        with service_errors(renamer({"dose_mg": "first_dose_mg"})):
            return services.course_create(user=self.owner, **data)

    def service_update(self, instance, data):
        data.pop("first_dose_mg", None)
        data.pop("time_of_day", None)
        with service_errors():
            return services.course_update(course=instance, **data)

    def service_delete(self, instance):
        services.course_delete(course=instance)


class CourseChildViewSet(SyncedViewSet):
    """Rows of one of the user's courses; another user's course is a 404."""

    model: Any

    @cached_property
    def course(self) -> TreatmentCourse:
        return get_object_or_404(
            TreatmentCourse.objects.for_user(self.request.user),
            uuid=self.kwargs["course_uuid"],
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator
            return self.model.objects.none()
        return self.model.objects.for_user(self.request.user).filter(course=self.course)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Another user's course is a 404 before anything else is looked at.
        _course = self.course


@crud_schema("dose changes", DoseChangeSerializer, parameters=[COURSE_UUID])
@extend_schema(tags=["treatments"])
class DoseChangeViewSet(
    CourseChildViewSet, SyncedCreateMixin, SyncedUpdateMixin, SyncedDestroyMixin
):
    model = DoseChange
    serializer_class = DoseChangeSerializer
    tombstone_kind = Tombstone.Kind.DOSE_CHANGE
    pagination_class = pagination("date", "id")

    @staticmethod
    def _no_time_for_pause(data, reason) -> dict:
        # As on the web form: a pause or stop is not taken at any time of day.
        if reason in DoseChange.NO_DOSE_REASONS:
            data["time_of_day"] = ""
        return data

    def service_create(self, data):
        data = self._no_time_for_pause(data, data["reason"])
        with service_errors():
            return services.dose_change_add(course=self.course, **data)

    def service_update(self, instance, data):
        data = self._no_time_for_pause(data, data.get("reason", instance.reason))
        with service_errors():
            return services.dose_change_update(change=instance, **data)

    def service_delete(self, instance):
        services.dose_change_delete(change=instance)


@crud_schema(
    "missed doses", MissedDoseSerializer, can_update=False, parameters=[COURSE_UUID]
)
@extend_schema(tags=["treatments"])
class MissedDoseViewSet(CourseChildViewSet, SyncedCreateMixin, SyncedDestroyMixin):
    model = MissedDose
    serializer_class = MissedDoseSerializer
    tombstone_kind = Tombstone.Kind.MISSED_DOSE
    pagination_class = pagination("-date", "-id")

    def service_create(self, data):
        with service_errors():
            return services.missed_dose_add(course=self.course, **data)

    def service_delete(self, instance):
        services.missed_dose_delete(missed=instance)


@crud_schema(
    "side effects", SideEffectSerializer, can_update=False, parameters=[COURSE_UUID]
)
@extend_schema(tags=["treatments"])
class SideEffectViewSet(CourseChildViewSet, SyncedCreateMixin, SyncedDestroyMixin):
    model = SideEffect
    serializer_class = SideEffectSerializer
    tombstone_kind = Tombstone.Kind.SIDE_EFFECT
    pagination_class = pagination("-date", "-id")

    def service_create(self, data):
        with service_errors():
            return services.side_effect_add(course=self.course, **data)

    def service_delete(self, instance):
        services.side_effect_delete(effect=instance)
