"""Every write to the diary. Forms (and, later, API serializers) validate input and
then call these functions, so the web and the API enforce the same rules.

Functions take keyword-only arguments and raise ``ValidationError`` with field names
when a rule is broken; nothing is half-written when they do.
"""

import datetime
import re
import uuid as uuid_lib
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from config.prepared import PreparedUpdate, PreparedUpsert

from . import rollups
from .builtin_symptoms import BUILTIN_SYMPTOMS
from .models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    Symptom,
    SymptomScore,
    Tombstone,
    TrackedSymptom,
    TreatmentCourse,
)

# ---------------------------------------------------------------------------- sync


def next_sync_version(user: User) -> int:
    """Raise the user's change counter and return it. Must run inside the write's
    transaction: the row lock it takes makes one user's writes commit in counter
    order, so a sync cursor never skips a change that commits late."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_sync_version must be called inside a transaction")
    connection = transaction.get_connection()
    if connection.vendor in ("postgresql", "sqlite"):
        # One statement: UPDATE ... RETURNING (PostgreSQL, SQLite 3.35+).
        table = connection.ops.quote_name(User._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET sync_version = sync_version + 1 "  # noqa: S608
                "WHERE id = %s RETURNING sync_version",
                [user.pk],
            )
            version = cursor.fetchone()[0]
    else:
        User.objects.filter(pk=user.pk).update(sync_version=F("sync_version") + 1)
        version = (
            User.objects.filter(pk=user.pk).values_list("sync_version", flat=True).get()
        )
    user.sync_version = version
    return version


def _bury(user: User, kind: str, uuids: Iterable[uuid_lib.UUID], version: int) -> None:
    Tombstone.objects.bulk_create(
        [Tombstone(user=user, kind=kind, uuid=u, sync_version=version) for u in uuids],
        ignore_conflicts=True,
    )


def is_deleted(kind: str, uuid: uuid_lib.UUID | None) -> bool:
    """True if an object of this kind and UUID was deleted: a retried create must
    not bring it back."""
    return uuid is not None and Tombstone.objects.filter(kind=kind, uuid=uuid).exists()


UUID_DELETED = _lazy("This item was deleted; it cannot be created again.")


def _refuse_deleted(kind: str, uuid: uuid_lib.UUID | None) -> None:
    if is_deleted(kind, uuid):
        raise ValidationError({"uuid": str(UUID_DELETED)}, code="deleted")


# --------------------------------------------------------------------------- dates


def validate_not_future(*, user: User, date: datetime.date, field: str) -> None:
    """Diary data describes days that have happened, in the user's own time zone."""
    if date > user.local_today():
        raise ValidationError(
            {field: _("This date is in the future. You can log today or earlier days.")}
        )


# ------------------------------------------------------------------------ symptoms


# A chart with many lines is hard to read on a bad day: a new account starts with
# its first three symptoms on the trends chart; the others are one tick away.
CHART_DEFAULT_SHOWN = 3


def symptoms_load_builtin() -> int:
    """Create or update the built-in catalogue by slug. Returns how many exist."""
    for position, (slug, name, description, _default) in enumerate(BUILTIN_SYMPTOMS):
        Symptom.objects.update_or_create(
            slug=slug,
            owner=None,
            defaults={
                "name": name,
                "description": description,
                "default_position": position,
            },
        )
    return Symptom.objects.builtin().count()


@transaction.atomic
def symptoms_track_defaults(*, user: User) -> None:
    """Give a new account a short default list; the rest are one tap away."""
    default_slugs = [slug for slug, _n, _d, default in BUILTIN_SYMPTOMS if default]
    symptoms = {
        s.slug: s for s in Symptom.objects.builtin().filter(slug__in=default_slugs)
    }
    version = next_sync_version(user)
    TrackedSymptom.objects.bulk_create(
        [
            TrackedSymptom(
                user=user,
                symptom=symptoms[slug],
                position=index,
                sync_version=version,
                shown_on_trends=index < CHART_DEFAULT_SHOWN,
            )
            for index, slug in enumerate(default_slugs)
            if slug in symptoms
        ],
        ignore_conflicts=True,
    )


