"""report_data: everything an export shows, gathered in a fixed number of queries,
with the first-page figures computed by hand here, notes only when chosen, and
missing days left out rather than zero-filled."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary.comparison import comparison_for_user
from diary.exports.data import ReportData, report_data
from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    MissedDose,
    SideEffect,
    SymptomScore,
    TrackedSymptom,
)
from diary.services import symptom_archive
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    EntryFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    SymptomFactory,
    SymptomScoreFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ALL_SECTIONS = list(ExportSection.values)
ONE_DAY = datetime.timedelta(days=1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


class Scenario:
    """A 70-day range ending today, small enough to compute every figure by hand.

    Fatigue is scored on S+0..S+3 (6, 7, 8, 5), S+10 (4), S+35 (9) and on the last
    three days (3, 3, 4); Brain fog is tracked and never scored. S+5 is logged
    with no score at all. Outside the range: a Fatigue 10 the day before, a crash
    and four side effects before it, and everything of another patient.
    """

    def __init__(self, user, *, symptom_name: str = "Fatigue", notes: str = ""):
        self.user = user
        self.today = user.local_today()
        self.end = self.today
        self.start = self.end - days(69)
        s = self.start
        self.fatigue = TrackedSymptomFactory(
            user=user, symptom__name=symptom_name, position=0
        ).symptom
        self.fog = TrackedSymptomFactory(
            user=user, symptom__name="Brain fog", position=1
        ).symptom
        self.fatigue_scores = {
            s: 6,
            s + days(1): 7,
            s + days(2): 8,
            s + days(3): 5,
            s + days(10): 4,
            s + days(35): 9,
            self.end - days(2): 3,
            self.end - days(1): 3,
            self.end: 4,
        }
        for day, score in self.fatigue_scores.items():
            entry = EntryFactory(user=user, date=day, hours_upright=Decimal("4.5"))
            SymptomScoreFactory(entry=entry, symptom=self.fatigue, score=score)
        Entry.objects.filter(user=user, date=s + days(1)).update(notes=notes)
        EntryFactory(user=user, date=s + days(5), sleep_hours=Decimal("7.5"))
        before = EntryFactory(user=user, date=s - ONE_DAY, notes="before the range")
        SymptomScoreFactory(entry=before, symptom=self.fatigue, score=10)

        CrashFactory(user=user, start_date=s - days(5), end_date=s + days(2))
        CrashFactory(user=user, start_date=s + days(20), end_date=s + days(22))
        CrashFactory(
            user=user, start_date=self.end - ONE_DAY, end_date=None, notes=notes
        )
        CrashFactory(user=user, start_date=s - days(20), end_date=s - days(10))

        self.course = TreatmentCourseFactory(user=user, start_date=s + days(30))
        DoseChangeFactory(course=self.course, date=s + days(30), dose_mg=Decimal("1.5"))
        DoseChangeFactory(
            course=self.course,
            date=s + days(44),
            dose_mg=Decimal("3.0"),
            reason=DoseChange.Reason.PLANNED_STEP,
        )
        effects = [
            ("insomnia", 31, 1),
            ("insomnia", 32, 2),
            ("insomnia", 35, 1),
            ("vivid_dreams", 31, 1),
            ("vivid_dreams", 40, 1),
            ("headache", 45, 3),
            ("headache", 46, 1),
            ("nausea", 50, 1),
        ] + [("anxiety", offset, 2) for offset in (-4, -3, -2, -1)]
        for kind, offset, severity in effects:
            SideEffectFactory(
                course=self.course, date=s + days(offset), kind=kind, severity=severity
            )
        MissedDoseFactory(course=self.course, date=s + days(36), note=notes)

    def data(self, sections=None, **kwargs) -> ReportData:
        return report_data(
            user=self.user,
            start=self.start,
            end=self.end,
            sections=DEFAULT_SECTIONS if sections is None else sections,
            **kwargs,
        )


@pytest.fixture(autouse=True)
def fresh_cache():
    """The comparison is cached per user and sync version; ids repeat between
    tests, so each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def patient(db):
    return UserFactory(email="carol@example.org", time_zone="Europe/London")


