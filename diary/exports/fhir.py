"""The FHIR R4 export: a JSON ``Bundle`` of type "collection".

FHIR R4 (4.0.1) through the models of ``fhir.resources`` 6.4.0, the last release
whose top-level models are R4 (6.5.0 replaced them with R4B, 7.x and 8.x ship
R5, R4B and STU3; see the package's HISTORY). The bundle is validated against
those models before it is written, and every coded element with a required
binding is checked against the codes the models list (the models themselves do
not enforce them), so a file that does not conform is never handed to a patient.

What the bundle holds (:func:`build_fhir_bundle`), each entry with a random UUID
as ``id`` and a ``urn:uuid:`` ``fullUrl``:

- one **Patient** with only the display name the patient chose for the report
  (no name at all when they chose none): no e-mail, no identifier;
- **Observations** (category "survey": patient-reported, performed by the
  Patient) for each logged day's answers: overall function on the Bell CFS
  disability scale (``valueInteger`` 0-100), hours upright and hours of sleep
  (``valueQuantity`` in hours), sleep quality and physical and cognitive
  exertion (0-10), and each symptom score (0-10). An unanswered question has no
  Observation: a day not logged is a gap, never a zero;
- with the "doses" section: one **MedicationStatement** per LDN dose period that
  overlaps the range ("active" while it runs on, "completed" when the next step
  replaced it, "on-hold" for a pause, "stopped" for the last period of a
  stopped course; "unknown" and no dosage for a course with no dose history in
  the range), and one MedicationStatement with status "not-taken" for each
  missed dose, dated that day and ``partOf`` the period it interrupted;
- one **MedicationStatement** per other medication or supplement that overlaps
  the range ("active", or "completed" once its stop date has passed);
- with the "crashes" section: one **Observation** per crash (post-exertional
  malaise episode) with its ``effectivePeriod`` (open while ongoing, then status
  "preliminary"), severity and suspected trigger;
- with the "side_effects" section: one **AdverseEvent** per side effect logged,
  recorded by the Patient, its suspect the LDN statement in force that day.

Naltrexone carries the WHO ATC code N07BB04 beside the course's own text. Only
codes from published code systems are used, each with its source below; where no
standard code exists (the symptoms, the Bell scale, hours upright, a crash),
the concept is sent as text only. Free-text notes never go into a bundle.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fhir.resources.bundle import Bundle
from fhir.resources.core.fhirabstractmodel import FHIRAbstractModel

from accounts.models import User

from .fhir_data import FhirSource, ended_by_stop, fhir_source
from .loading import CourseInfo, DosePeriod

__all__ = ["FhirValidationError", "build_fhir_bundle", "fhir_export"]

# --- Code systems and codes, each with its source -----------------------------------

# Observation.category, code "survey" ("Assessment tool/survey instrument
# observations"): HL7 terminology, the R4 ObservationCategoryCodes value set,
# https://hl7.org/fhir/R4/valueset-observation-category.html
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SURVEY = {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}

# UCUM, the unit system FHIR names for Quantity.system
# (https://hl7.org/fhir/R4/datatypes.html#Quantity): "mg" milligram and "h" hour
# from the UCUM specification's tables of units, https://ucum.org/ucum
UCUM = "http://unitsofmeasure.org"

# WHO ATC: the system URI is HL7's registered one for ATC
# (https://terminology.hl7.org/CodeSystem-v3-WC.html: http://www.whocc.no/atc),
# and N07BB04 is naltrexone in the WHO Collaborating Centre's ATC/DDD index
# (https://atcddd.fhi.no/atc_ddd_index/?code=N07BB04).
ATC = "http://www.whocc.no/atc"
NALTREXONE_ATC = {"system": ATC, "code": "N07BB04", "display": "naltrexone"}

# AdverseEvent.severity: the R4 AdverseEventSeverity value set (mild, moderate,
# severe), https://hl7.org/fhir/R4/valueset-adverse-event-severity.html. The
# diary's 0 ("none") has no code there and is sent as text.
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
SIDE_EFFECT_SEVERITY = {1: "mild", 2: "moderate", 3: "severe"}

# Timing.repeat.when, the R4 EventTiming value set (required binding),
# https://hl7.org/fhir/R4/valueset-event-timing.html: MORN, NOON and EVE from
# http://hl7.org/fhir/event-timing, HS ("before the hour of sleep") from v3
# TimingEvent. The element is a plain code, so no system is written.
EVENT_TIMING = {
    "morning": "MORN",
    "midday": "NOON",
    "evening": "EVE",
    "bedtime": "HS",
}

# Status codes: the R4 value sets with required bindings,
# MedicationStatement https://hl7.org/fhir/R4/valueset-medication-statement-status.html,
# Observation https://hl7.org/fhir/R4/valueset-observation-status.html,
# AdverseEvent.actuality https://hl7.org/fhir/R4/valueset-adverse-event-actuality.html,
# Bundle.type https://hl7.org/fhir/R4/valueset-bundle-type.html.
# They are also checked against the models' own lists by _check_required_codes.

SCORE_METHOD = "Patient-reported score from 0 (none) to 10 (worst imaginable)"
# No LOINC or SNOMED CT code for these is known to the project: text only.
BELL_TEXT = gettext_lazy("Overall function (Bell CFS disability scale, 0-100)")
CRASH_TEXT = gettext_lazy("Post-exertional malaise (PEM) crash")


class FhirValidationError(ValueError):
    """The bundle does not conform to the R4 models; nothing is written."""


def fhir_export(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    sections: Iterable[str],
    display_name: str = "",
) -> bytes:
    """The bundle for ``user`` from ``start`` to ``end``, as UTF-8 JSON."""
    return build_fhir_bundle(
        fhir_source(
            user=user,
            start=start,
            end=end,
            sections=sections,
            display_name=display_name,
        )
    )


def build_fhir_bundle(source: FhirSource) -> bytes:
    """The bundle as UTF-8 JSON; see the module docstring."""
    builder = _Builder(source)
    bundle = {
        "resourceType": "Bundle",
        "id": _new_id(),
        "type": "collection",
        "timestamp": builder.asserted,
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in builder.resources()
        ],
    }
    validate_bundle(bundle)
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Raise :class:`FhirValidationError` unless ``bundle`` conforms to the R4
    models, required code bindings included."""
    try:
        model = Bundle.parse_obj(bundle)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise FhirValidationError(str(exc)) from exc
    _check_required_codes(model, "Bundle")


