"""The before/after (n-of-1) analysis page.

It renders :func:`diary.comparison.comparison_for_user`, the same comparison the
PDF, the share page and ``/api/v1/analysis/`` use; this view only picks the
weeks and records the primary outcome.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from diary.comparison import comparison_for_user, text
from diary.comparison.services import (
    primary_outcome_choices,
    primary_outcome_choose,
)
from diary.comparison.windows import BASELINE_WEEKS_DEFAULT, ON_WEEKS_DEFAULT
from diary.forms.analysis import AnalysisForm, PrimaryOutcomeForm
from diary.forms.fields import add_service_errors


@login_required
@require_http_methods(["GET", "POST"])
def analysis(request):
    form = AnalysisForm(request.GET or None)
    parameters = {"baseline_weeks": None, "on_weeks": None}
    if form.is_bound and form.is_valid():
        parameters = form.parameters()
    elif not form.is_bound:
        form = AnalysisForm(
            initial={
                "baseline_weeks": BASELINE_WEEKS_DEFAULT,
                "on_weeks": ON_WEEKS_DEFAULT,
            }
        )

    primary_form = None
    if request.method == "POST":
        primary_form = PrimaryOutcomeForm(
            request.POST, choices=primary_outcome_choices(request.user)
        )
        if primary_form.is_valid():
            try:
                primary_outcome_choose(
                    user=request.user,
                    key=primary_form.cleaned_data["primary_outcome"],
                )
            except ValidationError as error:
                add_service_errors(primary_form, error)
            else:
                query = {k: v for k, v in parameters.items() if v is not None}
                url = reverse("diary:analysis")
                return redirect(f"{url}?{urlencode(query)}" if query else url)

    comparison = None
    if not form.errors:
        comparison = comparison_for_user(request.user, **parameters)
    if primary_form is None:
        if comparison is not None and comparison.outcomes:
            choices = [(o.key, o.label) for o in comparison.outcomes]
        else:
            choices = primary_outcome_choices(request.user)
        primary_form = PrimaryOutcomeForm(
            choices=choices,
            initial={"primary_outcome": comparison.primary_key if comparison else None},
        )
    return render(
        request,
        "diary/analysis.html",
        {
            "form": form,
            "primary_form": primary_form,
            "comparison": comparison,
            "multiplicity": gettext(str(text.MULTIPLICITY)),
            "no_primary": gettext(str(text.NO_PRIMARY)),
        },
        status=400 if form.errors or primary_form.errors else 200,
    )
