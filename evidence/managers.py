"""Queries every evidence page needs. Studies are public, so there is no owner
filter; what matters is the order the README asks for and the symptom links."""

from django.db import models
from django.db.models import Case, F, IntegerField, Value, When

RELEVANCE_ORDER = ["direct", "partly-direct", "indirect"]
LEVEL_ORDER = ["L1", "L2", "L3", "L4", "L5", "R"]
GROUP_ORDER = [
    "mecfs-clinical",
    "mecfs-registered",
    "laboratory",
    "long-covid",
    "fibromyalgia",
    "reviews",
]


def _rank(field: str, values: list[str]) -> Case:
    """0, 1, 2... by position in ``values``; anything else sorts last."""
    return Case(
        *[
            When(**{field: value}, then=Value(rank))
            for rank, value in enumerate(values)
        ],
        default=Value(len(values)),
        output_field=IntegerField(),
    )


class StudyQuerySet(models.QuerySet):
    # This method shadows Django's ``QuerySet.ordered`` property (a bool). Django
    # only reads that property to decide whether to add a fallback ordering, and a
    # Study queryset is always ordered (Meta.ordering), so nothing changes.
    def ordered(self):  # type: ignore[override]
        """Relevance to ME/CFS (direct, partly direct, indirect), then evidence level
        (L1 to L5, then registrations), then year, newest first."""
        return self.annotate(
            relevance_rank=_rank("relevance_to_mecfs", RELEVANCE_ORDER),
            level_rank=_rank("evidence_level", LEVEL_ORDER),
        ).order_by(
            "relevance_rank",
            "level_rank",
            F("year").desc(nulls_last=True),
            "label",
            "pk",
        )

    def for_symptoms(self, symptom_ids):
        """Studies linked to any of the given symptoms, each once."""
        linked = self.model._default_manager.filter(symptoms__in=list(symptom_ids))
        return self.filter(pk__in=linked.values("pk"))

    def with_symptoms(self):
        """Fetch the linked symptoms in one extra query, whatever the number of
        studies (they keep the catalogue's order)."""
        return self.prefetch_related("symptoms")
