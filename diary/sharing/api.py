"""Share links through the API, for the mobile apps: ``share-links/``.

- ``GET share-links/``: the user's links, newest first, each with its status,
  view count and latest visits (time, approximate client, outcome).
- ``POST share-links/``: make a link. The answer (201) carries the link's ``url``
  this once; no later answer can show it again (only a hash of it is stored).
- ``GET share-links/{uuid}/``: one link with its access log.
- ``POST share-links/{uuid}/revoke/`` or ``DELETE share-links/{uuid}/``: stop the
  link. It stays listed, as revoked, with its access log.
- ``POST share-links/{uuid}/delete/``: delete the link and its access log for
  good (204). (``DELETE`` keeps its first meaning, revoke, for the apps that use
  it.)

Another user's link is a 404, as if it did not exist. The rules and messages are
those of the web page: both call ``diary.sharing.services``.
"""

import uuid as uuid_lib

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
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
from rest_framework.response import Response

from config.api.fields import DiaryDateField
from diary.api.serializers import ChoiceField
from diary.api.sync import ERROR, pagination, renamer, service_errors
from diary.exports.models import DEFAULT_SECTIONS, ExportSection

from . import services
from .models import ShareAccess, ShareLink

ACCESS_LOG_LIMIT = 50
STATUS_CHOICES = [
    ("active", _("Active: the link works")),
    ("expired", _("Expired")),
    ("revoked", _("Revoked by the patient")),
]
# The services name the range "start"/"end"; the API says start_date/end_date.
RENAME = renamer({"start": "start_date", "end": "end_date"})


def link_status(link: ShareLink, now=None) -> str:
    now = now or timezone.now()
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "active"


# -------------------------------------------------------------------- serializers


class ShareAccessSerializer(serializers.ModelSerializer):
    outcome = ChoiceField(choices=ShareAccess.Outcome.choices, read_only=True)
    client = serializers.CharField(
        read_only=True,
        help_text=_(
            "Approximate: browser family and system only, such as “Firefox on "
            "Windows”; empty when unknown. Never the IP address."
        ),
    )

    class Meta:
        model = ShareAccess
        fields = ["accessed_at", "outcome", "client"]
        read_only_fields = fields


class ShareLinkSerializer(serializers.ModelSerializer):
    sections = serializers.ListField(
        child=ChoiceField(choices=ExportSection.choices), read_only=True
    )
    has_access_code = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    view_count = serializers.IntegerField(
        read_only=True, help_text=_("Visits that showed the report or the PDF.")
    )
    accesses = ShareAccessSerializer(
        many=True,
        read_only=True,
        source="recent_accesses",
        help_text=_("The latest visits, newest first (at most 50)."),
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = ShareLink
        fields = [
            "uuid",
            "label",
            "start_date",
            "end_date",
            "sections",
            "display_name",
            "has_access_code",
            "created_at",
            "expires_at",
            "revoked_at",
            "status",
            "view_count",
            "accesses",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_access_code(self, link: ShareLink) -> bool:
        return bool(link.access_code_hash)

    @extend_schema_field(ChoiceField(choices=STATUS_CHOICES))
    def get_status(self, link: ShareLink) -> str:
        return link_status(link)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text=_(
                "The link for the doctor: only in the answer that creates it, null "
                "everywhere else. It cannot be shown again."
            ),
        )
    )
    def get_url(self, link: ShareLink) -> str | None:
        token = self.context.get("token")
        if not token:
            return None
        return services.share_link_url(token, request=self.context.get("request"))


