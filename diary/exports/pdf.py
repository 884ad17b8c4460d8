"""The clinician report: one HTML document, printed to PDF by WeasyPrint and shown as
a page to the doctor who opens a share link.

Page 1 is a summary a doctor can read in two minutes; the sections the patient
chose follow. Every printed page carries the footer "Patient-reported data. Not
medical advice.", the date it was made and "Page x of y" (CSS page margin boxes).
"""

from __future__ import annotations

from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from diary.analysis import CAUSATION_CAVEAT

from .charts import report_charts
from .data import ReportData

__all__ = ["build_pdf", "render_report_html"]

FOOTER_STYLE = 'font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #333;'


@cache
def _stylesheet() -> str:
    path = finders.find("css/report.css")
    if not path:
        raise FileNotFoundError("static/css/report.css is missing")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _css_string(text: str) -> str:
    """Quote text for a CSS ``content`` value."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_css(data: ReportData) -> str:
    generated = date_format(timezone.localtime(data.generated_at), "j M Y H:i")
    footer = _("Patient-reported data. Not medical advice. Made %(when)s.") % {
        "when": generated
    }
    page = _("Page")
    of = _("of")
    return (
        "@page { size: A4; margin: 16mm 14mm 20mm 14mm;"
        f" @bottom-left {{ content: {_css_string(footer)}; {FOOTER_STYLE} }}"
        f" @bottom-right {{ content: {_css_string(page)} ' ' counter(page) ' '"
        f" {_css_string(of)} ' ' counter(pages); {FOOTER_STYLE} }} }}"
    )


def _weekly_rows(data: ReportData) -> list[dict]:
    """The weekly table as rows of cells in symptom order (templates cannot index
    a dict by a variable)."""
    return [
        {
            "start": week.start,
            "end": week.end,
            "days_in_range": week.days_in_range,
            "days_logged": week.days_logged,
            "cells": [week.means.get(s.uuid, (None, 0)) for s in data.symptoms],
        }
        for week in data.weeks
    ]


def _notes(data: ReportData) -> list[tuple]:
    if not data.include_notes:
        return []
    return [(day, row.notes) for day, row in sorted(data.days.items()) if row.notes]


def render_report_html(data: ReportData, *, for_print: bool) -> str:
    """The report as one standalone HTML document (no scripts, no navigation, no
    external resources): for WeasyPrint when ``for_print``, else for a browser."""
    context = {
        "data": data,
        "for_print": for_print,
        "charts": report_charts(data.trends) if data.has("charts") else [],
        "stylesheet": _stylesheet(),
        "page_css": _page_css(data) if for_print else "",
        "causation_caveat": _(CAUSATION_CAVEAT),
        "weekly_rows": _weekly_rows(data) if data.has("weekly") else [],
        "notes": _notes(data),
    }
    return render_to_string("diary/exports/report.html", context)


def build_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import HTML  # imported late: it needs the system's Pango

    html = render_report_html(data, for_print=True)
    return HTML(string=html, base_url=None).write_pdf()
