"""/api/v1/analysis/ and /api/v1/analysis/primary-outcome/: the same figures as
the analysis page, the disclaimer, personas and bad input."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import services
from diary.comparison import comparison_for_user
from diary.models import PrimaryOutcomeChoice
from tests.diary.comparison_data import NOW, frozen, log, start_ldn, tracked

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
__all__ = ["frozen"]

ANALYSIS = reverse("api:analysis")
PRIMARY = reverse("api:analysis-primary-outcome")
PAGE = reverse("diary:analysis")


def with_history(user):
    start_ldn(user, days_ago=120)
    log(user, 176, 121, lambda i: (6, 4, 5)[i % 3], function=30)
    log(user, 55, 0, lambda i: (4, 2, 3)[i % 3], function=40)


def test_anonymous_gets_401(anon_api):
    assert anon_api.get(ANALYSIS).status_code == 401
    assert anon_api.post(PRIMARY, {"primary_outcome": "function"}).status_code == 401


def test_without_a_course_the_api_says_so_with_the_disclaimer(alice, alice_api):
    body = alice_api.get(ANALYSIS).json()

    assert body["status"] == "no_course"
    assert "not medical advice" in body["disclaimer"].lower()
    assert "cannot show that LDN caused" in body["disclaimer"]


def test_owner_gets_the_comparison_as_the_page_shows_it(alice, alice_api, alice_client):
    with_history(alice)
    fatigue = tracked(alice)[0]
    assert (
        alice_api.post(
            PRIMARY, {"primary_outcome": f"symptom:{fatigue.uuid}"}, format="json"
        ).status_code
        == 201
    )

    body = alice_api.get(ANALYSIS).json()
    html = alice_client.get(PAGE).content.decode()

    assert body == {
        "disclaimer": body["disclaimer"],
        **comparison_for_user(alice).to_dict(),
    }
    primary = body["outcomes"][0]
    assert primary["key"] == f"symptom:{fatigue.uuid}" and primary["primary"]
    assert all(o["exploratory"] for o in body["outcomes"][1:])
    assert body["windows"]["baseline"]["days"] == 56
    assert primary["baseline"]["logged_days"] == 56
    # The page shows the same rounded figures.
    section = html.split('data-testid="primary-result"')[1].split("</section>")[0]
    shown = re.search(r'data-testid="difference">([^<]+)<', section).group(1)
    assert float(shown) == round(primary["difference"], 1)
    low, high = primary["interval"]
    assert f"approximate interval {low:.1f} to {high:.1f}" in section
    assert primary["coverage_text"] in section


def test_primary_outcome_is_recorded_with_its_time(alice, alice_api):
    response = alice_api.post(PRIMARY, {"primary_outcome": "hours_upright"})

    assert response.status_code == 201
    assert response.json()["primary_outcome"] == "hours_upright"
    choice = PrimaryOutcomeChoice.objects.get(user=alice)
    assert choice.chosen_at == NOW


def test_bob_cannot_choose_alices_symptom_nor_read_her_comparison(alice, bob, bob_api):
    with_history(alice)
    own = services.symptom_create_own(user=alice, name="Alice's private symptom")

    response = bob_api.post(PRIMARY, {"primary_outcome": f"symptom:{own.uuid}"})

    assert response.status_code == 400
    assert "primary_outcome" in response.json()["errors"]
    body = bob_api.get(ANALYSIS).json()
    assert body["status"] == "no_course" and "Alice" not in str(body)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"baseline_weeks": "abc"}, "baseline_weeks"),
        ({"baseline_weeks": "1"}, "baseline_weeks"),
        ({"baseline_weeks": ""}, "baseline_weeks"),
        ({"on_weeks": "99"}, "on_weeks"),
        ({"comparison": "custom"}, "comparison"),
        ({"start": "2026-01-01"}, "start"),
    ],
)
def test_bad_parameters_are_400_naming_them(alice, alice_api, params, field):
    response = alice_api.get(ANALYSIS, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"primary_outcome": ""},
        {"primary_outcome": "x" * 100},
        {"primary_outcome": ["function"]},
        {"primary_outcome": "symptom:nope"},
    ],
)
def test_bad_primary_outcome_is_400_naming_the_field(alice, alice_api, payload):
    response = alice_api.post(PRIMARY, payload, format="json")

    assert response.status_code == 400
    assert "primary_outcome" in response.json()["errors"]
    assert not PrimaryOutcomeChoice.objects.exists()


def test_query_count_does_not_grow_with_the_diary(alice, bob, alice_api, bob_api):
    start_ldn(alice, days_ago=120)
    log(alice, 130, 121, 5)
    log(alice, 20, 0, 3)
    with_history(bob)

    with CaptureQueriesContext(connection) as small:
        assert alice_api.get(ANALYSIS).status_code == 200
    with CaptureQueriesContext(connection) as large:
        assert bob_api.get(ANALYSIS).status_code == 200

    assert len(small) == len(large) <= 14
