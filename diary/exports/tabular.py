"""CSV exports of the diary: a tidy file and a wide file, from a :class:`ReportData`.

Both are UTF-8 (no byte-order mark) with a header row and ``\\r\\n`` line endings,
written by the :mod:`csv` module (so commas, quotes and line breaks in notes are
quoted properly).

- **Tidy** (:func:`build_csv_tidy`): one row per date and symptom that has a score
  in the range, in date order and then the report's symptom order; columns
  ``date, symptom, score`` and then the day's other fields.
- **Wide** (:func:`build_csv_wide`): one row per logged date, one column per
  symptom of the report (headed by its name) and then the day's other fields.

The day's other fields are ``function_score, hours_upright, sleep_hours,
sleep_quality, physical_exertion, cognitive_exertion``, then ``ldn_dose_mg`` (the
dose in force that day, derived from the dose history; empty with none),
``crash`` ("yes" when the day lies in a crash episode, else empty),
``side_effects`` (that day's side effects, joined with "; ") and, only when the
notes section was chosen, ``notes``.

Honest data: days that were not logged do not appear in either file (no empty
rows are added for them), and an unanswered field or a symptom not scored that
day is an empty cell, never 0.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula. Every text cell that starts with one of those (a
symptom's name, a side effect described by the patient, a note) gets a leading
single quote, so a spreadsheet shows it as text. Numbers are written as plain
numbers and are never negative.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from .data import DayRow, ReportData, SymptomInfo, format_mg

__all__ = ["FORMULA_STARTS", "build_csv_tidy", "build_csv_wide", "neutralise"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DAY_COLUMNS = [
    "function_score",
    "hours_upright",
    "sleep_hours",
    "sleep_quality",
    "physical_exertion",
    "cognitive_exertion",
    "ldn_dose_mg",
    "crash",
    "side_effects",
]
NOTES_COLUMN = "notes"
SIDE_EFFECT_SEPARATOR = "; "

Cell = str | int | Decimal | None


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int: never expected here
        raise TypeError("A CSV cell cannot be a bool.")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def _day_cells(day: DayRow, include_notes: bool) -> list[Cell]:
    cells: list[Cell] = [
        day.function_score,
        day.hours_upright,
        day.sleep_hours,
        day.sleep_quality,
        day.physical_exertion,
        day.cognitive_exertion,
        format_mg(day.ldn_dose_mg) if day.ldn_dose_mg is not None else None,
        "yes" if day.in_crash else None,
        SIDE_EFFECT_SEPARATOR.join(day.side_effects),
    ]
    if include_notes:
        cells.append(day.notes or "")
    return cells


def _day_header(include_notes: bool) -> list[str]:
    return DAY_COLUMNS + ([NOTES_COLUMN] if include_notes else [])


def _write(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # the "excel" dialect: "\r\n" line endings
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _date(day: datetime.date) -> str:
    return day.isoformat()


def build_csv_tidy(data: ReportData) -> bytes:
    """One row per date and scored symptom in the range; see the module docstring."""
    header = ["date", "symptom", "score", *_day_header(data.include_notes)]

    def rows() -> Iterable[list[Cell]]:
        for day in data.days.values():
            other = _day_cells(day, data.include_notes)
            for symptom in data.symptoms:
                score = day.scores.get(symptom.uuid)
                if score is not None:
                    yield [_date(day.date), symptom.name, score, *other]

    return _write(header, rows())


def build_csv_wide(data: ReportData) -> bytes:
    """One row per logged date, a column per symptom; see the module docstring."""
    day_header = _day_header(data.include_notes)
    symptom_header = _symptom_columns(data.symptoms, taken={"date", *day_header})
    header = ["date", *symptom_header, *day_header]

    def rows() -> Iterable[list[Cell]]:
        for day in data.days.values():
            yield [
                _date(day.date),
                *(day.scores.get(symptom.uuid) for symptom in data.symptoms),
                *_day_cells(day, data.include_notes),
            ]

    return _write(header, rows())


def _symptom_columns(symptoms: Sequence[SymptomInfo], *, taken: set[str]) -> list[str]:
    """Column headings: the symptom names, made unique (a symptom called "date" or
    two symptoms with the same name get " (2)", " (3)"...)."""
    used = {name.casefold() for name in taken}
    columns = []
    for symptom in symptoms:
        name, number = symptom.name, 1
        while name.casefold() in used:
            number += 1
            name = f"{symptom.name} ({number})"
        used.add(name.casefold())
        columns.append(name)
    return columns
