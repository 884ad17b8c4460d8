"""The two charts of page 1, as SVG strings (pure functions, like :mod:`.charts`).

- :func:`band_chart_svg`, the one standard visual: the primary outcome's weekly
  median as a line and its interquartile range (the middle half of the logged
  days) as a grey band, across the report's range, with the LDN start and the
  dose steps drawn. A week with fewer than three logged days is a gap, never a
  point at 0.
- :func:`dose_steps_svg`, a small step chart of the LDN dose from the course
  start to the report's end, each step labelled with its dose.

Black, greys and dashes only, so a black-and-white printout loses nothing; every
text from the patient is escaped.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .charts import (
    DARK,
    FONT,
    GRID,
    INK,
    MID,
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    WIDTH,
    _date_axis,
    _dose_axis,
    _dose_axis_max,
    _dose_lines,
    _ldn_line,
    _line,
    _n,
    _Scale,
    _text,
)
from .core_figures import Band
from .loading import DoseChangeRow

__all__ = ["band_chart_svg", "dose_steps_svg"]

BAND_HEIGHT = 252
LEGEND_Y = 247
BAND_FILL = "#bfbfbf"


def _svg(width: float, height: float, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} '
        f'{_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'preserveAspectRatio="xMidYMid meet" role="img" '
        f"font-family={quoteattr(FONT)}>"
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


def _value_axis(band: Band) -> tuple[str, Any]:
    top = band.scale_max
    span = PLOT_BOTTOM - PLOT_TOP

    def y_of(value: float) -> float:
        return PLOT_BOTTOM - (value / top) * span

    step = {100.0: 20.0, 24.0: 4.0, 12.0: 2.0}.get(top, 2.0)
    parts = ['<g class="value-axis">']
    value = 0.0
    while value <= top + 1e-9:
        y = y_of(value)
        parts.append(_line(PLOT_LEFT, y, PLOT_RIGHT, y, stroke=GRID if value else MID))
        parts.append(_text(PLOT_LEFT - 6, y + 4, f"{value:g}", anchor="end", fill=DARK))
        value += step
    if band.key == "function":
        label = _("Bell score (higher is better)")
    elif band.key == "hours_upright":
        label = _("Hours upright (higher is better)")
    else:
        label = _("Score (0 none, 10 worst)")
    mid = (PLOT_TOP + PLOT_BOTTOM) / 2
    parts.append(
        _text(
            14,
            mid,
            label,
            size=10,
            anchor="middle",
            fill=DARK,
            transform=f"rotate(-90 14 {_n(mid)})",
        )
    )
    parts.append("</g>")
    return "".join(parts), y_of


def band_chart_svg(
    band: Band,
    *,
    start: datetime.date,
    end: datetime.date,
    ldn_start: datetime.date | None,
    dose_steps: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The standard visual of page 1 (see the module docstring)."""
    scale = _Scale(start, end)
    axis, y_of = _value_axis(band)
    parts = [axis, _date_axis(scale)]
    top_mg = _dose_axis_max(dose_steps)
    if top_mg is not None:
        parts.append(_dose_axis(top_mg))
        parts += _dose_lines(scale, dose_steps, top_mg)

    # The band and the median, broken at every period with too few logged days.
    runs: list[list[tuple[float, float, float, float]]] = [[]]
    for point in band.points:
        if point.median is None or point.low is None or point.high is None:
            if runs[-1]:
                runs.append([])
            continue
        x = (scale.slot_start(point.start) + scale.slot_end(point.end)) / 2
        runs[-1].append((x, y_of(point.low), y_of(point.median), y_of(point.high)))
    shown = 0
    for run in runs:
        if not run:
            continue
        shown += len(run)
        if len(run) == 1:
            x, low, median, high = run[0]
            parts.append(
                f'<rect x="{_n(x - 3)}" y="{_n(high)}" width="6" '
                f'height="{_n(max(low - high, 0.8))}" fill="{BAND_FILL}"/>'
            )
        else:
            upper = " ".join(f"{_n(x)},{_n(h)}" for x, _l, _m, h in run)
            lower = " ".join(f"{_n(x)},{_n(lo)}" for x, lo, _m, _h in reversed(run))
            parts.append(
                f'<polygon class="iqr-band" points="{upper} {lower}" '
                f'fill="{BAND_FILL}" stroke="none"/>'
            )
        line = " ".join(f"{_n(x)},{_n(m)}" for x, _l, m, _h in run)
        parts.append(
            f'<polyline class="median" points="{line}" fill="none" stroke="{INK}" '
            f'stroke-width="2.2" stroke-linejoin="round"/>'
        )
    if ldn_start is not None and start <= ldn_start <= end:
        parts.append(_ldn_line(scale, ldn_start))
    if not shown:
        parts.append(
            _text(
                (PLOT_LEFT + PLOT_RIGHT) / 2,
                (PLOT_TOP + PLOT_BOTTOM) / 2,
                _("Not enough logged days in this range"),
                size=14,
                anchor="middle",
                fill=MID,
            )
        )
    parts.append(_band_legend(band, dosed=top_mg is not None))
    period = _("Weekly") if band.period == "week" else _("Monthly")
    title = _(
        "%(label)s: %(period)s median and interquartile range, %(start)s to %(end)s"
    ) % {
        "label": band.label,
        "period": period.lower(),
        "start": date_format(start, "j M Y"),
        "end": date_format(end, "j M Y"),
    }
    desc = _(
        "%(logged)d days logged. A gap is a period with fewer than 3 logged days, "
        "never a value of 0."
    ) % {"logged": band.days_logged}
    return _svg(WIDTH, BAND_HEIGHT, title, desc, "".join(parts))