def _next_position(user: User) -> int:
    top = TrackedSymptom.objects.for_user(user).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def symptom_track(*, user: User, symptom: Symptom) -> TrackedSymptom:
    """Track a symptom (or bring an archived one back), at the end of the list."""
    if symptom.owner_id not in (None, user.pk):
        raise Symptom.DoesNotExist
    version = next_sync_version(user)
    shown = TrackedSymptom.objects.for_user(user).active().filter(shown_on_trends=True)
    tracked, created = TrackedSymptom.objects.get_or_create(
        user=user,
        symptom=symptom,
        defaults={
            "position": _next_position(user),
            "sync_version": version,
            "shown_on_trends": shown.count() < CHART_DEFAULT_SHOWN,
        },
    )
    if not created and tracked.archived_at is not None:
        tracked.archived_at = None
        tracked.position = _next_position(user)
        tracked.sync_version = version
        tracked.save(update_fields=["archived_at", "position", "sync_version"])
    return tracked


@transaction.atomic
def symptom_archive(*, tracked: TrackedSymptom) -> TrackedSymptom:
    """Stop asking about a symptom. Its scores stay in the diary."""
    if tracked.archived_at is None:
        tracked.archived_at = timezone.now()
        tracked.sync_version = next_sync_version(tracked.user)
        tracked.save(update_fields=["archived_at", "sync_version"])
    return tracked


def _clean_symptom_name(user: User, name: str, exclude_pk: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the symptom a name.")})
    clash = Symptom.objects.available_to(user).filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": _("“%(name)s” is already in your list of symptoms.")
                % {"name": name}
            }
        )
    return name


@transaction.atomic
def symptom_create_own(
    *,
    user: User,
    name: str,
    description: str = "",
    uuid: uuid_lib.UUID | None = None,
) -> Symptom:
    """Add a symptom of the user's own and put it on their check-in."""
    _refuse_deleted(Tombstone.Kind.SYMPTOM, uuid)
    symptom = Symptom(
        owner=user,
        name=_clean_symptom_name(user, name),
        description=description,
        sync_version=next_sync_version(user),
    )
    if uuid is not None:
        symptom.uuid = uuid
    symptom.full_clean(exclude=["owner", "uuid", "slug"])
    symptom.save()
    symptom_track(user=user, symptom=symptom)
    return symptom


@transaction.atomic
def symptom_update_own(*, symptom: Symptom, name: str, description: str) -> Symptom:
    if symptom.owner is None:
        raise ValidationError({"name": _("Built-in symptoms cannot be renamed.")})
    symptom.name = _clean_symptom_name(symptom.owner, name, exclude_pk=symptom.pk)
    symptom.description = description
    symptom.full_clean(exclude=["owner", "uuid", "slug"])
    symptom.sync_version = next_sync_version(symptom.owner)
    symptom.save()
    return symptom


@transaction.atomic
def symptom_delete_own(*, symptom: Symptom) -> None:
    """Delete one of the user's own symptoms with every score given to it.
    (Archiving keeps the history; this is for a symptom added by mistake.)"""
    owner = symptom.owner
    if owner is None:
        raise ValidationError({"uuid": _("Built-in symptoms cannot be deleted.")})
    version = next_sync_version(owner)
    tracked = list(
        TrackedSymptom.objects.filter(symptom=symptom).values_list("uuid", flat=True)
    )
    touched = Entry.objects.filter(scores__symptom=symptom).distinct()
    touched.update(sync_version=version)
    _bury(owner, Tombstone.Kind.TRACKED_SYMPTOM, tracked, version)
    _bury(owner, Tombstone.Kind.SYMPTOM, [symptom.uuid], version)
    symptom.delete()


@transaction.atomic
def symptom_move(*, tracked: TrackedSymptom, offset: int) -> None:
    """Move a tracked symptom up (offset -1) or down (+1) among the active ones."""
    siblings = list(
        TrackedSymptom.objects.for_user(tracked.user)
        .active()
        .select_for_update()
        .order_by("position", "id")
    )
    index = next(i for i, t in enumerate(siblings) if t.pk == tracked.pk)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    _renumber(tracked.user, siblings)


