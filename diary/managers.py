"""Querysets every view needs. Each diary query starts from ``for_user`` so no view
can forget the owner filter."""

from django.db import models


class OwnedQuerySet(models.QuerySet):
    owner_field = "user"

    def for_user(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(**{self.owner_field: user})


class CourseOwnedQuerySet(OwnedQuerySet):
    """Rows that belong to a treatment course, owned through it."""

    owner_field = "course__user"


class SymptomQuerySet(models.QuerySet):
    def builtin(self):
        return self.filter(owner__isnull=True)

    def available_to(self, user):
        """The built-in catalogue plus the user's own symptoms."""
        return self.filter(models.Q(owner__isnull=True) | models.Q(owner=user))

    def own(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class TrackedSymptomQuerySet(OwnedQuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def in_order(self):
        return self.select_related("symptom").order_by("position", "id")


class EntryQuerySet(OwnedQuerySet):
    def with_scores(self):
        return self.prefetch_related("scores")

    def between(self, start, end):
        return self.filter(date__gte=start, date__lte=end)


class CrashQuerySet(OwnedQuerySet):
    def overlapping(self, start, end):
        """Crashes that touch [start, end]; an ongoing crash has no end yet."""
        return self.filter(start_date__lte=end).filter(
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=start)
        )
