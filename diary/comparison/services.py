"""Writes for the comparison: choosing the primary outcome."""

from __future__ import annotations

import uuid as uuid_lib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from diary.models import TrackedSymptom
from diary.services import next_sync_version

from .models import FUNCTION, HOURS_UPRIGHT, SYMPTOM, PrimaryOutcomeChoice


def primary_outcome_choices(user: User) -> list[tuple[str, str]]:
    """(key, label) for every outcome the user can choose: function, hours
    upright and each active tracked symptom."""
    choices = [
        (FUNCTION, gettext("Overall function (Bell scale)")),
        (HOURS_UPRIGHT, gettext("Hours upright")),
    ]
    for tracked in TrackedSymptom.objects.for_user(user).active().in_order():
        choices.append((f"symptom:{tracked.symptom.uuid}", tracked.symptom.name))
    return choices


def primary_outcome_choose(*, user: User, key: str) -> PrimaryOutcomeChoice:
    """Record ``key`` as the user's primary outcome, now. ``key`` is
    ``"function"``, ``"hours_upright"`` or ``"symptom:<uuid>"`` of a symptom the
    user tracks. Raises ``ValidationError`` keyed ``primary_outcome``."""
    outcome, symptom = _parse(user, key)
    with transaction.atomic():
        # Raising the sync version invalidates the cached comparison.
        next_sync_version(user)
        return PrimaryOutcomeChoice.objects.create(
            user=user, outcome=outcome, symptom=symptom
        )


def _parse(user: User, key: str):
    error = ValidationError(
        {
            "primary_outcome": gettext(
                "Primary outcome: choose function, hours upright or one of the "
                "symptoms you track."
            )
        }
    )
    if not isinstance(key, str) or len(key) > 64:
        raise error
    if key in (FUNCTION, HOURS_UPRIGHT):
        return key, None
    prefix, _sep, raw = key.partition(":")
    if prefix != SYMPTOM:
        raise error
    try:
        symptom_uuid = uuid_lib.UUID(raw)
    except ValueError:
        raise error from None
    tracked = (
        TrackedSymptom.objects.for_user(user)
        .active()
        .select_related("symptom")
        .filter(symptom__uuid=symptom_uuid)
        .first()
    )
    if tracked is None:
        raise error
    return SYMPTOM, tracked.symptom