def _renumber(user: User, ordered: list[TrackedSymptom]) -> None:
    version = next_sync_version(user)
    for position, item in enumerate(ordered):
        item.position = position
        item.sync_version = version
    TrackedSymptom.objects.bulk_update(ordered, ["position", "sync_version"])


@transaction.atomic
def symptoms_set_order(*, user: User, symptom_ids: list[int]) -> None:
    """Track exactly these symptoms, in this order; others are archived (their
    history is kept). Used by the API's profile endpoint."""
    available = set(
        Symptom.objects.available_to(user)
        .filter(pk__in=symptom_ids)
        .values_list("pk", flat=True)
    )
    unknown = [pk for pk in symptom_ids if pk not in available]
    if unknown or len(set(symptom_ids)) != len(symptom_ids):
        raise ValidationError(
            {"tracked_symptoms": _("Unknown or repeated symptoms in the list.")}
        )
    existing = {
        t.symptom_id: t
        for t in TrackedSymptom.objects.for_user(user).select_for_update()
    }
    version = next_sync_version(user)
    now = timezone.now()
    ordered = []
    for symptom_id in symptom_ids:
        item = existing.get(symptom_id) or TrackedSymptom(
            user=user, symptom_id=symptom_id
        )
        item.archived_at = None
        ordered.append(item)
    wanted = set(symptom_ids)
    for symptom_id, item in existing.items():
        if symptom_id not in wanted and item.archived_at is None:
            item.archived_at = now
            item.sync_version = version
            item.save(update_fields=["archived_at", "sync_version"])
    for position, item in enumerate(ordered):
        item.position = position
        item.sync_version = version
        item.save()


# ------------------------------------------------------------------------- entries

ENTRY_FIELDS = (
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
    "notes",
)


# Database constraints of the diary that a write could break, with the field they
# guard and the message the user sees. The same rules are checked in Python first
# (field validators); these answer if anything ever gets past them.
_CONSTRAINT_ERRORS = {
    "entry_function_score_bell_steps": (
        "function_score",
        _("Choose a step of the Bell scale: 0 to 100 in steps of 10."),
    ),
    "entry_hours_upright_0_24": ("hours_upright", _("Enter hours from 0 to 24.")),
    "entry_sleep_hours_0_24": ("sleep_hours", _("Enter hours from 0 to 24.")),
    "entry_sleep_quality_0_10": ("sleep_quality", _("Enter a number from 0 to 10.")),
    "entry_physical_exertion_0_10": (
        "physical_exertion",
        _("Enter a number from 0 to 10."),
    ),
    "entry_cognitive_exertion_0_10": (
        "cognitive_exertion",
        _("Enter a number from 0 to 10."),
    ),
    "entry_one_per_user_per_date": (
        "date",
        _("This day already has an entry; open it to change it."),
    ),
    "symptom_score_0_10": (NON_FIELD_ERRORS, _("Scores go from 0 to 10.")),
    "symptom_score_one_per_entry": (
        NON_FIELD_ERRORS,
        _("A symptom can have one score a day."),
    ),
}


def _constraint_error(error: IntegrityError) -> ValidationError:
    """The user's words for a database constraint the write broke. SQLite and
    PostgreSQL both name the constraint in the message; a unique clash that names
    none of ours is the entry's ``uuid``."""
    message = str(error)
    for name, (field, text) in _CONSTRAINT_ERRORS.items():
        if re.search(rf"\b{name}\b", message):
            return ValidationError({field: text}, code="constraint")
    return ValidationError(
        {"uuid": _("Another item already uses this UUID.")}, code="conflict"
    )


_UNREAD = object()
_ENTRY_UPDATE = PreparedUpdate(Entry)
_SCORES_UPSERT = PreparedUpsert(
    SymptomScore,
    ["entry", "symptom", "score"],
    unique_fields=["entry", "symptom"],
    update_fields=["score"],
)