@pytest.fixture
def other(db):
    """Another patient with data on the same days, which must never show."""
    user = UserFactory(email="dave@example.org")
    Scenario(user, symptom_name="Dave's fatigue", notes="dave's secret")
    return user


# --- The first page -------------------------------------------------------------


def test_first_page_figures_match_a_hand_computation(patient, other):
    scenario = Scenario(patient)
    data = scenario.data(display_name="Carol P.")
    s, end = scenario.start, scenario.end

    assert data.display_name == "Carol P."
    assert (data.start, data.end, data.today) == (s, end, scenario.today)
    assert data.days_in_range == 70
    assert data.days_logged == 10  # 9 scored days and S+5

    # Two crashes overlap the range's edges or lie in it, one is ongoing; the
    # fourth ended before the range.
    assert data.crash_count == 3
    assert data.crash_days == 3 + 3 + 2
    assert [c.days_in_range for c in data.crashes] == [3, 3, 2]
    assert data.crashes[-1].ongoing

    top = [(e.label, e.count) for e in data.top_side_effects]
    assert top == [("Insomnia", 3), ("Headache", 2), ("Vivid dreams", 2)]
    assert data.top_side_effects[1].max_severity == 3

    assert data.ldn_start == s + days(30)
    assert data.current_dose.dose_mg == Decimal("3.0")
    assert data.current_dose.time_of_day == "bedtime"
    assert [m.date for m in data.missed_doses] == [s + days(36)]
    assert "Not medical advice" in data.disclaimer


def test_missing_days_are_absent_never_zero(patient):
    scenario = Scenario(patient)
    data = scenario.data()
    s = scenario.start

    assert list(data.days) == sorted(data.days)
    assert s + days(4) not in data.days  # not logged
    assert s - ONE_DAY not in data.days  # before the range
    unscored = data.days[s + days(5)]
    assert unscored.scores == {}
    assert unscored.sleep_hours == Decimal("7.5")
    assert unscored.function_score is None
    assert data.days[s].scores == {str(scenario.fatigue.uuid): 6}
    assert data.scores_count == 9

    fatigue = data.trends["series"][0]
    point = {p["x"]: p for p in fatigue["points"]}[(s + days(4)).isoformat()]
    assert point["y"] is None and point["n"] == 0


def test_days_carry_the_dose_in_force_crash_and_side_effects(patient):
    scenario = Scenario(patient)
    data = scenario.data()
    s, end = scenario.start, scenario.end

    assert data.days[s].ldn_dose_mg is None  # before LDN
    assert data.days[s].in_crash  # the crash that began before the range
    assert data.days[s + days(35)].ldn_dose_mg == Decimal("1.5")
    assert data.days[s + days(35)].side_effects == ("Insomnia",)
    assert not data.days[s + days(35)].in_crash
    assert data.days[end - ONE_DAY].ldn_dose_mg == Decimal("3.0")
    assert data.days[end - ONE_DAY].in_crash  # the ongoing crash
    assert not data.days[end - days(2)].in_crash


def test_only_the_patients_own_data_is_gathered(patient, other):
    scenario = Scenario(patient)
    data = scenario.data(sections=ALL_SECTIONS)
    assert [s.name for s in data.symptoms] == ["Fatigue", "Brain fog"]
    assert data.scores_count == 9
    assert len(data.courses) == 1
    assert data.crash_count == 3
    assert all(day.notes != "dave's secret" for day in data.days.values())
    assert "Dave" not in repr(data)