def _band_legend(band: Band, *, dosed: bool) -> str:
    y = LEGEND_Y
    x = float(PLOT_LEFT)
    median = _("Weekly median") if band.period == "week" else _("Monthly median")
    items = [
        (_line(x, y - 4, x + 18, y - 4, stroke=INK, width=2.2), median),
        (None, _("Middle half of the logged days")),
        (None, _("LDN start")),
    ]
    if dosed:
        items.append((None, _("LDN dose (right axis)")))
    parts = ['<g class="legend">']
    for index, (_unused, label) in enumerate(items):
        if index == 0:
            parts.append(_line(x, y - 4, x + 18, y - 4, stroke=INK, width=2.2))
        elif index == 1:
            parts.append(
                f'<rect x="{_n(x)}" y="{y - 10}" width="18" height="11" '
                f'fill="{BAND_FILL}"/>'
            )
        elif index == 2:
            parts.append(
                _line(x + 9, y - 12, x + 9, y + 3, stroke=INK, width=1.8, dash="4 3")
            )
        else:
            parts.append(
                _line(x, y - 4, x + 18, y - 4, stroke=INK, width=1.6, dash="7 3")
            )
        parts.append(_text(x + 23, y, label, size=10.5))
        x += 23 + len(label) * 6.1 + 16
    parts.append("</g>")
    return "".join(parts)


# --- The small dose-step chart ------------------------------------------------------

STEP_W = 240
STEP_H = 84
STEP_LEFT = 4
STEP_RIGHT = STEP_W - 4
STEP_TOP = 16
STEP_BOTTOM = 58
STEP_LABEL_GAP = 22  # the least room between two dose labels


def dose_steps_svg(
    changes: Sequence[DoseChangeRow],
    *,
    course_start: datetime.date,
    end: datetime.date,
) -> str:
    """The dose from ``course_start`` to ``end`` as a labelled step line; pauses
    and stops are breaks. "" when no dose was recorded."""
    ordered = [c for c in sorted(changes, key=lambda c: c.date) if c.date <= end]
    doses = [float(c.dose_mg) for c in ordered if c.dose_mg is not None]
    if not doses or end < course_start:
        return ""
    first = min(course_start, ordered[0].date)
    days = (end - first).days + 1
    top = max(doses)

    def x_of(day: datetime.date) -> float:
        return STEP_LEFT + (day - first).days / days * (STEP_RIGHT - STEP_LEFT)

    def y_of(mg: float) -> float:
        return STEP_BOTTOM - mg / top * (STEP_BOTTOM - STEP_TOP)

    parts = [_line(STEP_LEFT, STEP_BOTTOM, STEP_RIGHT, STEP_BOTTOM, stroke=MID)]
    labels: list[tuple[float, float, str]] = []  # (x, y, dose), in date order
    for index, change in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        x1 = x_of(change.date)
        x2 = x_of(following.date) if following else STEP_RIGHT
        if change.dose_mg is None:
            word = _("stopped") if change.reason == "stop" else _("paused")
            parts.append(_text(x1 + 2, STEP_BOTTOM - 4, word, size=10, fill=DARK))
            continue
        y = y_of(float(change.dose_mg))
        parts.append(_line(x1, y, x2, y, stroke=INK, width=2))
        previous = ordered[index - 1] if index else None
        if previous is not None and previous.dose_mg is not None:
            parts.append(
                _line(x1, y_of(float(previous.dose_mg)), x1, y, stroke=INK, width=2)
            )
        label = f"{float(change.dose_mg):g}"
        if not labels or labels[-1][2] != label:  # a restart at the same dose
            labels.append((x1, y, label))
    # Label the current dose always, then earlier steps where there is room.
    kept_x: float = STEP_RIGHT + STEP_LABEL_GAP
    for x, y, dose in reversed(labels):
        if kept_x - x < STEP_LABEL_GAP:
            continue
        near_end = x > STEP_RIGHT - STEP_LABEL_GAP
        parts.append(
            _text(
                STEP_RIGHT if near_end else x + 1,
                y - 4,
                dose,
                size=11,
                weight="bold",
                anchor="end" if near_end else "start",
            )
        )
        kept_x = x
    parts.append(
        _text(
            STEP_LEFT,
            STEP_BOTTOM + 14,
            date_format(first, "j M Y"),
            size=10.5,
            fill=DARK,
        )
    )
    parts.append(
        _text(
            STEP_RIGHT,
            STEP_BOTTOM + 14,
            date_format(end, "j M Y"),
            size=10.5,
            anchor="end",
            fill=DARK,
        )
    )
    parts.append(
        _text(STEP_LEFT, STEP_BOTTOM + 26, _("mg, by date"), size=10, fill=MID)
    )
    title = _("LDN dose steps from %(start)s to %(end)s") % {
        "start": date_format(first, "j M Y"),
        "end": date_format(end, "j M Y"),
    }
    desc = ", ".join(
        f"{date_format(c.date, 'j M Y')}: "
        + (f"{float(c.dose_mg):g} mg" if c.dose_mg is not None else c.reason_label)
        for c in ordered
    )
    return _svg(STEP_W, STEP_H + 6, title, desc, "".join(parts))
