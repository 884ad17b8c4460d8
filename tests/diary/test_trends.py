"""The trends page, its JSON endpoint and the symptom toggles: owner, other user,
anonymous visitor; bad input; the table shows the payload's numbers."""

import datetime
import html
import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from diary import services
from diary.models import Entry, SymptomScore, TrackedSymptom
from diary.trends import earliest_allowed_start
from tests.diary.test_trends_payload import (
    add_treatment_history,
    make_history,
    track_symptoms,
)
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    SideEffectFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
TRENDS = reverse("diary:trends")
DATA = reverse("diary:trends-data")
PREFERENCES = reverse("diary:trends-preferences")


def embedded_payload(response) -> dict:
    """The payload behind the page's chart: fetched from the URL the page gives
    its script (the page itself carries no points)."""
    page = response.content.decode()
    assert 'id="trends-payload"' not in page
    match = re.search(r'id="trends-figure" data-url="([^"]+)"', page)
    assert match, "the page tells its script where the chart's payload is"
    data = response.client.get(html.unescape(match.group(1)))
    assert data.status_code == 200
    return data.json()


class TableParser(HTMLParser):
    """Rows of every ``data-testid="trends-table"`` table, by symptom uuid:
    ``{uuid: [(data-x, [cell texts])]}``; plus which tables are hidden."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list] = {}
        self.hidden: set[str] = set()
        self._symptom = None
        self._row = None
        self._cell = None
        self._details_uuid = None
        self._details_hidden = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details" and "data-symptom-uuid" in attrs:
            self._details_uuid = attrs["data-symptom-uuid"]
            self._details_hidden = "hidden" in attrs
        if tag == "table" and attrs.get("data-testid") == "trends-table":
            self._symptom = attrs["data-symptom"]
            self.tables[self._symptom] = []
            if self._details_hidden and self._details_uuid == self._symptom:
                self.hidden.add(self._symptom)
        elif tag == "tr" and self._symptom and "data-x" in attrs:
            self._row = (attrs["data-x"], [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._symptom].append(self._row)
            self._row = None
        elif tag == "table":
            self._symptom = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_tables(response) -> TableParser:
    """The page's tables: each box on the page is empty until opened, so its rows
    are fetched as the page's script does (``data-table-url``)."""
    parser = TableParser()
    page = response.content.decode()
    for match in re.finditer(r"<details\b[^>]*>", page):
        tag = match.group(0)
        url = re.search(r'data-table-url="([^"]+)"', tag)
        uuid = re.search(r'data-symptom-uuid="([^"]+)"', tag)
        if not url or not uuid:
            continue
        assert "<table" not in page[match.end() : page.index("</details>", match.end())]
        fragment = response.client.get(html.unescape(url.group(1)))
        assert fragment.status_code == 200
        parser.feed(tag + fragment.content.decode() + "</details>")
    return parser


def one_decimal(value) -> str:
    return f"{value:.1f}"


# --- The page ---------------------------------------------------------------------


def test_owner_sees_the_page_with_notice_chart_summary_and_tables(alice_client, alice):
    make_history(alice, 40)
    response = alice_client.get(TRENDS)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="not-medical-advice-prominent"' in page
    assert 'id="trends-canvas"' in page
    assert 'data-testid="evidence-overlay-slot"' in page
    assert 'id="evidence-overlay"' in page
    assert "Show how long studies treated people" in page
    assert 'data-testid="trends-summary"' in page
    assert "Fatigue: 7-day average" in page
    payload = embedded_payload(response)
    assert payload["range"]["days"] == 90  # the default preset
    assert payload["range"]["end"] == alice.local_today().isoformat()
    tracked = TrackedSymptom.objects.for_user(alice).count()
    assert len(parse_tables(response).tables) == len(payload["series"]) == tracked
    for vendored in (
        "vendor/chart.js/chart.umd.min.js",
        "vendor/chartjs-adapter-date-fns/chartjs-adapter-date-fns.bundle.min.js",
        "vendor/chartjs-plugin-annotation/chartjs-plugin-annotation.min.js",
        "js/trends.js",
    ):
        assert vendored in page
    assert page.index("chart.umd.min.js") < page.index("chartjs-adapter-date-fns")
    assert page.index("chartjs-adapter-date-fns") < page.index("trends.js")


