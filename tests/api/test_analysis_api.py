"""/api/v1/trends/: the same data as the web chart, with the not-medical-advice
disclaimer. (/api/v1/analysis/ is tested in test_comparison_api.py.)"""

import datetime
import json

import pytest
from django.urls import reverse

from diary import services
from diary.models import TrackedSymptom

pytestmark = pytest.mark.django_db

TRENDS = reverse("api:trends")


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
