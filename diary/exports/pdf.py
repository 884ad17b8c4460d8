"""The clinician report: one HTML document, printed to PDF by WeasyPrint and shown as
a page to the doctor who opens a share link.

Page 1 is a summary a doctor can read in two minutes; the sections the patient
chose follow. Every printed page carries the footer "Patient-reported data. Not
medical advice.", the date it was made and "Page x of y" (CSS page margin boxes).

The same template serves both: ``render_report_html(data, for_print=True)`` inlines
the stylesheet and the ``@page`` rules (WeasyPrint loads nothing from anywhere), and
``for_print=False`` links ``static/css/report.css`` like any other page. Neither
has a script, a form or any of the patient's navigation.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Engine
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from diary.comparison import text

from .charts import report_charts
from .core_figures import mg_list, no_comparison_message, one_decimal, signed
from .data import ReportData, dose_text, format_mg
from .summary_charts import band_chart_svg, dose_steps_svg
from .tables import MONTH, QUARTER, WEEK

__all__ = ["build_pdf", "render_report_html"]

STYLESHEET = "css/report.css"
TEMPLATE = "diary/exports/report.html"
# The only template tag libraries the report's template loads.
TEMPLATE_LIBRARIES = {
    "i18n": "django.templatetags.i18n",
    "static": "django.templatetags.static",
}
FOOTER_STYLE = 'font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #222;'


@dataclass(frozen=True)
class Note:
    """A free-text note in the notes section: when, about what, and the text."""

    date: datetime.date
    kind: str
    text: str


def render_report_html(data: ReportData, *, for_print: bool) -> str:
    """The report as one standalone HTML document (no scripts, no navigation, no
    external resources): for WeasyPrint when ``for_print``, else for a browser."""
    context = Context(_report_context(data, for_print=for_print))
    return _report_engine().get_template(TEMPLATE).render(context)


def _report_context(data: ReportData, *, for_print: bool) -> dict[str, Any]:
    return {
        "data": data,
        "for_print": for_print,
        "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE,
        "stylesheet": _stylesheet() if for_print else "",
        "page_css": _page_css(data) if for_print else "",
        "generated": date_format(timezone.localtime(data.generated_at), "j M Y H:i"),
        "causation_caveat": str(text.CAUSATION_CAVEAT),
        "current_dose_text": _current_dose_text(data),
        "dose_steps_text": _dose_steps_text(data),
        "charts": [
            {
                "name": chart.name,
                "days_logged": chart.days_logged,
                "days_in_range": chart.days_in_range,
                "svg": _embed(chart.svg, for_print=for_print),
            }
            for chart in (
                report_charts(data.trends, ldn_start=data.ldn_start)
                if data.has("charts")
                else []
            )
        ],
        "core": data.core,
        "page_one": {
            name: _embed(svg, for_print=for_print)
            for name, svg in _page_one_charts(data).items()
        },
        "period_rows": _period_rows(data) if data.has("weekly") else [],
        "period_table": _period_table(data.table_period),
        "analysis": _analysis(data),
        "notes": _notes(data),
    }


@cache
def _report_engine() -> Engine:
    """A template engine for the report alone: the project's template folders and
    the two tag libraries the report loads. The project's engine imports every
    installed app's tag libraries when it starts (Django REST framework's brings
    psycopg, requests and pygments: about 17 MiB), which a worker that only
    builds reports would carry for nothing. The output is the same: there is no
    request, so no context processor runs either way."""
    dirs = settings.TEMPLATES[0].get("DIRS", [])
    assert isinstance(dirs, list | tuple)
    return Engine(
        dirs=[str(path) for path in dirs],
        app_dirs=False,
        libraries=TEMPLATE_LIBRARIES,
        debug=settings.DEBUG,
    )


def build_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (A4)."""
    from weasyprint import HTML  # imported late: it needs the system's Pango

    html = render_report_html(data, for_print=True)
    # PDF/UA-1: a tagged PDF (headings, tables, reading order) with its title and
    # language, so a screen reader can read the report.
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")


def _embed(svg: str, *, for_print: bool) -> str:
    """A chart as markup: inline SVG on screen; for print, the same SVG as a
    ``data:`` image, which WeasyPrint parses with its XML parser instead of the
    much slower HTML5 parser (a year of charts then prints in a fraction of the
    time). Nothing is fetched either way. The alternative text is the chart's
    own title and description."""
    if not svg or not for_print:
        return svg
    title = _between(svg, "<title>", "</title>")
    desc = _between(svg, "<desc>", "</desc>")
    alt = f"{title}. {desc}" if desc else title
    # title and desc are already XML-escaped, so they are safe in an attribute
    # once quotes are escaped too.
    alt = alt.replace('"', "&quot;")
    encoded = base64.b64encode(svg.encode()).decode("ascii")
    return f'<img class="chart-image" alt="{alt}" src="data:image/svg+xml;base64,{encoded}">'


