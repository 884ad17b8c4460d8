"""The trends chart in a real Chromium: it renders, logs no errors, asks no other
host for anything, saves the symptom toggles, and is readable in light and dark
mode (screenshots in var/screenshots/ for a person to look at). The browser and
the page watchers are the shared fixtures in tests/e2e/conftest.py.

Run with:
SECRET_KEY=test .venv/bin/python -m pytest tests/e2e/test_trends_browser.py -m browser
"""

import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from diary import rollups
from diary.models import Entry, SymptomScore, TrackedSymptom
from diary.services import symptoms_load_builtin, symptoms_track_defaults
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    SideEffectFactory,
    TreatmentCourseFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: the flush after each test would otherwise take the
    # built-in symptoms (a data migration) with it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture
def patient(db):
    # The built-in symptoms come from a data migration, and a transactional
    # test's flush removes them. serialized_rollback restores them only when the
    # database was set up after the browser started (Playwright's sync API gives
    # the test a different connection object than the one that holds the
    # snapshot), so load them here whatever ran before.
    symptoms_load_builtin()
    user = UserFactory(email="patient@example.org", time_zone="Europe/London")
    symptoms_track_defaults(user=user)
    today = user.local_today()
    symptoms = [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]
    # 120 days, a few not logged; scores drift down a little after LDN starts.
    entries = Entry.objects.bulk_create(
        [
            Entry(user=user, date=today - i * ONE_DAY)
            for i in range(120)
            if i % 9 not in (4,) and i not in (30, 31, 32)
        ]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(
                entry=entry,
                symptom=symptom,
                score=max(
                    0,
                    min(
                        10,
                        7
                        - j
                        + ((entry.date.toordinal() * (j + 3)) % 5 - 2)
                        - (2 if (today - entry.date).days < 50 else 0),
                    ),
                ),
            )
            for entry in entries
            for j, symptom in enumerate(symptoms)
        ]
    )
    rollups.rebuild(user_id=user.pk)
    course = TreatmentCourseFactory(user=user, start_date=today - 60 * ONE_DAY)
    DoseChangeFactory(course=course, date=course.start_date, dose_mg=Decimal("0.5"))
    DoseChangeFactory(
        course=course,
        date=today - 40 * ONE_DAY,
        dose_mg=Decimal("1.5"),
        reason="planned_step",
    )
    DoseChangeFactory(
        course=course,
        date=today - 20 * ONE_DAY,
        dose_mg=Decimal("3.0"),
        reason="planned_step",
    )
    CrashFactory(
        user=user, start_date=today - 75 * ONE_DAY, end_date=today - 71 * ONE_DAY
    )
    CrashFactory(user=user, start_date=today - 3 * ONE_DAY, end_date=None)
    SideEffectFactory(course=course, date=today - 58 * ONE_DAY, kind="vivid_dreams")
    SideEffectFactory(
        course=course, date=today - 57 * ONE_DAY, kind="insomnia", severity=2
    )
    return user


