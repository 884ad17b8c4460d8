"""The trends page, its JSON and the API cost the same whatever the length of the
history: the page renders what is on screen, tables come on demand, long ranges
are added up by the database, the payload is cached per user, range and change
counter, and HTML and JSON are sent compressed."""

import gzip
import json
import re
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import rollups, services
from diary.trends import trends_payload
from diary.trends_cache import cache_key
from tests.api.conftest import bearer_client
from tests.diary.test_trends import make_big_user
from tests.diary.test_trends_payload import day, make_history, track_symptoms

pytestmark = pytest.mark.django_db

TRENDS = reverse("diary:trends")
DATA = reverse("diary:trends-data")
TABLE = reverse("diary:trends-table")
API_TRENDS = reverse("api:trends")


@pytest.fixture
def alice_api(alice):
    return bearer_client(alice)


def queries(client, url, params=None, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {}, **headers)
    assert response.status_code == 200, response.status_code
    return response, len(ctx.captured_queries)


def test_a_repeat_view_is_a_cache_read_and_a_write_makes_the_next_one_fresh(
    alice, alice_client
):
    symptoms = track_symptoms(alice, 3)
    make_history(alice, 20)
    first, cold = queries(alice_client, DATA, {"preset": "30"})
    again, warm = queries(alice_client, DATA, {"preset": "30"})
    assert warm == 2  # the session and the user: the payload is one cache read
    assert warm < cold
    assert again.json() == first.json()

    services.entry_upsert(
        user=alice, date=alice.local_today(), scores={symptoms[0].pk: 0}, fields={}
    )
    fresh, count = queries(alice_client, DATA, {"preset": "30"})
    assert count == cold
    assert fresh.json()["series"][0]["points"][-1]["y"] == 0


def test_the_cached_payload_is_the_computed_one(alice, alice_api, alice_client):
    track_symptoms(alice, 4)
    make_history(alice, 800, skip=lambda i: i % 5 == 0)
    today = alice.local_today()
    params = {"start": day(799, today).isoformat()}
    expected = json.loads(
        json.dumps(trends_payload(user=alice, start=day(799, today), end=today))
    )
    assert expected["resolution"] == "week"
    for _ in range(2):  # a miss, then a hit
        assert alice_client.get(DATA, params).json() == expected
        assert alice_api.get(API_TRENDS, params).json() == expected


