"""Server-rendered SVG charts for the clinician report and the doctor's share page.

Pure functions: they take the plain, JSON-safe trends payload built by
:func:`diary.trends.trends_payload` (ISO dates, ``None`` for days not logged) and
return SVG markup as a string. No database, no JavaScript, nothing loaded from
anywhere, so WeasyPrint can draw them into the PDF and the share page can inline
them under a strict Content-Security-Policy.

One chart per symptom (small multiples read better than ten overlaid lines,
especially printed in black and white). Each chart shows what the web chart
shows:

- the daily scores as dots, joined only between consecutive logged days, so a
  missing day is a break in the line and never a point at 0;
- the 7-day rolling mean as a thick line, broken wherever it is ``None``;
- (for long ranges) the weekly or monthly averages instead, broken at empty buckets;
- the LDN start as a dashed vertical line with a label;
- the dose steps as a step line on a right-hand mg axis (pauses and stops are
  breaks, labelled);
- crashes as shaded, hatched spans; side-effect days as triangles above the plot;
- axis labels and a legend.

Everything is drawn in black, greys and patterns, so a black-and-white printout
loses nothing. The ``viewBox`` is fixed, so the chart scales to any width.
All text that comes from the patient (symptom names, side-effect labels) is
escaped.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils.formats import date_format
from django.utils.translation import gettext as _

__all__ = [
    "HEIGHT",
    "WIDTH",
    "ReportChart",
    "report_charts",
    "symptom_chart_svg",
]

# The fixed coordinate system of every chart (the SVG scales to its container).
WIDTH = 720
HEIGHT = 262
PLOT_LEFT = 46
PLOT_RIGHT = WIDTH - 52
PLOT_TOP = 40  # above it: the band for side-effect markers and the LDN label
PLOT_BOTTOM = 192
MARKER_Y = 13
AXIS_LABEL_Y = PLOT_BOTTOM + 17
LEGEND_Y = 246
SCORE_MAX = 10

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#000000"
DARK = "#333333"
MID = "#6b6b6b"
LIGHT = "#bdbdbd"
GRID = "#dddddd"
CRASH_FILL = "#e6e6e6"

RESOLUTION_DAY = "day"
_FROM_PAYLOAD = object()
LEGEND_ORDER = ("daily", "rolling", "average", "ldn", "dose", "crash", "side_effect")


@dataclass(frozen=True)
class ReportChart:
    """One symptom's chart, ready to put in a template (``svg`` is safe markup)."""

    name: str
    uuid: str
    days_logged: int
    days_in_range: int
    svg: str


# --- Public functions ---------------------------------------------------------------


def report_charts(
    payload: Mapping[str, Any],
    *,
    ldn_start: str | datetime.date | None | object = _FROM_PAYLOAD,
) -> list[ReportChart]:
    """One chart per series of the trends ``payload``, in its order, each with the
    annotations the payload carries (LDN start, dose steps, crashes, side effects).

    ``ldn_start`` replaces the payload's (the first course ever) when given, so
    a report about a later course marks that course's start."""
    start = _parse(payload["range"]["start"])
    end = _parse(payload["range"]["end"])
    if ldn_start is _FROM_PAYLOAD:
        ldn_start = payload.get("ldn_start")
    assert ldn_start is None or isinstance(ldn_start, str | datetime.date)
    return [
        ReportChart(
            name=series["name"],
            uuid=series["uuid"],
            days_logged=series.get("days_logged", 0),
            days_in_range=(end - start).days + 1,
            svg=symptom_chart_svg(
                series,
                start=start,
                end=end,
                resolution=payload.get("resolution", RESOLUTION_DAY),
                ldn_start=ldn_start,
                dose_steps=payload.get("dose_steps") or (),
                crashes=payload.get("crashes") or (),
                side_effects=payload.get("side_effects") or (),
            ),
        )
        for series in payload.get("series", [])
    ]


