"""``GET /api/v1/sync/?since=<cursor>``: everything of the user's diary created,
changed or deleted since the cursor, and the cursor to send next time.

How it never skips a change: every write raises the user's change counter
(``User.sync_version``) inside its transaction, holding the user's row lock until
it commits, and stamps the rows it writes (and the tombstones of what it deletes)
with the new value. This view reads the counter first (``V``) and then returns the
rows stamped ``cursor < sync_version <= V``. Every write stamped ``<= V`` had
committed when ``V`` could be read; a write that commits later is stamped higher
than ``V`` and comes with the next pull. A row changed again after ``V`` was read
is left out now and comes next time with its newest state.

Pages: each kind returns at most ``PAGE_SIZE`` rows, in ``sync_version`` order.
When a kind has more, the answer stops at a version boundary that every kind has
reached: ``cursor`` is then the highest version whose rows (of every kind) are all
in this answer, and ``has_more`` is true. A page always holds at least one whole
version, even a large one (deleting an own symptom stamps every entry that scored
it with one version), so paging always advances.

What is in it:

- ``symptoms``: the user's own symptoms. The built-in catalogue is the same for
  everybody and changes only with a server release: get it from ``symptoms/``.
  An own symptom is sent again when its tracking changes, so its ``tracked`` and
  ``archived`` flags are never stale.
- ``tracked_symptoms``: the check-in list (built-in and own symptoms), each with
  its position and whether it is archived.
- ``entries`` (with scores), ``crashes``, ``treatments``, ``dose_changes``,
  ``side_effects``, ``missed_doses`` (each with its ``course`` uuid) and
  ``medications``, in the same shapes as their own endpoints.
- ``deleted``: tombstones, ``{"kind", "uuid"}``, kinds as in ``Tombstone.Kind``.

``since`` absent, empty or ``0`` asks for the whole diary (a first sync). The
cursor is opaque: send back exactly what the last answer gave.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.models import User

from ..models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    Symptom,
    Tombstone,
    TrackedSymptom,
    TreatmentCourse,
)
from .entries import entries_with_scores
from .serializers import (
    CrashSerializer,
    EntrySerializer,
    MedicationSerializer,
    SymptomSerializer,
)
from .sync import ERROR
from .treatments import (
    CourseSerializer,
    DoseChangeSerializer,
    MissedDoseSerializer,
    SideEffectSerializer,
)

PAGE_SIZE = 1000
CURSOR_PREFIX = "v1."
_CURSOR = re.compile(r"v1\.(0|[1-9][0-9]{0,17})")
CURSOR_PATTERN = r"^(0|v1\.(0|[1-9][0-9]{0,17}))?$"

# ------------------------------------------------------------------- serializers


class TrackedSymptomSerializer(serializers.ModelSerializer):
    """One symptom on the user's check-in."""

    symptom = serializers.UUIDField(
        source="symptom_uuid", read_only=True, help_text=_("The symptom's uuid.")
    )
    archived = serializers.SerializerMethodField(
        help_text=_("Hidden from the check-in; its scores are kept.")
    )

    class Meta:
        model = TrackedSymptom
        fields = [
            "uuid",
            "symptom",
            "position",
            "archived",
            "archived_at",
            "sync_version",
        ]
        read_only_fields = fields

    def get_archived(self, tracked: TrackedSymptom) -> bool:
        return tracked.archived_at is not None


class CourseRow:
    """Marks a course row's serializer that also names its course (the nested
    endpoints have the course in their URL instead)."""

    base_serializer: type[serializers.ModelSerializer]


def _with_course(serializer: type[serializers.ModelSerializer]):
    class WithCourse(CourseRow, serializer):  # type: ignore[valid-type,misc]
        course = serializers.UUIDField(
            source="course_uuid", read_only=True, help_text=_("The course's uuid.")
        )

        class Meta(serializer.Meta):  # type: ignore[name-defined]
            fields = [*serializer.Meta.fields, "course"]

    WithCourse.base_serializer = serializer
    WithCourse.__name__ = WithCourse.__qualname__ = f"Sync{serializer.__name__}"
    return WithCourse


class CourseRowSchema(OpenApiSerializerExtension):
    """In the schema, a course row in a sync is its resource's component plus
    ``course``: one definition of each shape (and of its enums)."""

    target_class = CourseRow
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        base = auto_schema.resolve_serializer(self.target.base_serializer, direction)
        return {
            "allOf": [
                base.ref,
                {
                    "type": "object",
                    "properties": {
                        "course": {
                            "type": "string",
                            "format": "uuid",
                            "readOnly": True,
                            "description": "The course's uuid.",
                        }
                    },
                    "required": ["course"],
                },
            ]
        }