def test_page_has_no_inline_script_code_and_loads_nothing_from_other_hosts(
    alice_client,
):
    page = alice_client.get(TRENDS).content.decode()
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert not re.search(r"\son[a-z]+=", page)


def test_anonymous_is_redirected_to_log_in(anon_client):
    for url in (TRENDS, DATA):
        response = anon_client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    response = anon_client.post(PREFERENCES, {"shown": []})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_other_user_sees_only_their_own_data(alice, bob_client, bob):
    today = alice.local_today()
    secret = TrackedSymptomFactory(user=alice, symptom__name="Alice private symptom")
    make_history(alice, 30, score=7)
    course = TreatmentCourseFactory(user=alice, start_date=today - 20 * ONE_DAY)
    DoseChangeFactory(course=course)
    CrashFactory(user=alice, start_date=today - 5 * ONE_DAY)
    SideEffectFactory(course=course, date=today - 3 * ONE_DAY)

    for url in (TRENDS, DATA):
        response = bob_client.get(url)
        assert response.status_code == 200
        assert b"Alice private symptom" not in response.content
    payload = bob_client.get(DATA).json()
    assert payload["ldn_start"] is None
    assert payload["crashes"] == payload["side_effects"] == payload["dose_steps"] == []
    assert all(s["days_logged"] == 0 for s in payload["series"])
    assert str(secret.symptom.uuid) not in json.dumps(payload)


def test_nothing_logged_yet_says_so(alice_client):
    response = alice_client.get(TRENDS)
    assert response.status_code == 200
    assert b'data-testid="trends-nothing-logged"' in response.content


def test_since_ldn_start_preset_is_offered_only_with_a_course(alice_client, alice):
    assert b"Since LDN start" not in alice_client.get(TRENDS).content
    TreatmentCourseFactory(user=alice, start_date=alice.local_today() - 100 * ONE_DAY)
    response = alice_client.get(TRENDS, {"preset": "ldn"})
    assert b"Since LDN start" in response.content
    assert embedded_payload(response)["range"]["days"] == 101
    assert b'aria-current="true">Since LDN start' in response.content