def _check_required_codes(model: FHIRAbstractModel, path: str) -> None:
    """Every element the R4 models list allowed codes for holds one of them.

    A list that ends in "+" (Observation.status: "amended +" has child codes the
    models do not list) cannot be checked this way and is skipped; the tests
    check the codes used there."""
    for name, field in model.__fields__.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        allowed = field.field_info.extra.get("enum_values")
        if allowed and "+" not in allowed:
            for item in items:
                if item not in allowed:
                    raise FhirValidationError(
                        f"{path}.{name}: {item!r} is not one of {allowed}"
                    )
        for index, item in enumerate(items):
            if isinstance(item, FHIRAbstractModel):
                where = f"{path}.{name}"
                _check_required_codes(
                    item, f"{where}[{index}]" if isinstance(value, list) else where
                )


def _new_id() -> str:
    return str(uuid.uuid4())


def _number(value: Decimal) -> float | int:
    """A Decimal as a JSON number: 4.5, or 3 for 3.0."""
    return int(value) if value == value.to_integral_value() else float(value)


class _Builder:
    def __init__(self, source: FhirSource) -> None:
        self.source = source
        self.asserted = source.generated_at.isoformat()
        self.patient: dict[str, Any] = {"resourceType": "Patient", "id": _new_id()}
        if source.display_name:
            self.patient["name"] = [{"text": source.display_name}]
        self.patient_ref = {"reference": f"urn:uuid:{self.patient['id']}"}
        # (course uuid, period) -> the id of its MedicationStatement, to refer to.
        self.period_ids: dict[tuple[str, DosePeriod], str] = {}

    def resources(self) -> list[dict[str, Any]]:
        out = [self.patient]
        if self.source.has("doses"):
            out += self._ldn_statements()
            out += self._missed_doses()
        out += self._other_medications()
        out += self._day_observations()
        if self.source.has("crashes"):
            out += self._crashes()
        if self.source.has("side_effects"):
            out += self._side_effects()
        return out

    # --- LDN ---------------------------------------------------------------------

    def _naltrexone(self, course: CourseInfo) -> dict[str, Any]:
        return {"coding": [NALTREXONE_ATC], "text": course.medication}

    def _statement(self, **fields: Any) -> dict[str, Any]:
        return {
            "resourceType": "MedicationStatement",
            "id": _new_id(),
            **fields,
            "subject": self.patient_ref,
            "dateAsserted": self.asserted,
            "informationSource": self.patient_ref,
        }

    def _ldn_statements(self) -> list[dict[str, Any]]:
        statements = []
        for course in self.source.courses:
            if not course.periods:
                statements.append(
                    self._statement(
                        status="unknown",
                        medicationCodeableConcept=self._naltrexone(course),
                        effectivePeriod={"start": course.start_date.isoformat()},
                    )
                )
                continue
            for period in course.periods:
                statement = self._period_statement(course, period)
                self.period_ids[(course.uuid, period)] = statement["id"]
                statements.append(statement)
        return statements

    def _period_statement(
        self, course: CourseInfo, period: DosePeriod
    ) -> dict[str, Any]:
        paused = period.status == "paused"
        stopped = ended_by_stop(course, period)
        if paused:
            status = "on-hold"
        elif stopped:
            status = "stopped"
        elif period.end is None:
            status = "active"
        else:
            status = "completed"
        effective = {"start": period.start.isoformat()}
        if period.end is not None:
            effective["end"] = period.end.isoformat()
        statement = self._statement(
            status=status,
            medicationCodeableConcept=self._naltrexone(course),
            effectivePeriod=effective,
        )
        if stopped:
            statement["statusReason"] = [
                {"text": _("Course stopped on %(date)s") % {"date": course.stopped_on}}
            ]
        if paused or period.dose_mg is None:
            statement["dosage"] = [{"sequence": 1, "text": period.dose_text}]
            return statement
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
        dosage["doseAndRate"] = [
            {
                "doseQuantity": {
                    "value": _number(period.dose_mg),
                    "unit": "mg",
                    "system": UCUM,
                    "code": "mg",
                }
            }
        ]
        statement["dosage"] = [dosage]
        return statement

    def _period_on(self, course_uuid: str, day: datetime.date) -> str | None:
        """The id of the statement of the dose period ``day`` falls in, if any."""
        for (period_course, period), statement_id in self.period_ids.items():
            if period_course != course_uuid or day < period.start:
                continue
            if period.end is None or day <= period.end:
                return statement_id
        return None

    def _missed_doses(self) -> list[dict[str, Any]]:
        courses = {course.uuid: course for course in self.source.courses}
        statements = []
        for missed in self.source.missed_doses:
            course = courses.get(missed.course_uuid)
            if course is None:
                continue
            statement = self._statement(
                status="not-taken",
                medicationCodeableConcept=self._naltrexone(course),
                effectiveDateTime=missed.date.isoformat(),
            )
            part_of = self._period_on(course.uuid, missed.date)
            if part_of is not None:
                statement["partOf"] = [{"reference": f"urn:uuid:{part_of}"}]
            statements.append(statement)
        return statements

    # --- Other medications ---------------------------------------------------------

    def _other_medications(self) -> list[dict[str, Any]]:
        today = self.source.today
        statements = []
        for medication in self.source.medications:
            if medication.stop_date is not None and medication.stop_date <= today:
                status = "completed"
            else:
                status = "active"
            fields: dict[str, Any] = {
                "status": status,
                "medicationCodeableConcept": {"text": medication.name},
            }
            effective = {}
            if medication.start_date is not None:
                effective["start"] = medication.start_date.isoformat()
            if medication.stop_date is not None:
                effective["end"] = medication.stop_date.isoformat()
            if effective:
                fields["effectivePeriod"] = effective
            statement = self._statement(**fields)
            if medication.dose.strip():
                statement["dosage"] = [{"text": medication.dose.strip()}]
            if medication.kind == "supplement":
                statement["note"] = [{"text": medication.kind_label}]
            statements.append(statement)
        return statements

    # --- The daily check-in ----------------------------------------------------------

    def _observation(self, code_text: str, **fields: Any) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": _new_id(),
            "status": fields.pop("status", "final"),
            "category": [{"coding": [SURVEY]}],
            "code": {"text": code_text},
            "subject": self.patient_ref,
            **fields,
            "performer": [self.patient_ref],
        }

    def _day_observations(self) -> list[dict[str, Any]]:
        labels = {
            # No LOINC or SNOMED CT code for these diary questions is known to
            # the project, so they go as text only.
            "function_score": BELL_TEXT,
            "hours_upright": _("Hours upright"),
            "sleep_hours": _("Hours of sleep"),
            "sleep_quality": _("Sleep quality (0 very poor, 10 very good)"),
            "physical_exertion": _("Physical exertion (0-10)"),
            "cognitive_exertion": _("Cognitive exertion (0-10)"),
        }
        bell_method = _(
            "Self-rated on Bell's CFS disability scale (Bell 1995): 0 bedridden "
            "constantly, 100 no symptoms at rest or with exercise"
        )
        scores_by_day: dict[datetime.date, list[tuple[str, int]]] = {}
        for row in self.source.scores:
            scores_by_day.setdefault(row.date, []).append((row.symptom, row.score))

        observations = []
        for day in self.source.days:
            when = day.date.isoformat()
            for name, label in labels.items():
                value = getattr(day, name)
                if value is None:
                    continue
                fields: dict[str, Any] = {"effectiveDateTime": when}
                if name in ("hours_upright", "sleep_hours"):
                    fields["valueQuantity"] = {
                        "value": _number(value),
                        "unit": "h",
                        "system": UCUM,
                        "code": "h",
                    }
                else:
                    fields["valueInteger"] = int(value)
                if name == "function_score":
                    fields["method"] = {"text": bell_method}
                observations.append(self._observation(str(label), **fields))
            for symptom, score in scores_by_day.get(day.date, []):
                observations.append(
                    self._observation(
                        symptom,
                        effectiveDateTime=when,
                        valueInteger=score,
                        method={"text": SCORE_METHOD},
                    )
                )
        return observations

    # --- Crashes and side effects ----------------------------------------------------

    def _crashes(self) -> list[dict[str, Any]]:
        observations = []
        for crash in self.source.crashes:
            effective = {"start": crash.start_date.isoformat()}
            if crash.end_date is not None:
                effective["end"] = crash.end_date.isoformat()
            observations.append(
                self._observation(
                    str(CRASH_TEXT),
                    # "preliminary": still going on, so the end is not known yet.
                    status="final" if crash.end_date else "preliminary",
                    effectivePeriod=effective,
                    component=[
                        {
                            "code": {"text": str(_("Severity"))},
                            "valueCodeableConcept": {"text": crash.severity_label},
                        },
                        {
                            "code": {"text": str(_("Suspected trigger"))},
                            "valueCodeableConcept": {"text": crash.trigger_label},
                        },
                    ],
                )
            )
        return observations

    def _side_effects(self) -> list[dict[str, Any]]:
        courses = {course.uuid: course for course in self.source.courses}
        events = []
        for effect in self.source.side_effects:
            severity: dict[str, Any] = {"text": effect.severity_label}
            if effect.severity in SIDE_EFFECT_SEVERITY:
                code = SIDE_EFFECT_SEVERITY[effect.severity]
                severity["coding"] = [
                    {
                        "system": ADVERSE_EVENT_SEVERITY,
                        "code": code,
                        "display": code.capitalize(),
                    }
                ]
            statement_id = self._period_on(effect.course_uuid, effect.date)
            course = courses.get(effect.course_uuid)
            if statement_id is not None:
                suspect = {"reference": f"urn:uuid:{statement_id}"}
            else:
                suspect = {
                    "display": course.medication if course else str(_("Naltrexone"))
                }
            events.append(
                {
                    "resourceType": "AdverseEvent",
                    "id": _new_id(),
                    "actuality": "actual",
                    "event": {"text": effect.label},
                    "subject": self.patient_ref,
                    "date": effect.date.isoformat(),
                    "recorder": self.patient_ref,
                    "severity": severity,
                    "suspectEntity": [{"instance": suspect}],
                }
            )
        return events
