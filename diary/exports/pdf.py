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

import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from diary.analysis import CAUSATION_CAVEAT

from .charts import report_charts
from .data import ReportData, dose_text, format_mg

__all__ = ["build_pdf", "render_report_html"]

STYLESHEET = "css/report.css"
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
    context: dict[str, Any] = {
        "data": data,
        "for_print": for_print,
        "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE,
        "stylesheet": _stylesheet() if for_print else "",
        "page_css": _page_css(data) if for_print else "",
        "generated": date_format(timezone.localtime(data.generated_at), "j M Y H:i"),
        "causation_caveat": _(CAUSATION_CAVEAT),
        "current_dose_text": _current_dose_text(data),
        "dose_steps_text": _dose_steps_text(data),
        "charts": (
            report_charts(data.trends, ldn_start=data.ldn_start)
            if data.has("charts")
            else []
        ),
        "summary_rows": _summary_rows(data),
        "weekly_rows": _weekly_rows(data) if data.has("weekly") else [],
        "analysis": _analysis(data),
        "notes": _notes(data),
    }
    return render_to_string("diary/exports/report.html", context)


def build_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (A4)."""
    from weasyprint import HTML  # imported late: it needs the system's Pango

    html = render_report_html(data, for_print=True)
    # PDF/UA-1: a tagged PDF (headings, tables, reading order) with its title and
    # language, so a screen reader can read the report.
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")


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


def signed(value: float | None) -> str:
    """A difference with one decimal and its sign as shown: "+0.7", "-1.3", "0.0"
    (never "+0.0" or "-0.0")."""
    if value is None:
        return ""
    shown = round(value, 1)
    if shown == 0:
        return "0.0"
    return f"{shown:+.1f}"


def _summary_rows(data: ReportData) -> list[dict[str, Any]]:
    return [
        {"summary": summary, "change": signed(summary.change)}
        for summary in data.symptom_summaries
    ]


def _analysis(data: ReportData) -> dict[str, Any] | None:
    """The before/after report with its ISO dates as dates (for the date filter)
    and each difference formatted with its sign."""
    report = data.analysis
    if not report or report.get("status") != "ok":
        return None

    def day(value: str | None) -> datetime.date | None:
        return datetime.date.fromisoformat(value) if value else None

    return {
        **report,
        "ldn_start": day(report["course"]["start_date"]),
        "baseline_start": day(report["baseline"]["start"]),
        "baseline_end": day(report["baseline"]["end"]),
        "comparison_start": day(report["comparison"]["start"]),
        "comparison_end": day(report["comparison"]["end"]),
        "rows": [
            {**item, "difference": signed(item["result"]["difference"])}
            for item in report["symptoms"]
        ],
        "any_includes_zero": any(
            item.get("interval_includes_zero") for item in report["symptoms"]
        ),
    }


def _weekly_rows(data: ReportData) -> list[dict[str, Any]]:
    """The weekly table as rows of cells in symptom order (templates cannot index
    a dict by a variable). A cell's day count is shown when it differs from the
    days logged that week (a symptom left unanswered on some days)."""
    rows = []
    for week in data.weeks:
        cells = []
        for symptom in data.symptoms:
            mean, logged = week.means.get(symptom.uuid, (None, 0))
            cells.append(
                {
                    "mean": mean,
                    "days_logged": logged,
                    "show_days": mean is not None and logged != week.days_logged,
                }
            )
        rows.append(
            {
                "start": week.start,
                "end": week.end,
                "days_in_range": week.days_in_range,
                "days_logged": week.days_logged,
                "cells": cells,
            }
        )
    return rows


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