def logged_in_page(make_page, live_server, user, **context_options):
    """A page (from the shared ``make_page`` fixture, which fails the test on
    console errors, script errors, server errors and requests to other hosts)
    signed in as ``user`` with a session cookie made by the test client. Returns
    the page and a list of any request to a host other than the live server."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page = make_page(**context_options)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        ]
    )
    other_hosts = []
    server_host = urlsplit(live_server.url).netloc

    def check_request(request):
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and (
            parts.netloc != server_host
        ):
            other_hosts.append(request.url)

    page.on("request", check_request)
    page.on(
        "console",
        lambda message: (
            other_hosts.append(f"console warning: {message.text}")
            if message.type == "warning"
            and "willReadFrequently" not in message.text  # the test's pixel check
            else None
        ),
    )
    return page, other_hosts


def wait_for_chart(page):
    page.wait_for_function(
        "() => window.LDNTrends && window.LDNTrends.chart && window.LDNTrends.chart()"
    )
    page.locator("#trends-canvas").wait_for(state="visible")
    # Something was drawn: the canvas has many non-transparent pixels.
    painted = page.evaluate(
        """() => {
            const canvas = document.getElementById("trends-canvas");
            const data = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let count = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) count += 1; }
            return {count, width: canvas.width, height: canvas.height};
        }"""
    )
    assert painted["width"] > 200 and painted["height"] > 200
    assert painted["count"] > 5000


def test_chart_renders_without_errors_in_light_and_dark(
    make_page, live_server, patient
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, problems = logged_in_page(
        make_page, live_server, patient, viewport={"width": 1280, "height": 900}
    )
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    response = page.goto(f"{live_server.url}/trends/")
    assert response.status == 200
    wait_for_chart(page)

    chart = page.evaluate(
        """() => {
            const chart = window.LDNTrends.chart();
            return {
                animation: chart.options.animation,
                parsing: chart.options.parsing,
                normalized: chart.options.normalized,
                datasets: chart.data.datasets.map(
                    d => ({role: d.role, n: d.data.length})),
                annotations: Object.keys(chart.options.plugins.annotation.annotations),
            };
        }"""
    )
    assert chart["parsing"] is False and chart["normalized"] is True
    assert chart["animation"] is False  # reduced motion asked for
    roles = [d["role"] for d in chart["datasets"]]
    assert roles.count("score") == roles.count("rolling") == 6
    assert "dose" in roles and "side" in roles
    assert "ldnStart" in chart["annotations"]
    assert {"crash0", "crash1"} <= set(chart["annotations"])
    # No overlay in the payload: its checkbox stays hidden.
    assert page.locator("#trends-overlay-toggle").is_hidden()
    page.screenshot(path=str(SCREENSHOTS / "trends-light.png"), full_page=True)

    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    page.wait_for_timeout(300)
    wait_for_chart(page)
    page.screenshot(path=str(SCREENSHOTS / "trends-dark.png"), full_page=True)
    assert problems == []


def test_chart_fits_a_phone(make_page, live_server, patient):
    page, problems = logged_in_page(
        make_page,
        live_server,
        patient,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        page.goto(f"{live_server.url}/trends/")
        wait_for_chart(page)
        box = page.locator("#trends-canvas").bounding_box()
        assert box["width"] <= 360 and box["height"] <= 740
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.locator("#trends-figure").screenshot(
            path=str(SCREENSHOTS / f"trends-phone-{scheme}.png")
        )
        page.screenshot(
            path=str(SCREENSHOTS / f"trends-phone-page-{scheme}.png"), full_page=True
        )
    assert problems == []


def test_symptom_toggle_hides_the_series_and_is_saved(make_page, live_server, patient):
    page, problems = logged_in_page(
        make_page, live_server, patient, viewport={"width": 1024, "height": 800}
    )
    page.goto(f"{live_server.url}/trends/")
    wait_for_chart(page)
    fatigue = TrackedSymptom.objects.get(user=patient, symptom__slug="fatigue")
    uuid = str(fatigue.symptom.uuid)
    # The script saves on change, so the button is only for pages without it.
    assert page.locator("[data-trends-save]").is_hidden()

    page.locator(f'input[name="shown"][value="{uuid}"]').uncheck()
    page.locator("[data-trends-status]").filter(has_text="Saved.").wait_for()

    hidden = page.evaluate(
        """(uuid) => window.LDNTrends.chart().data.datasets
            .filter(d => d.symptom === uuid).map(d => d.hidden)""",
        uuid,
    )
    assert hidden == [True, True]
    assert page.locator(f'details[data-symptom-uuid="{uuid}"]').is_hidden()
    fatigue.refresh_from_db()
    assert fatigue.shown_on_trends is False

    page.reload()
    wait_for_chart(page)
    assert not page.locator(f'input[name="shown"][value="{uuid}"]').is_checked()
    assert problems == []


def test_overlay_brackets_are_drawn_when_the_payload_has_them(
    make_page, live_server, patient
):
    page, problems = logged_in_page(
        make_page, live_server, patient, viewport={"width": 1024, "height": 800}
    )
    page.goto(f"{live_server.url}/trends/")
    wait_for_chart(page)
    result = page.evaluate(
        """() => {
            const payload = JSON.parse(JSON.stringify(window.LDNTrends.payload()));
            payload.overlay = [{label: "12-week trial", start: payload.ldn_start,
                                end: payload.range.end}];
            const off = window.LDNTrends.buildAnnotations(payload);
            const on = window.LDNTrends.buildAnnotations(payload, {showOverlay: true});
            return {
                off: Object.keys(off.annotations).filter(k => k.startsWith("overlay")),
                on: on.annotations.overlay0,
            };
        }"""
    )
    assert result["off"] == []
    assert result["on"]["type"] == "box"
    assert result["on"]["label"]["content"] == "12-week trial"
    assert problems == []


def test_long_range_is_drawn_from_weekly_points_with_tooltips(
    make_page, live_server, patient
):
    today = patient.local_today()
    fatigue = TrackedSymptom.objects.get(user=patient, symptom__slug="fatigue").symptom
    entries = Entry.objects.bulk_create(
        [
            Entry(user=patient, date=today - i * ONE_DAY)
            for i in range(120, 3 * 365)
            if i % 7 != 3
        ]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(entry=e, symptom=fatigue, score=6 + e.date.toordinal() % 3)
            for e in entries
        ]
    )
    rollups.rebuild(user_id=patient.pk)
    page, problems = logged_in_page(
        make_page, live_server, patient, viewport={"width": 1280, "height": 900}
    )
    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server.url}/trends/?preset=all")
    wait_for_chart(page)
    info = page.evaluate(
        """() => {
            const chart = window.LDNTrends.chart();
            return {
                animation: chart.options.animation,
                sizes: chart.data.datasets.map(d => d.data.length),
                roles: chart.data.datasets.map(d => d.role),
            };
        }"""
    )
    assert info["animation"] is False  # long series: no animation
    assert "rolling" not in info["roles"] and "average" in info["roles"]
    assert max(info["sizes"]) <= 1000
    # Hover a weekly point of the first series: the tooltip names the days.
    position = page.evaluate(
        """() => {
            const chart = window.LDNTrends.chart();
            const meta = chart.getDatasetMeta(0);
            const point = meta.data[Math.floor(meta.data.length / 3)];
            const rect = chart.canvas.getBoundingClientRect();
            return {x: rect.left + point.x, y: rect.top + point.y};
        }"""
    )
    page.mouse.move(position["x"], position["y"])
    page.wait_for_timeout(200)
    tooltip = page.evaluate(
        """() => {
            const tooltip = window.LDNTrends.chart().tooltip;
            return {title: tooltip.title, body: tooltip.body.map(b => b.lines).flat()};
        }"""
    )
    assert " – " in tooltip["title"][0]
    assert any(
        "Fatigue: average" in line and "days logged" in line for line in tooltip["body"]
    )
    page.locator("#trends-figure").screenshot(
        path=str(SCREENSHOTS / "trends-weekly-light.png")
    )
    assert problems == []
