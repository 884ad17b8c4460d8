"""Exports through the API, for the mobile apps: ``exports/``.

- ``POST exports/``: ask for an export. The answer (202 Accepted) is the job,
  ``queued``; a ``Location`` header names the address to poll. The file is made
  in the background.
- ``GET exports/``: the user's exports, newest first.
- ``GET exports/{uuid}/``: one job, to poll: ``status`` (queued, running, done,
  failed), ``progress`` (0-100), ``error`` (a readable reason when failed) and,
  once done, ``download_url``.
- ``GET exports/{uuid}/download/``: the file, as an attachment, only when the
  job is done: 409 (``not_ready``) while it is queued or being made, 409
  (``failed``) when it failed.
- ``DELETE exports/{uuid}/``: delete the job and its file.

Another user's export is a 404, as if it did not exist. The rules and the
messages are those of the web page: both call ``diary.exports.services``.
"""

import uuid as uuid_lib
from typing import cast

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from accounts.models import User
from config.api.fields import DiaryDateField, StrictCharField
from config.api.views import NOT_MEDICAL_ADVICE
from diary.api.serializers import ChoiceField
from diary.api.sync import ERROR, pagination, service_errors

from . import services
from .downloads import export_file_response
from .models import DEFAULT_SECTIONS, ExportJob, ExportSection

# ------------------------------------------------------------------------ errors


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"
    default_detail = _(
        "This export is not ready yet. Poll the job until its status is “done”."
    )


class ExportFailed(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "failed"
    default_detail = _("This export failed; ask for a new one.")


# ------------------------------------------------------------------- serializers


class ExportJobSerializer(serializers.ModelSerializer):
    format = ChoiceField(choices=ExportJob.Format.choices, read_only=True)
    status = ChoiceField(
        choices=ExportJob.Status.choices,
        read_only=True,
        help_text=_("queued, running, done or failed."),
    )
    progress = serializers.IntegerField(
        read_only=True, help_text=_("0 to 100, for a progress bar.")
    )
    error = serializers.CharField(
        read_only=True, help_text=_("Why the export failed; empty unless it failed.")
    )
    start = DiaryDateField(source="start_date", read_only=True)
    end = DiaryDateField(source="end_date", read_only=True)
    sections = serializers.ListField(
        child=ChoiceField(choices=ExportSection.choices), read_only=True
    )
    expires_at = serializers.DateTimeField(
        read_only=True, help_text=_("The job and its file are deleted after this.")
    )
    download_url = serializers.SerializerMethodField()
    disclaimer = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "uuid",
            "format",
            "status",
            "progress",
            "error",
            "start",
            "end",
            "sections",
            "display_name",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
            "disclaimer",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text=_(
                "The file's address (exports/{uuid}/download/, with the same "
                "token) once the export is done; null until then."
            ),
        )
    )
    def get_download_url(self, job: ExportJob) -> str | None:
        if not job.is_downloadable:
            return None
        path = reverse("api:export-download", args=[job.uuid])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.STR)
    def get_disclaimer(self, job: ExportJob) -> str:
        return NOT_MEDICAL_ADVICE


class ExportRequestSerializer(serializers.Serializer):
    format = ChoiceField(choices=ExportJob.Format.choices)
    start = DiaryDateField(help_text=_("First day of the range."))
    end = DiaryDateField(
        help_text=_(
            "Last day of the range: today or earlier (your own today), at most 2 "
            "years after the start."
        )
    )
    sections = serializers.ListField(
        child=ChoiceField(choices=ExportSection.choices),
        default=lambda: list(DEFAULT_SECTIONS),
        min_length=1,
        max_length=len(ExportSection.values),
        error_messages={"min_length": _("Choose at least one section.")},
        help_text=_(
            "Parts of the report. Default: all but notes, which are private and "
            "included only if named."
        ),
    )
    display_name = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text=_(
            "Your name as the report shows it; never your e-mail. Left out: the "
            "name in your profile. Empty: no name."
        ),
    )


# ----------------------------------------------------------------------- the view

UUID_PATH = OpenApiParameter("uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)
FILE_MEDIA_TYPES = ("application/pdf", "text/csv", "application/fhir+json")


class JSONErrorsOnly(BaseContentNegotiation):
    """The download answers a file whatever ``Accept`` says, and its errors in
    JSON: a client that asks for ``application/pdf`` is not refused with 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(
    list=extend_schema(
        summary="Your exports, newest first",
        responses={200: ExportJobSerializer(many=True), 400: ERROR, 404: ERROR},
    ),
    retrieve=extend_schema(
        summary="One export job (poll it until it is done)",
        parameters=[UUID_PATH],
        responses={200: ExportJobSerializer, 404: ERROR},
    ),
    create=extend_schema(
        summary="Ask for an export; it is made in the background",
        description=(
            "Answers at once (202) with the job, `queued`; poll "
            "`exports/{uuid}/` until `status` is `done` (then `download_url` is "
            "set) or `failed` (then `error` says why). At most 5 exports can wait "
            "at once. Files are kept for 7 days."
        ),
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer, 400: ERROR},
    ),
    destroy=extend_schema(
        summary="Delete an export and its file",
        parameters=[UUID_PATH],
        responses={204: OpenApiResponse(description="Deleted."), 404: ERROR},
    ),
    download=extend_schema(
        summary="Download an export's file",
        description=(
            "The file, as an attachment: a PDF, a CSV or a FHIR R4 JSON bundle, "
            "by the job's format. 409 `not_ready` while the job is queued or "
            "running, 409 `failed` when it failed; 404 once it has expired."
        ),
        parameters=[UUID_PATH],
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in FILE_MEDIA_TYPES},
            404: ERROR,
            409: ERROR,
        },
    ),
)
@extend_schema(tags=["exports"])
class ExportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ExportJobSerializer
    lookup_field = "uuid"
    pagination_class = pagination("-created_at", "-id")

    def get_queryset(self):
        return ExportJob.objects.for_user(self.request.user)

    def get_object(self):
        try:
            uuid_lib.UUID(str(self.kwargs.get(self.lookup_field, "")))
        except ValueError:
            raise exceptions.NotFound() from None
        return super().get_object()

    def create(self, request, *args, **kwargs):
        user = cast(User, request.user)
        serializer = ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            job = services.export_request(
                user=user,
                format=data["format"],
                start=data["start"],
                end=data["end"],
                sections=data["sections"],
                display_name=data.get("display_name", user.display_name),
            )
        location = request.build_absolute_uri(
            reverse("api:export-detail", args=[job.uuid])
        )
        return Response(
            self.get_serializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )

    def destroy(self, request, *args, **kwargs):
        services.export_delete(job=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"], content_negotiation_class=JSONErrorsOnly)
    def download(self, request, *args, **kwargs):
        job = self.get_object()
        if job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
            raise NotReady
        if job.status == ExportJob.Status.FAILED:
            raise ExportFailed(job.error or None)
        if not job.is_downloadable:
            raise exceptions.NotFound(_("This export has expired."))
        response = export_file_response(job)
        if response is None:
            raise exceptions.NotFound(_("This export's file is gone."))
        return response
