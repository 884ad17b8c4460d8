"""The evidence overlay beside the trends chart.

Beside the chart: the studies that measured any of the symptoms on screen, each
with its evidence level, one honest line and its main limitation. On the chart,
where a study with results gave a fixed treatment period, that period drawn from
the patient's LDN start ("Younger et al. 2013: 12 weeks of treatment"), so a
patient can place their own timeline next to what was studied.

Nothing here predicts or promises a response: a bracket marks how long a study
treated people, never a curve or a date by which anything should change.

Everything returned is plain, JSON-safe data (ISO dates, strings, numbers), so the
same context feeds the page and, if wanted, the API.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from config.template_fingerprint import template_fingerprint
from diary.models import TrackedSymptom

from .models import Study

__all__ = [
    "LIMITATION_SHORT_CHARS",
    "bracket_label",
    "catalogue_version",
    "main_limitation",
    "overlay_brackets",
    "overlay_context",
    "overlay_rendered",
    "overlay_studies",
]

# A limitation up to this long is shown whole; a longer one by its first sentence.
LIMITATION_SHORT_CHARS = 280
# A full stop after one of these does not end a sentence.
_ABBREVIATIONS = ("et al.", "e.g.", "i.e.", "vs.", "approx.", "cf.", "no.")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(])")


def overlay_studies(*, symptom_ids: Iterable[int]) -> list[Study]:
    """The studies that measured (or, for registrations, plan to measure) any of
    the given symptoms, each once, in the catalogue's order (relevance to ME/CFS,
    evidence level, newest first).

    Only built-in symptoms are linked to studies, so a patient's own symptoms
    simply match nothing. Two queries whatever the number of studies: the studies,
    then their linked symptoms; none when no symptom is given."""
    ids = sorted({int(pk) for pk in symptom_ids})
    if not ids:
        return []
    return list(Study.objects.for_symptoms(ids).ordered().with_symptoms())


def overlay_brackets(
    *,
    studies: Sequence[Study],
    ldn_start: datetime.date | None,
    today: datetime.date,
) -> list[dict[str, Any]]:
    """The treatment periods to draw on the chart: ``[{"label", "start", "end",
    "weeks", "studies"}]``, ISO dates, shortest first.

    A study gets a bracket only when it has results (not a registration, level R),
    gives a fixed treatment period (``on_treatment_weeks``) and that period is
    confirmed (its duration is not listed as unverified). The bracket starts on the
    LDN start and ends ``weeks * 7`` days later. Studies that treated people for the
    same number of weeks share one bracket (one label naming them all), because
    identical boxes drawn on top of each other would only darken the chart.

    No brackets without an LDN start, or when the LDN start is after ``today`` (a
    course that has not begun has no timeline to place them on)."""
    if ldn_start is None or ldn_start > today:
        return []
    by_weeks: dict[int, list[Study]] = {}
    for study in studies:
        weeks = study.on_treatment_weeks
        if weeks and _draws_bracket(study):
            by_weeks.setdefault(weeks, []).append(study)
    brackets = []
    for weeks in sorted(by_weeks):
        members = by_weeks[weeks]
        brackets.append(
            {
                "label": bracket_label([s.label for s in members], weeks),
                "start": ldn_start.isoformat(),
                "end": (ldn_start + datetime.timedelta(days=weeks * 7)).isoformat(),
                "weeks": weeks,
                "studies": [s.key for s in members],
            }
        )
    return brackets


def bracket_label(labels: Sequence[str], weeks: int) -> str:
    """ "Younger et al. 2013: 12 weeks of treatment"; several studies are listed
    before the colon, separated by semicolons (their labels may hold commas)."""
    return ngettext(
        "%(studies)s: %(weeks)d week of treatment",
        "%(studies)s: %(weeks)d weeks of treatment",
        weeks,
    ) % {"studies": "; ".join(labels), "weeks": weeks}


def main_limitation(text: str) -> tuple[str, str]:
    """The study's main limitation for a compact card, and the rest of the text.

    A limitation up to ``LIMITATION_SHORT_CHARS`` characters is kept whole (the
    rest is empty); a longer one is split after its first sentence, never in the
    middle of one, and the card offers the rest beside it."""
    text = " ".join((text or "").split())
    if len(text) <= LIMITATION_SHORT_CHARS:
        return text, ""
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if text[:end].lower().endswith(_ABBREVIATIONS):
            continue
        return text[:end], text[end:].strip()
    return text, ""


def overlay_context(
    *,
    user: User | None,
    symptom_ids: Iterable[int] | None,
    ldn_start: datetime.date | None,
    today: datetime.date,
) -> dict[str, Any]:
    """Everything ``templates/evidence/_overlay.html`` shows, and the chart's
    brackets, as plain data.

    ``symptom_ids`` are the ``Symptom`` keys of the series on screen (the trends
    payload's ``series[*]["id"]``); ``None`` means the user's active tracked
    symptoms (one more query). ``ldn_start`` is the payload's LDN start (the first
    course's start date) and ``today`` the user's local today.

    Keys: ``heading``, ``framing`` (what the brackets are, and are not),
    ``studies`` (see ``_study_card``), ``brackets`` (for ``payload["overlay"]``),
    ``note`` (``{"text", "link_text", "url"}`` when there is no LDN start, else
    ``None``), ``list_url``, ``levels_url``."""
    if symptom_ids is None:
        assert user is not None, "the user's symptoms need the user"
        symptom_ids = (
            TrackedSymptom.objects.for_user(user)
            .active()
            .values_list("symptom_id", flat=True)
        )
    on_screen = {int(pk) for pk in symptom_ids}
    studies = overlay_studies(symptom_ids=on_screen)
    brackets = overlay_brackets(studies=studies, ldn_start=ldn_start, today=today)
    drawn = {key for bracket in brackets for key in bracket["studies"]}

    note = None
    if ldn_start is None:
        note = {
            "text": _(
                "Add your LDN start date to see how long the studies treated people "
                "next to your own timeline."
            ),
            "link_text": _("Add your LDN start date"),
            "url": reverse("diary:course-create"),
        }
    return {
        "heading": _("Studies that measured these symptoms"),
        "framing": _(
            "How long studies treated people, and what they found — not a prediction "
            "of what will happen to you."
        ),
        "studies": [_study_card(s, on_screen, drawn) for s in studies],
        "brackets": brackets,
        "note": note,
        "list_url": reverse("evidence:study-list"),
        "levels_url": reverse("evidence:levels"),
    }


def _draws_bracket(study: Study) -> bool:
    return bool(
        study.on_treatment_weeks
        and not study.is_registration
        and not study.is_unverified("duration")
    )


def _study_card(study: Study, on_screen: set[int], drawn: set[str]) -> dict[str, Any]:
    limitation, limitation_rest = main_limitation(study.limitations)
    if not limitation:
        limitation = _("What this study cannot show has not been recorded yet.")
    weeks_confirmed = not study.is_unverified("duration")
    return {
        "key": study.key,
        "label": study.label,
        "title": study.title,
        "year": study.year,
        "evidence_level": study.evidence_level,
        "evidence_level_label": str(study.get_evidence_level_display()),
        "evidence_level_meaning": study.level_meaning,
        "relevance": study.relevance_to_mecfs,
        "relevance_label": str(study.get_relevance_to_mecfs_display()),
        "relevance_meaning": study.relevance_meaning,
        "is_registration": study.is_registration,
        "status_checked_text": study.status_checked_text,
        "headline": study.headline,
        "headline_unverified": study.is_unverified("outcomes"),
        "limitation": limitation,
        "limitation_rest": limitation_rest,
        "url": reverse("evidence:study-detail", args=[study.key]),
        "on_treatment_weeks": study.on_treatment_weeks if weeks_confirmed else None,
        "on_chart": study.key in drawn,
        "symptoms": [
            symptom.name for symptom in study.symptoms.all() if symptom.pk in on_screen
        ],
    }


# --- The rendered overlay, cached ------------------------------------------------
#
# What the overlay shows depends on the catalogue (the studies and their symptom
# links, which change when ``load_studies`` runs or staff edit a study), the
# symptoms on screen, whether there is an LDN start and whether it has come, and
# the language: nothing else about the patient. So its HTML is cached under a key
# made of exactly those, and any patient with the same symptoms and LDN state gets
# the same fragment (it holds no diary data). The brackets' dates are the LDN
# start plus the studies' weeks, worked out per request from the cached groups.

# Raise when the shape of what is cached changes.
OVERLAY_FORMAT = 1
# The key changes with the catalogue, so this only bounds how long an entry for a
# set of symptoms nobody shows again stays in the cache.
OVERLAY_CACHE_SECONDS = 60 * 60 * 24
OVERLAY_TEMPLATE = "evidence/_overlay.html"


def catalogue_version() -> str:
    """A fingerprint of the catalogue, in one query: how many studies and when one
    was last saved; how many symptom links and the newest link's number (``set()``
    deletes and inserts rows, so any change of links moves one or the other); and
    when a linked symptom was last saved (its name is on the cards)."""
    field = Study.symptoms.field
    qn = connection.ops.quote_name
    study = qn(Study._meta.db_table)
    links = qn(field.m2m_db_table())
    symptom = qn(field.related_model._meta.db_table)
    link_symptom = qn(field.m2m_reverse_name())
    # Table and column names come from the models, quoted; nothing from a request.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {study}),"  # noqa: S608
        f" (SELECT MAX(updated_at) FROM {study}),"
        f" (SELECT COUNT(*) FROM {links}),"
        f" (SELECT MAX(id) FROM {links}),"
        f" (SELECT MAX(s.updated_at) FROM {symptom} s"
        f" INNER JOIN {links} l ON l.{link_symptom} = s.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return "|".join(str(value) for value in row)


def _ldn_state(ldn_start: datetime.date | None, today: datetime.date) -> str:
    """What of the LDN start changes the overlay's HTML: none (a note asks for
    it), not begun (no brackets), begun (brackets, and cards say so)."""
    if ldn_start is None:
        return "none"
    return "future" if ldn_start > today else "started"


def _overlay_key(symptom_ids: set[int], state: str) -> str:
    ids = ",".join(str(pk) for pk in sorted(symptom_ids))
    digest = hashlib.sha256(f"{catalogue_version()}/{ids}".encode()).hexdigest()
    return (
        f"evidence-overlay:{OVERLAY_FORMAT}:{template_fingerprint(OVERLAY_TEMPLATE)}:"
        f"{get_language() or ''}:{state}:{digest}"
    )


def overlay_rendered(
    *,
    symptom_ids: Iterable[int],
    ldn_start: datetime.date | None,
    today: datetime.date,
) -> dict[str, Any]:
    """The overlay as the trends page shows it: ``{"html"`` (what
    ``templates/evidence/_overlay.html`` renders for ``overlay_context``),
    ``"count"`` (how many studies), ``"brackets"`` (``overlay_context``'s),
    ``"key"}`` (its cache key: it changes whenever the HTML would).

    One query (the catalogue's fingerprint) when cached; on a miss also
    ``overlay_context``'s."""
    on_screen = {int(pk) for pk in symptom_ids}
    state = _ldn_state(ldn_start, today)
    key = _overlay_key(on_screen, state)
    cached = cache.get(key)
    if cached is None:
        # A fixed LDN start in the right state stands in for the patient's: the
        # HTML does not show the date, and the brackets are redated below.
        stand_in = {"none": None, "future": today + datetime.timedelta(days=1)}
        context = overlay_context(
            user=None,
            symptom_ids=on_screen,
            ldn_start=stand_in.get(state, today),
            today=today,
        )
        cached = {
            "html": str(render_to_string(OVERLAY_TEMPLATE, {"overlay": context})),
            "count": len(context["studies"]),
            "groups": [
                {
                    "label": bracket["label"],
                    "weeks": bracket["weeks"],
                    "studies": bracket["studies"],
                }
                for bracket in context["brackets"]
            ],
        }
        cache.set(key, cached, OVERLAY_CACHE_SECONDS)
    brackets = []
    if ldn_start is not None and state == "started":
        brackets = [
            {
                "label": group["label"],
                "start": ldn_start.isoformat(),
                "end": (
                    ldn_start + datetime.timedelta(days=group["weeks"] * 7)
                ).isoformat(),
                "weeks": group["weeks"],
                "studies": group["studies"],
            }
            for group in cached["groups"]
        ]
    html: SafeString = mark_safe(cached["html"])  # noqa: S308  # rendered above
    return {"html": html, "count": cached["count"], "brackets": brackets, "key": key}
