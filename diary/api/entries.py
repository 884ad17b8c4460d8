"""/api/v1/entries/: the diary, one entry per day, addressed by its date.

``PUT /entries/{date}/`` is an idempotent upsert of the whole day (fields not
sent become empty, symptoms not listed become unanswered); ``PATCH`` changes only
what is sent; ``POST /entries/`` with a ``date`` creates the day or adds to it,
and a retried POST with the same ``uuid`` answers the entry it created. Scores
name symptoms by uuid. Every write goes through ``services.entry_upsert`` /
``services.entry_delete``.
"""

import datetime
import uuid as uuid_lib

from django.db import router, transaction
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from accounts.models import User
from config.api.fields import DiaryDateField
from config.prepared import PreparedSelect

from .. import services
from ..models import Entry, Symptom, SymptomScore, Tombstone
from .serializers import EntrySerializer
from .sync import (
    ERROR,
    GONE,
    IF_MATCH,
    STALE,
    Gone,
    check_if_match,
    lock_owner,
    pagination,
    rename_entry_errors,
    requested_uuid,
    service_errors,
    uuid_taken,
)


def entries_with_scores(queryset):
    """Entries with their scores, each score with its symptom's uuid: one more
    query however many entries."""
    return queryset.prefetch_related(
        Prefetch(
            "scores",
            queryset=SymptomScore.objects.annotate(
                symptom_uuid=F("symptom__uuid"),
                symptom_position=F("symptom__default_position"),
            ).order_by("symptom__default_position", "symptom_id"),
        )
    )


def _score_pairs_query(*entry_ids):
    return (
        SymptomScore.objects.filter(entry_id__in=entry_ids)
        .order_by("symptom__default_position", "symptom_id")
        .values_list("entry_id", "symptom__uuid", "score")
    )


_SCORE_PAIRS = PreparedSelect(
    "diary.score_pairs",
    _score_pairs_query,
    lambda n: [-1 - i for i in range(n)],
    repeats=True,  # A symptom's uuid on each of its scores.
)
# Pages of more entries than this compile their own query.
_SCORE_PAIRS_PREPARED_MAX = 64


def attach_score_pairs(entries: list[Entry]) -> None:
    """Each entry's scores as ``(symptom uuid, score)`` pairs in ``api_scores``,
    for a page of entries in one query of plain rows (no model per score), which
    ``EntrySerializer`` uses instead of ``entry.scores``. The uuids come as
    text, each symptom's made once."""
    pairs: dict[int, list[tuple]] = {entry.pk: [] for entry in entries}
    ids = list(pairs)
    if not ids:
        rows: list = []
    elif len(ids) > _SCORE_PAIRS_PREPARED_MAX:
        rows = list(_score_pairs_query(*ids))
    else:
        entry_id = SymptomScore._meta.get_field("entry")
        rows = _SCORE_PAIRS.rows(
            [entry_id] * len(ids), ids, using=router.db_for_read(SymptomScore)
        )
    text: dict = {}
    for entry_pk, symptom_uuid, score in rows:
        symptom = text.get(symptom_uuid)
        if symptom is None:
            symptom = text[symptom_uuid] = str(symptom_uuid)
        pairs[entry_pk].append((symptom, score))
    for entry in entries:
        entry.api_scores = pairs[entry.pk]  # type: ignore[attr-defined]


_ENTRY_COLUMNS = tuple(field.attname for field in Entry._meta.concrete_fields)
_SCORE_COLUMNS = ("id", "entry_id", "symptom_id", "score")


def _entry_with_scores_query(user_pk, day: datetime.date):
    return (
        Entry.objects.filter(user_id=user_pk, date=day)
        .order_by("scores__symptom__default_position", "scores__symptom_id")
        .values_list(
            *_ENTRY_COLUMNS,
            "scores__id",
            "scores__symptom_id",
            "scores__score",
            "scores__symptom__uuid",
            "scores__symptom__default_position",
        )
    )


# Placeholders to compile the queries with (never sent to the database).
_NO_USER = -982451653
_NO_DAY = datetime.date(1901, 2, 3)
_NO_DAYS = (_NO_DAY, datetime.date(1901, 2, 4), datetime.date(1901, 2, 5))

