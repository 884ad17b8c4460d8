"""The FHIR bundle carries the raw days behind the before/after comparison: a
receiving system that recomputes the figures from the bundle, over the windows
/api/v1/analysis/ names, gets the API's (and so the page's and the PDF's) logged
days, means and medians for the primary outcome, function and hours upright, and
its crash days per 30 days (every day of a crash counts, logged or not)."""

import datetime
import json
import statistics

import pytest
from django.core.cache import cache
from django.urls import reverse

from diary.exports.fhir import BELL_TEXT, CRASH_TEXT, fhir_export
from diary.exports.models import ExportSection

from .report_story import Story

pytestmark = pytest.mark.django_db

# The analysis outcome each Observation text stands for.
TEXTS = {"function": str(BELL_TEXT), "hours_upright": "Hours upright"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def window(api: dict, side: str) -> tuple[datetime.date, datetime.date]:
    w = api["windows"][side]
    return datetime.date.fromisoformat(w["start"]), datetime.date.fromisoformat(
        w["end"]
    )


def values_in(observations, text, start, end) -> list[float]:
    out = []
    for o in observations:
        if o["code"]["text"] != text or "effectiveDateTime" not in o:
            continue
        if start <= datetime.date.fromisoformat(o["effectiveDateTime"]) <= end:
            out.append(
                o["valueQuantity"]["value"]
                if "valueQuantity" in o
                else o["valueInteger"]
            )
    return out


def test_figures_recomputed_from_the_bundle_match_the_api(alice, alice_client):
    story = Story(alice)
    api = alice_client.get(reverse("api:analysis")).json()
    assert api["status"] == "ok"
    base_start, base_end = window(api, "baseline")
    on_start, on_end = window(api, "on_ldn")

    content = fhir_export(
        user=alice,
        start=base_start,
        end=story.today,
        sections=list(ExportSection.values),
    )
    observations = [
        e["resource"]
        for e in json.loads(content)["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]

    checked = 0
    for outcome in api["outcomes"]:
        text = (
            outcome["label"]
            if outcome["kind"] == "symptom"
            else TEXTS.get(outcome["key"])
        )
        if text is None:
            continue
        for side, (start, end) in (
            ("baseline", (base_start, base_end)),
            ("on_ldn", (on_start, on_end)),
        ):
            values = values_in(observations, text, start, end)
            expected = outcome[side]
            assert len(values) == expected["logged_days"], (text, side)
            if not values:  # tracked, never scored: no figure on either side
                assert expected["mean"] is None
                continue
            assert round(statistics.fmean(values), 2) == pytest.approx(
                expected["mean"], abs=0.005
            ), (text, side)
            assert statistics.median(values) == pytest.approx(expected["median"]), (
                text,
                side,
            )
            checked += 1
    assert checked >= 4  # Fatigue and function at least, on both sides

    crash_days = {"baseline": set(), "on_ldn": set()}
    for o in observations:
        if o["code"]["text"] != str(CRASH_TEXT):
            continue
        first = datetime.date.fromisoformat(o["effectivePeriod"]["start"])
        last = datetime.date.fromisoformat(
            o["effectivePeriod"].get("end", str(story.today))
        )
        day = first
        while day <= last:
            for side, (start, end) in (
                ("baseline", (base_start, base_end)),
                ("on_ldn", (on_start, on_end)),
            ):
                if start <= day <= end:
                    crash_days[side].add(day)
            day += datetime.timedelta(days=1)
    per_30 = [
        round(len(crash_days[side]) / api["windows"][side]["days"] * 30, 1)
        for side in ("baseline", "on_ldn")
    ]
    assert per_30 == [rate["per_30_days"] for rate in api["crash_rates"]]
