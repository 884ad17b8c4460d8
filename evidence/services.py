"""Writes to the evidence catalogue.

``studies_load`` reads the study list and the hand-written symptom links from
``evidence/data/`` and upserts them by key, so loading twice never duplicates, an
edited record updates its row (sources included: a link removed from the file
is removed from the page) and an unchanged one is not written at all. Studies
that staff added in the admin and that are not in the file are left alone. The
management command ``load_studies`` calls it.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from diary.models import Symptom

from .models import Study

DATA_DIR = Path(__file__).resolve().parent / "data"
STUDIES_PATH = DATA_DIR / "studies.json"
SYMPTOM_LINKS_PATH = DATA_DIR / "study_symptoms.json"

# The group names used in the data file, and the choice each one stands for.
GROUPS = {
    "ME/CFS clinical studies": Study.Group.MECFS_CLINICAL,
    "ME/CFS trials registered (no results yet)": Study.Group.MECFS_REGISTERED,
    "Laboratory and mechanistic studies": Study.Group.LABORATORY,
    "Long COVID / post-viral fatigue": Study.Group.LONG_COVID,
    "Fibromyalgia trials (indirect evidence)": Study.Group.FIBROMYALGIA,
    "Reviews and assessments": Study.Group.REVIEWS,
}
LEVEL_RE = re.compile(r"^(L[1-5]|R)(?:\s+-\s+(?P<note>.+))?$")
RELEVANCE_RE = re.compile(r"^(partly direct|direct|indirect)(?:\s+\((?P<note>.+)\))?$")
RELEVANCE_CHOICES = {
    "direct": Study.Relevance.DIRECT,
    "partly direct": Study.Relevance.PARTLY_DIRECT,
    "indirect": Study.Relevance.INDIRECT,
}
# The data describes what could not be confirmed in words; these are the ones that
# are not simply a field name (after dropping an explanation in brackets).
UNVERIFIED_ALIASES = {
    "authors/sponsor": "authors",
    "co-authors": "authors",
    "principal investigator": "authors",
    "current recruitment status": "status",
    "current status/results": "status",
    "peer-review status": "peer_review",
    "primary outcome measure": "outcomes",
    "outcome measures": "outcomes",
    "naltrexone concentration": "dose",
    "registry_id link": "registry_id",
    "issue and page range": "volume_pages",
    "issue number": "volume_pages",
    "ldn-specific results": "ldn_results",
    "volume number": "volume_pages",
}
TEXT_FIELDS = [
    "label",
    "authors",
    "title",
    "venue",
    "volume_pages",
    "doi",
    "pmid",
    "registry_id",
    "design",
    "design_detail",
    "population",
    "n",
    "dose",
    "duration",
    "outcomes",
    "limitations",
    "headline",
]


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int  # rows whose fields or symptom links changed
    total: int  # studies in the database afterwards (staff may have added more)
    unchanged: int = 0  # rows already exactly as in the file: not written


def studies_load(
    *, path: Path | str | None = None, symptom_links_path: Path | str | None = None
) -> LoadResult:
    """Create or update every study in the data file, and set its symptom links.

    All or nothing: if any record is invalid, nothing is written and the
    ValidationError names each bad record by key."""
    records = _read_json(Path(path) if path else STUDIES_PATH, list)
    links = _read_json(
        Path(symptom_links_path) if symptom_links_path else SYMPTOM_LINKS_PATH, dict
    )
    builtin = {symptom.slug: symptom for symptom in Symptom.objects.builtin()}

    rows: list[tuple[dict[str, Any], list[Symptom]]] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, record in enumerate(records):
        key = record.get("key") if isinstance(record, dict) else None
        name = key if isinstance(key, str) and key else f"record {index + 1}"
        try:
            if name in seen:
                raise ValidationError(f"the key {name!r} appears more than once")
            seen.add(name)
            fields = study_fields_from_record(record, links.get(name))
            symptoms = _builtin_symptoms(links.get(name), builtin)
            Study(**fields).full_clean(
                validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            errors[name] = _messages(exc)
            continue
        rows.append((fields, symptoms))
    for key in sorted(set(links) - seen):
        errors[key] = ["has symptom links but no study with this key"]
    if errors:
        raise ValidationError(
            [f"{name}: {'; '.join(messages)}" for name, messages in errors.items()]
        )

    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            study.key: study
            for study in Study.objects.select_for_update()
            .filter(key__in=[fields["key"] for fields, _ in rows])
            .prefetch_related("symptoms")
        }
        for fields, symptoms in rows:
            key = fields.pop("key")
            study = existing.get(key)
            if study is None:
                study = Study.objects.create(key=key, **fields)
                study.symptoms.set(symptoms)
                created += 1
                continue
            changed = [
                name for name, value in fields.items() if getattr(study, name) != value
            ]
            links_changed = {s.pk for s in study.symptoms.all()} != {
                s.pk for s in symptoms
            }
            if not changed and not links_changed:
                unchanged += 1
                continue
            for name in changed:
                setattr(study, name, fields[name])
            if changed:
                study.save(update_fields=[*changed, "updated_at"])
            if links_changed:
                study.symptoms.set(symptoms)
            updated += 1
    return LoadResult(
        created=created,
        updated=updated,
        unchanged=unchanged,
        total=Study.objects.count(),
    )


def study_fields_from_record(
    record: dict[str, Any], links: dict[str, Any] | None
) -> dict[str, Any]:
    """Model field values from one record of the data file (raises ValidationError)."""
    if not isinstance(record, dict):
        raise ValidationError("is not an object")
    missing = [
        name
        for name in [*TEXT_FIELDS, "key", "year", "group", "evidence_level"]
        + ["relevance_to_mecfs", "sources", "verified", "on_treatment_weeks"]
        if name not in record
    ]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}")
    if not isinstance(links, dict):
        raise ValidationError(
            "has no entry in study_symptoms.json (add one, even if it is empty)"
        )

    fields: dict[str, Any] = {"key": record["key"]}
    for name in TEXT_FIELDS:
        value = record[name]
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{name} must be text or null")
        fields[name] = (value or "").strip()
    fields["year"] = record["year"]
    fields["on_treatment_weeks"] = record["on_treatment_weeks"]
    fields["other_ids"] = record.get("other_ids", [])
    fields["sources"] = record["sources"]
    status_checked = record.get("status_checked")
    if status_checked is not None and not isinstance(status_checked, str):
        raise ValidationError("status_checked must be text such as 2026-11, or null")
    fields["status_checked"] = (status_checked or "").strip()

    group = record["group"]
    if group in GROUPS:
        fields["group"] = GROUPS[group]
    elif group in Study.Group.values:
        fields["group"] = group
    else:
        raise ValidationError(f"unknown group {group!r}")

    level = LEVEL_RE.match(record["evidence_level"] or "")
    if not level:
        raise ValidationError(
            f"evidence_level {record['evidence_level']!r} does not start with "
            "L1-L5 or R (write it as 'L2 - note' or 'R')"
        )
    fields["evidence_level"] = level.group(1)
    fields["evidence_level_note"] = level.group("note") or ""

    relevance = RELEVANCE_RE.match(record["relevance_to_mecfs"] or "")
    if not relevance:
        raise ValidationError(
            f"relevance_to_mecfs {record['relevance_to_mecfs']!r} is not 'direct', "
            "'partly direct' or 'indirect', optionally followed by '(note)'"
        )
    fields["relevance_to_mecfs"] = RELEVANCE_CHOICES[relevance.group(1)]
    fields["relevance_note"] = relevance.group("note") or ""

    verified = record["verified"]
    if not isinstance(verified, dict) or not isinstance(verified.get("value"), bool):
        raise ValidationError('verified must be {"value": true/false, ...}')
    fields["verified"] = verified["value"]
    fields["unverified_fields"] = unverified_field_names(
        verified.get("unverified_fields", [])
    )
    fields["measured_outcomes"] = links.get("outcomes", [])
    return fields


def unverified_field_names(descriptions: list[str]) -> list[str]:
    """Field names for the data's descriptions of what could not be confirmed:
    "n (patients)" is "n", "co-authors" is "authors"."""
    if not isinstance(descriptions, list):
        raise ValidationError("verified.unverified_fields must be a list")
    names: list[str] = []
    for description in descriptions:
        if not isinstance(description, str):
            raise ValidationError("verified.unverified_fields must hold texts")
        short = re.sub(r"\s*\(.*\)\s*$", "", description).strip().lower()
        name = short if short in Study.UNVERIFIABLE else UNVERIFIED_ALIASES.get(short)
        if name is None:
            raise ValidationError(
                f"cannot tell which field the unverified item {description!r} is "
                "about; add it to UNVERIFIED_ALIASES in evidence/services.py"
            )
        if name not in names:
            names.append(name)
    return names


def _builtin_symptoms(
    links: dict[str, Any] | None, builtin: dict[str, Symptom]
) -> list[Symptom]:
    slugs = (links or {}).get("symptoms", [])
    if not isinstance(slugs, list):
        raise ValidationError("symptoms in study_symptoms.json must be a list")
    unknown = [slug for slug in slugs if slug not in builtin]
    if unknown:
        raise ValidationError(
            f"unknown built-in symptom(s): {', '.join(map(str, unknown))}"
        )
    return [builtin[slug] for slug in slugs]


def _read_json(path: Path, expected: type) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, expected):
        raise ValidationError(f"{path} must hold a JSON {expected.__name__}")
    return data


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{field}: {message}"
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return list(exc.messages)