_ENTRY_WITH_SCORES = PreparedSelect(
    "diary.entry_with_scores",
    _entry_with_scores_query,
    lambda _n: (_NO_USER, _NO_DAY),
)


def _symptoms_query(user_pk, *uuids):
    return (
        Symptom.objects.available_to(User(pk=user_pk))
        .filter(uuid__in=uuids)
        .values_list("uuid", "pk", "default_position")
    )


_SYMPTOMS = PreparedSelect(
    "diary.available_symptoms_by_uuid",
    _symptoms_query,
    lambda n: (_NO_USER, *(uuid_lib.UUID(int=i + 1) for i in range(n - 1))),
)
# Requests listing more symptoms than this compile their own query.
_SYMPTOMS_PREPARED_MAX = 64


def available_symptoms(user, uuids: list) -> list[tuple]:
    """``(uuid, id, position)`` of the symptoms among ``uuids`` available to the
    user (the catalogue and their own), as ``Symptom.objects.available_to``."""
    distinct = list(dict.fromkeys(uuids))
    if not distinct:
        return []
    if len(distinct) > _SYMPTOMS_PREPARED_MAX:
        return list(_symptoms_query(user.pk, *distinct))
    uuid_field = Symptom._meta.get_field("uuid")
    return _SYMPTOMS.rows(
        (Symptom._meta.get_field("owner"), *(uuid_field for _ in distinct)),
        (user.pk, *distinct),
        using=router.db_for_read(Symptom),
    )


def entry_with_scores(user, day: datetime.date) -> Entry | None:
    """The user's entry for ``day`` with its scores, as ``entries_with_scores``
    gives them (in catalogue order, each with ``symptom_uuid`` and
    ``symptom_position``), in one query: the entry's columns LEFT JOINed to its
    scores, read as plain rows (and compiled once: ``config.prepared``)."""
    db = router.db_for_read(Entry)
    rows = _ENTRY_WITH_SCORES.rows(
        (Entry._meta.get_field("user"), Entry._meta.get_field("date")),
        (user.pk, day),
        using=db,
    )
    if not rows:
        return None
    width = len(_ENTRY_COLUMNS)
    entry = Entry.from_db(db, _ENTRY_COLUMNS, rows[0][:width])
    scores = []
    for row in rows:
        score_id, symptom_id, score, symptom_uuid, position = row[width:]
        if score_id is None:  # An entry without scores: one row, all NULL.
            continue
        item = SymptomScore.from_db(
            db, _SCORE_COLUMNS, (score_id, entry.pk, symptom_id, score)
        )
        item.symptom_uuid = symptom_uuid  # type: ignore[attr-defined]
        item.symptom_position = position  # type: ignore[attr-defined]
        scores.append(item)
    entry._prefetched_objects_cache = {"scores": scores}  # type: ignore[attr-defined]
    return entry


def _entry_page_query(user_pk, *days, start=False, end=False, after="", ordering=()):
    queryset = Entry.objects.filter(user_id=user_pk)
    days_left = list(days)
    if start:
        queryset = queryset.filter(date__gte=days_left.pop(0))
    if end:
        queryset = queryset.filter(date__lte=days_left.pop(0))
    queryset = queryset.order_by(*ordering)
    if after:
        queryset = queryset.filter(**{f"date__{after}": days_left.pop(0)})
    return queryset