def entry_upsert(
    *,
    user: User,
    date: datetime.date,
    scores: Mapping[int, int | None],
    fields: Mapping[str, object],
    uuid: uuid_lib.UUID | None = None,
    available_symptom_ids: Collection[int] | None = None,
    current: Entry | None | object = _UNREAD,
    uuid_checked: bool = False,
    version: int | None = None,
    savepoint: bool = True,
) -> tuple[Entry, bool]:
    """Create or replace the user's entry for ``date``. Returns (entry, created).

    ``scores`` maps symptom ids to a 0-10 score, or None for "not answered", which
    removes any earlier score for that symptom. Symptoms not named keep their
    scores. ``fields`` holds the optional day fields; missing keys keep their
    value on an edit and are empty on a new entry. A second call for the same date
    edits the same entry: never a duplicate.

    Callers that already hold what this needs save it a query each:
    ``available_symptom_ids`` the ids of ``Symptom.objects.available_to(user)``
    they looked up, and ``current`` the entry for ``date`` (or None) read with its
    scores prefetched after taking the owner's lock (``api.sync.lock_owner``);
    ``uuid_checked`` says they found no tombstone for ``uuid``, and ``version``
    is the owner's change counter they raised (``next_sync_version``) in this
    transaction. A caller whose transaction ends with any error the service
    raises (as the API's does) may pass ``savepoint=False`` to spare the nested
    block's SAVEPOINT and RELEASE; one that catches the error and goes on using
    its transaction must not.
    The returned entry has its scores prefetched, so nothing is read back.

    The day's rules are checked in Python (field validators, choices) and stay in
    the database as constraints; a constraint the write still breaks is a
    ``ValidationError`` naming the field, never a 500.
    """
    with transaction.atomic(savepoint=savepoint):
        validate_not_future(user=user, date=date, field="date")
        unknown = set(fields) - set(ENTRY_FIELDS)
        if unknown:
            raise ValueError(f"Unknown entry fields: {sorted(unknown)}")
        if available_symptom_ids is None:
            allowed = set(
                Symptom.objects.available_to(user)
                .filter(pk__in=list(scores))
                .values_list("pk", flat=True)
            )
        else:
            allowed = set(available_symptom_ids)
        errors = {}
        for symptom_id, score in scores.items():
            if symptom_id not in allowed:
                errors[f"symptom_{symptom_id}"] = _("Unknown symptom.")
            elif score is not None and not (
                isinstance(score, int)
                and not isinstance(score, bool)
                and 0 <= score <= 10
            ):
                errors[f"symptom_{symptom_id}"] = _("Scores go from 0 to 10.")
        if errors:
            raise ValidationError(errors)

        # The version bump locks the user's row first, so two requests for the same
        # day queue here and the second one finds (and edits) the first one's entry.
        if version is None:
            version = next_sync_version(user)
        if current is _UNREAD:
            found = (
                Entry.objects.select_for_update()
                .prefetch_related("scores")
                .filter(user=user, date=date)
                .first()
            )
        else:
            found = current  # type: ignore[assignment]
        created = found is None
        if found is not None:
            entry = found
            existing = {s.symptom_id: s for s in found.scores.all()}
        else:
            if not uuid_checked:
                _refuse_deleted(Tombstone.Kind.ENTRY, uuid)
            entry = Entry(user=user, date=date)
            if uuid is not None:
                entry.uuid = uuid
            existing = {}
        for name, value in fields.items():
            setattr(entry, name, "" if name == "notes" and value is None else value)
        # Field rules only: the constraints are the database's to enforce (checking
        # them here would cost a query each), and the owner's lock rules out a
        # second entry for the day.
        entry.full_clean(
            exclude=["user", "uuid"], validate_unique=False, validate_constraints=False
        )
        entry.sync_version = version
        try:
            if created:
                entry.save()
            else:
                # SQL built once per connection, not an UpdateQuery per write.
                _ENTRY_UPDATE.save(entry, using=router.db_for_write(Entry))
        except IntegrityError as error:
            raise _constraint_error(error) from None

        cleared = [sid for sid, s in scores.items() if s is None and sid in existing]
        if cleared:
            SymptomScore.objects.filter(entry=entry, symptom_id__in=cleared).delete()
        changed = []
        for symptom_id, score in scores.items():
            if score is None:
                existing.pop(symptom_id, None)
                continue
            present = existing.get(symptom_id)
            if present is None:
                present = SymptomScore(entry=entry, symptom_id=symptom_id, score=score)
                existing[symptom_id] = present
                changed.append(present)
            elif present.score != score:
                present.score = score
                changed.append(present)
        if changed:
            # New and changed scores in one statement (INSERT ... ON CONFLICT DO
            # UPDATE on both databases), its SQL built once per connection and
            # number of scores (config.prepared).
            try:
                _SCORES_UPSERT.run(
                    [(entry.pk, s.symptom_id, s.score) for s in changed],
                    using=router.db_for_write(SymptomScore),
                )
            except IntegrityError as error:
                raise _constraint_error(error) from None
        if changed or cleared:
            # The week's and month's totals the trends chart reads (diary.rollups).
            rollups.refresh(user.pk, [date])
        entry._prefetched_objects_cache = {"scores": list(existing.values())}  # type: ignore[attr-defined]
        return entry, created