def symptom_chart_svg(
    series: Mapping[str, Any],
    *,
    start: datetime.date,
    end: datetime.date,
    resolution: str = RESOLUTION_DAY,
    ldn_start: str | datetime.date | None = None,
    dose_steps: Sequence[Mapping[str, Any]] = (),
    crashes: Sequence[Mapping[str, Any]] = (),
    side_effects: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The SVG chart of one series of the trends payload between ``start`` and
    ``end`` (inclusive).

    ``series`` is one item of ``payload["series"]`` (``name``, ``points`` of
    ``{x, y, n}`` with ``y`` ``None`` when not logged, ``rolling_mean``);
    ``dose_steps``, ``crashes`` and ``side_effects`` are the payload's lists and
    ``ldn_start`` its ISO date (or ``None``).
    """
    if end < start:
        raise ValueError("The range ends before it starts.")
    scale = _Scale(start, end)
    name = str(series.get("name", ""))
    daily = resolution == RESOLUTION_DAY
    points = [
        (_point_x(scale, point), point.get("y")) for point in series.get("points", [])
    ]
    logged = [(x, y) for x, y in points if y is not None]

    # Several charts share one HTML page, so the hatch pattern's id is per chart.
    hatch = "crash-hatch-" + _slug(str(series.get("uuid") or name))
    parts: list[str] = [_defs(hatch)]
    legend: set[str] = set()

    # Background layers first: crash spans, then grid, then the lines on top.
    crash_spans = _crash_spans(scale, crashes, hatch)
    parts.append(crash_spans)
    if crash_spans:
        legend.add("crash")
    parts.append(_score_axis())
    parts.append(_date_axis(scale))

    dose_mg_max = _dose_axis_max(dose_steps)
    if dose_mg_max is not None:
        parts.append(_dose_axis(dose_mg_max))
        step_lines = _dose_lines(scale, dose_steps, dose_mg_max)
        parts += step_lines
        if step_lines:
            legend.add("dose")

    ldn_day = _parse(ldn_start) if ldn_start else None
    if ldn_day is not None and start <= ldn_day <= end:
        parts.append(_ldn_line(scale, ldn_day))
        legend.add("ldn")

    markers = _side_effect_markers(scale, side_effects)
    parts += markers
    if markers:
        legend.add("side_effect")

    if daily:
        parts.append(_daily_trace(points))
        parts.append(_dots(logged, radius=2.2, fill=DARK))
        rolling = [
            (scale.x_of(_parse(point["x"])), point.get("y"))
            for point in series.get("rolling_mean", [])
        ]
        parts.append(_runs_path(rolling, css_class="rolling-mean", width=2.6))
        legend |= {"daily", "rolling"} if logged else set()
    else:
        parts.append(_runs_path(points, css_class="average", width=2.2))
        parts.append(_dots(logged, radius=2.6, fill=INK))
        legend |= {"average"} if logged else set()

    if not logged:
        parts.append(
            _text(
                (PLOT_LEFT + PLOT_RIGHT) / 2,
                (PLOT_TOP + PLOT_BOTTOM) / 2,
                _("Nothing logged in this range"),
                size=14,
                anchor="middle",
                fill=MID,
            )
        )

    parts.append(
        _legend(
            [item for item in LEGEND_ORDER if item in legend],
            resolution=resolution,
            hatch=hatch,
        )
    )

    title = _("%(name)s: daily scores from %(start)s to %(end)s") % {
        "name": name,
        "start": date_format(start, "j M Y"),
        "end": date_format(end, "j M Y"),
    }
    description = _describe(series, scale, daily=daily)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'preserveAspectRatio="xMidYMid meet" role="img" '
        f"font-family={quoteattr(FONT)}>"
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        + "".join(part for part in parts if part)
        + "</svg>"
    )


# --- Scales -------------------------------------------------------------------------


class _Scale:
    """Days to x: each day is a slot of equal width, its point in the middle."""

    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.start = start
        self.end = end
        self.days = (end - start).days + 1
        self.slot = (PLOT_RIGHT - PLOT_LEFT) / self.days

    def index(self, day: datetime.date) -> int:
        return (day - self.start).days

    def x_of(self, day: datetime.date) -> float:
        return PLOT_LEFT + (self.index(day) + 0.5) * self.slot

    def slot_start(self, day: datetime.date) -> float:
        return PLOT_LEFT + max(0, min(self.index(day), self.days)) * self.slot

    def slot_end(self, day: datetime.date) -> float:
        return PLOT_LEFT + max(0, min(self.index(day) + 1, self.days)) * self.slot


def _y_of(score: float) -> float:
    return PLOT_BOTTOM - (score / SCORE_MAX) * (PLOT_BOTTOM - PLOT_TOP)


def _parse(value: str | datetime.date) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _point_x(scale: _Scale, point: Mapping[str, Any]) -> float:
    """The middle of a point's days (one day, or a week or month bucket)."""
    first = _parse(point["x"])
    last = _parse(point["x_end"]) if point.get("x_end") else first
    return (scale.slot_start(first) + scale.slot_end(last)) / 2


def _n(value: float) -> str:
    """A coordinate, short: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- Drawing helpers ----------------------------------------------------------------


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 11,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "normal",
    css_class: str = "",
    transform: str = "",
) -> str:
    extra = f' class="{css_class}"' if css_class else ""
    if transform:
        extra += f' transform="{transform}"'
    if weight != "normal":
        extra += f' font-weight="{weight}"'
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" '
        f'text-anchor="{anchor}" fill="{fill}"{extra}>{escape(content)}</text>'
    )


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str = INK,
    width: float = 1,
    dash: str = "",
    css_class: str = "",
) -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    if css_class:
        extra += f' class="{css_class}"'
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="{_n(width)}"{extra}/>'
    )


def _slug(text: str) -> str:
    """A short, id-safe token for ``text`` (stable, so the same chart is the same
    markup)."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _defs(hatch: str) -> str:
    # Diagonal hatching for crash spans: still visible when grey prints as white.
    return (
        "<defs>"
        f'<pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" '
        'height="6" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{CRASH_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{LIGHT}" stroke-width="2"/>'
        "</pattern>"
        "</defs>"
    )


# --- Axes ---------------------------------------------------------------------------


def _score_axis() -> str:
    parts = ['<g class="score-axis">']
    for score in range(0, SCORE_MAX + 1, 2):
        y = _y_of(score)
        parts.append(
            _line(PLOT_LEFT, y, PLOT_RIGHT, y, stroke=GRID if score else MID, width=1)
        )
        parts.append(_text(PLOT_LEFT - 6, y + 4, str(score), anchor="end", fill=DARK))
    mid = (PLOT_TOP + PLOT_BOTTOM) / 2
    parts.append(
        _text(
            14,
            mid,
            _("Score (0 none, 10 worst)"),
            size=10,
            anchor="middle",
            fill=DARK,
            transform=f"rotate(-90 14 {_n(mid)})",
        )
    )
    parts.append(_line(PLOT_LEFT, PLOT_TOP, PLOT_LEFT, PLOT_BOTTOM, stroke=MID))
    parts.append("</g>")
    return "".join(parts)


def _date_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """At most about 8 readable dates: days, Mondays or first days of months."""
    days = (end - start).days + 1
    if days <= 14:
        step = max(1, math.ceil(days / 7))
        return [start + datetime.timedelta(days=i) for i in range(0, days, step)]
    if days <= 120:
        every = max(1, math.ceil(days / 7 / 8))
        first = start + datetime.timedelta(days=(7 - start.weekday()) % 7)
        ticks = []
        day = first
        while day <= end:
            ticks.append(day)
            day += datetime.timedelta(days=7 * every)
        return ticks
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = max(1, math.ceil(months / 8))
    ticks = []
    year, month = start.year, start.month
    if start.day != 1:
        month += 1
    while True:
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        day = datetime.date(year, month, 1)
        if day > end:
            break
        ticks.append(day)
        month += every
    return ticks


def _date_axis(scale: _Scale) -> str:
    parts = ['<g class="date-axis">']
    parts.append(
        _line(PLOT_LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM, stroke=MID, width=1)
    )
    previous_year = None
    for day in _date_ticks(scale.start, scale.end):
        x = scale.slot_start(day) if day.day == 1 else scale.x_of(day)
        parts.append(_line(x, PLOT_BOTTOM, x, PLOT_BOTTOM + 4, stroke=MID))
        show_year = previous_year is not None and day.year != previous_year
        label = date_format(day, "j M Y" if show_year else "j M")
        parts.append(_text(x, AXIS_LABEL_Y, label, size=10.5, anchor="middle"))
        previous_year = day.year
    # The range itself, with the year, under the axis at both ends.
    parts.append(
        _text(
            PLOT_LEFT,
            AXIS_LABEL_Y + 15,
            date_format(scale.start, "D j M Y"),
            size=10,
            fill=DARK,
        )
    )
    parts.append(
        _text(
            PLOT_RIGHT,
            AXIS_LABEL_Y + 15,
            date_format(scale.end, "D j M Y"),
            size=10,
            anchor="end",
            fill=DARK,
        )
    )
    parts.append("</g>")
    return "".join(parts)


def _doses(steps: Iterable[Mapping[str, Any]]) -> list[float]:
    return [float(step["dose_mg"]) for step in steps if step.get("dose_mg") is not None]


def _dose_axis_max(steps: Sequence[Mapping[str, Any]]) -> float | None:
    doses = _doses(steps)
    if not doses:
        return None
    top = max(doses)
    for nice in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50):
        if top <= nice:
            return float(nice)
    return float(math.ceil(top / 10) * 10)


