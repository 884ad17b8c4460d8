"""The public studies API: ``/api/v1/studies/`` and ``/api/v1/studies/<key>/``.

Studies are public reference data, like the evidence pages: anyone may read them,
signed in or not (``AllowAny``). Authentication stays the API's default, so a
signed-in client is recognised (and throttled as a user) and a bad token is still
a 401. Nothing here can be written: other methods answer 405.

Order is the catalogue's (relevance to ME/CFS, evidence level, newest first), as
the evidence README asks, so the list is paginated by limit and offset rather than
by the API's default cursor, which needs a single ordering column. The catalogue is
small (34 studies) and changes rarely, so the first page of 50 holds all of it.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, viewsets
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny

from ..models import Study
from .serializers import (
    StudyDetailSerializer,
    StudyFilterSerializer,
    StudySerializer,
    not_medical_advice,
)

FILTER_PARAMS = ("group", "level", "relevance", "symptom")


class StudyPagination(LimitOffsetPagination):
    """Limit/offset pages with the not-medical-advice notice beside the results."""

    default_limit = 50
    max_limit = 100

    # A limit or offset that is not a whole number is a 400 naming it (DRF
    # would silently use the default).
    def _whole_number(self, request, name: str, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit()) or int(raw) < minimum:
            raise exceptions.ValidationError(
                {
                    name: [
                        _("Enter a whole number of at least %(min)d.")
                        % {"min": minimum}
                    ]
                }
            )
        return int(raw)

    def get_limit(self, request):
        limit = self._whole_number(request, self.limit_query_param, 1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return self._whole_number(request, self.offset_query_param, 0) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        minimum = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            if parameter["name"] in minimum:
                parameter["schema"]["minimum"] = minimum[parameter["name"]]
        return parameters

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {"disclaimer": not_medical_advice(), **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {
            "disclaimer": {
                "type": "string",
                "description": "Not medical advice: what these summaries are not.",
            },
            **paginated["properties"],
        }
        paginated["required"] = ["disclaimer", "count", "results"]
        return paginated


NOT_FOUND = OpenApiResponse(
    description=_('No study has this key. Body: {"code", "message", "errors"}.')
)
BAD_FILTER = OpenApiResponse(
    description=_(
        "A filter has a value that is not allowed; ``errors`` names the parameter."
    )
)


@extend_schema_view(
    list=extend_schema(
        summary="The evidence catalogue: studies of LDN that matter for ME/CFS",
        description=(
            "Public: no sign-in needed. Ordered by relevance to ME/CFS (direct, "
            "partly direct, indirect), then evidence level (L1 to L5, then R), then "
            "year, newest first. Show each study's `limitations` wherever its result "
            "appears, never show a field named in `unverified_fields` as fact, and "
            "say that a study with `has_results` false has no results."
        ),
        parameters=[StudyFilterSerializer],
        responses={200: StudySerializer(many=True), 400: BAD_FILTER},
        tags=["evidence"],
    ),
    retrieve=extend_schema(
        summary="One study, by its key",
        description="Public: no sign-in needed.",
        parameters=[
            OpenApiParameter(
                "key",
                str,
                OpenApiParameter.PATH,
                description="The study's stable key, for example younger2013.",
            )
        ],
        responses={200: StudyDetailSerializer, 404: NOT_FOUND},
        tags=["evidence"],
    ),
)
class StudyViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = StudySerializer
    pagination_class = StudyPagination
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return Study.objects.ordered().with_symptoms()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return StudyDetailSerializer
        return StudySerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = {
            name: self.request.query_params[name]
            for name in FILTER_PARAMS
            if self.request.query_params.get(name, "") != ""
        }
        filters = StudyFilterSerializer(data=params)
        filters.is_valid(raise_exception=True)
        return filters.filter(queryset)
