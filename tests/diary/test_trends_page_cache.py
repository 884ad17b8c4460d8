"""The trends page around the symptom toggles is cached per user, diary change,
range, preset, day and language: a repeat view is the same page from the cache,
a write or a new choice of symptoms makes it fresh, and one patient never sees
another's."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from diary import services
from diary.models import TrackedSymptom
from tests.diary.test_trends_payload import make_history, track_symptoms
from tests.factories import TreatmentCourseFactory

pytestmark = pytest.mark.django_db

TRENDS = reverse("diary:trends")
PREFERENCES = reverse("diary:trends-preferences")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def view(client, params, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(TRENDS, params, **headers)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def without_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def summary(page: str) -> list[str]:
    block = page.split('data-testid="trends-summary">')[1].split("</ul>")[0]
    return re.findall(r">([^<]+)</li>", block)


def test_a_repeat_view_is_the_same_page_from_the_cache(alice, alice_client):
    track_symptoms(alice, 3)
    make_history(alice, 40)
    for preset in ("90", "365", "all"):
        first, cold = view(alice_client, {"preset": preset})
        again, warm = view(alice_client, {"preset": preset})
        assert without_token(again) == without_token(first)
        # The session, the user, the catalogue's fingerprint. The payload, the
        # first entry's day ("all"), the overlay and the page are cache reads.
        assert warm == 3
        assert warm < cold
    # The toggles' form has this view's CSRF token (as the log-out form has).
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', again)
    old = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first)
    assert len(tokens) == 2
    assert len(set(tokens)) == 1
    assert set(tokens) != set(old)


def test_a_write_makes_the_next_view_fresh(alice, alice_client):
    symptoms = track_symptoms(alice, 2)
    make_history(alice, 30, score=8)
    before, _ = view(alice_client, {"preset": "90"})
    services.entry_upsert(
        user=alice, date=alice.local_today(), scores={symptoms[0].pk: 0}, fields={}
    )
    alice.refresh_from_db()
    after, _ = view(alice_client, {"preset": "90"})
    assert summary(after) != summary(before)


def test_a_new_choice_of_symptoms_shows_at_once(alice, alice_client):
    track_symptoms(alice, 3)
    make_history(alice, 10)
    uuids = [
        str(t.symptom.uuid) for t in TrackedSymptom.objects.for_user(alice).in_order()
    ]
    before, _ = view(alice_client, {"preset": "90"})
    assert f'<li data-symptom-uuid="{uuids[2]}">' in before
    alice_client.post(
        PREFERENCES, {"shown": uuids[:1], "offered": uuids, "preset": "90"}
    )
    after, _ = view(alice_client, {"preset": "90"})
    assert f'<li data-symptom-uuid="{uuids[2]}" hidden>' in after
    assert f'<details class="trends-table" data-symptom-uuid="{uuids[2]}"' in after


def test_two_patients_with_the_same_symptoms_see_their_own_page(
    alice, alice_client, bob, bob_client
):
    """Alice and Bob track the same default symptoms and view the same range; only
    Alice has logged anything or started LDN."""
    TreatmentCourseFactory(
        user=alice, start_date=alice.local_today() - datetime.timedelta(days=30)
    )
    make_history(alice, 30, score=7)
    alice_page, _ = view(alice_client, {"preset": "90"})
    alice_again, _ = view(alice_client, {"preset": "90"})
    bob_page, _ = view(bob_client, {"preset": "90"})
    assert without_token(alice_again) == without_token(alice_page)
    assert 'data-testid="trends-nothing-logged"' not in alice_page
    assert 'data-testid="trends-nothing-logged"' in bob_page
    assert summary(bob_page) != summary(alice_page)
    assert 'data-testid="overlay-no-ldn-start"' in bob_page
    assert 'data-testid="overlay-no-ldn-start"' not in alice_page
    assert f'data-user="{bob.pk}"' in bob_page
    assert f'data-user="{alice.pk}"' not in bob_page


def test_presets_with_the_same_dates_are_told_apart(alice, alice_client):
    """With 90 days of history "All" and "90 days" are the same dates; each page
    marks its own preset."""
    make_history(alice, 90)
    current = re.compile(r'<a class="preset is-current" href="[^"]*preset=(\w+)"')
    ninety, _ = view(alice_client, {"preset": "90"})
    everything, _ = view(alice_client, {"preset": "all"})
    assert current.findall(ninety) == ["90"]
    assert current.findall(everything) == ["all"]


def test_a_custom_range_and_its_preset_twin_are_told_apart(alice, alice_client):
    make_history(alice, 5)
    today = alice.local_today()
    start = today - datetime.timedelta(days=89)
    preset, _ = view(alice_client, {"preset": "90"})
    custom, _ = view(alice_client, {"start": start.isoformat()})
    assert '<details class="trends-custom">' in preset
    assert '<details class="trends-custom" open>' in custom
    assert "is-current" not in custom


def test_each_language_has_its_own_page(alice, alice_client, settings):
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    make_history(alice, 5)
    english, _ = view(alice_client, {"preset": "90"}, HTTP_ACCEPT_LANGUAGE="en")
    french, _ = view(alice_client, {"preset": "90"}, HTTP_ACCEPT_LANGUAGE="fr")
    again, _ = view(alice_client, {"preset": "90"}, HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("fr"):
        today_fr = date_format(alice.local_today(), "D j M Y")
    with translation.override("en"):
        today_en = date_format(alice.local_today(), "D j M Y")
    assert today_fr != today_en
    assert f"<strong>{today_en}</strong>" in english
    assert f"<strong>{today_fr}</strong>" in french
    assert f"<strong>{today_en}</strong>" not in french
    assert without_token(again) == without_token(english)


def test_errors_are_shown_and_never_cached(alice, alice_client):
    make_history(alice, 5)
    good, _ = view(alice_client, {"preset": "90"})
    bad, _ = view(alice_client, {"start": "2026-13-45"})
    assert 'data-testid="range-errors"' in bad
    again, _ = view(alice_client, {"preset": "90"})
    assert 'data-testid="range-errors"' not in again
    assert without_token(again) == without_token(good)