def test_archived_and_untracked_symptoms_with_scores_in_the_range_are_included(
    patient,
):
    scenario = Scenario(patient)
    old = TrackedSymptomFactory(user=patient, symptom__name="Old pain", position=5)
    SymptomScoreFactory(
        entry=Entry.objects.get(user=patient, date=scenario.start),
        symptom=old.symptom,
        score=2,
    )
    symptom_archive(tracked=old)
    loose = SymptomFactory(owner=patient, name="Untracked ache")
    SymptomScoreFactory(
        entry=Entry.objects.get(user=patient, date=scenario.end),
        symptom=loose,
        score=1,
    )
    unused = TrackedSymptomFactory(user=patient, symptom__name="Archived unused")
    symptom_archive(tracked=unused)

    data = scenario.data()
    assert [(s.name, s.tracked, s.archived) for s in data.symptoms] == [
        ("Fatigue", True, False),
        ("Brain fog", True, False),
        ("Old pain", True, True),
        ("Untracked ache", False, False),
    ]
    assert data.scores_count == 11


# --- Notes --------------------------------------------------------------------------


def test_notes_are_absent_and_not_even_loaded_unless_chosen(patient):
    scenario = Scenario(patient, notes="private note")
    with CaptureQueriesContext(connection) as queries:
        data = scenario.data(sections=DEFAULT_SECTIONS)
    assert not data.include_notes
    assert all(day.notes is None for day in data.days.values())
    assert all(crash.notes is None for crash in data.crashes)
    assert all(m.note is None for m in data.missed_doses)
    assert all(course.notes is None for course in data.courses)
    assert "private note" not in repr(data)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"diary_entry"."notes"' not in sql
    assert '"diary_crash"."notes"' not in sql


def test_notes_are_included_when_chosen(patient):
    scenario = Scenario(patient, notes="private note")
    with CaptureQueriesContext(connection) as queries:
        data = scenario.data(sections=[*DEFAULT_SECTIONS, ExportSection.NOTES])
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"diary_entry"."notes"' in sql
    assert data.include_notes
    assert data.has(ExportSection.NOTES)
    assert data.days[scenario.start + ONE_DAY].notes == "private note"
    assert data.days[scenario.start].notes == ""
    assert data.crashes[-1].notes == "private note"
    assert data.missed_doses[0].note == "private note"


# --- LDN ----------------------------------------------------------------------------


def test_dose_periods_follow_steps_pauses_and_restarts(patient):
    today = patient.local_today()
    start = today - days(99)
    course = TreatmentCourseFactory(user=patient, start_date=start - days(10))
    for offset, dose, reason in [
        (-10, "1.5", "start"),
        (20, "3.0", "planned_step"),
        (40, None, "pause"),
        (50, "1.5", "restart"),
        (120, "4.5", "planned_step"),  # after the range: not read
    ]:
        DoseChangeFactory(
            course=course,
            date=start + days(offset),
            dose_mg=Decimal(dose) if dose else None,
            reason=reason,
            time_of_day="" if dose is None else "bedtime",
        )
    data = report_data(
        user=patient, start=start, end=today - days(10), sections=DEFAULT_SECTIONS
    )
    (info,) = data.courses
    periods = [(p.start, p.end, p.status, p.dose_mg, p.dose_text) for p in info.periods]
    assert periods == [
        (
            start - days(10),
            start + days(19),
            "taking",
            Decimal("1.5"),
            "1.5 mg at bedtime",
        ),
        (
            start + days(20),
            start + days(39),
            "taking",
            Decimal("3.0"),
            "3 mg at bedtime",
        ),
        (start + days(40), start + days(49), "paused", None, "Paused"),
        (start + days(50), None, "taking", Decimal("1.5"), "1.5 mg at bedtime"),
    ]
    assert data.dose_as_of == today - days(10)
    assert data.current_dose.dose_mg == Decimal("1.5")
    assert data.days == {}


