"""The FHIR R4 export: a JSON ``Bundle`` of type "collection", from a
:class:`ReportData`.

FHIR R4B (4.3) is used, through the ``fhir.resources.R4B`` models: the resources
used here (Bundle, Patient, Observation, MedicationStatement) are the same in R4
and R4B, so an R4 system reads the file as R4. (The default models of
``fhir.resources`` 8 are R5, where MedicationStatement changed shape.) The
bundle is validated against those models before it is written, so a file that
does not conform is never handed to a patient.

Entries, each with a random UUID as ``id`` and ``urn:uuid:`` ``fullUrl``:

- one **Patient** with only the display name the patient chose for the report
  (no name at all when they chose none): no e-mail, no account data, no
  identifier;
- one **MedicationStatement** per LDN dose period that overlaps the range
  (``effectivePeriod`` from the first to the last day of the period, open while
  it runs on), status "active" for the period still running at the end of the
  range, "completed" for an ended one, "on-hold" for a pause; the dose as
  ``dosage[0].doseAndRate[0].doseQuantity`` in mg (UCUM) and as text ("1.5 mg at
  bedtime"). A course with no dose history gets one statement with status
  "unknown" and no dosage;
- one **Observation** per symptom score in the range (status "final", category
  "survey", ``code.text`` the symptom's name, ``effectiveDateTime`` the date,
  ``valueInteger`` the 0-10 score), performed by the Patient: patient-reported.

Days not logged have no Observation. Free-text notes, crashes and side effects
are not part of the bundle.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from .data import CourseInfo, DosePeriod, ReportData

__all__ = ["build_fhir_bundle"]

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
MEDICATION_TEXT = "Low-dose naltrexone"
SCORE_METHOD = "Patient-reported score from 0 (none) to 10 (worst imaginable)"
# FHIR EventTiming codes for the time of day of a dose.
EVENT_TIMING = {
    "morning": "MORN",
    "midday": "NOON",
    "evening": "EVE",
    "bedtime": "HS",
}


def _new_id() -> str:
    return str(uuid.uuid4())


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def build_fhir_bundle(data: ReportData) -> bytes:
    """The bundle as UTF-8 JSON; see the module docstring."""
    patient: dict[str, Any] = {"resourceType": "Patient", "id": _new_id()}
    if data.display_name.strip():
        patient["name"] = [{"text": data.display_name.strip()}]
    patient_ref = {"reference": f"urn:uuid:{patient['id']}"}

    entries = [_entry(patient)]
    asserted = data.generated_at.isoformat()
    for course in data.courses:
        if course.periods:
            entries += [
                _entry(_medication_statement(course, period, patient_ref, asserted))
                for period in course.periods
            ]
        else:
            entries.append(
                _entry(_medication_statement(course, None, patient_ref, asserted))
            )

    category = [
        {
            "coding": [
                {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
            ]
        }
    ]
    for day in data.days.values():
        for symptom in data.symptoms:
            score = day.scores.get(symptom.uuid)
            if score is None:
                continue
            entries.append(
                _entry(
                    {
                        "resourceType": "Observation",
                        "id": _new_id(),
                        "status": "final",
                        "category": category,
                        "code": {"text": symptom.name},
                        "subject": patient_ref,
                        "effectiveDateTime": day.date.isoformat(),
                        "performer": [patient_ref],
                        "valueInteger": score,
                        "method": {"text": SCORE_METHOD},
                    }
                )
            )

    bundle = {
        "resourceType": "Bundle",
        "id": _new_id(),
        "type": "collection",
        "timestamp": asserted,
        "entry": entries,
    }
    Bundle.model_validate(bundle)  # raises if the bundle does not conform
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _medication_statement(
    course: CourseInfo,
    period: DosePeriod | None,
    patient_ref: dict[str, str],
    asserted: str,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": _new_id(),
        "medicationCodeableConcept": {"text": MEDICATION_TEXT},
        "subject": patient_ref,
        "informationSource": patient_ref,
        "dateAsserted": asserted,
    }
    if period is None:
        statement["status"] = "unknown"
        statement["effectivePeriod"] = {"start": course.start_date.isoformat()}
        return statement

    if period.status == "paused":
        statement["status"] = "on-hold"
    elif period.end is None:
        statement["status"] = "active"
    else:
        statement["status"] = "completed"
    effective = {"start": period.start.isoformat()}
    if period.end is not None:
        effective["end"] = period.end.isoformat()
    statement["effectivePeriod"] = effective
    if period.dose_mg is not None:
        dosage: dict[str, Any] = {"sequence": 1, "text": period.dose_text}
        if period.time_of_day in EVENT_TIMING:
            # The diary records one time of day per dose: once a day, then.
            dosage["timing"] = {
                "repeat": {
                    "frequency": 1,
                    "period": 1,
                    "periodUnit": "d",
                    "when": [EVENT_TIMING[period.time_of_day]],
                }
            }
        statement["dosage"] = [
            dosage
            | {
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": float(period.dose_mg),
                            "unit": "mg",
                            "system": UCUM,
                            "code": "mg",
                        }
                    }
                ],
            }
        ]
    else:
        statement["dosage"] = [{"text": period.dose_text}]
    return statement
