"""Server-drawn SVG charts: gaps stay gaps, the annotations are drawn, patient text
is escaped, and every chart is well-formed XML.

Most tests feed ``symptom_chart_svg`` a hand-made series shaped like the trends
payload (a pure function, no database); the last ones draw from the real
``trends_payload``."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from diary import services
from diary.exports.charts import (
    PLOT_BOTTOM,
    PLOT_TOP,
    report_charts,
    symptom_chart_svg,
)
from diary.models import Symptom
from diary.trends import trends_payload

SVG = "{http://www.w3.org/2000/svg}"
START = datetime.date(2026, 3, 2)
END = datetime.date(2026, 3, 31)  # 30 days
GAP = range(10, 20)  # days 10-19 (12-21 March) not logged


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def series_with_gap(name="Fatigue", score=5):
    """A daily series logged every day except the ten days of ``GAP``, with the
    7-day mean where at least 4 of its days were logged, as the payload has it."""
    days = [day(i) for i in range(30)]
    points = [
        {
            "x": d.isoformat(),
            "y": None if i in GAP else score,
            "n": 0 if i in GAP else 1,
        }
        for i, d in enumerate(days)
    ]
    rolling = []
    for i, d in enumerate(days):
        window = [p["y"] for p in points[max(0, i - 6) : i + 1] if p["y"] is not None]
        rolling.append({"x": d.isoformat(), "y": score if len(window) >= 4 else None})
    return {
        "uuid": "0f1e2d3c-0000-4000-8000-000000000001",
        "name": name,
        "days_logged": 20,
        "points": points,
        "rolling_mean": rolling,
    }


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    return root


def x_of(offset: int, days: int = 30) -> float:
    """The x of a day's point, from the chart's own axis: plot left 46, right 668."""
    return 46 + (offset + 0.5) * (668 - 46) / days


def segments(d: str) -> list[tuple[float, float]]:
    """The (from x, to x) of every line segment drawn by a path's data."""
    result = []
    previous = None
    for command, x, _y in re.findall(r"([ML])([-\d.]+),([-\d.]+)", d):
        if command == "L" and previous is not None:
            result.append((previous, float(x)))
        previous = float(x)
    return result


def dots(root: ET.Element, width: str = "4.4") -> list[tuple[float, float]]:
    """The centres of the dots: each is a zero-length, round-capped stroke
    ("Mx,yh0") of the "points" path drawn ``width`` wide."""
    centres = []
    for path in paths(root, "points"):
        if path.get("stroke-width") != width:
            continue
        assert path.get("stroke-linecap") == "round"
        for move in path.get("d").split("M")[1:]:
            assert move.endswith("h0")
            x, y = move[:-2].split(",")
            centres.append((float(x), float(y)))
    return centres


