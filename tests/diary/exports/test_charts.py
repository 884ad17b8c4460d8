"""Server-drawn SVG charts from the real trends payload: gaps stay gaps, the
annotations are drawn, patient text is escaped."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from diary import services
from diary.exports.charts import report_charts
from diary.models import Symptom
from diary.trends import trends_payload

pytestmark = pytest.mark.django_db

END = datetime.date(2026, 3, 1)
START = END - datetime.timedelta(days=29)


def chart_for(user, **kwargs):
    payload = trends_payload(user=user, start=START, end=END)
    return {c.name: c for c in report_charts(payload)}


def log(user, symptom, days_and_scores):
    for offset, score in days_and_scores:
        services.entry_upsert(
            user=user,
            date=START + datetime.timedelta(days=offset),
            scores={symptom.pk: score},
            fields={},
        )


def moves(svg: str) -> int:
    return sum(d.count("M") for d in re.findall(r'<path[^>]*\sd="([^"]+)"', svg))


def test_a_gap_breaks_the_line_instead_of_dropping_to_zero(alice):
    fatigue = Symptom.objects.get(slug="fatigue")
    log(alice, fatigue, [(i, 5) for i in range(30)])
    whole = chart_for(alice)["Fatigue"].svg
    services.entry_delete(
        entry=alice.entries.get(date=START + datetime.timedelta(days=14))
    )
    services.entry_delete(
        entry=alice.entries.get(date=START + datetime.timedelta(days=15))
    )
    gap = chart_for(alice)["Fatigue"].svg
    ET.fromstring(gap)
    assert moves(gap) > moves(whole)
    assert chart_for(alice)["Fatigue"].days_logged == 28


def test_annotations_are_drawn(alice):
    fatigue = Symptom.objects.get(slug="fatigue")
    log(alice, fatigue, [(i, 5) for i in range(30)])
    course = services.course_create(
        user=alice,
        start_date=START + datetime.timedelta(days=10),
        formulation="liquid",
        first_dose_mg=Decimal("1.5"),
    )
    services.side_effect_add(
        course=course,
        date=START + datetime.timedelta(days=12),
        kind="insomnia",
        severity=2,
    )
    services.crash_create(
        user=alice,
        start_date=START + datetime.timedelta(days=20),
        end_date=START + datetime.timedelta(days=22),
        severity=2,
    )
    svg = chart_for(alice)["Fatigue"].svg
    ET.fromstring(svg)
    assert "LDN start" in svg
    assert "1.5 mg" in svg
    assert svg.count("<rect") >= 2  # the crash span and the legend swatch


def test_patient_text_is_escaped(alice):
    own = services.symptom_create_own(user=alice, name="<b>Pain & ache</b>")
    log(alice, own, [(1, 4), (2, 5)])
    svg = chart_for(alice)["<b>Pain & ache</b>"].svg
    ET.fromstring(svg)
    assert "<b>" not in svg
    assert "&lt;b&gt;Pain &amp; ache&lt;/b&gt;" in svg
