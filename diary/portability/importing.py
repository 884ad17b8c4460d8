"""Import a full export into an empty account: check the whole file first
(``validation.py``), then write everything in one transaction, or nothing.

Own symptoms, entries, courses and the rest get new identifiers: the file's are
only keys within the file, so a file cannot reach another account's rows (or
clash with the account it came from, if that still exists).
"""

import datetime
import secrets
import uuid as uuid_lib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from diary import rollups
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
    Tombstone,
    TrackedSymptom,
    TreatmentCourse,
)
from diary.services import next_sync_version
from diary.sharing.services import hash_token

from .validation import (
    ImportRejected,
    Plan,
    Problem,
    max_import_bytes,
    parse_export,
    validate_export,
)

__all__ = [
    "AccountNotEmpty",
    "ImportRejected",
    "ImportSummary",
    "Problem",
    "account_holds_data",
    "account_import",
    "max_import_bytes",
]


def account_holds_data(user: User) -> bool:
    """Whether the account has anything an import could clash with. A new
    account's default symptom list does not count: the import replaces it."""
    return any(
        query.exists()
        for query in (
            Entry.objects.for_user(user),
            Crash.objects.for_user(user),
            TreatmentCourse.objects.for_user(user),
            Medication.objects.for_user(user),
            Symptom.objects.own(user),
            ShareLink.objects.for_user(user),
        )
    )


class AccountNotEmpty(ImportRejected):
    def __init__(self):
        super().__init__(
            [
                Problem(
                    "",
                    _(
                        "This account already holds diary data, so nothing was "
                        "imported. Import into a new, empty account, so that "
                        "nothing you have is mixed up or overwritten."
                    ),
                )
            ]
        )


@dataclass(frozen=True)
class ImportSummary:
    entries: int
    crashes: int
    courses: int
    medications: int
    own_symptoms: int
    share_links: int


def _uuid_map(model, **owner) -> dict[str, int]:
    return {
        str(u): pk for u, pk in model.objects.filter(**owner).values_list("uuid", "pk")
    }


def account_import(*, user: User, raw: bytes) -> ImportSummary:
    """Read an export file into ``user``'s account, which must hold no diary data
    yet. All or nothing: ``ImportRejected`` (with every problem found, each with
    its place) leaves the account exactly as it was."""
    data = parse_export(raw)
    plan = validate_export(data)
    with transaction.atomic():
        # Locks the user's row: a second import at the same time waits here and
        # then finds the account no longer empty.
        version = next_sync_version(user)
        if account_holds_data(user):
            raise AccountNotEmpty
        _write(user=user, plan=plan, version=version)
    return ImportSummary(
        entries=len(data["entries"]),
        crashes=len(data["crashes"]),
        courses=len(data["courses"]),
        medications=len(data["medications"]),
        own_symptoms=len(data["symptoms"]["own"]),
        share_links=len(data["share_links"]),
    )


