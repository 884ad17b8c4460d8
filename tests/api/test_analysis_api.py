"""/api/v1/trends/ and /api/v1/analysis/: the same data as the web pages, with
the not-medical-advice disclaimer."""

import datetime
import json

import pytest
from django.urls import reverse

from diary import services
from diary.before_after import before_after_report
from diary.models import TrackedSymptom
from tests.factories import TreatmentCourseFactory

pytestmark = pytest.mark.django_db

TRENDS = reverse("api:trends")
ANALYSIS = reverse("api:analysis")


def log_days(user, days: int, score=5) -> None:
    symptoms = [t.symptom for t in TrackedSymptom.objects.for_user(user).active()]
    today = user.local_today()
    for n in range(days):
        services.entry_upsert(
            user=user,
            date=today - datetime.timedelta(days=n),
            scores={s.pk: (score + n) % 11 for s in symptoms},
            fields={},
        )


# ------------------------------------------------------------------------- trends


def test_owner_gets_the_trends_payload_with_a_disclaimer(alice, alice_api):
    log_days(alice, 10)
    response = alice_api.get(TRENDS, {"preset": "30"})
    assert response.status_code == 200
    body = response.json()
    assert "not medical advice" in body["disclaimer"].lower()
    assert body["range"]["days"] == 30
    assert body["resolution"] == "day"
    first = body["series"][0]
    logged = [p for p in first["points"] if p["y"] is not None]
    assert len(logged) == 10
    # Days not logged are gaps, never zeros.
    assert sum(1 for p in first["points"] if p["y"] is None) == 20


def test_the_api_returns_what_the_web_chart_gets(alice, alice_api, alice_client):
    log_days(alice, 20)
    params = {"start": str(alice.local_today() - datetime.timedelta(days=40))}
    api = alice_api.get(TRENDS, params).json()
    web = alice_client.get(reverse("diary:trends-data"), params).json()
    assert api == web


def test_other_user_gets_only_their_own_trends(alice, bob, bob_api):
    own = services.symptom_create_own(user=alice, name="Alice's private symptom")
    log_days(alice, 10)
    body = bob_api.get(TRENDS).json()
    assert all(s["name"] != own.name for s in body["series"])
    assert all(p["y"] is None for s in body["series"] for p in s["points"])
    assert "Alice" not in json.dumps(body)


def test_anonymous_gets_401(anon_api):
    assert anon_api.get(TRENDS).status_code == 401
    assert anon_api.get(ANALYSIS).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"preset": "7"}, "preset"),
        ({"start": "2026-02-30"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "9999-01-01"}, "start"),
        ({"start": "2020-05-01", "end": "2020-04-01"}, "end"),
        ({"start": "1900-01-01", "end": "2020-01-01"}, "start"),  # over 20 years
        ({"end": "2020-01-01"}, "start"),
    ],
)
def test_bad_trends_parameters_are_400_naming_them(alice_api, params, field):
    response = alice_api.get(TRENDS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


# ----------------------------------------------------------------------- analysis


def test_without_a_course_the_report_says_so_with_the_disclaimer(alice, alice_api):
    response = alice_api.get(ANALYSIS)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "no_course"
    assert "not medical advice" in body["disclaimer"].lower()


def test_owner_gets_the_before_after_report(alice, alice_api):
    today = alice.local_today()
    TreatmentCourseFactory(user=alice, start_date=today - datetime.timedelta(days=60))
    log_days(alice, 120)
    response = alice_api.get(ANALYSIS, {"baseline_weeks": "8"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["disclaimer"]
    assert body["symptoms"]
    expected = before_after_report(user=alice, baseline_weeks=8)
    assert body == json.loads(json.dumps(expected))


def test_other_user_does_not_see_alices_analysis(alice, bob, bob_api):
    TreatmentCourseFactory(
        user=alice, start_date=alice.local_today() - datetime.timedelta(days=60)
    )
    log_days(alice, 100)
    body = bob_api.get(ANALYSIS).json()
    assert body["status"] == "no_course"
    assert body["course"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"comparison": "forever"}, "comparison"),
        ({"baseline_weeks": "1"}, "baseline_weeks"),
        ({"baseline_weeks": "53"}, "baseline_weeks"),
        ({"baseline_weeks": "abc"}, "baseline_weeks"),
        ({"baseline_weeks": "9" * 400}, "baseline_weeks"),
        ({"comparison": "custom", "end": "2026-01-01"}, "start"),
        ({"comparison": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"comparison": "custom", "start": "2026-01-01", "end": "9999-01-01"}, "end"),
        ({"comparison": "custom", "start": "2026-01-05", "end": "2026-01-01"}, "end"),
    ],
)
def test_bad_analysis_parameters_are_400_naming_them(alice, alice_api, params, field):
    TreatmentCourseFactory(
        user=alice, start_date=alice.local_today() - datetime.timedelta(days=60)
    )
    response = alice_api.get(ANALYSIS, params)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


def test_a_comparison_before_the_ldn_start_is_400_from_the_report(alice, alice_api):
    start = alice.local_today() - datetime.timedelta(days=30)
    TreatmentCourseFactory(user=alice, start_date=start)
    response = alice_api.get(
        ANALYSIS,
        {
            "comparison": "custom",
            "start": str(start - datetime.timedelta(days=20)),
            "end": str(start - datetime.timedelta(days=1)),
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"]
