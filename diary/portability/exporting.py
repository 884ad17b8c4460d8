"""The full export: everything an account holds, as one versioned JSON document.

The format is described by ``export-v1.schema.json`` next to this module (and in
the README, "Your data is yours"). The document is built from a fixed number of
queries, whatever the amount of data: one per kind of row, each scoped to the
owner, read as plain values rather than model instances.

Never in the file: passwords, share-link tokens or their hashes, access-code
hashes, device tokens, or anything about another account.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from diary.comparison.models import PrimaryOutcomeChoice
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    ReminderDelivery,
    ShareAccess,
    ShareLink,
    SideEffect,
    Symptom,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)

FORMAT = "ldn-diary-export"
VERSION = 1
NOTICE = (
    "LDN Diary is not medical advice. These are your own notes and scores, for "
    "you and your doctor to read together."
)

STAMPS = ("created_at", "updated_at")
ENTRY_VALUES = (
    "uuid",
    "date",
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
    "notes",
    *STAMPS,
)
CRASH_VALUES = ("uuid", "start_date", "end_date", "severity", "trigger", "notes")
COURSE_VALUES = (
    "uuid",
    "medication",
    "start_date",
    "formulation",
    "strength",
    "pharmacy",
    "notes",
)
DOSE_CHANGE_VALUES = ("uuid", "date", "dose_mg", "time_of_day", "reason", "note")
MISSED_DOSE_VALUES = ("uuid", "date", "note")
SIDE_EFFECT_VALUES = (
    "uuid",
    "date",
    "kind",
    "other_description",
    "severity",
    "note",
)
MEDICATION_VALUES = (
    "uuid",
    "name",
    "kind",
    "dose",
    "start_date",
    "stop_date",
    "notes",
)
SHARE_LINK_VALUES = (
    "uuid",
    "label",
    "start_date",
    "end_date",
    "sections",
    "display_name",
    "created_at",
    "expires_at",
    "revoked_at",
)


def _plain(value: Any) -> Any:
    """A value as JSON writes it: ISO dates and times, numbers, strings."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "hex") and not isinstance(value, bytes | str | float):
        return str(value)  # UUID
    return value


def _row(values: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(values[name]) for name in names}


def symptom_reference(*, slug: str, owner_id: int | None, uuid) -> str:
    """How the file names a symptom: ``builtin:<slug>`` or ``own:<uuid>``."""
    return f"own:{uuid}" if owner_id is not None else f"builtin:{slug}"