SyncDoseChangeSerializer = _with_course(DoseChangeSerializer)
SyncSideEffectSerializer = _with_course(SideEffectSerializer)
SyncMissedDoseSerializer = _with_course(MissedDoseSerializer)


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tombstone
        fields = ["kind", "uuid"]
        read_only_fields = fields


# ------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class Kind:
    """One list of the answer: its rows of one user, newest-last by version."""

    name: str
    rows: Callable[[User], QuerySet]
    serializer: Any
    # The version a row is sent by: a field, or an annotation made by ``rows``.
    version: str = "sync_version"


def _symptoms(user: User) -> QuerySet:
    tracked = TrackedSymptom.objects.for_user(user).filter(symptom=OuterRef("pk"))
    return Symptom.objects.own(user).annotate(
        api_tracked=Exists(tracked.filter(archived_at__isnull=True)),
        api_archived=Exists(tracked.filter(archived_at__isnull=False)),
        # Tracking an own symptom changes its body (tracked, archived) but
        # stamps the tracking row, not the symptom: send it by the later one.
        changed_version=Greatest(
            F("sync_version"),
            Coalesce(
                Subquery(tracked.values("sync_version")[:1]),
                Value(0),
            ),
        ),
    )


def _course_rows(model) -> Callable[[User], QuerySet]:
    def rows(user: User) -> QuerySet:
        return model.objects.for_user(user).annotate(course_uuid=F("course__uuid"))

    return rows


KINDS = [
    Kind("symptoms", _symptoms, SymptomSerializer, version="changed_version"),
    Kind(
        "tracked_symptoms",
        lambda user: TrackedSymptom.objects.for_user(user).annotate(
            symptom_uuid=F("symptom__uuid")
        ),
        TrackedSymptomSerializer,
    ),
    Kind(
        "entries",
        lambda user: entries_with_scores(Entry.objects.for_user(user)),
        EntrySerializer,
    ),
    Kind("crashes", lambda user: Crash.objects.for_user(user), CrashSerializer),
    Kind(
        "treatments",
        lambda user: TreatmentCourse.objects.for_user(user).prefetch_related(
            Prefetch("dose_changes", queryset=DoseChange.objects.order_by("date", "id"))
        ),
        CourseSerializer,
    ),
    Kind("dose_changes", _course_rows(DoseChange), SyncDoseChangeSerializer),
    Kind("side_effects", _course_rows(SideEffect), SyncSideEffectSerializer),
    Kind("missed_doses", _course_rows(MissedDose), SyncMissedDoseSerializer),
    Kind(
        "medications",
        lambda user: Medication.objects.for_user(user),
        MedicationSerializer,
    ),
]
# Where a tombstone's kind lives in ``changes``.
KIND_OF_TOMBSTONE = {
    Tombstone.Kind.SYMPTOM: "symptoms",
    Tombstone.Kind.TRACKED_SYMPTOM: "tracked_symptoms",
    Tombstone.Kind.ENTRY: "entries",
    Tombstone.Kind.CRASH: "crashes",
    Tombstone.Kind.COURSE: "treatments",
    Tombstone.Kind.DOSE_CHANGE: "dose_changes",
    Tombstone.Kind.SIDE_EFFECT: "side_effects",
    Tombstone.Kind.MISSED_DOSE: "missed_doses",
    Tombstone.Kind.MEDICATION: "medications",
}
DELETED = Kind(
    "deleted", lambda user: Tombstone.objects.for_user(user), TombstoneSerializer
)


# ------------------------------------------------------------------------ cursor


def parse_cursor(value: str | None) -> int | None:
    """The version a cursor stands for; None for a first (full) sync."""
    if value in (None, "", "0"):
        return None
    match = _CURSOR.fullmatch(value)
    if match is None:
        raise exceptions.ValidationError(
            {
                "since": [
                    _(
                        "Not a sync cursor. Send the cursor of your last sync, or 0 "
                        "to get everything."
                    )
                ]
            }
        )
    return int(match.group(1))


def make_cursor(version: int) -> str:
    return f"{CURSOR_PREFIX}{version}"


# -------------------------------------------------------------------------- page