def _dose_step_size(top: float) -> float:
    for step in (0.5, 1, 2, 5, 10):
        if top / step <= 6:
            return step
    return 10.0


def _y_of_dose(mg: float, top: float) -> float:
    return PLOT_BOTTOM - (mg / top) * (PLOT_BOTTOM - PLOT_TOP)


def _dose_axis(top: float) -> str:
    parts = ['<g class="dose-axis">']
    parts.append(_line(PLOT_RIGHT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM, stroke=MID))
    step = _dose_step_size(top)
    value = 0.0
    while value <= top + 1e-9:
        y = _y_of_dose(value, top)
        parts.append(_line(PLOT_RIGHT, y, PLOT_RIGHT + 4, y, stroke=MID))
        parts.append(_text(PLOT_RIGHT + 7, y + 4, _fmt_mg(value), size=10.5))
        value += step
    mid = (PLOT_TOP + PLOT_BOTTOM) / 2
    x = WIDTH - 8
    parts.append(
        _text(
            x,
            mid,
            _("LDN dose (mg)"),
            size=10,
            anchor="middle",
            fill=DARK,
            transform=f"rotate(90 {x} {_n(mid)})",
        )
    )
    parts.append("</g>")
    return "".join(parts)


def _fmt_mg(value: float) -> str:
    return f"{value:g}"


