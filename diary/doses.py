"""The LDN dose on a given day, derived from the dose history (never stored twice).

Pure functions: they take plain objects (anything with ``date``, ``dose_mg``,
``reason`` and ``time_of_day``, such as ``DoseChange`` rows already loaded with
``prefetch_related``) and return plain data, so a page can show the current dose of
every course without one more query per course.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

PAUSE = "pause"
STOP = "stop"


class DoseStep(Protocol):
    """What is read of a dose change (a ``DoseChange``, or a row as a named tuple)."""

    @property
    def date(self) -> datetime.date: ...

    @property
    def dose_mg(self) -> Decimal | None: ...

    @property
    def reason(self) -> str: ...

    @property
    def time_of_day(self) -> str: ...


@dataclass(frozen=True)
class CurrentDose:
    """Where the dose history stands on one day.

    ``status`` is one of:

    - ``"none"``: no dose change on or before that day (nothing recorded yet);
    - ``"taking"``: ``dose_mg`` holds the dose of the latest step;
    - ``"paused"`` / ``"stopped"``: the latest step is a pause or a stop, no dose.
    """

    status: str
    dose_mg: Decimal | None = None
    time_of_day: str = ""
    since: datetime.date | None = None
    change: Any = None

    @property
    def is_taking(self) -> bool:
        return self.status == "taking"


NO_DOSE_RECORDED = CurrentDose(status="none")


def current_dose(changes: Iterable[DoseStep], today: datetime.date) -> CurrentDose:
    """The dose in effect on ``today``: the latest change dated ``today`` or earlier.

    Changes dated after ``today`` are ignored (they have not happened yet where the
    patient is). Order of ``changes`` does not matter. When two changes share a
    date (the database forbids it for one course), the later one in the input wins.
    """
    latest = None
    for change in changes:
        if change.date > today:
            continue
        if latest is None or change.date >= latest.date:
            latest = change
    if latest is None:
        return NO_DOSE_RECORDED
    if latest.reason == PAUSE:
        status = "paused"
    elif latest.reason == STOP:
        status = "stopped"
    else:
        status = "taking"
    return CurrentDose(
        status=status,
        dose_mg=latest.dose_mg if status == "taking" else None,
        time_of_day=latest.time_of_day if status == "taking" else "",
        since=latest.date,
        change=latest,
    )


def course_day(start_date: datetime.date, today: datetime.date) -> int | None:
    """Day number of a course on ``today``: day 1 is the start date itself.

    None before the start date (possible for a moment after a time-zone change).
    """
    if today < start_date:
        return None
    return (today - start_date).days + 1