def test_the_body_is_cached_once_compressed_and_served_either_way(alice, alice_api):
    """A miss keeps the body only gzipped (a ten-year one is a seventh of its
    JSON): a client that takes gzip gets it as stored, one that does not gets it
    unpacked, byte for byte what the miss sent."""
    track_symptoms(alice, 3)
    make_history(alice, 400)
    today = alice.local_today()
    start = day(399, today)
    params = {"start": start.isoformat()}
    cache.clear()
    built = alice_api.get(API_TRENDS, params)  # a miss, for a client without gzip
    stored = {
        part: cache.get(cache_key(alice, start, today, part))
        for part in ("json", "gzip", "meta")
    }
    assert stored["json"] is None
    assert stored["meta"]["range"]["start"] == start.isoformat()
    assert gzip.decompress(stored["gzip"]) == built.content
    packed = alice_api.get(API_TRENDS, params, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert packed.content == stored["gzip"]
    plain = alice_api.get(API_TRENDS, params)
    assert "Content-Encoding" not in plain
    assert plain.content == built.content


def test_the_page_does_not_grow_with_the_history():
    """Same symptoms, 90 days or ten years of history: the same queries and the
    page within a few bytes (dates and counts differ), with no rows in it."""
    short, long = make_big_user(90), make_big_user(10 * 365)
    for preset in ("90", "365", "all"):
        cache.clear()  # "all" of 90 days is the "90" range: compare misses
        pages = {}
        counts = set()
        for client in (short, long):
            response, count = queries(client, TRENDS, {"preset": preset})
            counts.add(count)
            pages[client] = response.content.decode()
        assert len(counts) == 1
        assert abs(len(pages[short]) - len(pages[long])) < 800
        for page in pages.values():
            assert "data-x=" not in page  # no table rows on the page
            assert 'id="trends-payload"' not in page  # nor the chart's points
    page = pages[long]
    assert len(page.encode()) < 100_000


def test_tables_load_on_demand_for_the_owner_only(alice, alice_client, bob):
    symptoms = track_symptoms(alice, 2)
    make_history(alice, 10)
    url = f"{TABLE}?preset=30&table={symptoms[0].uuid}"
    fragment = alice_client.get(url + "&fragment=1")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert fragment.content.decode().count("data-x=") == 30
    page = alice_client.get(url)
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "Not medical advice" in page.content.decode()

    bob_client = Client()
    bob_client.force_login(bob)
    own = services.symptom_create_own(user=alice, name="Alice's own")
    services.symptom_track(user=alice, symptom=own)
    assert alice_client.get(f"{TABLE}?table={own.uuid}").status_code == 200
    assert bob_client.get(f"{TABLE}?table={own.uuid}").status_code == 404
    assert bob_client.get(f"{TABLE}?table=not-a-uuid").status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert reverse("accounts:login") in anonymous.url


def test_a_bad_range_on_a_table_goes_back_to_the_chart(alice_client, alice):
    response = alice_client.get(f"{TABLE}?preset=7&table=events")
    assert response.status_code == 302
    assert response.url == TRENDS


# --- Compression -------------------------------------------------------------------


def test_html_is_sent_gzipped_to_browsers_that_accept_it(alice_client, alice):
    make_history(alice, 30)
    plain = alice_client.get(TRENDS)
    assert "Content-Encoding" not in plain
    packed = alice_client.get(TRENDS, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "<h1>Trends</h1>" in html
    assert len(packed.content) < len(plain.content) / 3


def test_ten_years_of_ten_symptoms_is_sent_gzipped_under_60_kb(alice, alice_api):
    track_symptoms(alice, 10)
    make_history(alice, 10 * 365)
    for _ in range(2):  # a miss, then a hit
        response = alice_api.get(
            API_TRENDS, {"preset": "all"}, HTTP_ACCEPT_ENCODING="gzip"
        )
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert len(response.content) <= 60_000
        payload = json.loads(gzip.decompress(response.content))
        assert payload["resolution"] == "month"
        assert len(payload["series"]) == 10
        # About 121 monthly points (10 years, partial months at both ends).
        assert all(120 <= len(s["points"]) <= 122 for s in payload["series"])
    plain = alice_api.get(API_TRENDS, {"preset": "all"})
    assert "Content-Encoding" not in plain
    assert plain.json() == payload


def test_api_json_is_compressed_by_the_middleware(alice, alice_api):
    make_history(alice, 60)
    response = alice_api.get(reverse("api:entry-list"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.content))
    assert len(body["results"]) == 50


def test_the_page_points_its_script_at_the_cached_payload(alice_client, alice):
    make_history(alice, 5)
    page = alice_client.get(TRENDS, {"preset": "30"}).content.decode()
    assert re.search(r'rel="preload" href="/trends/data/\?preset=30" as="fetch"', page)
    assert '<script id="trends-overlay" type="application/json">' in page


def test_the_scores_query_is_compiled_once_per_shape(alice):
    """A weekly or monthly chart runs SQL compiled once per connection and
    shape (resolution, with or without whole periods, number of symptoms),
    whatever its range, and answers as a freshly built query would."""
    from django.db import connections

    from diary import trends

    track_symptoms(alice, 3)
    make_history(alice, 9 * 365, skip=lambda i: i % 4 == 0)
    rollups.rebuild(user_id=alice.pk)
    today = alice.local_today()
    compiled = connections["default"].__dict__.setdefault("_prepared_selects", {})
    compiled.clear()
    firsts = [day(6 * 365 + k * 40, today) for k in range(5)]
    payloads = [trends_payload(user=alice, start=first, end=today) for first in firsts]
    assert {p["resolution"] for p in payloads} == {"month"}
    # One compiled query per shape, whatever the range: the tracked symptoms',
    # the scores' and the markers'.
    assert sorted(name for name, _n in compiled) == [
        "diary.trends.markers",
        "diary.trends.scores.month.1",
        "diary.trends.tracked",
    ]
    ids = [s["id"] for s in payloads[0]["series"]]
    for first in firsts:
        values, with_full = trends._score_rows_values(
            alice, ids, start=first, end=today, resolution="month"
        )
        assert with_full
        built = trends._score_rows_query("month", True, *values)
        days, sums = trends._load_scores(
            alice, ids, start=first, end=today, resolution="month"
        )
        assert sorted(
            [
                (0, sid, d.isoformat(), t, 1)
                for sid, v in days.items()
                for d, t in v.items()
            ]
            + [(1, sid, k, t, n) for sid, v in sums.items() for k, (t, n) in v.items()]
        ) == sorted((k, sid, d.isoformat(), t, n) for k, sid, d, t, n in built)
        assert len(sums) == len(days) == len(ids)


def test_the_cached_body_is_the_standard_librarys_json(alice, alice_api):
    """The body is encoded with orjson; byte for byte it is what
    ``json.dumps(ensure_ascii=False, separators=(",", ":"))`` writes, names in
    any script and markup included."""
    from tests.factories import SymptomFactory, TrackedSymptomFactory

    names = ["Brain fog 脑雾", '<b>Pain</b> & \u2028 "ache"', "Übelkeit ☕"]
    for name in names:
        TrackedSymptomFactory(
            user=alice, symptom=SymptomFactory(owner=alice, name=name)
        )
    make_history(alice, 400, skip=lambda i: i % 3 == 0)
    rollups.rebuild(user_id=alice.pk)
    today = alice.local_today()
    for first in (day(29, today), day(399, today)):
        payload = trends_payload(user=alice, start=first, end=today)
        standard = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        assert set(names) <= {series["name"] for series in payload["series"]}
        response = alice_api.get(API_TRENDS, {"start": first.isoformat()})
        assert response.content == standard.encode()


def test_the_prepared_symptom_and_marker_reads_answer_as_the_orm_does(alice, bob):
    """The payload reads the tracked symptoms, and in one query its markers (the
    LDN start, the dose changes, the crashes and the side effects), through SQL
    compiled once (config.prepared); they give what the ORM gives, in the same
    order, and only the owner's."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from diary import trends
    from diary.models import (
        Crash,
        DoseChange,
        SideEffect,
        TrackedSymptom,
        TreatmentCourse,
    )
    from tests.diary.test_trends_payload import add_treatment_history

    for user in (alice, bob):
        track_symptoms(user, 4)
        add_treatment_history(user, 200)
    archived = TrackedSymptom.objects.for_user(alice).in_order()[1]
    archived.archived_at = timezone.now()
    archived.shown_on_trends = False
    archived.save()
    end = alice.local_today() - datetime.timedelta(days=150)
    start = end - datetime.timedelta(days=30)
    # What the history lacks: a second course (two start dates), a stop (no
    # dose), an ongoing crash (no end), an "other" side effect with its own
    # words, and two kinds on one day (ordered by kind).
    second = TreatmentCourse.objects.create(
        user=alice, start_date=end - datetime.timedelta(days=20)
    )
    DoseChange.objects.create(
        course=second,
        date=end - datetime.timedelta(days=5),
        dose_mg=None,
        reason="stop",
    )
    DoseChange.objects.create(
        course=second,
        date=end - datetime.timedelta(days=20),
        dose_mg=Decimal("1.5"),
        reason="start",
    )
    Crash.objects.create(user=alice, start_date=end, end_date=None, severity=3)
    for kind, words in (("other", "Metallic taste"), ("headache", "")):
        SideEffect.objects.create(
            course=second,
            date=end - datetime.timedelta(days=2),
            kind=kind,
            other_description=words,
            severity=2,
        )

    tracked = trends._TRACKED.rows([trends._INT], [alice.pk])
    assert tracked == [
        (t.symptom_id, t.symptom.uuid, t.symptom.name, t.shown_on_trends, t.archived_at)
        for t in TrackedSymptom.objects.for_user(alice).in_order()
    ]
    assert [row[4] is not None for row in tracked].index(True) == 1
    assert sum(row[4] is not None for row in tracked) == 1

    markers = trends._load_markers(alice, start=start, end=end, using="default")
    assert markers.course_starts == list(
        TreatmentCourse.objects.for_user(alice)
        .order_by("start_date", "id")
        .values_list("start_date", flat=True)
    )
    assert len(markers.course_starts) == 2
    expected_doses = [
        trends._DoseRow(c.date, c.dose_mg, c.reason, c.time_of_day)
        for c in DoseChange.objects.for_user(alice)
        .filter(date__lte=end)
        .order_by("date", "id")
    ]
    assert markers.dose_changes == expected_doses
    assert markers.dose_changes[-1].dose_mg is None
    assert 0 < len(expected_doses) < DoseChange.objects.for_user(alice).count()
    expected_crashes = list(
        Crash.objects.for_user(alice)
        .overlapping(start, end)
        .order_by("start_date", "id")
        .values_list("uuid", "start_date", "end_date", "severity")
    )
    assert markers.crashes == expected_crashes
    assert markers.crashes[-1][2] is None
    assert isinstance(markers.crashes[0][0], uuid.UUID)
    expected_effects = list(
        SideEffect.objects.for_user(alice)
        .filter(date__gte=start, date__lte=end)
        .order_by("date", "kind", "id")
        .values_list("date", "kind", "other_description", "severity")
    )
    assert markers.side_effects == expected_effects
    assert ("headache", "") in [row[1:3] for row in markers.side_effects]
    assert ("other", "Metallic taste") in [row[1:3] for row in markers.side_effects]
    # Bob has a history of his own; none of it comes back for Alice.
    assert DoseChange.objects.for_user(bob).exists()
    assert Crash.objects.for_user(bob).overlapping(start, end).exists()
    bob_markers = trends._load_markers(bob, start=start, end=end, using="default")
    assert not {c[0] for c in bob_markers.crashes} & {c[0] for c in markers.crashes}
    assert len(bob_markers.course_starts) == 1