@transaction.atomic
def entry_delete(*, entry: Entry) -> None:
    _bury(entry.user, Tombstone.Kind.ENTRY, [entry.uuid], next_sync_version(entry.user))
    entry.delete()
    rollups.refresh(entry.user_id, [entry.date])


# ------------------------------------------------------------------------- crashes

CRASH_FIELDS = ("start_date", "end_date", "severity", "trigger", "notes")


def _crash_validate(*, user: User, crash: Crash) -> None:
    validate_not_future(user=user, date=crash.start_date, field="start_date")
    if crash.end_date is not None:
        validate_not_future(user=user, date=crash.end_date, field="end_date")
    crash.full_clean(exclude=["user", "uuid"])


@transaction.atomic
def crash_create(
    *, user: User, uuid: uuid_lib.UUID | None = None, **data: object
) -> Crash:
    _refuse_deleted(Tombstone.Kind.CRASH, uuid)
    crash = Crash(user=user, **data)
    if uuid is not None:
        crash.uuid = uuid
    _crash_validate(user=user, crash=crash)
    _refuse_taken_uuid(crash)
    crash.sync_version = next_sync_version(user)
    crash.save()
    return crash


@transaction.atomic
def crash_update(*, crash: Crash, **data: object) -> Crash:
    for name, value in data.items():
        if name not in CRASH_FIELDS:
            raise ValueError(f"Unknown crash field: {name}")
        setattr(crash, name, value)
    _crash_validate(user=crash.user, crash=crash)
    crash.sync_version = next_sync_version(crash.user)
    crash.save()
    return crash


@transaction.atomic
def crash_delete(*, crash: Crash) -> None:
    _bury(crash.user, Tombstone.Kind.CRASH, [crash.uuid], next_sync_version(crash.user))
    crash.delete()


# ---------------------------------------------------------------------- treatments


@transaction.atomic
def course_create(
    *,
    user: User,
    start_date: datetime.date,
    formulation: str,
    strength: str = "",
    pharmacy: str = "",
    notes: str = "",
    first_dose_mg: Decimal | None = None,
    time_of_day: str = "",
    uuid: uuid_lib.UUID | None = None,
) -> TreatmentCourse:
    """Start an LDN course; with a first dose, that becomes the first dose step."""
    validate_not_future(user=user, date=start_date, field="start_date")
    _refuse_deleted(Tombstone.Kind.COURSE, uuid)
    course = TreatmentCourse(
        user=user,
        start_date=start_date,
        formulation=formulation,
        strength=strength,
        pharmacy=pharmacy,
        notes=notes,
    )
    if uuid is not None:
        course.uuid = uuid
    course.full_clean(exclude=["user", "uuid"])
    _refuse_taken_uuid(course)
    course.sync_version = next_sync_version(user)
    course.save()
    if first_dose_mg is not None:
        dose_change_add(
            course=course,
            date=start_date,
            dose_mg=first_dose_mg,
            time_of_day=time_of_day,
            reason=DoseChange.Reason.START,
        )
    return course


COURSE_FIELDS = ("start_date", "formulation", "strength", "pharmacy", "notes")


