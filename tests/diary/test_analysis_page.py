"""The before/after analysis page: personas, the numbers shown, "not enough data",
the caveat beside every result, bad parameters and a fixed number of queries."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from diary.analysis import CAUSATION_CAVEAT
from diary.models import TrackedSymptom
from tests.diary.test_before_after import (
    NOW,
    TODAY,
    ago,
    days_between,
    log,
    make_patient,
    start_ldn,
    tracked_symptoms,
)
from tests.factories import (
    CrashFactory,
    SymptomFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("diary:analysis")


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def symptom_sections(html: str) -> list[str]:
    return html.split('data-testid="symptom-result"')[1:]


def with_history(user, before=6, after=4, before_days=20, after_days=20):
    """LDN started 60 days ago; the first tracked symptom scored ``before`` on the
    last ``before_days`` days before it and ``after`` on the last ``after_days``
    days up to today."""
    fatigue = tracked_symptoms(user)[0]
    start_ldn(user, days_ago=60)
    log(user, fatigue, days_between(ago(60 + before_days), ago(61)), before)
    log(user, fatigue, days_between(ago(after_days - 1), TODAY), after)
    return fatigue


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    assert match, f"no error shown for {field}"
    return match.group(1)


# --- Personas -----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(anon_client):
    response = anon_client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_owner_sees_the_comparison(alice, alice_client):
    with_history(alice)

    html = page(alice_client)

    assert 'data-testid="comparison-table"' in html
    assert 'data-testid="not-medical-advice-prominent"' in html


def test_without_a_course_the_page_says_so_and_links_to_adding_one(alice, alice_client):
    html = page(alice_client)

    assert 'data-testid="no-course"' in html
    assert reverse("diary:course-create") in html
    assert 'data-testid="symptom-result"' not in html
    assert 'data-testid="not-medical-advice-prominent"' in html


def test_bob_sees_no_course_although_alice_has_one(alice, bob, bob_client):
    with_history(alice)

    html = page(bob_client)

    assert 'data-testid="no-course"' in html
    assert "6.0" not in html


def test_bob_sees_only_his_own_scores(alice, bob, bob_client):
    with_history(alice)
    start_ldn(bob, days_ago=60)

    html = page(bob_client)

    assert 'data-testid="comparison-table"' not in html
    assert "Logged days before LDN: 0." in html
    assert "6.0" not in html and "-2.0" not in html


def test_post_is_not_allowed(alice, alice_client):
    assert alice_client.post(URL).status_code == 405


# --- Numbers ------------------------------------------------------------------------


def test_constant_scores_show_the_hand_worked_numbers(alice, alice_client):
    with_history(alice, before=6, after=4)

    section = symptom_sections(page(alice_client))[0]

    assert re.search(r'data-testid="baseline-mean">6\.0<', section)
    assert re.search(r'data-testid="comparison-mean">4\.0<', section)
    assert re.search(r'data-testid="baseline-median">6\.0<', section)
    assert re.search(r'data-testid="baseline-days">20<', section)
    assert re.search(r'data-testid="comparison-days">20<', section)
    assert "<strong>-2.0</strong>" in section
    assert "95% interval -2.0 to -2.0" in section
    assert "lower (milder)" in section
    assert "does not include 0" in section


def test_a_rise_is_shown_with_a_plus_sign(alice, alice_client):
    with_history(alice, before=3, after=5)

    section = symptom_sections(page(alice_client))[0]

    assert "<strong>+2.0</strong>" in section
    assert "higher (worse)" in section


def test_missing_days_do_not_change_the_means(alice, alice_client):
    with_history(alice, before=6, after=4, before_days=30, after_days=30)
    alice.entries.filter(date__in=days_between(ago(85), ago(76))).delete()
    alice.entries.filter(date__in=days_between(ago(20), ago(11))).delete()

    section = symptom_sections(page(alice_client))[0]

    assert re.search(r'data-testid="baseline-days">20<', section)
    assert re.search(r'data-testid="baseline-mean">6\.0<', section)
    assert re.search(r'data-testid="comparison-mean">4\.0<', section)
    assert "<strong>-2.0</strong>" in section


def test_13_logged_days_shows_not_enough_data_and_no_numbers(alice, alice_client):
    with_history(alice, before=6, after=4, before_days=13, after_days=30)

    html = page(alice_client)
    section = symptom_sections(html)[0]

    assert 'data-testid="not-enough-data"' in section
    assert "Logged days before LDN: 13." in section
    assert "Logged days in the comparison period: 30." in section
    assert "At least 14 logged days are needed on each side" in section
    assert 'data-testid="comparison-table"' not in html
    assert "6.0" not in html and "4.0" not in html and "-2.0" not in html


def test_14_logged_days_shows_the_numbers(alice, alice_client):
    with_history(alice, before=6, after=4, before_days=14, after_days=14)

    section = symptom_sections(page(alice_client))[0]

    assert 'data-testid="not-enough-data"' not in section
    assert "<strong>-2.0</strong>" in section


def test_crash_days_per_30_logged_days(alice, alice_client):
    with_history(alice, before_days=20, after_days=30)
    CrashFactory(user=alice, start_date=ago(81), end_date=ago(77))  # 4 logged days
    CrashFactory(user=alice, start_date=ago(20), end_date=ago(18))  # 3 logged days

    section = symptom_sections(page(alice_client))[0]

    assert re.search(r'data-testid="baseline-crash-rate">6\.0<', section)
    assert "4 of 20 logged days" in section
    assert re.search(r'data-testid="comparison-crash-rate">3\.0<', section)
    assert "3 of 30 logged days" in section


def test_mean_by_dose_step_table(alice, alice_client):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(
        alice, days_ago=60, doses=[(60, "1.5", "start"), (30, "3.0", "planned_step")]
    )
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(55), ago(31)), 5)
    log(alice, fatigue, days_between(ago(30), TODAY), 3)

    section = symptom_sections(page(alice_client))[0]
    table = section.split('data-testid="dose-steps"')[1].split("</table>")[0]

    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    assert "1.5 mg" in rows[0] and '<td class="num">25</td>' in rows[0]
    assert '<td class="num">5.0</td>' in rows[0]
    assert "3 mg" in rows[1] and '<td class="num">31</td>' in rows[1]
    assert '<td class="num">3.0</td>' in rows[1]


def test_current_dose_comparison_uses_the_window_from_the_latest_dose(
    alice, alice_client
):
    fatigue = tracked_symptoms(alice)[0]
    start_ldn(
        alice, days_ago=60, doses=[(60, "1.5", "start"), (20, "3.0", "planned_step")]
    )
    log(alice, fatigue, days_between(ago(80), ago(61)), 6)
    log(alice, fatigue, days_between(ago(40), ago(21)), 9)  # at 1.5 mg
    log(alice, fatigue, days_between(ago(19), TODAY), 4)  # at 3 mg, minus one day

    section = symptom_sections(page(alice_client, comparison="current_dose"))[0]
    windows = page(alice_client, comparison="current_dose").split(
        'data-testid="windows"'
    )[1]

    assert re.search(r'data-testid="comparison-days">20<', section)
    assert re.search(r'data-testid="comparison-mean">4\.0<', section)
    assert "<strong>-2.0</strong>" in section
    assert ago(20).strftime("%a %-d %b %Y") in windows
    assert "(at 3 mg)" in windows


def test_custom_dates_are_used_and_kept_in_the_form(alice, alice_client):
    with_history(alice, before=6, after=4, after_days=40)

    html = page(
        alice_client,
        comparison="custom",
        start=ago(39).isoformat(),
        end=ago(20).isoformat(),
    )

    assert f'value="{ago(39).isoformat()}"' in html
    assert re.search(r'data-testid="comparison-days">20<', symptom_sections(html)[0])


def test_young_course_note_is_shown(alice, alice_client):
    start_ldn(alice, days_ago=20)

    html = page(alice_client)

    assert "LDN started less than 8 weeks ago" in html


# --- The caveat beside every result -------------------------------------------------


def test_the_caveat_is_beside_every_symptom_result(alice, alice_client):
    with_history(alice)  # one symptom with numbers, the others without enough data

    html = page(alice_client)
    sections = symptom_sections(html)

    assert len(sections) == TrackedSymptom.objects.for_user(alice).active().count()
    for section in sections:
        assert 'data-testid="causation-caveat"' in section
        assert escape(CAUSATION_CAVEAT) in section
    assert "If the interval includes 0, the data cannot tell a change" in html
    assert "A negative difference means lower scores" in html
    assert 'data-testid="method"' in html


def test_a_symptom_name_with_html_is_escaped(alice, alice_client):
    TrackedSymptomFactory(
        user=alice,
        symptom=SymptomFactory(owner=alice, name="<script>alert(1)</script>"),
        position=99,
    )
    start_ldn(alice)

    html = page(alice_client)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_without_tracked_symptoms_the_page_says_so(alice, alice_client):
    TrackedSymptom.objects.for_user(alice).update(archived_at=NOW)
    start_ldn(alice)

    html = page(alice_client)

    assert 'data-testid="no-symptoms"' in html
    assert reverse("diary:symptom-list") in html


# --- Bad parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"comparison": "bogus"}, "comparison", "Comparison period"),
        ({"baseline_weeks": "0"}, "baseline_weeks", "Weeks before LDN"),
        ({"baseline_weeks": "53"}, "baseline_weeks", "Weeks before LDN"),
        ({"baseline_weeks": "eight"}, "baseline_weeks", "Weeks before LDN"),
        ({"baseline_weeks": "1e9"}, "baseline_weeks", "Weeks before LDN"),
        (
            {"comparison": "custom", "start": "2026-03-16", "end": "2026-03-16"},
            "start",
            "Comparison start",
        ),
        (
            {"comparison": "custom", "start": "2026-03-01", "end": "2026-03-16"},
            "end",
            "Comparison end",
        ),
        (
            {"comparison": "custom", "start": "2026-03-10", "end": "2026-03-01"},
            "end",
            "Comparison end",
        ),
        (
            {"comparison": "custom", "start": "31/02/2026", "end": "2026-03-01"},
            "start",
            "Comparison start",
        ),
        ({"comparison": "custom", "end": "2026-03-01"}, "start", "Comparison start"),
        ({"comparison": "custom", "start": "99999-01-01"}, "start", "Comparison start"),
        # Starts before the LDN start (60 days ago): checked by the service.
        (
            {"comparison": "custom", "start": "2026-01-01", "end": "2026-03-01"},
            "start",
            "LDN start date (2026-01-14)",
        ),
    ],
)
def test_bad_parameters_show_an_error_naming_the_field(
    alice, alice_client, params, field, words
):
    with_history(alice)

    html = page(alice_client, **params)

    assert words in field_error(html, field)
    assert 'data-testid="form-errors"' in html
    assert 'data-testid="symptom-result"' not in html


def test_bad_input_is_kept_in_the_form_and_escaped(alice, alice_client):
    with_history(alice)

    html = page(alice_client, baseline_weeks='"><script>x</script>')

    assert "<script>x</script>" not in html
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in html
    assert field_error(html, "baseline_weeks")


def test_current_dose_without_a_recorded_dose_is_an_error_on_comparison(
    alice, alice_client
):
    TreatmentCourseFactory(user=alice, start_date=ago(60))

    html = page(alice_client, comparison="current_dose")

    assert "no dose has been recorded" in field_error(html, "comparison")


def test_huge_baseline_with_an_ancient_course_does_not_crash(alice, alice_client):
    TreatmentCourseFactory(user=alice, start_date=datetime.date(1, 1, 2))

    html = page(alice_client, baseline_weeks="52")

    assert 'data-testid="symptom-result"' in html


def test_a_course_starting_on_the_first_possible_day_shows_an_error(
    alice, alice_client
):
    TreatmentCourseFactory(user=alice, start_date=datetime.date.min)

    html = page(alice_client)

    assert "leaves no days before it" in html
    assert 'data-testid="symptom-result"' not in html


# --- Queries ------------------------------------------------------------------------


PAGE_QUERIES = 8  # session, user, then the six queries of the report


@pytest.mark.parametrize(("symptoms", "days"), [(3, 60), (10, 730)])
def test_page_query_count_does_not_grow_with_days_or_symptoms(
    django_assert_num_queries, symptoms, days
):
    user = make_patient(symptoms=symptoms, days=days)
    client = Client()
    client.force_login(user)

    with django_assert_num_queries(PAGE_QUERIES):
        html = page(client)

    assert len(symptom_sections(html)) == symptoms
