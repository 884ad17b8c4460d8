"""The before/after analysis page: personas, the caveat once, the primary outcome
first, the others folded, bad input, and a fixed number of queries."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from diary.comparison import comparison_for_user, text
from diary.models import PrimaryOutcomeChoice
from tests.diary.comparison_data import NOW, ago, frozen, log, start_ldn, tracked
from tests.factories import MedicationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
__all__ = ["frozen"]

URL = reverse("diary:analysis")


def with_history(user, *, every=1):
    """LDN started 120 days ago at 4.5 mg; 8 weeks of baseline scored 6,4,5 and
    the last 8 weeks scored 4,2,3; function 30 before and 40 on LDN."""
    start_ldn(user, days_ago=120)
    log(user, 120 + 56, 121, lambda i: (6, 4, 5)[i % 3], function=30, every=every)
    log(user, 55, 0, lambda i: (4, 2, 3)[i % 3], function=40, every=every)


def test_anonymous_visitor_is_sent_to_log_in(anon_client):
    response = anon_client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_owner_sees_caveat_once_then_outcomes_with_day_counts(alice, alice_client):
    with_history(alice)

    response = alice_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="causation-caveat"') == 1
    assert escape(str(text.CAUSATION_CAVEAT)) in html
    assert 'data-testid="not-medical-advice-prominent"' in html
    # No primary outcome yet: the page asks for one; every outcome is folded.
    assert 'data-testid="no-primary"' in html
    assert html.count("<details") == len(tracked(alice)) + 2
    assert "56 of 56 days logged" in html
    assert escape(str(text.MULTIPLICITY)) in html
    # The interval is called approximate with its measured coverage, never a
    # bare "95% interval".
    assert "95% interval" not in html
    assert "approximate interval" in html and "of the time" in html


def test_primary_outcome_is_recorded_with_its_time_and_shown_first(alice, alice_client):
    with_history(alice)
    fatigue = tracked(alice)[0]

    response = alice_client.post(URL, {"primary_outcome": f"symptom:{fatigue.uuid}"})

    assert response.status_code == 302
    choice = PrimaryOutcomeChoice.objects.get(user=alice)
    assert choice.symptom == fatigue and choice.chosen_at == NOW
    html = alice_client.get(URL).content.decode()
    primary = html.split('data-testid="primary-result"')[1].split("</section>")[0]
    assert escape(fatigue.name) in primary
    assert "chosen 15 Mar 2026" in primary
    assert "after the LDN start" in primary
    comparison = comparison_for_user(alice)
    assert comparison.primary.key == f"symptom:{fatigue.uuid}"
    shown = re.search(r'data-testid="difference">([^<]+)<', primary).group(1)
    assert float(shown) == round(comparison.primary.difference, 1)
    # Function is an exploratory outcome now, folded.
    assert html.count("<details") == len(tracked(alice)) + 1


def test_function_can_be_the_primary_outcome(alice, alice_client):
    with_history(alice)

    alice_client.post(URL, {"primary_outcome": "function"})

    primary = comparison_for_user(alice).primary
    assert primary.key == "function"
    assert primary.baseline.mean == 30 and primary.on_ldn.mean == 40


@pytest.mark.parametrize(
    "value",
    [
        "",
        "sleep",
        "symptom:not-a-uuid",
        "symptom:00000000-0000-0000-0000-000000000000",
        "<script>alert(1)</script>",
        "x" * 5000,
    ],
)
def test_a_bad_primary_outcome_is_refused_naming_the_field(alice, alice_client, value):
    with_history(alice)

    response = alice_client.post(URL, {"primary_outcome": value})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Primary outcome:" in html
    assert "<script>alert(1)</script>" not in html
    assert not PrimaryOutcomeChoice.objects.exists()


def test_bob_cannot_choose_alices_symptom_nor_see_her_numbers(alice, bob, bob_client):
    with_history(alice)
    own = __import__("diary.services", fromlist=["x"]).symptom_create_own(
        user=alice, name="Alice's private symptom"
    )

    response = bob_client.post(URL, {"primary_outcome": f"symptom:{own.uuid}"})

    assert response.status_code == 400
    assert not PrimaryOutcomeChoice.objects.exists()
    html = bob_client.get(URL).content.decode()
    assert 'data-testid="no-course"' in html
    assert "Alice" not in html and "56 of 56" not in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"baseline_weeks": "abc"}, "baseline_weeks", "Weeks before LDN:"),
        ({"baseline_weeks": "1"}, "baseline_weeks", "Weeks before LDN:"),
        ({"on_weeks": "53"}, "on_weeks", "Weeks on LDN:"),
        ({"on_weeks": "1e9"}, "on_weeks", "Weeks on LDN:"),
    ],
)
def test_bad_window_lengths_are_400_naming_the_field_and_keep_the_input(
    alice, alice_client, params, field, message
):
    with_history(alice)

    response = alice_client.get(URL, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'value="{params[field]}"' in html


def test_patient_chosen_window_lengths(alice, alice_client):
    with_history(alice)

    html = alice_client.get(URL, {"baseline_weeks": 4, "on_weeks": 2}).content.decode()

    assert "28 of 28 days logged" in html and "14 of 14 days logged" in html


def test_query_count_does_not_grow_with_the_diary(
    alice, bob, alice_client, bob_client, django_assert_num_queries
):
    with_history(alice, every=7)
    with_history(bob)
    for user in (alice, bob):
        user.primary_outcome_choices.create(outcome="function")

    with django_assert_num_queries(11) as small:
        assert alice_client.get(URL).status_code == 200
    with django_assert_num_queries(len(small.captured_queries)):
        assert bob_client.get(URL).status_code == 200


def test_hostile_names_are_shown_as_text(alice, alice_client):
    with_history(alice)
    MedicationFactory(
        user=alice, name="<img src=x onerror=alert(1)>", stop_date=ago(130)
    )

    html = alice_client.get(URL).content.decode()

    assert "<img src=x" not in html
    assert escape("<img src=x onerror=alert(1)>") in html


def test_without_anything_logged_before_ldn_the_page_says_so_once(alice, alice_client):
    start_ldn(alice, days_ago=30)
    log(alice, 29, 0, 3)

    html = alice_client.get(URL).content.decode()

    assert html.count('data-testid="no-baseline-data"') == 1
    assert 'data-testid="primary-result"' not in html


def test_a_course_that_has_not_started_is_said(alice, alice_client):
    start_ldn(alice, days_ago=-10)

    html = alice_client.get(URL).content.decode()

    assert 'data-testid="not-started"' in html
    assert "25 Mar 2026" in html