def test_a_course_stopped_before_the_range_is_left_out(patient):
    today = patient.local_today()
    course = TreatmentCourseFactory(user=patient, start_date=today - days(200))
    DoseChangeFactory(course=course, date=course.start_date)
    DoseChangeFactory(
        course=course, date=today - days(100), dose_mg=None, reason="stop"
    )
    data = report_data(
        user=patient, start=today - days(30), end=today, sections=DEFAULT_SECTIONS
    )
    assert data.courses == ()
    assert data.ldn_start is None
    assert data.current_dose.status == "stopped"


# --- Charts and analysis ------------------------------------------------------------


def test_chart_rolling_mean_uses_only_days_in_the_range(patient):
    symptom = TrackedSymptomFactory(user=patient, symptom__name="Fatigue").symptom
    today = patient.local_today()
    start = today - days(9)
    for offset in range(1, 7):  # six days of 10 just before the range
        entry = EntryFactory(user=patient, date=start - days(offset))
        SymptomScoreFactory(entry=entry, symptom=symptom, score=10)
    for offset in range(10):
        entry = EntryFactory(user=patient, date=start + days(offset))
        SymptomScoreFactory(entry=entry, symptom=symptom, score=2)

    data = report_data(user=patient, start=start, end=today, sections=DEFAULT_SECTIONS)
    (series,) = data.trends["series"]
    rolling = [point["y"] for point in series["rolling_mean"]]
    assert rolling[:3] == [None, None, None]  # fewer than 4 days in the range yet
    assert rolling[3:] == [2.0] * 7
    assert "summary" not in series


def test_weekly_table_counts_logged_days(patient):
    scenario = Scenario(patient)
    data = scenario.data()
    assert sum(week.days_in_range for week in data.periods) == 70
    assert sum(week.days_logged for week in data.periods) == data.days_logged
    fatigue = str(scenario.fatigue.uuid)
    fog = str(scenario.fog.uuid)
    assert sum(week.means[fatigue][1] for week in data.periods) == 9
    assert all(week.means[fog] == (None, 0) for week in data.periods)


def test_the_comparison_only_when_the_summary_or_the_analysis_is_chosen(patient):
    scenario = Scenario(patient)
    data = scenario.data(sections=[ExportSection.WEEKLY])
    assert data.comparison is None and data.core is None
    data = scenario.data(sections=[ExportSection.ANALYSIS])
    assert data.comparison is not None and data.core is None
    data = scenario.data(sections=[ExportSection.SUMMARY])
    assert data.comparison is not None and data.core is not None


def test_the_comparison_is_the_one_of_the_analysis_page_whatever_the_range(patient):
    """The windows come from the course history: a range that starts after the
    LDN start (here 20 days after it) still carries the same comparison."""
    scenario = Scenario(patient)
    full = scenario.data(sections=ALL_SECTIONS)
    late = report_data(
        user=patient,
        start=scenario.start + days(50),
        end=scenario.end,
        sections=ALL_SECTIONS,
    )
    cache.clear()
    fresh = comparison_for_user(patient)
    for data in (full, late):
        assert data.comparison is not None
        assert data.comparison.to_dict() == fresh.to_dict()
        assert data.core is not None
        assert data.core.ldn_start == scenario.start + days(30)
    windows = late.comparison.windows
    assert windows.baseline.end == scenario.start + days(29)
    assert windows.baseline.start == scenario.start + days(30) - days(56)


def test_without_a_course_the_core_figures_say_so_once(patient):
    today = patient.local_today()
    data = report_data(
        user=patient, start=today - days(60), end=today, sections=ALL_SECTIONS
    )
    assert data.comparison is not None and data.comparison.status == "no_course"
    assert data.core is not None and "No LDN course" in data.core.message