class EntryPages:
    """The user's entries (from ``start`` to ``end``, each optional) as the
    cursor pagination reads them: it orders them, filters them by its position
    and takes a slice, which runs a query compiled once per shape
    (``config.prepared``) and gives the entries as the ORM does. Any other use
    is refused; a slice not from the start (the pagination's offset, only when
    entries share a date, which they never do) runs the ORM's query."""

    def __init__(self, user, start=None, end=None, ordering=(), after=None):
        self.user, self.start, self.end = user, start, end
        self.ordering, self.after = tuple(ordering), after

    def order_by(self, *ordering: str) -> "EntryPages":
        if not all(field in ("date", "-date") for field in ordering):
            raise ValueError(f"Entries are paged by date, not {ordering}.")
        return EntryPages(self.user, self.start, self.end, ordering, self.after)

    def filter(self, **position) -> "EntryPages":
        ((lookup, value),) = position.items()
        if lookup not in ("date__lt", "date__gt") or self.after is not None:
            raise ValueError(f"Entries are paged by date, not {lookup}.")
        return EntryPages(
            self.user, self.start, self.end, self.ordering, (lookup[6:], value)
        )

    def _shape(self) -> dict:
        return {
            "start": self.start is not None,
            "end": self.end is not None,
            "after": self.after[0] if self.after else "",
            "ordering": self.ordering,
        }

    def _days(self) -> list:
        days = [day for day in (self.start, self.end) if day is not None]
        return days + ([self.after[1]] if self.after else [])

    def queryset(self):
        """The ORM's queryset of the same entries, in the same order."""
        return _entry_page_query(self.user.pk, *self._days(), **self._shape())

    def __getitem__(self, bounds: slice) -> list[Entry]:
        if not isinstance(bounds, slice) or bounds.step is not None:
            raise TypeError("Entries are read a page (a slice) at a time.")
        if bounds.start not in (None, 0) or bounds.stop is None:
            return list(self.queryset()[bounds])
        shape = self._shape()
        limit = bounds.stop

        def build(user_pk, *days):
            return _entry_page_query(user_pk, *days, **shape)[:limit].values_list(
                *_ENTRY_COLUMNS
            )

        days = self._days()
        prepared = PreparedSelect(
            f"diary.entry_page:{sorted(shape.items())}:{limit}",
            build,
            lambda n: (_NO_USER, *_NO_DAYS[: n - 1]),
        )
        date = Entry._meta.get_field("date")
        db = router.db_for_read(Entry)
        rows = prepared.rows(
            (Entry._meta.get_field("user"), *(date for _ in days)),
            (self.user.pk, *days),
            using=db,
        )
        return [Entry.from_db(db, _ENTRY_COLUMNS, row) for row in rows]


def _parse_date(value, field: str) -> datetime.date:
    try:
        return DiaryDateField().to_internal_value(value)
    except serializers.ValidationError as error:
        raise exceptions.ValidationError({field: error.detail}) from None


DATE_PATH = OpenApiParameter(
    "date",
    OpenApiTypes.DATE,
    OpenApiParameter.PATH,
    description="The day, YYYY-MM-DD (the user's local date).",
)
ENTRY_WRITE = {200: EntrySerializer, 201: EntrySerializer, 400: ERROR, 410: GONE}