# --- Annotations --------------------------------------------------------------------


def _crash_spans(
    scale: _Scale, crashes: Iterable[Mapping[str, Any]], hatch: str
) -> str:
    """Every crash in the range as one hatched shape: a rectangle per crash, all
    in one path, so the pattern is painted once per chart however many crashes
    a long range holds (WeasyPrint draws a pattern afresh for every shape that
    uses it). Overlapping spans look as they did as separate rectangles."""
    rectangles = []
    height = PLOT_BOTTOM - PLOT_TOP
    for crash in crashes:
        first = max(_parse(crash["start"]), scale.start)
        last = min(_parse(crash["end"]) if crash.get("end") else scale.end, scale.end)
        if last < first:
            continue
        x1, x2 = scale.slot_start(first), scale.slot_end(last)
        width = max(x2 - x1, 1.5)
        rectangles.append(f"M{_n(x1)},{PLOT_TOP}h{_n(width)}v{height}h{_n(-width)}Z")
    if not rectangles:
        return ""
    return (
        f'<path class="crash-spans" d="{" ".join(rectangles)}" '
        f'fill="url(#{hatch})" stroke="{MID}" stroke-width="0.6"/>'
    )


def _dose_lines(
    scale: _Scale, steps: Sequence[Mapping[str, Any]], top: float
) -> list[str]:
    """A step line per run of doses; a pause or stop breaks it (with a label)."""
    ordered = sorted(steps, key=lambda step: step["date"])
    lines: list[str] = []
    run: list[tuple[float, float]] = []
    labels: list[str] = []

    def flush() -> None:
        if len(run) >= 2:
            coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            lines.append(
                f'<polyline class="dose-steps" points="{coords}" fill="none" '
                f'stroke="{INK}" stroke-width="1.6" stroke-dasharray="7 3"/>'
            )
        run.clear()

    for index, step in enumerate(ordered):
        first = max(_parse(step["date"]), scale.start)
        if first > scale.end:
            break
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        last = (
            min(_parse(following["date"]) - datetime.timedelta(days=1), scale.end)
            if following
            else scale.end
        )
        if last < first:
            continue  # replaced on the same (clipped) day
        x1, x2 = scale.slot_start(first), scale.slot_end(last)
        dose = step.get("dose_mg")
        if dose is None:
            flush()
            word = _("stopped") if step.get("reason") == "stop" else _("paused")
            labels.append(
                _text(x1 + 3, PLOT_BOTTOM - 5, word, size=10, fill=INK, weight="bold")
            )
            continue
        y = _y_of_dose(float(dose), top)
        if run and abs(run[-1][0] - x1) < 0.01:
            run.append((x1, y))  # the riser of a step
        else:
            flush()
            run.append((x1, y))
        run.append((x2, y))
    flush()
    return lines + labels