def account_export_data(*, user: User) -> dict[str, Any]:
    """The whole account as a JSON-ready dict (format version ``VERSION``)."""
    symptoms = Symptom.objects.available_to(user).values(
        "pk", "slug", "owner_id", "uuid", "name", "description", *STAMPS
    )
    references: dict[int, str] = {}
    own: list[dict[str, Any]] = []
    for symptom in symptoms:
        references[symptom["pk"]] = symptom_reference(
            slug=symptom["slug"], owner_id=symptom["owner_id"], uuid=symptom["uuid"]
        )
        if symptom["owner_id"] is not None:
            own.append(_row(symptom, ("uuid", "name", "description", *STAMPS)))
    own.sort(key=lambda item: (item["name"].lower(), item["uuid"]))

    tracked = [
        {
            "symptom": references[row["symptom_id"]],
            "position": row["position"],
            "archived_at": _plain(row["archived_at"]),
            "shown_on_trends": row["shown_on_trends"],
        }
        for row in TrackedSymptom.objects.for_user(user)
        .order_by("position", "id")
        .values("symptom_id", "position", "archived_at", "shown_on_trends")
    ]

    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for entry_id, symptom_id, score in (
        SymptomScore.objects.filter(entry__user=user)
        .order_by("entry_id", "symptom_id")
        .values_list("entry_id", "symptom_id", "score")
    ):
        scores[entry_id][references[symptom_id]] = score
    entries = []
    for values in (
        Entry.objects.for_user(user).order_by("date").values("pk", *ENTRY_VALUES)
    ):
        row = _row(values, ENTRY_VALUES)
        row["scores"] = dict(sorted(scores.get(values["pk"], {}).items()))
        entries.append(row)

    crashes = [
        _row(values, (*CRASH_VALUES, *STAMPS))
        for values in Crash.objects.for_user(user)
        .order_by("start_date", "id")
        .values(*CRASH_VALUES, *STAMPS)
    ]

    children: dict[str, dict[int, list[dict[str, Any]]]] = {
        "dose_changes": defaultdict(list),
        "missed_doses": defaultdict(list),
        "side_effects": defaultdict(list),
    }
    for key, model, names, order in (
        ("dose_changes", DoseChange, DOSE_CHANGE_VALUES, ("date", "id")),
        ("missed_doses", MissedDose, MISSED_DOSE_VALUES, ("date", "id")),
        ("side_effects", SideEffect, SIDE_EFFECT_VALUES, ("date", "kind", "id")),
    ):
        for values in (
            model.objects.filter(course__user=user)  # type: ignore[attr-defined]
            .order_by(*order)
            .values("course_id", *names, *STAMPS)
        ):
            children[key][values["course_id"]].append(_row(values, (*names, *STAMPS)))
    courses = []
    for values in (
        TreatmentCourse.objects.for_user(user)
        .order_by("start_date", "id")
        .values("pk", *COURSE_VALUES, *STAMPS)
    ):
        row = _row(values, (*COURSE_VALUES, *STAMPS))
        for key in children:
            row[key] = children[key].get(values["pk"], [])
        courses.append(row)

    medications = [
        _row(values, (*MEDICATION_VALUES, *STAMPS))
        for values in Medication.objects.for_user(user)
        .order_by("start_date", "name", "id")
        .values(*MEDICATION_VALUES, *STAMPS)
    ]

    accesses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for values in (
        ShareAccess.objects.filter(link__user=user)
        .order_by("accessed_at", "id")
        .values("link_id", "accessed_at", "outcome", "client")
    ):
        accesses[values["link_id"]].append(
            _row(values, ("accessed_at", "outcome", "client"))
        )
    share_links = []
    for values in (
        ShareLink.objects.for_user(user)
        .order_by("created_at", "id")
        .values("pk", "access_code_hash", *SHARE_LINK_VALUES)
    ):
        row = _row(values, SHARE_LINK_VALUES)
        row["has_access_code"] = bool(values["access_code_hash"])
        row["accesses"] = accesses.get(values["pk"], [])
        share_links.append(row)

    # Newest first, as the comparison reads them: the first is the current one.
    primary_outcomes = [
        {
            "outcome": values["outcome"],
            "symptom": (
                None
                if values["symptom_id"] is None
                else references[values["symptom_id"]]
            ),
            "chosen_at": _plain(values["chosen_at"]),
        }
        for values in PrimaryOutcomeChoice.objects.for_user(user)
        .order_by("-chosen_at", "-id")
        .values("outcome", "symptom_id", "chosen_at")
    ]

    sent_on = [
        day.isoformat()
        for day in ReminderDelivery.objects.filter(user=user)
        .order_by("local_date")
        .values_list("local_date", flat=True)
    ]

    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _plain(timezone.now()),
        "notice": NOTICE,
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "takes_opioids": user.takes_opioids,
            "date_joined": _plain(user.date_joined),
            "medical_notice_version": user.medical_notice_version,
            "medical_notice_acknowledged_at": _plain(
                user.medical_notice_acknowledged_at
            ),
        },
        "reminders": {
            "enabled": user.reminder_enabled,
            "time": _plain(user.reminder_time),
            "sent_on": sent_on,
        },
        "symptoms": {"own": own, "tracked": tracked},
        "entries": entries,
        "crashes": crashes,
        "courses": courses,
        "medications": medications,
        "share_links": share_links,
        "primary_outcomes": primary_outcomes,
    }


def export_filename(*, user: User) -> str:
    return f"ldn-diary-all-data-{user.local_today():%Y-%m-%d}.json"
