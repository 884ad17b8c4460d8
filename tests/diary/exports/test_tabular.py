"""CSV exports, parsed back with the csv module: every score of the range exactly
once, one row per logged day, formula cells neutralised, text kept as text."""

import csv
import datetime
import io
from collections import Counter
from decimal import Decimal

import pytest

from diary.exports.data import report_data
from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.exports.tabular import build_csv_tidy, build_csv_wide, neutralise
from diary.models import Entry, SideEffect, SymptomScore
from tests.diary.exports.test_data import Scenario
from tests.factories import (
    EntryFactory,
    SideEffectFactory,
    SymptomScoreFactory,
    TrackedSymptomFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WITH_NOTES = [*DEFAULT_SECTIONS, ExportSection.NOTES]
DAY_COLUMNS = [
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
    "ldn_dose_mg",
    "crash",
    "side_effects",
]


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def parse(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def header(content: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


@pytest.fixture
def patient(db):
    return UserFactory(email="carol@example.org")


@pytest.fixture
def other(db):
    user = UserFactory(email="dave@example.org")
    Scenario(user, symptom_name="Dave's fatigue", notes="dave's secret")
    return user


# --- Tidy ---------------------------------------------------------------------------


def test_tidy_has_every_score_of_the_range_exactly_once(patient, other):
    scenario = Scenario(patient)
    start, end = scenario.start, scenario.end
    content = build_csv_tidy(scenario.data())

    in_file = Counter(
        (row["date"], row["symptom"], int(row["score"])) for row in parse(content)
    )
    in_database = Counter(
        (day.isoformat(), name, score)
        for day, name, score in SymptomScore.objects.filter(
            entry__user=patient, entry__date__gte=start, entry__date__lte=end
        ).values_list("entry__date", "symptom__name", "score")
    )
    assert in_file == in_database
    assert sum(in_file.values()) == 9
    assert set(in_file.values()) == {1}
    assert (start - days(1)).isoformat() not in {key[0] for key in in_file}


def test_tidy_columns_and_the_days_fields(patient):
    scenario = Scenario(patient)
    content = build_csv_tidy(scenario.data())
    assert header(content) == ["date", "symptom", "score", *DAY_COLUMNS]

    rows = {row["date"]: row for row in parse(content)}
    s, end = scenario.start, scenario.end
    first = rows[s.isoformat()]
    assert first["symptom"] == "Fatigue"
    assert first["score"] == "6"
    assert first["hours_upright"] == "4.5"
    assert first["function_score"] == ""  # not answered: empty, never 0
    assert first["ldn_dose_mg"] == ""  # before LDN
    assert first["crash"] == "yes"
    on_ldn = rows[(s + days(35)).isoformat()]
    assert on_ldn["ldn_dose_mg"] == "1.5"
    assert on_ldn["side_effects"] == "Insomnia"
    assert on_ldn["crash"] == ""
    assert rows[(end - days(1)).isoformat()]["ldn_dose_mg"] == "3"
    # S+5 was logged without any score: no tidy row.
    assert (s + days(5)).isoformat() not in rows


def test_several_side_effects_on_a_day_are_joined(patient):
    scenario = Scenario(patient)
    day = scenario.start + days(35)
    SideEffectFactory(course=scenario.course, date=day, kind="headache")
    rows = {row["date"]: row for row in parse(build_csv_tidy(scenario.data()))}
    assert rows[day.isoformat()]["side_effects"] == "Headache; Insomnia"


def test_notes_column_only_when_the_notes_section_is_chosen(patient):
    scenario = Scenario(patient, notes="private note")
    without = build_csv_tidy(scenario.data())
    assert "notes" not in header(without)
    assert b"private note" not in without
    assert b"private note" not in build_csv_wide(scenario.data())

    with_notes = build_csv_tidy(scenario.data(sections=WITH_NOTES))
    assert header(with_notes)[-1] == "notes"
    rows = {row["date"]: row for row in parse(with_notes)}
    assert rows[(scenario.start + days(1)).isoformat()]["notes"] == "private note"
    assert rows[scenario.start.isoformat()]["notes"] == ""


# --- Wide ---------------------------------------------------------------------------


def test_wide_has_one_row_per_logged_day_and_no_rows_for_missing_days(patient, other):
    scenario = Scenario(patient)
    content = build_csv_wide(scenario.data())
    assert header(content) == ["date", "Fatigue", "Brain fog", *DAY_COLUMNS]

    rows = parse(content)
    logged = sorted(
        d.isoformat()
        for d in Entry.objects.filter(
            user=patient, date__gte=scenario.start, date__lte=scenario.end
        ).values_list("date", flat=True)
    )
    assert [row["date"] for row in rows] == logged
    assert len(rows) == 10
    by_date = {row["date"]: row for row in rows}
    assert by_date[scenario.start.isoformat()]["Fatigue"] == "6"
    assert by_date[scenario.start.isoformat()]["Brain fog"] == ""
    unscored = by_date[(scenario.start + days(5)).isoformat()]
    assert unscored["Fatigue"] == "" and unscored["sleep_hours"] == "7.5"
    scores = [
        (row["date"], name, int(row[name]))
        for row in rows
        for name in ("Fatigue", "Brain fog")
        if row[name]
    ]
    assert len(scores) == 9


def test_wide_headers_are_unique_even_when_a_symptom_is_called_date(patient):
    TrackedSymptomFactory(user=patient, symptom__name="date", position=0)
    TrackedSymptomFactory(user=patient, symptom__name="Crash", position=1)
    today = patient.local_today()
    data = report_data(user=patient, start=today, end=today, sections=DEFAULT_SECTIONS)
    assert header(build_csv_wide(data)) == [
        "date",
        "date (2)",
        "Crash (2)",
        *DAY_COLUMNS,
    ]


# --- Hostile and unusual text -------------------------------------------------------

HOSTILE_NOTES = ["+1", "@SUM(A1)", "-2+3", "\tcmd", "\rcmd", "=1+1"]


def hostile_report(patient):
    symptom = TrackedSymptomFactory(
        user=patient, symptom__name='=HYPERLINK("http://x")'
    ).symptom
    today = patient.local_today()
    for offset, note in enumerate(HOSTILE_NOTES):
        entry = EntryFactory(user=patient, date=today - days(offset), notes=note)
        SymptomScoreFactory(entry=entry, symptom=symptom, score=offset)
    SideEffectFactory(
        course__user=patient,
        date=today,
        kind=SideEffect.Kind.OTHER,
        other_description="@evil",
    )
    return report_data(
        user=patient,
        start=today - days(len(HOSTILE_NOTES)),
        end=today,
        sections=WITH_NOTES,
    )


@pytest.mark.parametrize("build", [build_csv_tidy, build_csv_wide])
def test_formula_cells_are_neutralised(patient, build):
    content = build(hostile_report(patient))
    rows = parse(content)
    notes = sorted(row["notes"] for row in rows)
    assert notes == sorted("'" + note for note in HOSTILE_NOTES)
    assert "'@evil" in {row["side_effects"] for row in rows}
    if build is build_csv_tidy:
        assert {row["symptom"] for row in rows} == {'\'=HYPERLINK("http://x")'}
    else:
        assert header(content)[1] == '\'=HYPERLINK("http://x")'
    # Nothing in the file starts a cell with a formula character.
    for row in csv.reader(io.StringIO(content.decode("utf-8"), newline="")):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_numbers_are_written_as_plain_numbers(patient):
    content = build_csv_tidy(hostile_report(patient))
    scores = sorted(int(row["score"]) for row in parse(content))
    assert scores == list(range(len(HOSTILE_NOTES)))


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("Fatigue") == "Fatigue"
    assert neutralise("1-2") == "1-2"
    assert neutralise("-") == "'-"
    assert neutralise("") == ""


def test_html_in_notes_is_kept_as_text(patient):
    scenario = Scenario(patient, notes='<script>alert("x")</script>, "quoted"\nline 2')
    rows = parse(build_csv_wide(scenario.data(sections=WITH_NOTES)))
    (noted,) = [row for row in rows if row["notes"]]
    assert noted["notes"] == '<script>alert("x")</script>, "quoted"\nline 2'


def test_files_are_utf8_without_bom_with_crlf_line_endings(patient):
    scenario = Scenario(patient, symptom_name="Müdigkeit 疲劳 — ça")
    SideEffectFactory(
        course=scenario.course,
        date=scenario.start + days(35),
        kind=SideEffect.Kind.OTHER,
        other_description="Übelkeit",
    )
    data = scenario.data()
    for content in (build_csv_tidy(data), build_csv_wide(data)):
        assert not content.startswith(b"\xef\xbb\xbf")
        assert content.split(b"\n")[0].endswith(b"\r")
        assert "Müdigkeit 疲劳 — ça" in content.decode("utf-8")
    tidy = parse(build_csv_tidy(data))
    assert {row["symptom"] for row in tidy} == {"Müdigkeit 疲劳 — ça"}
    assert "Insomnia; Übelkeit" in {row["side_effects"] for row in tidy}


def test_a_range_with_nothing_logged_gives_just_the_header(patient):
    TrackedSymptomFactory(user=patient, symptom__name="Fatigue")
    today = patient.local_today()
    data = report_data(
        user=patient, start=today - days(30), end=today, sections=DEFAULT_SECTIONS
    )
    assert parse(build_csv_tidy(data)) == []
    assert parse(build_csv_wide(data)) == []
    assert header(build_csv_wide(data))[:2] == ["date", "Fatigue"]


def test_hours_keep_their_decimal(patient):
    TrackedSymptomFactory(user=patient, symptom__name="Fatigue")
    today = patient.local_today()
    EntryFactory(
        user=patient,
        date=today,
        hours_upright=Decimal("12.0"),
        sleep_hours=Decimal("0.5"),
    )
    data = report_data(user=patient, start=today, end=today, sections=DEFAULT_SECTIONS)
    (row,) = parse(build_csv_wide(data))
    assert (row["hours_upright"], row["sleep_hours"]) == ("12.0", "0.5")