def _ldn_line(scale: _Scale, day: datetime.date) -> str:
    x = scale.slot_start(day)
    label = _("LDN start %(date)s") % {"date": date_format(day, "j M")}
    # Keep the label inside the chart: left of the line when near the right edge.
    anchor, dx = (
        ("end", -4)
        if x > PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * 0.7
        else (
            "start",
            4,
        )
    )
    return (
        '<g class="ldn-start">'
        + _line(x, PLOT_TOP - 16, x, PLOT_BOTTOM, stroke=INK, width=1.8, dash="4 3")
        + _text(
            x + dx,
            PLOT_TOP - 6,
            label,
            size=11,
            anchor=anchor,
            weight="bold",
            css_class="ldn-label",
        )
        + "</g>"
    )


def _side_effect_markers(
    scale: _Scale, markers: Iterable[Mapping[str, Any]]
) -> list[str]:
    shapes = []
    for marker in markers:
        first = _parse(marker["x"])
        last = _parse(marker["x_end"]) if marker.get("x_end") else first
        if last < scale.start or first > scale.end:
            continue
        x = (scale.slot_start(first) + scale.slot_end(last)) / 2
        labels = ", ".join(
            f"{effect.get('label', '')} ({effect.get('severity_label', '')})"
            for effect in marker.get("effects", [])
        )
        shapes.append(
            f'<path class="side-effect" d="M{_n(x - 4.5)},{MARKER_Y - 5} '
            f'L{_n(x + 4.5)},{MARKER_Y - 5} L{_n(x)},{MARKER_Y + 4} Z" '
            f'fill="{INK}"><title>{escape(labels)}</title></path>'
        )
    return shapes


# --- Data ---------------------------------------------------------------------------


def _daily_trace(points: Sequence[tuple[float, float | None]]) -> str:
    """A thin line joining consecutive logged days only: a missing day breaks it."""
    return _runs_path(points, css_class="daily-trace", width=0.9, stroke=LIGHT)