def paths(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [p for p in root.iter(f"{SVG}path") if p.get("class") == css_class]


def crosses(drawn: list[tuple[float, float]], x: float) -> bool:
    """Whether any drawn segment reaches or passes ``x``."""
    return any(min(x1, x2) - 0.1 <= x <= max(x1, x2) + 0.1 for x1, x2 in drawn)


def test_a_gap_in_the_data_is_a_break_in_every_line_never_a_zero():
    series = series_with_gap()
    root = parse(symptom_chart_svg(series, start=START, end=END))

    (trace,) = paths(root, "daily-trace")
    drawn = segments(trace.get("d"))
    assert len(drawn) == 9 + 9  # days 0-9 joined, days 20-29 joined, nothing between
    assert trace.get("d").count("M") == 2
    for offset in GAP:
        assert not crosses(drawn, x_of(offset)), offset

    # The 7-day mean runs on while 4 of its 7 days are logged, then breaks.
    (rolling,) = paths(root, "rolling-mean")
    assert rolling.get("d").count("M") == 2
    drawn = segments(rolling.get("d"))
    unknown = [i for i, p in enumerate(series["rolling_mean"]) if p["y"] is None]
    assert unknown  # the gap is long enough to leave the mean unknown
    for offset in unknown:
        assert not crosses(drawn, x_of(offset)), offset

    centres = dots(root)
    assert len(centres) == 20  # one per logged day, none for the missing ten
    for cx, cy in centres:
        assert not x_of(GAP[0]) - 1 < cx < x_of(GAP[-1]) + 1
        assert cy < PLOT_BOTTOM  # a score of 5, not 0


def test_a_day_scored_zero_is_drawn_at_zero_and_joined_to_its_neighbours():
    series = series_with_gap(score=0)
    root = parse(symptom_chart_svg(series, start=START, end=END))
    assert {cy for _cx, cy in dots(root)} == {PLOT_BOTTOM}
    (path,) = paths(root, "daily-trace")
    assert len(segments(path.get("d"))) == 9 + 9  # 10 days, gap, 10 days


def test_the_ldn_start_is_a_vertical_line_with_a_label():
    root = parse(
        symptom_chart_svg(series_with_gap(), start=START, end=END, ldn_start=day(5))
    )
    (group,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "ldn-start"]
    line = group.find(f"{SVG}line")
    assert line.get("x1") == line.get("x2")
    assert float(line.get("y2")) == PLOT_BOTTOM
    assert group.find(f"{SVG}text").text == "LDN start 7 Mar"


def test_an_ldn_start_outside_the_range_draws_no_line():
    svg = symptom_chart_svg(
        series_with_gap(), start=START, end=END, ldn_start="2025-12-01"
    )
    assert 'class="ldn-start"' not in svg


def test_a_crash_is_a_shaded_span_over_its_days_and_an_ongoing_one_runs_to_the_end():
    root = parse(
        symptom_chart_svg(
            series_with_gap(),
            start=START,
            end=END,
            crashes=[
                {"start": day(2).isoformat(), "end": day(4).isoformat()},
                {"start": day(27).isoformat(), "end": None},
            ],
        )
    )
    (shape,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "crash-spans"]
    spans = rectangles(shape.get("d"))
    assert len(spans) == 2
    slot = (668 - 46) / 30
    first, ongoing = spans
    assert first[0] == pytest.approx(46 + 2 * slot, abs=0.1)
    assert first[2] == pytest.approx(3 * slot, abs=0.1)
    assert first[1] == PLOT_TOP and first[3] == PLOT_BOTTOM - PLOT_TOP
    assert ongoing[0] + ongoing[2] == pytest.approx(668, abs=0.1)
    assert shape.get("fill").startswith("url(#crash-hatch-")  # a pattern, prints in B/W


def rectangles(d: str) -> list[tuple[float, float, float, float]]:
    """The (x, y, width, height) of each ``M x,y h w v h h -w Z`` in a path."""
    return [
        (float(x), float(y), float(w), float(h))
        for x, y, w, h, back in re.findall(
            r"M([-\d.]+),([-\d.]+)h([-\d.]+)v([-\d.]+)h([-\d.]+)Z", d
        )
        if float(back) == -float(w)
    ]


def test_however_many_crashes_the_hatch_is_painted_once_per_chart():
    """A long range holds more crashes: the chart still has one hatched shape
    (WeasyPrint paints a pattern afresh for every shape that uses it), plus the
    legend's swatch."""

    def hatched(crash_count: int) -> int:
        crashes = [
            {"start": day(n).isoformat(), "end": day(n).isoformat()}
            for n in range(0, 2 * crash_count, 2)
        ]
        svg = symptom_chart_svg(
            series_with_gap(), start=START, end=END, crashes=crashes
        )
        root = parse(svg)
        (shape,) = [
            p for p in root.iter(f"{SVG}path") if p.get("class") == "crash-spans"
        ]
        assert len(rectangles(shape.get("d"))) == crash_count
        return svg.count('fill="url(#crash-hatch-')

    assert hatched(1) == hatched(15) == 2


def test_dose_steps_are_a_step_polyline_on_a_right_hand_mg_axis():
    root = parse(
        symptom_chart_svg(
            series_with_gap(),
            start=START,
            end=END,
            dose_steps=[
                {"date": "2026-02-01", "dose_mg": 0.5, "reason": "start"},
                {"date": day(10).isoformat(), "dose_mg": 1.5, "reason": "planned_step"},
                {"date": day(20).isoformat(), "dose_mg": None, "reason": "pause"},
            ],
        )
    )
    (polyline,) = [
        p for p in root.iter(f"{SVG}polyline") if p.get("class") == "dose-steps"
    ]
    points = [
        tuple(float(v) for v in pair.split(","))
        for pair in polyline.get("points").split()
    ]
    heights = [y for _x, y in points]
    assert len(set(heights)) == 2  # 0.5 mg, then 1.5 mg
    assert points[0][0] == pytest.approx(46)  # the step before the range, clipped
    # A riser: two points at the same x, at the two doses.
    assert any(
        a[0] == b[0] and a[1] != b[1] for a, b in zip(points, points[1:], strict=False)
    )
    # The pause breaks the line (it ends where the pause starts) and is labelled.
    assert max(x for x, _y in points) == pytest.approx(
        46 + 20 * (668 - 46) / 30, abs=0.1
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "paused" in texts
    assert "LDN dose (mg)" in texts  # the right-hand axis title


def test_side_effect_days_are_marked_with_what_they_were():
    root = parse(
        symptom_chart_svg(
            series_with_gap(),
            start=START,
            end=END,
            side_effects=[
                {
                    "x": day(3).isoformat(),
                    "x_end": day(3).isoformat(),
                    "effects": [{"label": "Vivid dreams", "severity_label": "1: mild"}],
                }
            ],
        )
    )
    (marker,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "side-effect"]
    assert marker.find(f"{SVG}title").text == "Vivid dreams (1: mild)"


def test_the_chart_has_axis_labels_and_a_legend_of_what_is_drawn():
    root = parse(
        symptom_chart_svg(
            series_with_gap(),
            start=START,
            end=END,
            ldn_start=day(5),
            crashes=[{"start": day(2).isoformat(), "end": day(4).isoformat()}],
        )
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Score (0 none, 10 worst)" in texts
    assert "Mon 2 Mar 2026" in texts and "Tue 31 Mar 2026" in texts
    (legend,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    labels = [t.text for t in legend.iter(f"{SVG}text")]
    assert labels == ["Daily score", "7-day average", "LDN start", "Crash"]


def test_html_in_a_symptom_name_or_side_effect_is_escaped():
    svg = symptom_chart_svg(
        series_with_gap(name='<script>alert("x")</script> & pain'),
        start=START,
        end=END,
        side_effects=[
            {
                "x": day(3).isoformat(),
                "effects": [{"label": "<b>itch</b>", "severity_label": "1: mild"}],
            }
        ],
    )
    root = parse(svg)
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;itch&lt;/b&gt;" in svg
    assert root.find(f"{SVG}title").text.startswith(
        '<script>alert("x")</script> & pain'
    )


def test_nothing_logged_says_so_and_draws_no_line():
    empty = series_with_gap()
    empty["points"] = [{**p, "y": None, "n": 0} for p in empty["points"]]
    empty["rolling_mean"] = [{**p, "y": None} for p in empty["rolling_mean"]]
    root = parse(symptom_chart_svg(empty, start=START, end=END))
    assert not dots(root) and not paths(root, "points")
    assert not paths(root, "daily-trace") and not paths(root, "rolling-mean")
    assert "Nothing logged in this range" in [t.text for t in root.iter(f"{SVG}text")]


def test_weekly_averages_break_at_a_week_with_nothing_logged():
    weeks = [datetime.date(2025, 1, 6) + datetime.timedelta(weeks=i) for i in range(6)]
    series = {
        "uuid": "u",
        "name": "Fatigue",
        "points": [
            {
                "x": w.isoformat(),
                "x_end": (w + datetime.timedelta(days=6)).isoformat(),
                "y": None if i == 3 else 4.5,
                "n": 0 if i == 3 else 7,
                "days": 7,
            }
            for i, w in enumerate(weeks)
        ],
        "rolling_mean": [],
    }
    root = parse(
        symptom_chart_svg(
            series,
            start=weeks[0],
            end=weeks[-1] + datetime.timedelta(days=6),
            resolution="week",
        )
    )
    (path,) = paths(root, "average")
    assert path.get("d").count("M") == 2
    assert len(segments(path.get("d"))) == 2 + 1  # weeks 0-2, then 4-5
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"][0]
    assert "Weekly average" in [t.text for t in legend.iter(f"{SVG}text")]


def test_each_chart_has_its_own_pattern_id():
    first = symptom_chart_svg(series_with_gap(), start=START, end=END)
    other = dict(series_with_gap(), uuid="another")
    second = symptom_chart_svg(other, start=START, end=END)
    id_first = re.search(r'<pattern id="([^"]+)"', first).group(1)
    id_second = re.search(r'<pattern id="([^"]+)"', second).group(1)
    assert id_first != id_second


# --- From the real trends payload ---------------------------------------------------


def log(user, symptom, offsets, score=5):
    for offset in offsets:
        services.entry_upsert(
            user=user, date=day(offset), scores={symptom.pk: score}, fields={}
        )


@pytest.mark.django_db
def test_charts_from_the_trends_payload_show_the_gap_and_every_annotation(alice):
    fatigue = Symptom.objects.get(slug="fatigue")
    log(alice, fatigue, [i for i in range(30) if i not in GAP])
    course = services.course_create(
        user=alice,
        start_date=day(5),
        formulation="liquid",
        first_dose_mg=Decimal("1.5"),
    )
    services.dose_change_add(
        course=course, date=day(22), dose_mg=Decimal("3"), reason="planned_step"
    )
    services.side_effect_add(course=course, date=day(7), kind="insomnia", severity=2)
    services.crash_create(user=alice, start_date=day(24), end_date=day(26), severity=2)

    payload = trends_payload(user=alice, start=START, end=END)
    charts = {chart.name: chart for chart in report_charts(payload)}
    chart = charts["Fatigue"]
    assert (chart.days_logged, chart.days_in_range) == (20, 30)
    root = parse(chart.svg)
    (trace,) = paths(root, "daily-trace")
    assert trace.get("d").count("M") == 2
    for x1, x2 in segments(trace.get("d")):
        assert not (x1 < x_of(GAP[0]) < x2)
    assert 'class="ldn-start"' in chart.svg and "LDN start 7 Mar" in chart.svg
    assert 'class="crash-spans"' in chart.svg
    assert 'class="dose-steps"' in chart.svg
    assert 'class="side-effect"' in chart.svg
    # A symptom with nothing logged still gets a chart, which says so.
    assert "Nothing logged in this range" in charts["Post-exertional malaise"].svg


@pytest.mark.django_db
def test_a_report_about_a_later_course_marks_that_course_start(alice):
    fatigue = Symptom.objects.get(slug="fatigue")
    log(alice, fatigue, range(30))
    payload = trends_payload(user=alice, start=START, end=END)
    payload["ldn_start"] = "2025-01-01"  # an old course, outside the range
    (chart, *_others) = report_charts(payload, ldn_start=day(12))
    assert "LDN start 14 Mar" in chart.svg


@pytest.mark.django_db
def test_an_own_symptom_name_with_html_is_escaped_in_its_chart(alice):
    own = services.symptom_create_own(user=alice, name="<b>Pain & ache</b>")
    log(alice, own, [1, 2], score=4)
    payload = trends_payload(user=alice, start=START, end=END)
    chart = {c.name: c for c in report_charts(payload)}["<b>Pain & ache</b>"]
    parse(chart.svg)
    assert "<b>" not in chart.svg
    assert "&lt;b&gt;Pain &amp; ache&lt;/b&gt;" in chart.svg
