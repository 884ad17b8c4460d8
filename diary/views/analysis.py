"""The before/after (n-of-1) analysis page.

The numbers come from ``diary.before_after.before_after_report``, the same plain
data the API returns; this view only turns its ISO dates into dates for display.
"""

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from diary.analysis import CAUSATION_CAVEAT
from diary.before_after import (
    BASELINE_WEEKS_DEFAULT,
    LAST_8_WEEKS,
    before_after_report,
)
from diary.forms.analysis import AnalysisForm
from diary.forms.fields import add_service_errors

DATE_KEYS = frozenset({"start", "end", "date", "start_date", "today"})


@login_required
@require_GET
def analysis(request):
    today = request.user.local_today()
    data = request.GET.copy()
    data.setdefault("comparison", LAST_8_WEEKS)
    data.setdefault("baseline_weeks", str(BASELINE_WEEKS_DEFAULT))
    form = AnalysisForm(data, today=today)
    report = None
    if form.is_valid():
        try:
            report = before_after_report(user=request.user, **form.parameters())
        except ValidationError as error:
            add_service_errors(form, error)
    return render(
        request,
        "diary/analysis.html",
        {
            "form": form,
            "report": _with_dates(report) if report is not None else None,
            "caveat": gettext(CAUSATION_CAVEAT),
        },
    )


def _with_dates(value: Any, key: str = "") -> Any:
    """A copy of the report with its ISO date strings as dates, for the date
    filter."""
    if isinstance(value, dict):
        return {k: _with_dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_dates(item) for item in value]
    if key in DATE_KEYS and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value