def _window(kind: Kind, user: User, after: int | None, upto: int) -> QuerySet:
    rows = kind.rows(user).filter(**{f"{kind.version}__lte": upto})
    if after is not None:
        rows = rows.filter(**{f"{kind.version}__gt": after})
    return rows.order_by(kind.version, "pk")


def _version(row, kind: Kind) -> int:
    return getattr(row, kind.version)


def collect(user: User, after: int | None, upto: int, page_size: int):
    """Rows of every kind stamped in ``(after, upto]``, cut to a page at a version
    boundary. Returns ``({kind name: rows}, cursor version)``."""
    kinds = [*KINDS, DELETED]
    fetched = {
        kind.name: list(_window(kind, user, after, upto)[: page_size + 1])
        for kind in kinds
    }
    # For a kind with more rows than a page, only versions below its first row
    # left out are complete.
    boundaries = {
        kind.name: _version(fetched[kind.name][page_size], kind)
        for kind in kinds
        if len(fetched[kind.name]) > page_size
    }
    if not boundaries:
        return fetched, upto
    first_left_out = min(boundaries.values())
    cut = first_left_out - 1
    page = {
        kind.name: [row for row in fetched[kind.name] if _version(row, kind) <= cut]
        for kind in kinds
    }
    if any(page.values()):
        return page, cut
    # One version holds more rows than a page (and nothing is older): send that
    # whole version, however large, so the next pull moves on.
    cut = first_left_out
    for kind in kinds:
        rows = fetched[kind.name]
        if boundaries.get(kind.name) == cut:
            rows = list(kind.rows(user).filter(**{kind.version: cut}).order_by("pk"))
        page[kind.name] = [row for row in rows if _version(row, kind) <= cut]
    return page, cut


# -------------------------------------------------------------------------- view


class SyncChangesSerializer(serializers.Serializer):
    symptoms = SymptomSerializer(many=True, help_text=_("Your own symptoms."))
    tracked_symptoms = TrackedSymptomSerializer(many=True)
    entries = EntrySerializer(many=True)
    crashes = CrashSerializer(many=True)
    treatments = CourseSerializer(many=True)
    dose_changes = SyncDoseChangeSerializer(many=True)
    side_effects = SyncSideEffectSerializer(many=True)
    missed_doses = SyncMissedDoseSerializer(many=True)
    medications = MedicationSerializer(many=True)


class SyncSerializer(serializers.Serializer):
    cursor = serializers.CharField(
        help_text=_("Send it as `since` next time. Opaque: do not parse it.")
    )
    changes = SyncChangesSerializer(
        help_text=_("Created or changed since the cursor, by kind.")
    )
    deleted = TombstoneSerializer(many=True, help_text=_("Deleted since the cursor."))
    has_more = serializers.BooleanField(
        help_text=_("More changes are waiting: pull again at once with `cursor`.")
    )


@extend_schema(
    summary="Everything created, changed or deleted since your last sync",
    description=(
        "Send the `cursor` of your last answer as `since` (none or `0` for "
        "everything) and apply `changes` and `deleted` to your copy; while "
        "`has_more` is true, pull again with the new cursor. Own symptoms only: "
        "the built-in catalogue is at symptoms/."
    ),
    parameters=[
        OpenApiParameter(
            "since",
            {"type": "string", "pattern": CURSOR_PATTERN},
            description="The cursor of your last sync; absent or 0 for everything.",
        )
    ],
    responses={200: SyncSerializer, 400: ERROR},
    tags=["sync"],
)
@api_view(["GET"])
def sync(request):
    after = parse_cursor(request.query_params.get("since"))
    user = request.user
    # The counter first: see the module docstring.
    upto = User.objects.filter(pk=user.pk).values_list("sync_version", flat=True).get()
    if after is not None and after > upto:
        raise exceptions.ValidationError(
            {
                "since": [
                    _(
                        "This cursor is newer than your diary: sync again from the "
                        "start (0)."
                    )
                ]
            }
        )
    page, cursor = collect(user, after, upto, PAGE_SIZE)
    context = {"request": request}
    changes = {
        kind.name: kind.serializer(page[kind.name], many=True, context=context).data
        for kind in KINDS
    }
    return Response(
        {
            "cursor": make_cursor(cursor),
            "changes": changes,
            "deleted": TombstoneSerializer(page[DELETED.name], many=True).data,
            "has_more": cursor < upto,
        }
    )