@transaction.atomic
def course_update(*, course: TreatmentCourse, **data: object) -> TreatmentCourse:
    for name, value in data.items():
        if name not in COURSE_FIELDS:
            raise ValueError(f"Unknown course field: {name}")
        setattr(course, name, value)
    validate_not_future(user=course.user, date=course.start_date, field="start_date")
    first = course.dose_changes.order_by("date").first()
    if first is not None and first.date < course.start_date:
        raise ValidationError(
            {
                "start_date": _(
                    "The dose history starts on %(date)s, before this start date."
                )
                % {"date": first.date.isoformat()}
            }
        )
    course.full_clean(exclude=["user", "uuid"])
    course.sync_version = next_sync_version(course.user)
    course.save()
    return course


@transaction.atomic
def course_delete(*, course: TreatmentCourse) -> None:
    """Delete a course with its dose history, missed doses and side effects."""
    user = course.user
    version = next_sync_version(user)
    for kind, rows in (
        (Tombstone.Kind.DOSE_CHANGE, course.dose_changes.all()),
        (Tombstone.Kind.MISSED_DOSE, course.missed_doses.all()),
        (Tombstone.Kind.SIDE_EFFECT, course.side_effects.all()),
    ):
        _bury(user, kind, rows.values_list("uuid", flat=True), version)
    _bury(user, Tombstone.Kind.COURSE, [course.uuid], version)
    course.delete()


def _validate_course_date(*, course: TreatmentCourse, date: datetime.date) -> None:
    validate_not_future(user=course.user, date=date, field="date")
    if date < course.start_date:
        raise ValidationError(
            {
                "date": _("This is before the course started (%(start)s).")
                % {"start": course.start_date.isoformat()}
            }
        )