def test_other_medicines_reach_back_to_the_baseline(patient):
    scenario = Scenario(patient)
    ldn_start = scenario.start + days(30)
    MedicationFactory(
        user=patient,
        name="Magnesium",
        start_date=ldn_start - days(300),
        stop_date=ldn_start - days(20),
    )
    MedicationFactory(
        user=patient, name="Long gone", start_date=None, stop_date=ldn_start - days(90)
    )
    data = report_data(
        user=patient,
        start=scenario.start + days(50),
        end=scenario.end,
        sections=ALL_SECTIONS,
    )
    assert [m.name for m in data.medications] == ["Magnesium"]
    magnesium = data.core.medicines[0]
    assert magnesium.in_window == "stopped during the baseline"


# --- Bad input ----------------------------------------------------------------------


def test_a_range_ending_before_it_starts_is_refused(patient):
    today = patient.local_today()
    with pytest.raises(ValueError, match="ends before"):
        report_data(user=patient, start=today, end=today - ONE_DAY, sections=[])


def test_an_unknown_section_is_refused(patient):
    today = patient.local_today()
    with pytest.raises(ValueError, match="email"):
        report_data(user=patient, start=today, end=today, sections=["email"])


# --- Queries ------------------------------------------------------------------------


def make_history(user, length: int) -> tuple[datetime.date, datetime.date]:
    """``length`` days ending today: scores for three symptoms on four days in
    five, a course starting half-way with weekly steps, a side effect and a missed
    dose a week, a crash every three weeks. Returns the range."""
    today = user.local_today()
    start = today - days(length - 1)
    symptoms = [
        TrackedSymptomFactory(user=user, symptom__name=f"S{i}").symptom
        for i in range(3)
    ]
    entries = Entry.objects.bulk_create(
        [
            Entry(user=user, date=start + days(i), notes=f"day {i}", sleep_hours=7)
            for i in range(length)
            if i % 5 != 4
        ]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(entry=e, symptom=s, score=(i + j) % 11)
            for i, e in enumerate(entries)
            for j, s in enumerate(symptoms)
        ]
    )
    course = TreatmentCourseFactory(user=user, start_date=start + days(length // 2))
    weeks = range((today - course.start_date).days // 7 + 1)
    DoseChange.objects.bulk_create(
        [
            DoseChange(
                course=course,
                date=course.start_date + days(7 * k),
                dose_mg=Decimal("0.5") * (k % 9 + 1),
                reason="start" if k == 0 else "planned_step",
            )
            for k in weeks
        ]
    )
    SideEffect.objects.bulk_create(
        [
            SideEffect(
                course=course,
                date=course.start_date + days(7 * k + 1),
                kind="insomnia",
                severity=1,
            )
            for k in weeks
            if course.start_date + days(7 * k + 1) <= today
        ]
    )
    MissedDose.objects.bulk_create(
        [
            MissedDose(course=course, date=course.start_date + days(7 * k + 2))
            for k in weeks
            if course.start_date + days(7 * k + 2) <= today
        ]
    )
    Crash.objects.bulk_create(
        [
            Crash(
                user=user,
                start_date=start + days(21 * k),
                end_date=start + days(21 * k + 2),
                severity=2,
            )
            for k in range(length // 21)
        ]
    )
    return start, today


def test_query_count_is_the_same_for_30_days_and_2_years(django_assert_num_queries):
    short_user = UserFactory()
    long_user = UserFactory()
    short_range = make_history(short_user, 30)
    long_range = make_history(long_user, 731)

    cache.clear()  # both gather the comparison afresh
    with CaptureQueriesContext(connection) as short_queries:
        short = report_data(
            user=short_user,
            start=short_range[0],
            end=short_range[1],
            sections=ALL_SECTIONS,
        )
    assert short.comparison is not None  # every part was gathered
    cache.clear()
    with django_assert_num_queries(len(short_queries.captured_queries)):
        long = report_data(
            user=long_user,
            start=long_range[0],
            end=long_range[1],
            sections=ALL_SECTIONS,
        )
    assert long.comparison is not None
    assert long.scores_count > 20 * short.scores_count
    assert TrackedSymptom.objects.for_user(long_user).count() == 3
