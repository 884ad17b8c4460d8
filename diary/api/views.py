"""The diary's API: the profile (``me/``), symptoms, crashes, other medications,
trends and the before/after analysis. Daily entries are in ``diary.api.entries``,
the LDN courses in ``diary.api.treatments``; the sync rules every write follows
are in ``diary.api.sync``.

Every query starts from the requesting user (``for_user``), so another user's
object is a 404, never a 403.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, status
from rest_framework.decorators import action, api_view
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.services import user_update_settings

from .. import services
from ..comparison import comparison_for_user, text
from ..comparison.services import primary_outcome_choose
from ..forms.analysis import AnalysisForm
from ..forms.trends import TrendsRangeForm
from ..models import (
    Crash,
    Medication,
    Symptom,
    Tombstone,
    TrackedSymptom,
)
from ..reminders.services import reminder_settings_update
from ..trends_cache import trends_json_response
from .serializers import (
    CrashSerializer,
    MedicationSerializer,
    MeSerializer,
    PrimaryOutcomeSerializer,
    SymptomSerializer,
)
from .sync import (
    ERROR,
    SyncedCreateMixin,
    SyncedDestroyMixin,
    SyncedUpdateMixin,
    crud_schema,
    lock_owner,
    pagination,
    renamer,
    service_errors,
)


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors in the API's shape."""
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in errors]
        for name, errors in form.errors.items()
    }


# ---------------------------------------------------------------------------- me


def _profile(user) -> dict:
    tracked = (
        TrackedSymptom.objects.for_user(user)
        .active()
        .order_by("position", "id")
        .values_list("symptom__uuid", flat=True)
    )
    return {
        "email": user.email,
        "display_name": user.display_name,
        "time_zone": user.time_zone,
        "takes_opioids": user.takes_opioids,
        "tracked_symptoms": list(tracked),
        "reminders": {"enabled": user.reminder_enabled, "time": user.reminder_time},
        "sync_version": user.sync_version,
    }


@extend_schema(tags=["me"])
class MeView(GenericAPIView):
    """The signed-in user's profile and the check-in's symptoms in order."""

    serializer_class = MeSerializer
    pagination_class = None
    SETTINGS = ("display_name", "time_zone", "takes_opioids")

    @extend_schema(summary="Your profile")
    def get(self, request):
        return Response(self.get_serializer(_profile(request.user)).data)

    @extend_schema(
        summary="Change your profile, or the symptoms on your check-in",
        description=(
            "`tracked_symptoms` sets the check-in to exactly these symptoms (uuids "
            "from symptoms/), in this order; symptoms left out are archived and "
            "keep their scores."
        ),
        responses={200: MeSerializer, 400: ERROR},
    )
    def patch(self, request):
        user = request.user
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            lock_owner(user)
            if "tracked_symptoms" in data:
                self._set_tracked(user, data["tracked_symptoms"])
            if any(name in data for name in self.SETTINGS):
                with service_errors():
                    user_update_settings(
                        user=user,
                        **{
                            name: data.get(name, getattr(user, name))
                            for name in self.SETTINGS
                        },
                    )
            if "reminders" in data:
                reminders = data["reminders"]
                with service_errors(renamer({"reminder_time": "reminders.time"})):
                    reminder_settings_update(
                        user=user,
                        enabled=reminders.get("enabled", user.reminder_enabled),
                        time=reminders.get("time", user.reminder_time),
                    )
        user.refresh_from_db(fields=["sync_version"])
        return Response(self.get_serializer(_profile(user)).data)

    @staticmethod
    def _set_tracked(user, uuids) -> None:
        ids = dict(
            Symptom.objects.available_to(user)
            .filter(uuid__in=uuids)
            .values_list("uuid", "pk")
        )
        unknown = [str(u) for u in uuids if u not in ids]
        if unknown:
            raise exceptions.ValidationError(
                {
                    "tracked_symptoms": [
                        _("Unknown symptom: %(uuid)s.") % {"uuid": unknown[0]}
                    ]
                }
            )
        with service_errors():
            services.symptoms_set_order(user=user, symptom_ids=[ids[u] for u in uuids])


# ----------------------------------------------------------------------- symptoms


class BuiltinSymptomReadOnly(exceptions.APIException):
    status_code = status.HTTP_405_METHOD_NOT_ALLOWED
    default_code = "builtin_read_only"
    default_detail = _(
        "Built-in symptoms cannot be changed or deleted. To stop scoring one, "
        "archive it (POST symptoms/{uuid}/archive/)."
    )