def _runs_path(
    points: Sequence[tuple[float, float | None]],
    *,
    css_class: str,
    width: float,
    stroke: str = INK,
) -> str:
    """One path, a new sub-path (``M``) after every ``None``: gaps are breaks."""
    commands: list[str] = []
    pen_down = False
    for x, y in points:
        if y is None:
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{_n(x)},{_n(_y_of(float(y)))}")
        pen_down = True
    if not commands:
        return ""
    return (
        f'<path class="{css_class}" d="{" ".join(commands)}" fill="none" '
        f'stroke="{stroke}" stroke-width="{_n(width)}" stroke-linejoin="round" '
        f'stroke-linecap="round"/>'
    )


def _dots(points: Sequence[tuple[float, float]], *, radius: float, fill: str) -> str:
    """One dot per point, drawn as a single path of zero-length, round-capped
    strokes (a year of days is then one element, not 365: WeasyPrint draws a
    chart in a fraction of the time)."""
    if not points:
        return ""
    moves = "".join(f"M{_n(x)},{_n(_y_of(float(y)))}h0" for x, y in points)
    return (
        f'<path class="points" d="{moves}" fill="none" stroke="{fill}" '
        f'stroke-width="{_n(2 * radius)}" stroke-linecap="round"/>'
    )


# --- Legend and description ---------------------------------------------------------


def _legend(items: Sequence[str], *, resolution: str, hatch: str) -> str:
    if not items:
        return ""
    average = _("Weekly average") if resolution == "week" else _("Monthly average")
    y = LEGEND_Y
    x = float(PLOT_LEFT)
    parts = ['<g class="legend">']
    for item in items:
        if item == "daily":
            parts.append(
                f'<circle cx="{_n(x + 6)}" cy="{y - 4}" r="2.4" fill="{DARK}"/>'
            )
            label = _("Daily score")
        elif item == "rolling":
            parts.append(_line(x, y - 4, x + 18, y - 4, stroke=INK, width=2.6))
            label = _("7-day average")
        elif item == "average":
            parts.append(_line(x, y - 4, x + 18, y - 4, stroke=INK, width=2.2))
            parts.append(f'<circle cx="{_n(x + 9)}" cy="{y - 4}" r="2.6"/>')
            label = average
        elif item == "dose":
            parts.append(
                _line(x, y - 4, x + 18, y - 4, stroke=INK, width=1.6, dash="7 3")
            )
            label = _("LDN dose (right axis)")
        elif item == "ldn":
            parts.append(
                _line(x + 9, y - 12, x + 9, y + 3, stroke=INK, width=1.8, dash="4 3")
            )
            label = _("LDN start")
        elif item == "crash":
            parts.append(
                f'<rect x="{_n(x)}" y="{y - 11}" width="18" height="12" '
                f'fill="url(#{hatch})" stroke="{MID}" stroke-width="0.6"/>'
            )
            label = _("Crash")
        else:  # side_effect
            parts.append(
                f'<path d="M{_n(x + 4.5)},{y - 9} L{_n(x + 13.5)},{y - 9} '
                f'L{_n(x + 9)},{y} Z" fill="{INK}"/>'
            )
            label = _("Side effect")
        parts.append(_text(x + 23, y, label, size=10.5))
        x += 23 + len(label) * 6.1 + 16
    parts.append("</g>")
    return "".join(parts)


def _describe(series: Mapping[str, Any], scale: _Scale, *, daily: bool) -> str:
    logged = series.get("days_logged")
    if logged is None:
        logged = sum(1 for p in series.get("points", []) if p.get("y") is not None)
    values = [p["y"] for p in series.get("points", []) if p.get("y") is not None]
    if not values:
        return _("Nothing logged in this range.")
    kind = _("daily scores") if daily else _("averages")
    return _(
        "%(logged)d of %(days)d days logged; %(kind)s from %(low)s to %(high)s. "
        "Days not logged are gaps in the line, not zeros."
    ) % {
        "logged": logged,
        "days": scale.days,
        "kind": kind,
        "low": f"{min(values):g}",
        "high": f"{max(values):g}",
    }
