"""The FHIR bundle: it validates with the fhir.resources R4B models, holds one
Observation per score of the range and one MedicationStatement per dose period,
and nothing of the account but the chosen display name."""

import datetime
import json
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from diary.exports.data import report_data
from diary.exports.fhir import build_fhir_bundle
from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.models import SymptomScore
from tests.diary.exports.test_data import Scenario
from tests.factories import (
    DoseChangeFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# FHIR R4 MedicationStatement status codes.
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


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def patient(db):
    return UserFactory(email="carol@example.org", display_name="Account Name")


@pytest.fixture
def other(db):
    user = UserFactory(email="dave@example.org")
    Scenario(user, symptom_name="Dave's fatigue")
    return user


def resources(content: bytes, kind: type) -> list:
    bundle = Bundle.model_validate_json(content)
    return [e.resource for e in bundle.entry if isinstance(e.resource, kind)]


def test_bundle_validates_and_has_one_observation_per_score(patient, other):
    scenario = Scenario(patient)
    content = build_fhir_bundle(scenario.data(display_name="Carol P."))

    bundle = Bundle.model_validate_json(content)  # raises if it does not conform
    assert bundle.type == "collection"
    assert bundle.timestamp is not None
    (patient_resource,) = resources(content, Patient)
    observations = resources(content, Observation)
    in_database = SymptomScore.objects.filter(
        entry__user=patient,
        entry__date__gte=scenario.start,
        entry__date__lte=scenario.end,
    )
    assert len(observations) == in_database.count() == 9

    found = sorted(
        (o.effectiveDateTime.isoformat(), o.code.text, o.valueInteger)
        for o in observations
    )
    expected = sorted(
        (day.isoformat(), name, score)
        for day, name, score in in_database.values_list(
            "entry__date", "symptom__name", "score"
        )
    )
    assert found == expected
    patient_url = f"urn:uuid:{patient_resource.id}"
    for observation in observations:
        assert observation.status == "final"
        (category,) = observation.category
        assert (category.coding[0].system, category.coding[0].code) == (
            CATEGORY,
            "survey",
        )
        assert observation.subject.reference == patient_url
        assert observation.performer[0].reference == patient_url


def test_every_entry_has_a_unique_urn_uuid(patient):
    content = build_fhir_bundle(Scenario(patient).data())
    entries = json.loads(content)["entry"]
    urls = [entry["fullUrl"] for entry in entries]
    assert len(set(urls)) == len(urls) == 1 + 2 + 9  # patient, 2 doses, 9 scores
    for entry in entries:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    assert str(json.loads(content)["id"]).count("-") == 4


def test_medication_statements_match_the_dose_periods(patient):
    today = patient.local_today()
    start = today - days(99)
    course = TreatmentCourseFactory(user=patient, start_date=start - days(10))
    for offset, dose, reason in [
        (-10, "1.5", "start"),
        (20, "3.0", "planned_step"),
        (40, None, "pause"),
        (50, "4.5", "restart"),
    ]:
        DoseChangeFactory(
            course=course,
            date=start + days(offset),
            dose_mg=Decimal(dose) if dose else None,
            reason=reason,
            time_of_day="" if dose is None else "bedtime",
        )
    data = report_data(user=patient, start=start, end=today, sections=DEFAULT_SECTIONS)
    content = build_fhir_bundle(data)

    statements = resources(content, MedicationStatement)
    assert len(statements) == len(data.courses[0].periods) == 4
    summary = [
        (
            s.status,
            s.effectivePeriod.start.isoformat(),
            s.effectivePeriod.end.isoformat() if s.effectivePeriod.end else None,
            s.dosage[0].text,
        )
        for s in statements
    ]
    iso = lambda offset: (start + days(offset)).isoformat()  # noqa: E731
    assert summary == [
        ("completed", iso(-10), iso(19), "1.5 mg at bedtime"),
        ("completed", iso(20), iso(39), "3 mg at bedtime"),
        ("on-hold", iso(40), iso(49), "Paused"),
        ("active", iso(50), None, "4.5 mg at bedtime"),
    ]
    for statement in statements:
        assert statement.status in R4_STATEMENT_STATUSES
        assert statement.medicationCodeableConcept.text == "Low-dose naltrexone"
    doses = [
        s.dosage[0].doseAndRate[0].doseQuantity
        for s in statements
        if s.status != "on-hold"
    ]
    assert [float(q.value) for q in doses] == [1.5, 3.0, 4.5]
    assert {(q.unit, q.system, q.code) for q in doses} == {("mg", UCUM, "mg")}
    assert statements[0].dosage[0].timing.repeat.when == ["HS"]
    assert not statements[2].dosage[0].doseAndRate


def test_a_course_without_dose_history_is_one_statement_of_unknown_status(patient):
    today = patient.local_today()
    TreatmentCourseFactory(user=patient, start_date=today - days(5))
    data = report_data(
        user=patient, start=today - days(30), end=today, sections=DEFAULT_SECTIONS
    )
    (statement,) = resources(build_fhir_bundle(data), MedicationStatement)
    assert statement.status == "unknown"
    assert statement.effectivePeriod.start.isoformat() == (today - days(5)).isoformat()
    assert not statement.dosage


def test_no_account_data_in_the_bundle(patient):
    scenario = Scenario(patient, notes="private note")
    data = scenario.data(
        sections=[*DEFAULT_SECTIONS, ExportSection.NOTES], display_name="Carol P."
    )
    content = build_fhir_bundle(data)
    text = content.decode("utf-8")
    assert "carol@example.org" not in text
    assert "example.org" not in text
    assert "Account Name" not in text  # the report's name, not the account's
    assert "private note" not in text
    assert str(scenario.fatigue.uuid) not in text
    (patient_resource,) = resources(content, Patient)
    assert patient_resource.name[0].text == "Carol P."
    shown = json.loads(content)["entry"][0]["resource"]
    assert set(shown) == {"resourceType", "id", "name"}


def test_without_a_display_name_the_patient_has_no_name(patient):
    today = patient.local_today()
    data = report_data(user=patient, start=today, end=today, sections=DEFAULT_SECTIONS)
    content = build_fhir_bundle(data)
    (patient_resource,) = resources(content, Patient)
    assert patient_resource.name is None
    assert len(Bundle.model_validate_json(content).entry) == 1


def test_non_ascii_symptom_names_round_trip(patient):
    scenario = Scenario(patient, symptom_name="Müdigkeit 疲劳 <b>")
    content = build_fhir_bundle(scenario.data())
    names = {o.code.text for o in resources(content, Observation)}
    assert names == {"Müdigkeit 疲劳 <b>"}
    assert "疲劳".encode() in content