def _save_unique(obj, message: str) -> None:
    """Save a row that belongs to a course, with a fresh sync version; a clash
    with the one-per-day constraints becomes an error on the date."""
    obj.sync_version = next_sync_version(obj.course.user)
    if isinstance(obj, DoseChange):
        _restamp_course(obj.course, obj.sync_version)
    if obj._state.adding:
        _refuse_taken_uuid(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError({"date": message}) from None


def _refuse_taken_uuid(obj) -> None:
    """A client-chosen UUID that another row already has is an error on the
    UUID, never a 500 (and never says whose it is)."""
    if type(obj).objects.filter(uuid=obj.uuid).exists():
        raise ValidationError({"uuid": _("Another item already uses this UUID.")})


@transaction.atomic
def dose_change_add(
    *,
    course: TreatmentCourse,
    date: datetime.date,
    dose_mg: Decimal | None,
    reason: str,
    time_of_day: str = "",
    note: str = "",
    uuid: uuid_lib.UUID | None = None,
) -> DoseChange:
    _validate_course_date(course=course, date=date)
    change = DoseChange(
        course=course,
        date=date,
        dose_mg=dose_mg,
        reason=reason,
        time_of_day=time_of_day,
        note=note,
    )
    if uuid is not None:
        _refuse_deleted(Tombstone.Kind.DOSE_CHANGE, uuid)
        change.uuid = uuid
    _validate_dose(change)
    change.full_clean(exclude=["course", "uuid"], validate_unique=False)
    _save_unique(
        change, _("There is already a dose change on this date; edit that one instead.")
    )
    return change


def _validate_dose(change: DoseChange) -> None:
    if change.reason in DoseChange.NO_DOSE_REASONS:
        if change.dose_mg is not None:
            raise ValidationError(
                {"dose_mg": _("A pause or stop has no dose: leave the dose empty.")}
            )
    elif change.dose_mg is None:
        raise ValidationError({"dose_mg": _("Enter the dose in mg.")})
    elif not Decimal("0") < change.dose_mg <= Decimal("50"):
        raise ValidationError(
            {"dose_mg": _("The dose must be more than 0 and at most 50 mg.")}
        )


DOSE_CHANGE_FIELDS = ("date", "dose_mg", "reason", "time_of_day", "note")


@transaction.atomic
def dose_change_update(*, change: DoseChange, **data: object) -> DoseChange:
    for name, value in data.items():
        if name not in DOSE_CHANGE_FIELDS:
            raise ValueError(f"Unknown dose change field: {name}")
        setattr(change, name, value)
    _validate_course_date(course=change.course, date=change.date)
    _validate_dose(change)
    change.full_clean(exclude=["course", "uuid"], validate_unique=False)
    _save_unique(
        change, _("There is already a dose change on this date; edit that one instead.")
    )
    return change


@transaction.atomic
def dose_change_delete(*, change: DoseChange) -> None:
    user = change.course.user
    version = next_sync_version(user)
    _bury(user, Tombstone.Kind.DOSE_CHANGE, [change.uuid], version)
    _restamp_course(change.course, version)
    change.delete()


def _restamp_course(course: TreatmentCourse, version: int) -> None:
    """A course's current dose is derived from its dose history, so a change to
    that history is a change to the course for syncing phones."""
    TreatmentCourse.objects.filter(pk=course.pk).update(sync_version=version)
    course.sync_version = version


@transaction.atomic
def missed_dose_add(
    *,
    course: TreatmentCourse,
    date: datetime.date,
    note: str = "",
    uuid: uuid_lib.UUID | None = None,
) -> MissedDose:
    _validate_course_date(course=course, date=date)
    missed = MissedDose(course=course, date=date, note=note)
    if uuid is not None:
        _refuse_deleted(Tombstone.Kind.MISSED_DOSE, uuid)
        missed.uuid = uuid
    missed.full_clean(exclude=["course", "uuid"], validate_unique=False)
    _save_unique(missed, _("A missed dose is already recorded on this date."))
    return missed


@transaction.atomic
def missed_dose_delete(*, missed: MissedDose) -> None:
    user = missed.course.user
    _bury(user, Tombstone.Kind.MISSED_DOSE, [missed.uuid], next_sync_version(user))
    missed.delete()


@transaction.atomic
def side_effect_add(
    *,
    course: TreatmentCourse,
    date: datetime.date,
    kind: str,
    severity: int,
    other_description: str = "",
    note: str = "",
    uuid: uuid_lib.UUID | None = None,
) -> SideEffect:
    _validate_course_date(course=course, date=date)
    if kind == SideEffect.Kind.OTHER and not other_description.strip():
        raise ValidationError(
            {"other_description": _("Describe the side effect in a few words.")}
        )
    effect = SideEffect(
        course=course,
        date=date,
        kind=kind,
        severity=severity,
        other_description=other_description.strip() if kind == "other" else "",
        note=note,
    )
    if uuid is not None:
        _refuse_deleted(Tombstone.Kind.SIDE_EFFECT, uuid)
        effect.uuid = uuid
    effect.full_clean(exclude=["course", "uuid"], validate_unique=False)
    _save_unique(effect, _("This side effect is already recorded on this date."))
    return effect


@transaction.atomic
def side_effect_delete(*, effect: SideEffect) -> None:
    user = effect.course.user
    _bury(user, Tombstone.Kind.SIDE_EFFECT, [effect.uuid], next_sync_version(user))
    effect.delete()


MEDICATION_FIELDS = ("name", "kind", "dose", "start_date", "stop_date", "notes")


def _medication_validate(medication: Medication) -> None:
    for field in ("start_date", "stop_date"):
        value = getattr(medication, field)
        if value is not None:
            validate_not_future(user=medication.user, date=value, field=field)
    medication.full_clean(exclude=["user", "uuid"])


@transaction.atomic
def medication_create(
    *, user: User, uuid: uuid_lib.UUID | None = None, **data: object
) -> Medication:
    _refuse_deleted(Tombstone.Kind.MEDICATION, uuid)
    medication = Medication(user=user, **data)
    if uuid is not None:
        medication.uuid = uuid
    _medication_validate(medication)
    _refuse_taken_uuid(medication)
    medication.sync_version = next_sync_version(user)
    medication.save()
    return medication


@transaction.atomic
def medication_update(*, medication: Medication, **data: object) -> Medication:
    for name, value in data.items():
        if name not in MEDICATION_FIELDS:
            raise ValueError(f"Unknown medication field: {name}")
        setattr(medication, name, value)
    _medication_validate(medication)
    medication.sync_version = next_sync_version(medication.user)
    medication.save()
    return medication


@transaction.atomic
def medication_delete(*, medication: Medication) -> None:
    user = medication.user
    _bury(user, Tombstone.Kind.MEDICATION, [medication.uuid], next_sync_version(user))
    medication.delete()
