"""Your data through the API, for the mobile apps: ``account/``.

- ``GET account/export/``: the full export file (the same JSON as the web page's
  "Download all your data"), as an attachment.
- ``POST account/import/``: the body is such a file (``application/json``). 201
  with what was imported; 400 ``invalid_import`` with every problem under
  ``errors`` by its place in the file (``entries[3].date``); 409
  ``account_not_empty`` when the account already holds diary data. All or nothing.
- ``POST account/delete/`` with ``{"password"}``: erase the account and all its
  data. 204; the token in use stops working at once.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.errors import ERROR
from config.api.fields import StrictCharField

from .. import services
from ..views import download_response


class ExportFileParser(BaseParser):
    """The body as bytes, at most one byte past the import limit: the import
    checks and parses it itself (size, nesting, duplicates, schema)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        return stream.read(services.max_import_bytes() + 1)


class InvalidImport(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_import"
    default_detail = _("Nothing was imported: the file has problems, listed by place.")

    def __init__(self, rejected: services.ImportRejected):
        super().__init__()
        errors: dict[str, list[str]] = {}
        for problem in rejected.problems:
            errors.setdefault(problem.place or "file", []).append(problem.message)
        self.extra_body = {"errors": errors, "problem_count": rejected.total}


class AccountNotEmpty(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "account_not_empty"
    default_detail = _(
        "This account already holds diary data, so nothing was imported. Import "
        "into a new, empty account."
    )


ImportSummarySerializer = inline_serializer(
    "ImportSummary",
    {
        "entries": serializers.IntegerField(),
        "crashes": serializers.IntegerField(),
        "courses": serializers.IntegerField(),
        "medications": serializers.IntegerField(),
        "own_symptoms": serializers.IntegerField(),
        "share_links": serializers.IntegerField(),
    },
)


class AccountExportView(APIView):
    @extend_schema(
        summary="Download everything the account holds (one JSON file, version 1)",
        description=(
            "The format is described by the JSON Schema "
            "diary/portability/export-v1.schema.json in the source code. It holds "
            "notes and health data: store it privately. Not medical advice."
        ),
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return download_response(user=request.user)


class AccountImportView(APIView):
    parser_classes = [ExportFileParser]

    @extend_schema(
        summary="Import an export file into this (empty) account, all or nothing",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            201: ImportSummarySerializer,
            400: ERROR,
            409: ERROR,
        },
    )
    def post(self, request):
        raw = request.data
        if not isinstance(raw, bytes):
            raise exceptions.ParseError
        try:
            summary = services.account_import(user=request.user, raw=raw)
        except services.AccountNotEmpty:
            raise AccountNotEmpty from None
        except services.ImportRejected as rejected:
            raise InvalidImport(rejected) from None
        return Response(
            {
                "entries": summary.entries,
                "crashes": summary.crashes,
                "courses": summary.courses,
                "medications": summary.medications,
                "own_symptoms": summary.own_symptoms,
                "share_links": summary.share_links,
            },
            status=status.HTTP_201_CREATED,
        )


class AccountDeleteSerializer(serializers.Serializer):
    password = StrictCharField(
        max_length=4096,
        trim_whitespace=False,
        help_text=_("The account's password, to confirm."),
    )


class AccountDeleteView(APIView):
    @extend_schema(
        summary="Delete the account and everything it holds, for good",
        request=AccountDeleteSerializer,
        responses={204: None, 400: ERROR},
    )
    def post(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["password"]):
            raise exceptions.ValidationError(
                {"password": [_("That is not your password. Nothing was deleted.")]}
            )
        services.account_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