@crud_schema("symptoms", SymptomSerializer)
@extend_schema(tags=["symptoms"])
class SymptomViewSet(SyncedCreateMixin, SyncedUpdateMixin, SyncedDestroyMixin):
    """The built-in catalogue (read-only) and the user's own symptoms."""

    serializer_class = SymptomSerializer
    tombstone_kind = Tombstone.Kind.SYMPTOM
    pagination_class = pagination("default_position", "id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Symptom.objects.none()
        user = self.request.user
        tracked = TrackedSymptom.objects.for_user(user).filter(symptom=OuterRef("pk"))
        return (
            Symptom.objects.available_to(user)
            .annotate(
                api_tracked=Exists(tracked.filter(archived_at__isnull=True)),
                api_archived=Exists(tracked.filter(archived_at__isnull=False)),
            )
            .order_by("default_position", "id")
        )

    def existing_for_uuid(self, uuid):
        return self.get_queryset().filter(owner=self.request.user, uuid=uuid).first()

    def check_writable(self, instance) -> None:
        if instance.is_builtin:
            self.headers["Allow"] = "GET, HEAD, OPTIONS"
            raise BuiltinSymptomReadOnly

    def service_create(self, data):
        with service_errors():
            return services.symptom_create_own(user=self.owner, **data)

    def service_update(self, instance, data):
        with service_errors():
            return services.symptom_update_own(
                symptom=instance,
                name=data.get("name", instance.name),
                description=data.get("description", instance.description),
            )

    def service_delete(self, instance):
        services.symptom_delete_own(symptom=instance)

    @extend_schema(
        summary="Put a symptom on your check-in (or bring an archived one back)",
        request=None,
        responses={200: SymptomSerializer, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    def track(self, request, uuid=None):
        with transaction.atomic():
            lock_owner(request.user)
            symptom = self.get_object()
            services.symptom_track(user=request.user, symptom=symptom)
        return self.object_response(self.reload(symptom))

    @extend_schema(
        summary="Stop asking about a symptom (its scores are kept)",
        request=None,
        responses={200: SymptomSerializer, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, uuid=None):
        with transaction.atomic():
            lock_owner(request.user)
            symptom = self.get_object()
            tracked = TrackedSymptom.objects.for_user(request.user).filter(
                symptom=symptom
            )
            for item in tracked:
                services.symptom_archive(tracked=item)
        return self.object_response(self.reload(symptom))


# ------------------------------------------------------------ crashes, medications


@crud_schema("crashes", CrashSerializer)
@extend_schema(tags=["crashes"])
class CrashViewSet(SyncedCreateMixin, SyncedUpdateMixin, SyncedDestroyMixin):
    """Post-exertional malaise episodes; no end date means ongoing."""

    serializer_class = CrashSerializer
    tombstone_kind = Tombstone.Kind.CRASH
    pagination_class = pagination("-start_date", "-id")

    def get_queryset(self):
        return Crash.objects.for_user(self.request.user)

    def service_create(self, data):
        with service_errors():
            return services.crash_create(user=self.owner, **data)

    def service_update(self, instance, data):
        with service_errors():
            return services.crash_update(crash=instance, **data)

    def service_delete(self, instance):
        services.crash_delete(crash=instance)


@crud_schema("medications", MedicationSerializer)
@extend_schema(tags=["treatments"])
class MedicationViewSet(SyncedCreateMixin, SyncedUpdateMixin, SyncedDestroyMixin):
    """Other medications and supplements, with start and stop dates."""

    serializer_class = MedicationSerializer
    tombstone_kind = Tombstone.Kind.MEDICATION
    pagination_class = pagination("-created_at", "-id")

    def get_queryset(self):
        return Medication.objects.for_user(self.request.user)

    def service_create(self, data):
        with service_errors():
            return services.medication_create(user=self.owner, **data)

    def service_update(self, instance, data):
        with service_errors():
            return services.medication_update(medication=instance, **data)

    def service_delete(self, instance):
        services.medication_delete(medication=instance)


# ------------------------------------------------------------ trends and analysis


def refuse_empty(params, names) -> None:
    """A parameter sent empty is a 400 naming it, not "use the default" (the
    web forms send empty fields; an API client leaves them out)."""
    errors = {
        name: [_("Leave this parameter out, or give it a value.")]
        for name in names
        if name in params and params[name] == ""
    }
    if errors:
        raise exceptions.ValidationError(errors)


@extend_schema(
    summary="The trends chart's data (the same as the web page's)",
    description=(
        "A preset (`preset`) or your own dates (`start`, optional `end`). Days "
        "not logged are null, never 0. Carries a `disclaimer`: not medical advice."
    ),
    parameters=[
        OpenApiParameter(
            "preset",
            OpenApiTypes.STR,
            enum=["30", "90", "180", "365", "ldn", "all"],
            description="Default 90 (days).",
        ),
        OpenApiParameter("start", OpenApiTypes.DATE),
        OpenApiParameter("end", OpenApiTypes.DATE, description="Default today."),
    ],
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="The trends payload."),
        400: ERROR,
    },
    tags=["analysis"],
)
@api_view(["GET"])
def trends(request):
    refuse_empty(request.query_params, ("preset", "start", "end"))
    form = TrendsRangeForm(request.query_params, user=request.user)
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    # Cached per user, range and change counter, and sent as stored (gzipped
    # to clients that accept it): a repeat view is one cache read.
    return trends_json_response(
        request,
        user=request.user,
        start=form.cleaned_data["range_start"],
        end=form.cleaned_data["range_end"],
    )


@extend_schema(
    summary="Before/after LDN (n-of-1) comparison, as on the analysis page",
    description=(
        "The one before/after comparison (``diary.comparison``), the same figures "
        "as the analysis page, the PDF and the share page. The windows come from "
        "the dose history: the baseline is `baseline_weeks` weeks before the LDN "
        "start; the on-LDN window is the latest `on_weeks` weeks at the current "
        "dose, else the latest weeks since the start, paused and stopped days left "
        "out. Outcomes list the primary outcome first; the rest are exploratory. "
        "Intervals are approximate; `coverage_text` states their measured "
        "coverage. Carries a `disclaimer`: not medical advice, and a change in one "
        "person's diary cannot show that LDN caused it."
    ),
    parameters=[
        OpenApiParameter(
            "baseline_weeks",
            {"type": "integer", "minimum": 2, "maximum": 52},
            description="2 to 52, default 8.",
        ),
        OpenApiParameter(
            "on_weeks",
            {"type": "integer", "minimum": 2, "maximum": 52},
            description="2 to 52, default 8.",
        ),
    ],
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="The comparison."),
        400: ERROR,
    },
    tags=["analysis"],
)
@api_view(["GET"])
def analysis(request):
    refuse_empty(request.query_params, ("baseline_weeks", "on_weeks"))
    retired = {
        name: [
            _(
                "This parameter is no longer used: the on-LDN window now comes from "
                "your dose history. Use on_weeks to set its length."
            )
        ]
        for name in ("comparison", "start", "end")
        if name in request.query_params
    }
    if retired:
        raise exceptions.ValidationError(retired)
    form = AnalysisForm(request.query_params)
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    comparison = comparison_for_user(request.user, **form.parameters())
    return Response(analysis_payload(comparison))


def analysis_payload(comparison) -> dict:
    """The API's JSON for a comparison: ``Comparison.to_dict()`` with the
    not-medical-advice notice and the causation caveat as ``disclaimer``."""
    return {
        "disclaimer": f"{text.NOT_MEDICAL_ADVICE} {text.CAUSATION_CAVEAT}",
        **comparison.to_dict(),
    }


@extend_schema(
    summary="Choose the primary outcome the comparison leads with",
    description=(
        "`primary_outcome` is `function`, `hours_upright` or `symptom:<uuid>` of a "
        "symptom you track. Every choice is kept with the time it was made."
    ),
    request=PrimaryOutcomeSerializer,
    responses={201: PrimaryOutcomeSerializer, 400: ERROR},
    tags=["analysis"],
)
@api_view(["POST"])
def primary_outcome(request):
    serializer = PrimaryOutcomeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    with service_errors():
        choice = primary_outcome_choose(
            user=request.user, key=serializer.validated_data["primary_outcome"]
        )
    return Response(
        PrimaryOutcomeSerializer(
            {"primary_outcome": choice.key, "chosen_at": choice.chosen_at}
        ).data,
        status=status.HTTP_201_CREATED,
    )