class ShareLinkCreateSerializer(serializers.Serializer):
    start_date = DiaryDateField(help_text=_("First day of the range."))
    end_date = DiaryDateField(
        help_text=_("Last day of the range: today or earlier, at most 2 years on.")
    )
    sections = serializers.ListField(
        child=ChoiceField(choices=ExportSection.choices),
        default=lambda: list(DEFAULT_SECTIONS),
        max_length=len(ExportSection.values),
        help_text=_(
            "Parts of the report the doctor sees. Default: all but notes, which are "
            "private and shared only if named."
        ),
    )
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=services.EXPIRY_DAYS_MAX,
        default=services.EXPIRY_DAYS_DEFAULT,
        help_text=_("1 to 90, default 14."),
    )
    access_code = serializers.CharField(
        write_only=True,
        allow_blank=True,
        default="",
        max_length=services.ACCESS_CODE_MAX_LENGTH,
        help_text=_(
            "Optional, 4 to 64 characters: the doctor must also enter it. Stored "
            "hashed; never returned."
        ),
    )
    label = serializers.CharField(  # type: ignore[assignment]  # the field, not Field.label
        allow_blank=True,
        default="",
        max_length=services.LABEL_MAX_LENGTH,
        help_text=_("Only the patient sees it."),
    )
    display_name = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=services.DISPLAY_NAME_MAX_LENGTH,
        help_text=_("The patient's name as the report shows it. Never the e-mail."),
    )


# ----------------------------------------------------------------------- the view

UUID_PATH = OpenApiParameter("uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="Your share links, newest first",
        responses={200: ShareLinkSerializer(many=True)},
        tags=["share links"],
    ),
    retrieve=extend_schema(
        summary="One share link with its access log",
        parameters=[UUID_PATH],
        responses={200: ShareLinkSerializer, 404: ERROR},
        tags=["share links"],
    ),
    create=extend_schema(
        summary="Make a share link; the answer shows its URL once",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkSerializer, 400: ERROR},
        tags=["share links"],
    ),
    destroy=extend_schema(
        summary="Revoke a share link (as revoke/)",
        description=(
            "Stops the link. It stays in the list, as revoked, with its access log."
        ),
        parameters=[UUID_PATH],
        responses={204: OpenApiResponse(description="Revoked."), 404: ERROR},
        tags=["share links"],
    ),
    erase=extend_schema(
        summary="Delete a share link and its access log",
        description=(
            "Deletes the link and every visit in its access log, for good. The "
            "link stops working at once."
        ),
        parameters=[UUID_PATH],
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), 404: ERROR},
        tags=["share links"],
    ),
    revoke=extend_schema(
        summary="Revoke a share link",
        description="Stops the link at once. Revoking again changes nothing.",
        parameters=[UUID_PATH],
        request=None,
        responses={200: ShareLinkSerializer, 404: ERROR},
        tags=["share links"],
    ),
)
class ShareLinkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ShareLinkSerializer
    lookup_field = "uuid"
    pagination_class = pagination("-created_at", "-id")

    def get_queryset(self):
        return (
            ShareLink.objects.for_user(self.request.user)
            .annotate(
                view_count=Count(
                    "accesses",
                    filter=Q(
                        accesses__outcome__in=[
                            ShareAccess.Outcome.VIEWED,
                            ShareAccess.Outcome.PDF,
                        ]
                    ),
                )
            )
            .prefetch_related(
                Prefetch(
                    "accesses",
                    queryset=ShareAccess.objects.order_by("-accessed_at", "-id")[
                        :ACCESS_LOG_LIMIT
                    ],
                    to_attr="recent_accesses",
                )
            )
        )

    def get_object(self):
        try:
            uuid_lib.UUID(str(self.kwargs.get(self.lookup_field, "")))
        except ValueError:
            raise exceptions.NotFound() from None
        return super().get_object()

    def _fresh(self, link: ShareLink) -> ShareLink:
        return self.get_queryset().get(pk=link.pk)

    def create(self, request, *args, **kwargs):
        serializer = ShareLinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors(RENAME):
            link, token = services.share_link_create(
                user=request.user,
                start=data["start_date"],
                end=data["end_date"],
                sections=data["sections"],
                expires_in_days=data["expires_in_days"],
                access_code=data["access_code"],
                label=data["label"],
                display_name=data["display_name"],
            )
        body = ShareLinkSerializer(
            self._fresh(link), context={**self.get_serializer_context(), "token": token}
        ).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"}
        )

    def destroy(self, request, *args, **kwargs):
        services.share_link_revoke(link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        link = services.share_link_revoke(link=self.get_object())
        return Response(self.get_serializer(self._fresh(link)).data)

    @action(detail=True, methods=["post"], url_path="delete", url_name="delete")
    def erase(self, request, *args, **kwargs):
        services.share_link_delete(link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
