"""The FHIR bundle and the report agree: the bundle reads the diary through its own
loader (diary.exports.fhir_data), the PDF, the share page and the API through the
report's (diary.exports.data), so this holds the two to the same days, values,
dose periods, missed doses, side effects and crashes for the same range."""

import datetime
import json

import pytest

from diary.exports.data import report_data
from diary.exports.fhir import BELL_TEXT, CRASH_TEXT
from diary.exports.models import ExportSection
from tests.diary.exports.test_fhir import Diary
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_SECTIONS = list(ExportSection.values)


def by_type(content: bytes) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in json.loads(content)["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


@pytest.fixture
def both(db):
    user = UserFactory()
    diary = Diary(user, extra_days=5)
    report = report_data(
        user=user, start=diary.start, end=diary.end, sections=ALL_SECTIONS
    )
    return report, by_type(diary.export(sections=ALL_SECTIONS))


def test_daily_values_agree(both):
    report, bundle = both
    observations = bundle["Observation"]

    def fhir_values(text):
        return {
            datetime.date.fromisoformat(o["effectiveDateTime"]): (
                o["valueQuantity"]["value"]
                if "valueQuantity" in o
                else o["valueInteger"]
            )
            for o in observations
            if o["code"]["text"] == str(text)
        }

    assert fhir_values(BELL_TEXT) == {
        day: row.function_score
        for day, row in report.days.items()
        if row.function_score is not None
    }
    assert fhir_values("Hours upright") == {
        day: float(row.hours_upright)
        for day, row in report.days.items()
        if row.hours_upright is not None
    }
    names = {s.uuid: s.name for s in report.symptoms}
    report_scores = sorted(
        (day.isoformat(), names[uuid], score)
        for day, row in report.days.items()
        for uuid, score in row.scores.items()
    )
    fhir_scores = sorted(
        (o["effectiveDateTime"], o["code"]["text"], o["valueInteger"])
        for o in observations
        if o["code"]["text"] in set(names.values())
    )
    assert fhir_scores == report_scores
    assert len(report_scores) == 3 + 5


def test_dose_periods_and_missed_doses_agree(both):
    report, bundle = both
    statements = bundle["MedicationStatement"]
    ldn = [s for s in statements if "coding" in s["medicationCodeableConcept"]]
    fhir_periods = [
        (
            s["effectivePeriod"]["start"],
            s["effectivePeriod"].get("end"),
            s["dosage"][0]["text"],
        )
        for s in ldn
        if s["status"] != "not-taken"
    ]
    report_periods = [
        (
            p.start.isoformat(),
            p.end.isoformat() if p.end else None,
            p.dose_text,
        )
        for course in report.courses
        for p in course.periods
    ]
    assert fhir_periods == report_periods
    assert [s["effectiveDateTime"] for s in ldn if s["status"] == "not-taken"] == [
        m.date.isoformat() for m in report.missed_doses
    ]
    (course,) = report.courses
    stopped = [s for s in ldn if s["status"] == "stopped"]
    assert course.stopped_on is not None
    assert [s["effectivePeriod"]["end"] for s in stopped] == [
        (course.stopped_on - datetime.timedelta(days=1)).isoformat()
    ]


def test_side_effects_and_crashes_agree(both):
    report, bundle = both
    assert [
        (e["date"], e["event"]["text"], e["severity"]["text"])
        for e in bundle["AdverseEvent"]
    ] == [(s.date.isoformat(), s.label, s.severity_label) for s in report.side_effects]
    crashes = [o for o in bundle["Observation"] if o["code"]["text"] == str(CRASH_TEXT)]
    assert [
        (o["effectivePeriod"]["start"], o["effectivePeriod"].get("end"))
        for o in crashes
    ] == [
        (c.start_date.isoformat(), c.end_date.isoformat() if c.end_date else None)
        for c in report.crashes
    ]


def test_other_medicines_in_the_bundle_are_on_the_report(both):
    report, bundle = both
    fhir_names = {
        s["medicationCodeableConcept"]["text"]
        for s in bundle["MedicationStatement"]
        if "coding" not in s["medicationCodeableConcept"]
    }
    # The report also reaches back to the comparison's baseline; the bundle
    # holds the medicines that overlap the range.
    assert fhir_names
    assert fhir_names <= {m.name for m in report.medications}