def test_custom_range_is_shown_and_kept_in_the_date_fields(alice_client, alice):
    today = alice.local_today()
    start = today - 40 * ONE_DAY
    end = today - 10 * ONE_DAY
    response = alice_client.get(
        TRENDS, {"start": start.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200
    payload = embedded_payload(response)
    assert payload["range"]["start"] == start.isoformat()
    assert payload["range"]["end"] == end.isoformat()
    page = response.content.decode()
    assert f'value="{start.isoformat()}"' in page
    assert f'value="{end.isoformat()}"' in page


def test_bad_range_on_the_page_shows_the_error_and_the_typed_value(alice_client):
    response = alice_client.get(TRENDS, {"start": "2026-02-31", "preset": "90"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="range-errors"' in page
    assert "From: Enter a date as YYYY-MM-DD" in page
    assert 'value="2026-02-31"' in page
    # The chart falls back to the default range rather than failing.
    assert embedded_payload(response)["range"]["days"] == 90


# --- The table shows the payload's numbers --------------------------------------------


def test_daily_table_renders_the_same_values_as_the_payload(alice_client, alice):
    make_history(alice, 60, skip=lambda i: i % 4 == 1)
    response = alice_client.get(TRENDS, {"preset": "30"})
    payload = embedded_payload(response)
    tables = parse_tables(response).tables
    assert payload["resolution"] == "day"
    for series in payload["series"]:
        rows = tables[series["uuid"]]
        assert [x for x, _cells in rows] == [p["x"] for p in series["points"]][::-1]
        by_day = dict(rows)
        for point, mean in zip(series["points"], series["rolling_mean"], strict=True):
            _day, score, average = by_day[point["x"]]
            assert score == ("Not logged" if point["y"] is None else str(point["y"]))
            assert average == ("–" if mean["y"] is None else one_decimal(mean["y"]))
    # Missing days are shown as not logged, never as zero.
    missed = (alice.local_today() - ONE_DAY).isoformat()
    assert dict(tables[payload["series"][0]["uuid"]])[missed][1] == "Not logged"


def test_long_range_table_shows_the_aggregated_points(alice_client, alice):
    make_history(alice, 800, skip=lambda i: i % 3 == 0)
    response = alice_client.get(TRENDS, {"preset": "all"})
    payload = embedded_payload(response)
    assert payload["resolution"] == "week"
    tables = parse_tables(response).tables
    for series in payload["series"]:
        rows = dict(tables[series["uuid"]])
        assert len(rows) == len(series["points"]) <= 262
        for point in series["points"]:
            _week, average, logged = rows[point["x"]]
            expected = "Not logged" if point["y"] is None else one_decimal(point["y"])
            assert average == expected
            assert logged == f"{point['n']} of {point['days']}"


def test_events_table_lists_ldn_doses_crashes_and_side_effects(alice_client, alice):
    today = alice.local_today()
    course = TreatmentCourseFactory(user=alice, start_date=today - 20 * ONE_DAY)
    DoseChangeFactory(course=course)
    CrashFactory(user=alice, start_date=today - 5 * ONE_DAY, end_date=None)
    SideEffectFactory(course=course, date=today - 3 * ONE_DAY, kind="headache")
    page = alice_client.get(TRENDS, {"preset": "30"}).content.decode()
    assert 'data-testid="trends-events-box"' in page
    assert 'data-testid="trends-events"' not in page  # loaded when opened
    url = html.unescape(
        re.search(r'data-table-url="([^"]+table=events[^"]*)"', page)[1]
    )
    page = alice_client.get(url).content.decode()
    assert 'data-testid="trends-events"' in page
    assert "LDN started" in page
    assert "LDN dose 1.5 mg (Start)" in page
    assert "Crash (Moderate" in page
    assert "Side effects: Headache (1: mild)" in page


def test_symptom_names_are_escaped_everywhere(alice_client, alice):
    TrackedSymptomFactory(user=alice, symptom__name="<script>alert(1)</script>")
    make_history(alice, 10)
    response = alice_client.get(TRENDS)
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # In the table (its own page and the fragment the script loads) and the JSON.
    tables = parse_tables(response)
    assert tables.tables
    symptom = TrackedSymptom.objects.get(symptom__name__startswith="<script>").symptom
    url = f"{reverse('diary:trends-table')}?table={symptom.uuid}"
    for table_page in (alice_client.get(url), alice_client.get(url + "&fragment=1")):
        assert table_page.status_code == 200
        assert "<script>alert(1)</script>" not in table_page.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table_page.content.decode()
    data = alice_client.get(DATA)
    assert data["Content-Type"] == "application/json"
    names = [s["name"] for s in data.json()["series"]]
    assert "<script>alert(1)</script>" in names


# --- The JSON endpoint ----------------------------------------------------------------


def test_data_endpoint_returns_the_payload(alice_client, alice):
    make_history(alice, 10)
    response = alice_client.get(DATA, {"preset": "30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (
        "no-cache" in response["Cache-Control"]
        or "no-store" in response["Cache-Control"]
    )
    payload = response.json()
    assert payload["range"]["days"] == 30
    assert payload["resolution"] == "day"
    assert {
        "range",
        "resolution",
        "series",
        "ldn_start",
        "dose_steps",
        "crashes",
        "side_effects",
        "overlay",
        "disclaimer",
    } <= set(payload)
    assert payload["series"][0]["points"][-1]["y"] is not None


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"preset": "7"}, "preset", "Choose 30, 90, 180 or 365 days"),
        ({"preset": "<script>"}, "preset", "Choose 30, 90, 180 or 365 days"),
        ({"preset": "ldn"}, "preset", "You have not recorded an LDN start date"),
        ({"start": "yesterday"}, "start", "Enter a date as YYYY-MM-DD"),
        ({"start": "2026-13-01"}, "start", "Enter a date as YYYY-MM-DD"),
        ({"start": "2026-01-01", "end": "31/01/2026"}, "end", "Enter a date"),
        ({"start": "9" * 300}, "start", "Enter a date"),
        ({"end": "2026-01-01"}, "start", "Choose the first day of the range"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end", "before the start"),
        ({"start": "1990-01-01", "end": "2026-01-01"}, "start", "at most 20 years"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(
    alice_client, params, field, message
):
    response = alice_client.get(DATA, params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_start_in_the_future_is_a_400(alice_client, alice):
    tomorrow = alice.local_today() + ONE_DAY
    response = alice_client.get(DATA, {"start": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "future" in response.json()["errors"]["start"][0]


def test_future_end_is_clipped_to_the_users_today(alice_client, alice):
    today = alice.local_today()
    response = alice_client.get(
        DATA,
        {
            "start": (today - 9 * ONE_DAY).isoformat(),
            "end": (today + 400 * ONE_DAY).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.json()["range"]["end"] == today.isoformat()
    assert response.json()["range"]["days"] == 10


def test_dates_win_over_a_preset(alice_client, alice):
    today = alice.local_today()
    response = alice_client.get(
        DATA, {"preset": "365", "start": (today - 6 * ONE_DAY).isoformat()}
    )
    assert response.json()["range"]["days"] == 7


def test_all_preset_starts_at_the_first_entry_and_is_capped_at_20_years(
    alice_client, alice
):
    today = alice.local_today()
    # Through the service, which raises the change counter as every write does
    # (the first day is cached with the payload).
    services.entry_upsert(
        user=alice, date=today - 49 * ONE_DAY, scores={}, fields={"sleep_hours": 8}
    )
    assert alice_client.get(DATA, {"preset": "all"}).json()["range"]["days"] == 50
    services.entry_upsert(
        user=alice, date=datetime.date(1980, 1, 1), scores={}, fields={"sleep_hours": 8}
    )
    payload = alice_client.get(DATA, {"preset": "all"}).json()
    assert payload["range"]["start"] == earliest_allowed_start(today).isoformat()
    assert payload["resolution"] == "month"
    assert all(len(s["points"]) <= 262 for s in payload["series"])


def test_data_endpoint_accepts_only_get(alice_client):
    assert alice_client.post(DATA).status_code == 405
    assert alice_client.post(TRENDS).status_code == 405


def make_big_user(days: int):
    user = UserFactory()
    track_symptoms(user, 10)
    make_history(user, days)
    add_treatment_history(user, days)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [TRENDS, DATA])
def test_query_count_is_the_same_for_30_days_and_5_years(
    url, django_assert_num_queries
):
    from evidence.services import studies_load

    studies_load()
    small = make_big_user(30)
    large = make_big_user(5 * 365)
    # Session and user, then the payload: symptoms, scores, and the markers
    # (courses, dose changes, crashes and side effects in one query); then (the
    # page only) the evidence overlay:
    # the catalogue's fingerprint, and on its first view for these symptoms the
    # studies (these users' own symptoms match none, so no study symptoms are
    # prefetched); "all" adds one query for the first entry. A repeat view reads
    # the payload, the first day and the overlay from the cache.
    overlay, overlay_miss = (1, 1) if url == TRENDS else (0, 0)
    for client in (small, large):
        with django_assert_num_queries(5 + overlay + overlay_miss):
            assert client.get(url, {"preset": "365"}).status_code == 200
        with django_assert_num_queries(6 + overlay):
            response = client.get(url, {"preset": "all"})
        assert response.status_code == 200
        with django_assert_num_queries(2 + overlay):
            assert client.get(url, {"preset": "all"}).status_code == 200


# --- Preferences ---------------------------------------------------------------------


def symptom_uuids(user) -> list[str]:
    return [
        str(t.symptom.uuid) for t in TrackedSymptom.objects.for_user(user).in_order()
    ]


def shown_flags(user) -> list[bool]:
    return [t.shown_on_trends for t in TrackedSymptom.objects.for_user(user).in_order()]


def test_preferences_are_saved_and_persist(alice_client, alice):
    uuids = symptom_uuids(alice)
    response = alice_client.post(
        PREFERENCES,
        {"shown": uuids[:2], "offered": uuids, "preset": "180"},
    )
    assert response.status_code == 302
    assert response.url == f"{TRENDS}?preset=180"
    rest = len(uuids) - 2
    assert shown_flags(alice) == [True, True] + [False] * rest

    page = alice_client.get(response.url)
    assert "Saved which symptoms the chart shows." in page.content.decode()
    payload = embedded_payload(page)
    assert [s["shown"] for s in payload["series"]] == [True, True] + [False] * rest
    assert alice_client.get(DATA).json()["series"][2]["shown"] is False
    # Hidden symptoms' tables and summaries are hidden too.
    assert parse_tables(page).hidden == set(uuids[2:])
    html = page.content.decode()
    for uuid in uuids[:2]:
        assert f'name="shown" value="{uuid}" checked' in html
    for uuid in uuids[2:]:
        assert f'name="shown" value="{uuid}">' in html


def test_preferences_post_from_the_script_gets_json(alice_client, alice):
    uuids = symptom_uuids(alice)
    response = alice_client.post(
        PREFERENCES,
        {"shown": uuids[1:], "offered": uuids},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert sorted(response.json()["shown"]) == sorted(uuids[1:])
    assert shown_flags(alice) == [False] + [True] * (len(uuids) - 1)


def test_preferences_keep_a_custom_range_in_the_redirect(alice_client, alice):
    response = alice_client.post(
        PREFERENCES,
        {"shown": [], "start": "2026-01-01", "end": "2026-02-01"},
    )
    assert response.status_code == 302
    assert response.url == f"{TRENDS}?start=2026-01-01&end=2026-02-01"
    assert not any(shown_flags(alice))


def test_bob_cannot_toggle_alices_symptoms(alice, bob_client, bob):
    alice_own = TrackedSymptomFactory(user=alice)
    alice_uuids = symptom_uuids(alice)
    bob_uuids = symptom_uuids(bob)
    before = shown_flags(alice)

    # Bob sends alice's own symptom as both shown and offered, and hides it.
    response = bob_client.post(
        PREFERENCES,
        {"shown": [], "offered": [str(alice_own.symptom.uuid)]},
    )
    assert response.status_code == 302
    assert shown_flags(alice) == before
    # Sending alice's symptoms as "shown" changes only bob's own rows.
    bob_client.post(PREFERENCES, {"shown": alice_uuids, "offered": bob_uuids})
    assert shown_flags(alice) == before
    alice_own.refresh_from_db()
    assert alice_own.shown_on_trends is True
    # Built-in symptoms are shared; bob's choice touched only his own tracking.
    assert all(shown_flags(bob))


def test_preferences_accept_only_post(alice_client):
    assert alice_client.get(PREFERENCES).status_code == 405


def test_malformed_symptom_id_is_a_400_json_naming_the_field(alice_client, alice):
    before = shown_flags(alice)
    response = alice_client.post(
        PREFERENCES,
        {"shown": ["not-a-uuid"], "offered": symptom_uuids(alice)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "shown" in response.json()["errors"]
    assert "not-a-uuid" in response.json()["errors"]["shown"][0]
    assert shown_flags(alice) == before


def test_malformed_preferences_re_render_the_page_with_the_error(alice_client, alice):
    before = shown_flags(alice)
    uuids = symptom_uuids(alice)
    response = alice_client.post(
        PREFERENCES,
        {"shown": [uuids[0], "<script>x</script>"], "offered": uuids, "preset": "30"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="prefs-errors"' in page
    assert "Your choice was not saved" in page
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    # What was ticked stays ticked; what was saved is unchanged.
    assert f'name="shown" value="{uuids[0]}" checked' in page
    assert f'name="shown" value="{uuids[1]}">' in page
    assert shown_flags(alice) == before
    assert embedded_payload(response)["range"]["days"] == 30


def test_preferences_without_csrf_token_are_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = shown_flags(alice)
    response = client.post(PREFERENCES, {"shown": []})
    assert response.status_code == 403
    assert shown_flags(alice) == before


def test_scores_of_symptoms_no_longer_tracked_are_not_shown(alice_client, alice):
    """A score for a symptom the user stopped tracking altogether (the tracking row
    deleted) does not appear as a series of its own."""
    extra = TrackedSymptomFactory(user=alice)
    entry = Entry.objects.create(user=alice, date=alice.local_today())
    SymptomScore.objects.create(entry=entry, symptom=extra.symptom, score=4)
    extra.delete()
    payload = alice_client.get(DATA).json()
    assert extra.symptom.name not in [s["name"] for s in payload["series"]]
