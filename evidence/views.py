"""The evidence pages. They are public reference pages: anyone may read them,
signed in or not, and they hold no patient data."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .forms import StudyFilterForm
from .managers import GROUP_ORDER
from .models import Study

# The facts shown on a study page, in order: (field, label).
STUDY_FACTS = [
    ("authors", _("Authors")),
    ("year", _("Year")),
    ("venue", _("Published in")),
    ("volume_pages", _("Volume and pages")),
    ("design", _("Design")),
    ("design_detail", _("Design in detail")),
    ("population", _("Who took part")),
    ("n", _("Number of participants")),
    ("dose", _("Dose")),
    ("duration", _("Duration")),
]


@require_safe
def study_list(request):
    form = StudyFilterForm(request.GET)
    form.is_valid()  # Invalid filters are reported on the page and ignored.
    studies = list(form.filter(Study.objects.ordered().with_symptoms()))
    groups = []
    for value in GROUP_ORDER:
        members = [study for study in studies if study.group == value]
        if members:
            groups.append({"group": Study.Group(value), "studies": members})
    return render(
        request,
        "evidence/study_list.html",
        {"form": form, "groups": groups, "count": len(studies)},
    )


@require_safe
def study_detail(request, key):
    study = get_object_or_404(Study.objects.with_symptoms(), key=key)
    facts = [
        {
            "label": label,
            "value": getattr(study, name),
            "unverified": study.is_unverified(name),
        }
        for name, label in STUDY_FACTS
    ]
    return render(
        request,
        "evidence/study_detail.html",
        {
            "study": study,
            "facts": facts,
            "results_unverified": study.is_unverified("outcomes"),
            "doi_unverified": study.is_unverified("doi"),
            "pmid_unverified": study.is_unverified("pmid"),
            "registry_unverified": study.is_unverified("registry_id"),
        },
    )


@require_safe
def levels(request):
    counts = dict(
        Study.objects.order_by().values_list("evidence_level").annotate(n=Count("pk"))
    )
    level_rows = [
        {
            "value": level.value,
            "label": level.label,
            "meaning": Study.LEVEL_MEANINGS[level],
            "count": counts.get(level.value, 0),
        }
        for level in Study.Level
    ]
    relevance_rows = [
        {
            "value": rel.value,
            "label": rel.label,
            "meaning": Study.RELEVANCE_MEANINGS[rel],
        }
        for rel in Study.Relevance
    ]
    return render(
        request,
        "evidence/levels.html",
        {"levels": level_rows, "relevances": relevance_rows},
    )