def _write(*, user: User, plan: Plan, version: int) -> None:
    data, parsed = plan.data, plan.parsed
    profile = data["profile"]
    user.display_name = profile["display_name"]
    user.time_zone = profile["time_zone"]
    user.takes_opioids = profile["takes_opioids"]
    user.reminder_enabled = data["reminders"]["enabled"]
    user.reminder_time = parsed[("reminders", "time")]
    user.save(
        update_fields=[
            "display_name",
            "time_zone",
            "takes_opioids",
            "reminder_enabled",
            "reminder_time",
        ]
    )

    # Own symptoms get new identifiers; the file's are only keys within the file.
    new_uuid_of = {s["uuid"]: uuid_lib.uuid4() for s in data["symptoms"]["own"]}
    Symptom.objects.bulk_create(
        [
            Symptom(
                owner=user,
                name=s["name"].strip(),
                description=s["description"],
                uuid=new_uuid_of[s["uuid"]],
                sync_version=version,
            )
            for s in data["symptoms"]["own"]
        ]
    )
    by_new_uuid = _uuid_map(Symptom, owner=user)
    symptom_pk = {f"builtin:{slug}": pk for slug, pk in plan.builtin.items()}
    symptom_pk.update(
        {f"own:{old}": by_new_uuid[str(new)] for old, new in new_uuid_of.items()}
    )

    # The new account's default list makes way for the one in the file.
    replaced = list(
        TrackedSymptom.objects.for_user(user).values_list("uuid", flat=True)
    )
    Tombstone.objects.bulk_create(
        [
            Tombstone(
                user=user,
                kind=Tombstone.Kind.TRACKED_SYMPTOM,
                uuid=u,
                sync_version=version,
            )
            for u in replaced
        ],
        ignore_conflicts=True,
    )
    TrackedSymptom.objects.for_user(user).delete()
    TrackedSymptom.objects.bulk_create(
        [
            TrackedSymptom(
                user=user,
                symptom_id=symptom_pk[t["symptom"]],
                position=t["position"],
                archived_at=parsed[("tracked", i)],
                shown_on_trends=t["shown_on_trends"],
                sync_version=version,
            )
            for i, t in enumerate(data["symptoms"]["tracked"])
        ]
    )

    entries = []
    for i, e in enumerate(data["entries"]):
        day, hours_upright, sleep_hours = parsed[("entries", i)]
        entries.append(
            Entry(
                user=user,
                date=day,
                function_score=e["function_score"],
                hours_upright=hours_upright,
                sleep_hours=sleep_hours,
                sleep_quality=e["sleep_quality"],
                physical_exertion=e["physical_exertion"],
                cognitive_exertion=e["cognitive_exertion"],
                notes=e["notes"],
                sync_version=version,
            )
        )
    Entry.objects.bulk_create(entries)
    entry_pk = dict(Entry.objects.for_user(user).values_list("date", "pk"))
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(
                entry_id=entry_pk[parsed[("entries", i)][0]],
                symptom_id=symptom_pk[ref],
                score=score,
            )
            for i, e in enumerate(data["entries"])
            for ref, score in e["scores"].items()
        ]
    )
    rollups.rebuild(user_id=user.pk)

    Crash.objects.bulk_create(
        [
            Crash(
                user=user,
                start_date=parsed[("crashes", i)][0],
                end_date=parsed[("crashes", i)][1],
                severity=c["severity"],
                trigger=c["trigger"],
                notes=c["notes"],
                sync_version=version,
            )
            for i, c in enumerate(data["crashes"])
        ]
    )

    course_uuids = [uuid_lib.uuid4() for _c in data["courses"]]
    TreatmentCourse.objects.bulk_create(
        [
            TreatmentCourse(
                user=user,
                uuid=course_uuids[i],
                medication=c["medication"],
                start_date=parsed[("courses", i)],
                formulation=c["formulation"],
                strength=c["strength"],
                pharmacy=c["pharmacy"],
                notes=c["notes"],
                sync_version=version,
            )
            for i, c in enumerate(data["courses"])
        ]
    )
    course_pk = _uuid_map(TreatmentCourse, user=user)
    changes, missed, effects = [], [], []
    for i, c in enumerate(data["courses"]):
        pk = course_pk[str(course_uuids[i])]
        for j, d in enumerate(c["dose_changes"]):
            day, dose = parsed[("dose_changes", i, j)]
            changes.append(
                DoseChange(
                    course_id=pk,
                    date=day,
                    dose_mg=dose,
                    time_of_day=d["time_of_day"],
                    reason=d["reason"],
                    note=d["note"],
                    sync_version=version,
                )
            )
        missed += [
            MissedDose(
                course_id=pk,
                date=parsed[("missed_doses", i, j)],
                note=m["note"],
                sync_version=version,
            )
            for j, m in enumerate(c["missed_doses"])
        ]
        effects += [
            SideEffect(
                course_id=pk,
                date=parsed[("side_effects", i, j)],
                kind=s["kind"],
                other_description=s["other_description"],
                severity=s["severity"],
                note=s["note"],
                sync_version=version,
            )
            for j, s in enumerate(c["side_effects"])
        ]
    DoseChange.objects.bulk_create(changes)
    MissedDose.objects.bulk_create(missed)
    SideEffect.objects.bulk_create(effects)

    Medication.objects.bulk_create(
        [
            Medication(
                user=user,
                name=m["name"],
                kind=m["kind"],
                dose=m["dose"],
                start_date=parsed[("medications", i)][0],
                stop_date=parsed[("medications", i)][1],
                notes=m["notes"],
                sync_version=version,
            )
            for i, m in enumerate(data["medications"])
        ]
    )

    _write_share_history(user=user, data=data, parsed=parsed)

    # chosen_at is given explicitly, so the history keeps its own times.
    PrimaryOutcomeChoice.objects.bulk_create(
        [
            PrimaryOutcomeChoice(
                user=user,
                outcome=choice["outcome"],
                symptom_id=(
                    None if choice["symptom"] is None else symptom_pk[choice["symptom"]]
                ),
                chosen_at=parsed[("primary_outcomes", i)],
            )
            for i, choice in enumerate(data.get("primary_outcomes", []))
        ]
    )

    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(user=user, local_date=datetime.date.fromisoformat(day))
            for day in data["reminders"]["sent_on"]
        ],
        ignore_conflicts=True,
    )


def _write_share_history(*, user: User, data: dict[str, Any], parsed) -> None:
    """Share links come back as history only: revoked, with a random token no one
    was ever given (the old address belonged to the old account), so nothing
    imported can open a view of the diary."""
    now = timezone.now()
    links = []
    for i, link in enumerate(data["share_links"]):
        start, end, created, expires, revoked, _accesses = parsed[("share_links", i)]
        links.append(
            ShareLink(
                user=user,
                label=link["label"],
                token_hash=hash_token(secrets.token_urlsafe(32)),
                # An unusable hash: the link shows that it had a code, and no code
                # opens it.
                access_code_hash=make_password(None) if link["has_access_code"] else "",
                start_date=start,
                end_date=end,
                sections=link["sections"],
                display_name=link["display_name"],
                expires_at=expires,
                revoked_at=revoked or now,
            )
        )
    ShareLink.objects.bulk_create(links)
    if not links:
        return
    saved = list(ShareLink.objects.for_user(user).order_by("pk"))
    by_hash = {link.token_hash: link for link in saved}
    accesses = []
    for i, link in enumerate(links):
        row = by_hash[link.token_hash]
        row.created_at = parsed[("share_links", i)][2]
        for j, access in enumerate(data["share_links"][i]["accesses"]):
            accesses.append(
                (
                    ShareAccess(
                        link=row, outcome=access["outcome"], client=access["client"]
                    ),
                    parsed[("share_links", i)][5][j],
                )
            )
    # created_at and accessed_at are set on insert; put the history's own back.
    ShareLink.objects.bulk_update(saved, ["created_at"])
    ShareAccess.objects.bulk_create([access for access, _when in accesses])
    if accesses:
        saved_accesses = list(
            ShareAccess.objects.filter(link__user=user).order_by("pk")
        )
        for row, (_access, when) in zip(saved_accesses, accesses, strict=True):
            row.accessed_at = when
        ShareAccess.objects.bulk_update(saved_accesses, ["accessed_at"])