def _between(text: str, start: str, end: str) -> str:
    first = text.find(start)
    if first < 0:
        return ""
    first += len(start)
    last = text.find(end, first)
    return text[first:last] if last >= 0 else ""


# --- Page set-up --------------------------------------------------------------------


@cache
def _stylesheet() -> str:
    """The report stylesheet's text, inlined for WeasyPrint (which then fetches
    nothing): from the source tree, or from collected static files."""
    path = finders.find(STYLESHEET) or Path(settings.STATIC_ROOT) / STYLESHEET
    return Path(path).read_text(encoding="utf-8")


def _css_string(text: str) -> str:
    """Quote text for a CSS ``content`` value."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def _page_css(data: ReportData) -> str:
    """A4 pages; the footer of every page: what this is, when it was made, and
    "Page x of y"."""
    made = date_format(timezone.localtime(data.generated_at), "j M Y H:i")
    footer = _("Patient-reported data. Not medical advice. Made %(when)s.") % {
        "when": made
    }
    page = _("Page %(page)s of %(pages)s")
    before, _sep, rest = page.partition("%(page)s")
    middle, _sep, after = rest.partition("%(pages)s")
    page_content = (
        f"{_css_string(before)} counter(page) {_css_string(middle)} "
        f"counter(pages) {_css_string(after)}"
    )
    return (
        "@page { size: A4; margin: 14mm 14mm 18mm 14mm;"
        f" @bottom-left {{ content: {_css_string(footer)}; {FOOTER_STYLE} }}"
        f" @bottom-right {{ content: {page_content}; {FOOTER_STYLE} }} }}"
    )


# --- Figures for the template -------------------------------------------------------


def _current_dose_text(data: ReportData) -> str:
    dose = data.current_dose
    if dose.is_taking and dose.change is not None:
        return dose_text(dose.change)
    return ""


def _dose_steps_text(data: ReportData) -> str:
    """The dose steps that touch the range, in one line: "0.5 mg (31 Aug), 1 mg
    (14 Sep), paused (2 Oct), ..."."""
    steps = []
    for course in data.courses:
        for period in course.periods:
            if period.status == "paused":
                amount = _("paused")
            else:
                amount = _("%(dose)s mg") % {"dose": format_mg(period.dose_mg)}
            steps.append(
                _("%(amount)s from %(date)s")
                % {"amount": amount, "date": date_format(period.start, "j M")}
            )
        if course.stopped_on is not None and course.stopped_on <= data.end:
            steps.append(
                _("stopped %(date)s") % {"date": date_format(course.stopped_on, "j M")}
            )
    return "; ".join(steps)


def _analysis(data: ReportData) -> dict[str, Any] | None:
    """The analysis section: the one comparison, outcome by outcome, formatted
    (every figure from :class:`diary.comparison.Comparison`, nothing recomputed).
    None when the section was not chosen."""
    comparison = data.comparison
    if comparison is None or not data.has("analysis"):
        return None
    windows = comparison.windows
    rows = [
        {
            "outcome": outcome,
            "baseline": one_decimal(outcome.baseline.mean),
            "on_ldn": one_decimal(outcome.on_ldn.mean),
            "difference": signed(outcome.difference),
            "low": one_decimal(outcome.interval[0]) if outcome.interval else "",
            "high": one_decimal(outcome.interval[1]) if outcome.interval else "",
            "notes": [w.text for w in outcome.warnings]
            + list(outcome.not_enough_data)
            + ([outcome.declined] if outcome.declined else []),
            "dose_steps": [
                {"step": step, "mean": one_decimal(step.mean)}
                for step in outcome.dose_steps
            ],
        }
        for outcome in comparison.outcomes
    ]
    coverage = sorted(
        {o.coverage_text for o in comparison.outcomes if o.interval and o.coverage_text}
    )
    return {
        "status": comparison.status,
        "message": _no_comparison_message(data),
        "windows": windows,
        "baseline_doses": "",
        "on_ldn_doses": mg_list(windows.on_ldn.doses_mg)
        if windows is not None and windows.on_ldn is not None
        else "",
        "groups": _groups(rows),
        "warnings": [w.text for w in comparison.warnings],
        "caveats": [
            c
            for c in comparison.caveats
            if c not in (str(text.CAUSATION_CAVEAT), str(text.MULTIPLICITY))
        ],
        "coverage": coverage,
        "method": comparison.method,
        "crash_rates": comparison.crash_rates,
        "crash_rate_texts": [
            one_decimal(rate.per_30_days) for rate in comparison.crash_rates
        ]
        if comparison.crash_rates
        else [],
    }


