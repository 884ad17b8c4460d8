"""The FHIR bundle: it validates with the FHIR R4 (4.0.1) models of fhir.resources,
carries function, hours upright and scores as Observations, LDN dose periods,
missed doses ("not-taken") and other medications as MedicationStatements, crashes
as Observations and side effects as AdverseEvents; naltrexone carries its ATC
code; only the owner's data goes in, in a fixed number of queries."""

import datetime
import json
from decimal import Decimal

import fhir.resources
import pytest
from fhir.resources.adverseevent import AdverseEvent
from fhir.resources.bundle import Bundle
from fhir.resources.medicationstatement import MedicationStatement
from fhir.resources.observation import Observation
from fhir.resources.patient import Patient

from diary.exports.fhir import (
    ADVERSE_EVENT_SEVERITY,
    ATC,
    OBSERVATION_CATEGORY,
    UCUM,
    FhirValidationError,
    fhir_export,
    validate_bundle,
)
from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.models import Crash, DoseChange, SideEffect
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    EntryFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    SymptomScoreFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ALL_SECTIONS = list(ExportSection.values)
BELL = "Overall function (Bell CFS disability scale, 0-100)"
# FHIR R4 value sets with required bindings (hl7.org/fhir/R4/valueset-*.html).
R4_STATEMENT_STATUSES = {
    "active",
    "completed",
    "entered-in-error",
    "intended",
    "stopped",
    "on-hold",
    "unknown",
    "not-taken",
}
R4_OBSERVATION_STATUSES = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


class Diary:
    """A 60-day range ending today (S = its first day).

    Fatigue 6, 4 and 3 on S+1, S+2, S+40; Bell 30 and 2.5 hours upright on S+1,
    Bell 40 (no hours) on S+2, 3.0 hours (no Bell) on S+40; S+3 logged with
    nothing. LDN from S+10: 1.5 mg at bedtime, 3 mg from S+20, paused S+30,
    4.5 mg in the morning from S+35, stopped on S+45. Missed doses on S+12 and
    S+36 (and one before the range). Side effects: vivid dreams (mild) on S+11,
    headache (none) on S+21. Crashes: S-3..S+4 (severe), and from S+55, ongoing.
    Other medications: magnesium stopped on S+5, sertraline ongoing since before
    the range, iron planned to start after today, vitamin D stopped before S.
    """

    def __init__(self, user, *, extra_days: int = 0):
        self.user = user
        self.end = user.local_today()
        self.start = self.end - days(59)
        s = self.start
        self.fatigue = TrackedSymptomFactory(
            user=user, symptom__name="Fatigue", position=0
        ).symptom
        for offset, score, bell, hours in [
            (1, 6, 30, Decimal("2.5")),
            (2, 4, 40, None),
            (40, 3, None, Decimal("3.0")),
        ]:
            entry = EntryFactory(
                user=user,
                date=s + days(offset),
                function_score=bell,
                hours_upright=hours,
            )
            SymptomScoreFactory(entry=entry, symptom=self.fatigue, score=score)
        EntryFactory(user=user, date=s + days(3))
        # More logged days for the query-count test: scores and Bell on each.
        for offset in range(extra_days):
            entry = EntryFactory(
                user=user, date=s + days(4 + offset), function_score=50
            )
            SymptomScoreFactory(entry=entry, symptom=self.fatigue, score=5)

        self.course = TreatmentCourseFactory(user=user, start_date=s + days(10))
        for offset, dose, reason, when in [
            (10, "1.5", "start", "bedtime"),
            (20, "3.0", "planned_step", "bedtime"),
            (30, None, "pause", ""),
            (35, "4.5", "restart", "morning"),
            (45, None, "stop", ""),
        ]:
            DoseChangeFactory(
                course=self.course,
                date=s + days(offset),
                dose_mg=Decimal(dose) if dose else None,
                reason=reason,
                time_of_day=when,
            )
        for offset in (-2, 12, 36):
            MissedDoseFactory(course=self.course, date=s + days(offset))
        SideEffectFactory(
            course=self.course,
            date=s + days(11),
            kind=SideEffect.Kind.VIVID_DREAMS,
            severity=SideEffect.Severity.MILD,
        )
        SideEffectFactory(
            course=self.course,
            date=s + days(21),
            kind=SideEffect.Kind.HEADACHE,
            severity=SideEffect.Severity.NONE,
        )
        CrashFactory(
            user=user,
            start_date=s - days(3),
            end_date=s + days(4),
            severity=Crash.Severity.SEVERE,
            trigger=Crash.Trigger.PHYSICAL,
        )
        CrashFactory(
            user=user,
            start_date=s + days(55),
            end_date=None,
            severity=Crash.Severity.MILD,
            trigger=Crash.Trigger.UNKNOWN,
        )
        MedicationFactory(
            user=user,
            name="Magnesium",
            kind="supplement",
            dose="300 mg",
            start_date=s - days(100),
            stop_date=s + days(5),
        )
        MedicationFactory(
            user=user,
            name="Sertraline",
            kind="medication",
            dose="50 mg daily",
            start_date=s - days(400),
            stop_date=None,
        )
        MedicationFactory(
            user=user,
            name="Iron",
            kind="supplement",
            dose="",
            start_date=self.end + days(3),
            stop_date=None,
        )
        MedicationFactory(
            user=user,
            name="Vitamin D",
            start_date=s - days(100),
            stop_date=s - days(1),
        )

    def export(self, sections=ALL_SECTIONS, display_name="Carol P.") -> bytes:
        return fhir_export(
            user=self.user,
            start=self.start,
            end=self.end,
            sections=sections,
            display_name=display_name,
        )

    def iso(self, offset: int) -> str:
        return (self.start + days(offset)).isoformat()