@extend_schema_view(
    list=extend_schema(
        summary="Your entries, newest day first",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day."),
        ],
        responses={200: EntrySerializer(many=True), 400: ERROR, 404: ERROR},
    ),
    create=extend_schema(
        summary="Create the day's entry, or add to it",
        description=(
            "`date` is required. If the day has an entry already, the fields and "
            "scores sent are changed and the rest kept (as PATCH). Sending the "
            "`uuid` of an entry already created answers that entry (200)."
        ),
        responses=ENTRY_WRITE,
    ),
    retrieve=extend_schema(
        summary="One day's entry (with ETag)",
        parameters=[DATE_PATH],
        responses={200: EntrySerializer, 400: ERROR, 404: ERROR},
    ),
    update=extend_schema(
        summary="Replace the day's entry (create it if there is none)",
        description=(
            "Idempotent. Fields not sent become empty and symptoms not listed in "
            "`scores` become unanswered. `uuid` is used when the day has no entry "
            "yet."
        ),
        parameters=[DATE_PATH, IF_MATCH],
        responses={**ENTRY_WRITE, 412: STALE},
    ),
    partial_update=extend_schema(
        summary="Change some fields or scores of the day's entry",
        description="A score of null clears it; symptoms not listed keep theirs.",
        parameters=[DATE_PATH, IF_MATCH],
        responses={200: EntrySerializer, 400: ERROR, 404: ERROR, 412: STALE},
    ),
    destroy=extend_schema(
        summary="Delete the day's entry",
        parameters=[DATE_PATH, IF_MATCH],
        responses={204: None, 400: ERROR, 404: ERROR, 412: STALE},
    ),
)
@extend_schema(tags=["entries"])
class EntryViewSet(viewsets.GenericViewSet):
    """The diary, one entry per day, addressed by its date."""

    serializer_class = EntrySerializer
    lookup_field = "date"
    lookup_value_regex = "[^/]+"
    pagination_class = pagination("-date")

    POST, PUT, PATCH = "post", "put", "patch"

    def get_queryset(self):
        return entries_with_scores(Entry.objects.for_user(self.request.user))

    def _day(self) -> datetime.date:
        return _parse_date(self.kwargs["date"], "date")

    def _response(
        self, entry: Entry, status_code: int = status.HTTP_200_OK, serializer=None
    ):
        """The entry with its ETag; ``serializer`` is the request's own (already
        built), which answers as well as a new one would."""
        if serializer is None:
            serializer = self.get_serializer(entry)
        return Response(
            serializer.to_representation(entry),
            status=status_code,
            headers={"ETag": entry.etag},
        )

    def list(self, request):
        params = request.query_params
        # Sent empty is not a date (a 400), not "no filter".
        start = _parse_date(params["from"], "from") if "from" in params else None
        end = _parse_date(params["to"], "to") if "to" in params else None
        if start and end and end < start:
            raise exceptions.ValidationError(
                {"to": [_("The end date is before the start date.")]}
            )
        # The pagination orders, filters and slices; EntryPages does those.
        page: list[Entry] | None = self.paginate_queryset(
            EntryPages(request.user, start, end)  # type: ignore[arg-type]
        )
        attach_score_pairs(page or [])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, date=None):
        entry = self.get_queryset().filter(date=self._day()).first()
        if entry is None:
            raise exceptions.NotFound
        return self._response(entry)

    def create(self, request):
        return self._write(request, mode=self.POST)

    def update(self, request, date=None):
        return self._write(request, mode=self.PUT, day=self._day())

    def partial_update(self, request, date=None):
        return self._write(request, mode=self.PATCH, day=self._day())

    def destroy(self, request, date=None):
        day = self._day()
        with transaction.atomic():
            lock_owner(request.user)
            entry = self.get_queryset().filter(date=day).first()
            if entry is None:
                raise exceptions.NotFound
            check_if_match(request, entry, lambda: self.get_serializer(entry).data)
            services.entry_delete(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Writes ----------------------------------------------------------------------

    def _retried_post(self, data) -> Entry | None:
        """The entry a retried POST already created: same uuid, same date."""
        uuid = requested_uuid(data)
        if uuid is None:
            return None
        entry = self.get_queryset().filter(uuid=uuid).first()
        if entry is None:
            return None
        try:
            same_day = _parse_date(data.get("date"), "date") == entry.date
        except exceptions.ValidationError:
            return None
        return entry if same_day else None

    def _write(self, request, *, mode: str, day: datetime.date | None = None):
        user = request.user
        # What needs neither the lock nor the diary is done before taking them:
        # the body's validation and the lookup of the symptoms it names. On
        # SQLite the transaction holds the whole database's write lock, which
        # every other writer waits for; the answers are given in the same order
        # as if they were done inside (a missing day's 404 before a 400).
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        symptoms = (
            self._available_symptoms(user, serializer.validated_data) if valid else {}
        )
        with transaction.atomic():
            # Raising the owner's change counter first takes their row lock (as
            # lock_owner does) and saves the write a statement; a refused request
            # rolls it back.
            version = services.next_sync_version(user)
            current = None
            if mode != self.POST:
                assert day is not None
                current = entry_with_scores(user, day)
                if mode == self.PATCH and current is None:
                    raise exceptions.NotFound

            # A malformed request is a 400, even a retry, whatever it is based on.
            if not valid:
                # Validated above: this only raises its errors.
                serializer.is_valid(raise_exception=True)
            if mode == self.POST:
                retried = self._retried_post(request.data)
                if retried is not None:
                    return self._response(retried, serializer=serializer)
            else:
                check_if_match(request, current, lambda: self._current_or_none(current))
            data = dict(serializer.validated_data)
            body_date = data.pop("date", None)
            if mode == self.POST:
                if body_date is None:
                    raise exceptions.ValidationError(
                        {"date": [_("This field is required.")]}
                    )
                day = body_date
                current = entry_with_scores(user, day)
            elif body_date is not None and body_date != day:
                raise exceptions.ValidationError(
                    {"date": [_("The date in the body does not match the URL.")]}
                )
            assert day is not None
            uuid = data.pop("uuid", None)
            if uuid is not None and (current is None or current.uuid != uuid):
                self._check_uuid(user, uuid, day, current)
            scores = self._scores(
                data.pop("scores", []), symptoms, current, replace=mode == self.PUT
            )
            if mode == self.PUT:
                data = {name: data.get(name) for name in services.ENTRY_FIELDS}
            with service_errors(rename_entry_errors):
                entry, created = services.entry_upsert(
                    user=user,
                    date=day,
                    scores=scores,
                    fields=data,
                    uuid=uuid,
                    available_symptom_ids=self._available(symptoms, current),
                    current=current,
                    uuid_checked=True,
                    version=version,
                    # Any error ends this request's transaction: no savepoint.
                    savepoint=False,
                )
        # The answer is built from what was written, not read back: the scores
        # come back from the service, their symptoms' uuids from the lookup above.
        uuids = {pk: (uuid, position) for uuid, (pk, position) in symptoms.items()}
        written = entry.scores.all()
        for score in written:
            if not hasattr(score, "symptom_uuid"):
                score.symptom_uuid, score.symptom_position = uuids[score.symptom_id]  # type: ignore[attr-defined]
        entry._prefetched_objects_cache["scores"] = sorted(  # type: ignore[attr-defined]
            written,
            key=lambda s: (s.symptom_position, s.symptom_id),  # type: ignore[attr-defined]
        )
        return self._response(
            entry,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            serializer=serializer,
        )

    def _current_or_none(self, entry: Entry | None) -> dict | None:
        return None if entry is None else self.get_serializer(entry).data

    @staticmethod
    def _available(symptoms: dict, current: Entry | None) -> tuple[int, ...]:
        """Symptoms the request may score: those looked up as available to the
        user, and those already scored on the user's own entry."""
        ids = [pk for pk, _position in symptoms.values()]
        if current is not None:
            ids += [score.symptom_id for score in current.scores.all()]
        return tuple(ids)

    @staticmethod
    def _check_uuid(user, uuid, day: datetime.date, current: Entry | None) -> None:
        """410 if the user deleted an entry with this uuid, 400 if anybody did or
        (for an existing day) another entry has it. A new day's uuid that another
        entry holds is refused by the database's unique constraint, with the same
        400."""
        buried_by = (
            Tombstone.objects.filter(kind=Tombstone.Kind.ENTRY, uuid=uuid)
            .values_list("user_id", flat=True)
            .first()
        )
        if buried_by == user.pk:
            raise Gone
        if buried_by is not None:
            raise exceptions.ValidationError({"uuid": [str(services.UUID_DELETED)]})
        if current is None:
            return
        holder = Entry.objects.filter(uuid=uuid).values_list("user_id", "date").first()
        if holder is not None and holder != (user.pk, day):
            raise uuid_taken()

    @staticmethod
    def _available_symptoms(user, validated: dict) -> dict:
        """The symptoms the body names that are available to the user (the
        catalogue and their own), as ``{uuid: (id, position)}``."""
        uuids = [item["symptom_uuid"] for item in validated.get("scores", [])]
        return {
            uuid: (pk, position)
            for uuid, pk, position in available_symptoms(user, uuids)
        }

    @staticmethod
    def _scores(items, symptoms: dict, current: Entry | None, *, replace: bool):
        """Symptom uuids to ids (``symptoms``: what ``_available_symptoms``
        found). With ``replace``, every symptom scored on the current entry and
        not listed becomes unanswered."""
        uuids = [item["symptom_uuid"] for item in items]
        ids = {uuid: pk for uuid, (pk, _position) in symptoms.items()}
        errors: list[dict] = []
        seen = set()
        for uuid in uuids:
            if uuid not in ids:
                errors.append({"symptom": [_("Unknown symptom.")]})
            elif uuid in seen:
                errors.append({"symptom": [_("This symptom is listed twice.")]})
            else:
                errors.append({})
            seen.add(uuid)
        if any(errors):
            raise exceptions.ValidationError({"scores": errors})
        scores = {ids[item["symptom_uuid"]]: item["score"] for item in items}
        if replace and current is not None:
            for score in current.scores.all():
                scores.setdefault(score.symptom_id, None)
        return scores