def _groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The primary outcome first, then the others, labelled exploratory."""
    primary = [row for row in rows if row["outcome"].primary]
    others = [row for row in rows if not row["outcome"].primary]
    groups = []
    if primary:
        groups.append(
            {
                "key": "primary",
                "title": _("Primary outcome"),
                "intro": "",
                "rows": primary,
            }
        )
    if others:
        groups.append(
            {
                "key": "exploratory",
                "title": _("Other outcomes (exploratory)"),
                "intro": str(text.MULTIPLICITY),
                "rows": others,
            }
        )
    return groups


def _no_comparison_message(data: ReportData) -> str:
    """The one plain sentence when there is no complete comparison."""
    if data.core is not None:
        return data.core.message
    if data.comparison is None or data.comparison.status == "ok":
        return ""

    return no_comparison_message(data.comparison)


def _period_table(period: str) -> dict[str, str]:
    """The averages table's heading, note and first column for its rows."""
    brackets = _(
        "A number in brackets is how many days that symptom was scored, when it "
        "differs from the days logged in the row. – means nothing logged."
    )
    heading, note, column = {
        WEEK: (
            _("Weekly averages"),
            _(
                "Average score of the logged days of each week (Monday to Sunday, "
                "cut to the range)."
            ),
            _("Week from"),
        ),
        MONTH: (
            _("Monthly averages"),
            _(
                "Average score of the logged days of each calendar month (cut to "
                "the range): the range is longer than six months, so one row a month."
            ),
            _("Month"),
        ),
        QUARTER: (
            _("Quarterly averages"),
            _(
                "Average score of the logged days of each quarter of the year (cut "
                "to the range): the range is longer than 13 months, so one row a "
                "quarter. The charts show the weeks."
            ),
            _("Quarter"),
        ),
    }[period]
    return {"heading": heading, "note": f"{note} {brackets}", "column": column}


def _period_label(period: str, start: datetime.date, end: datetime.date) -> str:
    if period == WEEK:
        return date_format(start, "j M Y")
    if period == MONTH or (period == QUARTER and start.month == end.month):
        return date_format(start, "M Y")
    return f"{date_format(start, 'M')}–{date_format(end, 'M Y')}"


def _period_rows(data: ReportData) -> list[dict[str, Any]]:
    """The averages table as rows of cells in symptom order (templates cannot
    index a dict by a variable). A cell's day count is shown when it differs from
    the days logged in that row's period (a symptom left unanswered)."""
    rows = []
    for period in data.periods:
        cells = []
        for symptom in data.symptoms:
            mean, logged = period.means.get(symptom.uuid, (None, 0))
            cells.append(
                {
                    "mean": one_decimal(mean),
                    "days_logged": logged,
                    "show_days": mean is not None and logged != period.days_logged,
                }
            )
        rows.append(
            {
                "label": _period_label(data.table_period, period.start, period.end),
                "start": period.start,
                "end": period.end,
                "days_in_range": period.days_in_range,
                "days_logged": period.days_logged,
                "cells": cells,
            }
        )
    return rows


def _page_one_charts(data: ReportData) -> dict[str, str]:
    """The standard visual and the small dose-step chart of page 1."""
    core = data.core
    if core is None:
        return {"band": "", "doses": ""}
    band = ""
    if core.band is not None:
        band = band_chart_svg(
            core.band,
            start=data.start,
            end=data.end,
            ldn_start=core.ldn_start or data.ldn_start,
            dose_steps=data.trends.get("dose_steps") or (),
        )
    doses = ""
    if data.courses:
        course = data.courses[-1]
        doses = dose_steps_svg(
            course.dose_changes, course_start=course.start_date, end=data.dose_as_of
        )
    return {"band": band, "doses": doses}


def _notes(data: ReportData) -> list[Note]:
    """Every free-text note in the range, by date; empty unless the patient chose
    the notes section (the data then holds no notes at all)."""
    if not data.include_notes:
        return []
    notes = [
        Note(day, _("Diary"), row.notes) for day, row in data.days.items() if row.notes
    ]
    for course in data.courses:
        if course.notes:
            notes.append(Note(course.start_date, _("LDN course"), course.notes))
        notes += [
            Note(change.date, _("Dose change"), change.note)
            for change in course.dose_changes
            if change.note and data.start <= change.date <= data.end
        ]
    notes += [
        Note(effect.date, _("Side effect: %(label)s") % {"label": effect.label}, note)
        for effect in data.side_effects
        if (note := effect.note)
    ]
    notes += [
        Note(missed.date, _("Missed dose"), note)
        for missed in data.missed_doses
        if (note := missed.note)
    ]
    notes += [
        Note(crash.start_date, _("Crash"), note)
        for crash in data.crashes
        if (note := crash.notes)
    ]
    return sorted(notes, key=lambda note: note.date)