@pytest.fixture
def patient(db):
    return UserFactory(email="carol@example.org", display_name="Account Name")


@pytest.fixture
def other(db):
    """Another patient with everything the bundle could carry, in the same range."""
    user = UserFactory(email="dave@example.org")
    diary = Diary(user)
    TrackedSymptomFactory(user=user, symptom__name="Dave's own symptom")
    MedicationFactory(user=user, name="Dave's medicine")
    diary.course.medication = "Dave's naltrexone"
    diary.course.save()
    return user


def resources(content: bytes, kind: type) -> list:
    bundle = Bundle.parse_raw(content)
    return [e.resource for e in bundle.entry if isinstance(e.resource, kind)]


def raw_resources(content: bytes, kind: str) -> list[dict]:
    return [
        e["resource"]
        for e in json.loads(content)["entry"]
        if e["resource"]["resourceType"] == kind
    ]


def test_the_models_are_fhir_r4_4_0_1():
    assert fhir.resources.__fhir_version__ == "4.0.1"


def test_bundle_validates_with_the_r4_models_and_holds_every_kind(patient, other):
    content = Diary(patient).export()

    bundle = Bundle.parse_raw(content)  # raises if it does not conform to R4
    assert bundle.type == "collection"
    assert bundle.timestamp is not None
    kinds = {entry.resource.resource_type for entry in bundle.entry}
    assert kinds == {"Patient", "Observation", "MedicationStatement", "AdverseEvent"}
    urls = [entry.fullUrl for entry in bundle.entry]
    assert len(set(urls)) == len(urls)
    for entry in json.loads(content)["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"


def test_function_and_hours_upright_are_observations_on_their_days(patient):
    diary = Diary(patient)
    observations = raw_resources(diary.export(), "Observation")

    bell = [
        (o["effectiveDateTime"], o["valueInteger"])
        for o in observations
        if o["code"]["text"] == BELL
    ]
    assert bell == [(diary.iso(1), 30), (diary.iso(2), 40)]
    upright = [o for o in observations if o["code"]["text"] == "Hours upright"]
    assert [(o["effectiveDateTime"], o["valueQuantity"]) for o in upright] == [
        (diary.iso(1), {"value": 2.5, "unit": "h", "system": UCUM, "code": "h"}),
        (diary.iso(40), {"value": 3, "unit": "h", "system": UCUM, "code": "h"}),
    ]
    # S+3 was logged with nothing: no Observation at all, never a zero.
    assert not [o for o in observations if o.get("effectiveDateTime") == diary.iso(3)]
    for observation in resources(diary.export(), Observation):
        assert observation.status in R4_OBSERVATION_STATUSES
        (category,) = observation.category
        assert (category.coding[0].system, category.coding[0].code) == (
            OBSERVATION_CATEGORY,
            "survey",
        )
        assert observation.performer[0].reference == observation.subject.reference


def test_one_observation_per_symptom_score(patient):
    diary = Diary(patient)
    observations = raw_resources(diary.export(), "Observation")
    scores = [
        (o["effectiveDateTime"], o["valueInteger"])
        for o in observations
        if o["code"]["text"] == "Fatigue"
    ]
    assert scores == [(diary.iso(1), 6), (diary.iso(2), 4), (diary.iso(40), 3)]


def test_dose_periods_carry_the_atc_code_and_a_stopped_course_is_stopped(patient):
    diary = Diary(patient)
    statements = resources(diary.export(), MedicationStatement)
    ldn = [s for s in statements if s.medicationCodeableConcept.coding]
    periods = [s for s in ldn if s.status != "not-taken"]
    summary = [
        (
            s.status,
            s.effectivePeriod.start.isoformat(),
            s.effectivePeriod.end.isoformat() if s.effectivePeriod.end else None,
            s.dosage[0].text,
        )
        for s in periods
    ]
    assert summary == [
        ("completed", diary.iso(10), diary.iso(19), "1.5 mg at bedtime"),
        ("completed", diary.iso(20), diary.iso(29), "3 mg at bedtime"),
        ("on-hold", diary.iso(30), diary.iso(34), "Paused"),
        ("stopped", diary.iso(35), diary.iso(44), "4.5 mg in the morning"),
    ]
    assert periods[-1].statusReason[0].text == f"Course stopped on {diary.iso(45)}"
    for statement in ldn:
        assert statement.status in R4_STATEMENT_STATUSES
        (coding,) = statement.medicationCodeableConcept.coding
        assert (coding.system, coding.code) == (ATC, "N07BB04")
        assert statement.medicationCodeableConcept.text == "Low-dose naltrexone (LDN)"
    doses = [
        s.dosage[0].doseAndRate[0].doseQuantity
        for s in periods
        if s.status != "on-hold"
    ]
    assert [float(q.value) for q in doses] == [1.5, 3.0, 4.5]
    assert {(q.unit, q.system, q.code) for q in doses} == {("mg", UCUM, "mg")}
    assert [s.dosage[0].timing.repeat.when for s in periods if s.dosage[0].timing] == [
        ["HS"],
        ["HS"],
        ["MORN"],
    ]
    assert not periods[2].dosage[0].doseAndRate


def test_a_running_course_is_active(patient):
    today = patient.local_today()
    course = TreatmentCourseFactory(user=patient, start_date=today - days(20))
    DoseChangeFactory(course=course, date=today - days(20), dose_mg=Decimal("1.5"))
    content = fhir_export(
        user=patient, start=today - days(30), end=today, sections=DEFAULT_SECTIONS
    )
    (statement,) = resources(content, MedicationStatement)
    assert statement.status == "active"
    assert statement.effectivePeriod.end is None


def test_a_missed_dose_is_not_taken_on_its_date_within_its_period(patient):
    diary = Diary(patient)
    content = diary.export()
    raw = raw_resources(content, "MedicationStatement")
    by_id = {s["id"]: s for s in raw}
    missed = [s for s in raw if s["status"] == "not-taken"]
    # The one before the range stays out.
    assert [s["effectiveDateTime"] for s in missed] == [diary.iso(12), diary.iso(36)]
    for statement in missed:
        assert statement["medicationCodeableConcept"]["coding"][0]["code"] == "N07BB04"
        assert "dosage" not in statement
        (part_of,) = statement["partOf"]
        period = by_id[part_of["reference"].removeprefix("urn:uuid:")]
        assert (
            period["effectivePeriod"]["start"]
            <= statement["effectiveDateTime"]
            <= period["effectivePeriod"]["end"]
        )


def test_side_effects_are_adverse_events_with_r4_severity_codes(patient):
    diary = Diary(patient)
    content = diary.export()
    events = resources(content, AdverseEvent)
    summary = [
        (
            e.date.isoformat(),
            e.event.text,
            e.actuality,
            [(c.system, c.code) for c in e.severity.coding or []],
            e.severity.text,
        )
        for e in events
    ]
    assert summary == [
        (
            diary.iso(11),
            "Vivid dreams",
            "actual",
            [(ADVERSE_EVENT_SEVERITY, "mild")],
            "1: mild",
        ),
        (diary.iso(21), "Headache", "actual", [], "0: none"),
    ]
    statements = {s["id"]: s for s in raw_resources(content, "MedicationStatement")}
    for event in events:
        assert event.recorder.reference == event.subject.reference
        suspect = event.suspectEntity[0].instance.reference.removeprefix("urn:uuid:")
        assert statements[suspect]["effectivePeriod"]["start"] <= event.date.isoformat()


def test_crashes_are_observations_spanning_their_days(patient):
    diary = Diary(patient)
    crashes = [
        o
        for o in raw_resources(diary.export(), "Observation")
        if o["code"]["text"] == "Post-exertional malaise (PEM) crash"
    ]
    assert [(o["status"], o["effectivePeriod"]) for o in crashes] == [
        ("final", {"start": diary.iso(-3), "end": diary.iso(4)}),
        ("preliminary", {"start": diary.iso(55)}),  # ongoing: no end yet
    ]
    components = [
        {c["code"]["text"]: c["valueCodeableConcept"]["text"] for c in o["component"]}
        for o in crashes
    ]
    assert components[0] == {
        "Severity": str(Crash.Severity.SEVERE.label),
        "Suspected trigger": "Physical exertion",
    }


def test_other_medications_overlapping_the_range(patient):
    diary = Diary(patient)
    statements = [
        s
        for s in raw_resources(diary.export(), "MedicationStatement")
        if "coding" not in s["medicationCodeableConcept"]
    ]
    summary = {
        s["medicationCodeableConcept"]["text"]: (
            s["status"],
            s.get("effectivePeriod"),
            s.get("dosage"),
        )
        for s in statements
    }
    assert summary == {
        "Magnesium": (
            "completed",
            {"start": diary.iso(-100), "end": diary.iso(5)},
            [{"text": "300 mg"}],
        ),
        "Sertraline": ("active", {"start": diary.iso(-400)}, [{"text": "50 mg daily"}]),
    }  # Vitamin D stopped before the range, iron starts after it: left out.


def test_sections_not_chosen_leave_their_resources_out(patient):
    diary = Diary(patient)
    sections = [ExportSection.SUMMARY, ExportSection.CHARTS]
    content = diary.export(sections=sections)
    bundle = Bundle.parse_raw(content)
    assert {e.resource.resource_type for e in bundle.entry} == {
        "Patient",
        "Observation",
        "MedicationStatement",
    }
    texts = {o.code.text for o in resources(content, Observation)}
    assert "Post-exertional malaise (PEM) crash" not in texts
    statements = resources(content, MedicationStatement)
    assert all(not s.medicationCodeableConcept.coding for s in statements)


def test_no_other_patients_data_and_no_account_data(patient, other):
    diary = Diary(patient)
    content = diary.export()
    text = content.decode("utf-8")
    assert "Dave" not in text
    assert "example.org" not in text
    assert "Account Name" not in text
    assert len(resources(content, AdverseEvent)) == 2
    fatigue = [o for o in resources(content, Observation) if o.code.text == "Fatigue"]
    assert len(fatigue) == 3
    (patient_resource,) = resources(content, Patient)
    assert patient_resource.name[0].text == "Carol P."
    assert set(json.loads(content)["entry"][0]["resource"]) == {
        "resourceType",
        "id",
        "name",
    }


def test_notes_never_go_into_the_bundle(patient):
    diary = Diary(patient)
    EntryFactory(user=patient, date=diary.start + days(7), notes="private note")
    DoseChange.objects.filter(course=diary.course).update(note="private dose note")
    Crash.objects.filter(user=patient).update(notes="private crash note")
    content = diary.export(sections=ALL_SECTIONS)
    assert b"private" not in content


def test_without_a_display_name_the_patient_has_no_name(patient):
    content = Diary(patient).export(display_name="  ")
    (patient_resource,) = resources(content, Patient)
    assert patient_resource.name is None


def test_only_cited_code_systems_are_used(patient):
    """Every coding in the bundle comes from a system whose source fhir.py cites."""
    content = Diary(patient).export()

    def systems(node):
        if isinstance(node, dict):
            if "coding" in node:
                yield from ((c["system"], c["code"]) for c in node["coding"])
            for key, value in node.items():
                if key == "system":
                    yield (value, None)
                yield from systems(value)
        elif isinstance(node, list):
            for item in node:
                yield from systems(item)

    found = set(systems(json.loads(content)))
    assert {system for system, _ in found} == {
        OBSERVATION_CATEGORY,
        UCUM,
        ATC,
        ADVERSE_EVENT_SEVERITY,
    }
    assert {code for system, code in found if system == ATC} == {"N07BB04", None}


def test_non_ascii_names_round_trip(patient):
    today = patient.local_today()
    symptom = TrackedSymptomFactory(
        user=patient, symptom__name="Müdigkeit 疲劳 <b>"
    ).symptom
    SymptomScoreFactory(entry=EntryFactory(user=patient, date=today), symptom=symptom)
    content = fhir_export(user=patient, start=today, end=today, sections=ALL_SECTIONS)
    assert {o.code.text for o in resources(content, Observation)} == {
        "Müdigkeit 疲劳 <b>"
    }
    assert "疲劳".encode() in content


def test_the_validator_rejects_a_code_outside_a_required_binding():
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:5f0b3c56-2f55-4b7e-9f1c-7c1d1e0c0a01",
                "resource": {
                    "resourceType": "MedicationStatement",
                    "status": "paused",  # not an R4 MedicationStatement status
                    "medicationCodeableConcept": {"text": "x"},
                    "subject": {"reference": "urn:uuid:1"},
                },
            }
        ],
    }
    with pytest.raises(FhirValidationError, match="status"):
        validate_bundle(bundle)
    bundle["entry"][0]["resource"]["status"] = "active"
    validate_bundle(bundle)
    bundle["entry"][0]["resource"]["dosis"] = []  # not an R4 element
    with pytest.raises(FhirValidationError, match="dosis"):
        validate_bundle(bundle)


@pytest.mark.parametrize("extra_days", [0, 30])
def test_query_count_does_not_grow_with_the_data(
    patient, django_assert_num_queries, extra_days
):
    diary = Diary(patient, extra_days=extra_days)
    # entries, scores, courses, dose changes, missed doses, side effects,
    # crashes, other medications: 8 whatever the size of the diary.
    with django_assert_num_queries(8):
        content = diary.export()
    fatigue = [o for o in resources(content, Observation) if o.code.text == "Fatigue"]
    assert len(fatigue) == 3 + extra_days
