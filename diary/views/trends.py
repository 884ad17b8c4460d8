"""The trends page, the JSON that feeds its chart, its tables, and the symptom
toggles.

The page renders what is on screen: the summaries, the toggles, the research
beside the chart, and one closed box per table. It costs the same for 90 days
or ten years of history: ``static/js/trends.js`` fetches the chart's payload
from ``trends_data`` (cached, see ``diary.trends_cache``) and a table's rows from
``trends_table`` when its box is opened; without JavaScript each box links to
that table as a page of its own.
"""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.template_fingerprint import template_fingerprint
from diary.forms.trends import (
    PRESET_CHOICES,
    TrendsPreferencesForm,
    TrendsRangeForm,
)
from diary.trends import trends_preferences_save
from diary.trends_cache import (
    CACHE_SECONDS,
    trends_json_response,
    trends_meta,
    trends_payload_cached,
)
from diary.trends_cache import cache_key as trends_cache_key
from evidence.overlay import overlay_rendered

RANGE_FIELDS = ("preset", "start", "end")
# The page around the symptom toggles (which hold the CSRF token), rendered from
# the context alone and cached: see ``_page_parts``.
PAGE_PARTS = ("diary/trends/_top.html", "diary/trends/_bottom.html")
# Raise when what the parts show changes without their templates changing.
PAGE_FORMAT = 1
# static/css/trends.css defines this many series colours; trends.js cycles alike.
PALETTE_SIZE = 8


def _js_strings() -> dict[str, str]:
    """The chart's words, translated here because the script has no catalogue.
    ``%(name)s`` placeholders are filled in by the script."""
    return {
        "scoreAxis": _("Score (0 = none, 10 = worst)"),
        "doseAxis": _("LDN dose (mg)"),
        "dose": _("LDN dose"),
        "doseValue": _("LDN dose: %(dose)s mg"),
        "doseStep": _("LDN dose: %(dose)s mg (%(reason)s)"),
        "ldnStart": _("LDN start"),
        "score": _("%(name)s: %(value)s"),
        "rolling": _("%(name)s, 7-day average: %(value)s"),
        "average": _("%(name)s: average %(value)s (%(n)s of %(days)s days logged)"),
        "sideEffects": _("Side effects"),
        "sideEffect": _("%(label)s (%(severity)s)"),
        "sideEffectDays": _("%(label)s: %(days)s days, worst %(severity)s"),
        "saved": _("Saved."),
        "saveFailed": _(
            "Could not save your choice, so it only applies to this page. Use the "
            "Save button to try again."
        ),
        "loadFailed": _(
            "The chart could not be loaded. The summary and the tables below show "
            "the same numbers."
        ),
    }


def _date(iso: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(iso) if iso else None


def _range_query(cleaned: dict) -> dict[str, str]:
    """The query parameters that reproduce a valid range."""
    if cleaned.get("preset"):
        return {"preset": cleaned["preset"]}
    return {
        "start": cleaned["range_start"].isoformat(),
        "end": cleaned["range_end"].isoformat(),
    }


def _meta(user, cleaned: dict) -> tuple[dict, dict]:
    """The page's part of the payload (cached), with the evidence overlay for the
    symptoms on screen (cached too, see ``evidence.overlay.overlay_rendered``):
    the studies beside the chart, and on the chart how long those studies treated
    people."""
    meta = trends_meta(
        user=user, start=cleaned["range_start"], end=cleaned["range_end"]
    )
    overlay = overlay_rendered(
        symptom_ids=[series["id"] for series in meta["series"] if series["shown"]],
        ldn_start=_date(meta["ldn_start"]),
        today=user.local_today(),
    )
    return meta, overlay


def _table_rows(payload: dict, series: dict) -> list[dict]:
    """One symptom's rows, newest first, with the same numbers as the chart."""
    if payload["resolution"] == "day":
        rows = [
            {
                "start": _date(point["x"]),
                "end": None,
                "value": point["y"],
                "average": mean["y"],
                "logged": point["n"],
                "days": 1,
            }
            for point, mean in zip(
                series["points"], series["rolling_mean"], strict=True
            )
        ]
    else:
        rows = [
            {
                "start": _date(point["x"]),
                "end": _date(point["x_end"]),
                "value": point["y"],
                "average": None,
                "logged": point["n"],
                "days": point["days"],
            }
            for point in series["points"]
        ]
    rows.reverse()
    return rows


def _events(payload: dict) -> list[dict]:
    """LDN start, dose changes, crashes and side effects in the range, newest first."""
    start = datetime.date.fromisoformat(payload["range"]["start"])
    end = datetime.date.fromisoformat(payload["range"]["end"])
    events: list[dict[str, Any]] = []
    ldn_start = _date(payload["ldn_start"])
    if ldn_start and start <= ldn_start <= end:
        events.append({"day": ldn_start, "kind": "ldn", "text": _("LDN started")})
    for step in payload["dose_steps"]:
        if step["before_range"]:
            continue
        if step["dose_mg"] is None:
            text = _("LDN dose: %(reason)s") % {"reason": step["reason_label"]}
        else:
            text = _("LDN dose %(dose)s mg (%(reason)s)") % {
                "dose": f"{step['dose_mg']:g}",
                "reason": step["reason_label"],
            }
        events.append({"day": _date(step["date"]), "kind": "dose", "text": text})
    for crash in payload["crashes"]:
        events.append(
            {
                "day": _date(crash["start"]),
                "end": _date(crash["end"]),
                "ongoing": crash["ongoing"],
                "kind": "crash",
                "text": _("Crash (%(severity)s)")
                % {"severity": crash["severity_label"]},
            }
        )
    for marker in payload["side_effects"]:
        labels = ", ".join(
            f"{effect['label']} ({effect['severity_label']})"
            if payload["resolution"] == "day"
            else ngettext(
                "%(label)s (%(days)d day, worst %(severity)s)",
                "%(label)s (%(days)d days, worst %(severity)s)",
                effect["days"],
            )
            % {
                "label": effect["label"],
                "days": effect["days"],
                "severity": effect["severity_label"],
            }
            for effect in marker["effects"]
        )
        events.append(
            {
                "day": _date(marker["x"]),
                "end": _date(marker["x_end"])
                if marker["x_end"] != marker["x"]
                else None,
                "kind": "side_effect",
                "text": _("Side effects: %(effects)s") % {"effects": labels},
            }
        )
    events.sort(key=lambda event: event["day"], reverse=True)
    return events


def _render_trends(request, range_form, prefs_form=None, status=200):
    """The page for a range form; an invalid form is shown with its errors above
    the default range."""
    user = request.user
    if range_form.is_valid():
        cleaned = range_form.cleaned_data
    else:
        fallback = TrendsRangeForm({}, user=user)
        fallback.is_valid()
        cleaned = fallback.cleaned_data

    payload, evidence_overlay = _meta(user, cleaned)
    query = _range_query(cleaned)
    if prefs_form is not None and prefs_form.is_bound:
        checked = set(request.POST.getlist("shown"))
    else:
        checked = {s["uuid"] for s in payload["series"] if s["shown"]}
    toggles = [
        {
            "uuid": series["uuid"],
            "name": series["name"],
            "archived": series["archived"],
            "checked": series["uuid"] in checked,
            "palette": index % PALETTE_SIZE,
        }
        for index, series in enumerate(payload["series"])
    ]
    # What the layout, the toggles and the script need on every view.
    context = {
        "prefs_form": prefs_form,
        "range_query": query,
        "payload": payload,
        "evidence_overlay": evidence_overlay,
        "series": payload["series"],
        "toggles": toggles,
        "js_strings": _js_strings(),
        "data_url": f"{reverse('diary:trends-data')}?{urlencode(query)}",
    }
    if range_form.is_valid() and prefs_form is None:
        key = _page_key(user, cleaned, evidence_overlay["key"])
    else:  # errors to show: rare, and not worth a cache entry
        key = None
    parts = cache.get(key) if key is not None else None
    if parts is None:
        parts = _page_parts(
            {**context, **_parts_context(user, range_form, cleaned, payload)}
        )
        if key is not None:
            cache.set(key, parts, CACHE_SECONDS)
    top, bottom = parts
    context["trends_top"] = mark_safe(top)  # noqa: S308  # rendered templates
    context["trends_bottom"] = mark_safe(bottom)  # noqa: S308
    return render(request, "diary/trends.html", context, status=status)


def _parts_context(user, range_form, cleaned: dict, payload: dict) -> dict:
    """What only the page's cached parts show (worked out on a miss)."""
    if range_form.is_valid():
        display_form = TrendsRangeForm(
            user=user,
            initial={"start": cleaned["range_start"], "end": cleaned["range_end"]},
        )
    else:
        display_form = range_form
    query = _range_query(cleaned)
    trends_url = reverse("diary:trends")
    table_url = reverse("diary:trends-table")
    return {
        "range_form": display_form,
        "range_errors": not range_form.is_valid(),
        "presets": [
            {
                "value": value,
                "label": label,
                "url": f"{trends_url}?{urlencode({'preset': value})}",
                "current": cleaned.get("preset") == value,
            }
            for value, label in PRESET_CHOICES
            if value != "ldn" or payload["ldn_start"]
        ],
        "custom_range": not cleaned.get("preset"),
        "range_start": cleaned["range_start"],
        "range_end": cleaned["range_end"],
        "shown_count": sum(1 for s in payload["series"] if s["shown"]),
        "any_logged": any(s["days_logged"] for s in payload["series"]),
        "tables": [
            {
                "series": series,
                "palette": index % PALETTE_SIZE,
                "url": f"{table_url}?{urlencode({**query, 'table': series['uuid']})}",
            }
            for index, series in enumerate(payload["series"])
        ],
        "has_events": bool(
            payload["crash_count"]
            or payload["side_effect_count"]
            or [step for step in payload["dose_steps"] if not step["before_range"]]
            or (
                payload["ldn_start"]
                and cleaned["range_start"].isoformat()
                <= payload["ldn_start"]
                <= cleaned["range_end"].isoformat()
            )
        ),
        "events_url": f"{table_url}?{urlencode({**query, 'table': EVENTS})}",
    }


def _page_key(user, cleaned: dict, overlay_key: str) -> str:
    """Everything the page's parts depend on: the cached payload's key (the user,
    their diary's change counter, the range, their today, the language), the
    preset (two presets can give the same dates), the overlay's key (the
    catalogue, the symptoms on screen, the LDN state) and the templates."""
    payload_key = trends_cache_key(
        user, cleaned["range_start"], cleaned["range_end"], "page"
    )
    return (
        f"trends-page:{PAGE_FORMAT}:{template_fingerprint(*PAGE_PARTS)}:"
        f"{payload_key}:{cleaned.get('preset') or ''}:{overlay_key}"
    )


def _page_parts(context: dict) -> tuple[str, str]:
    """The page above and below the symptom toggles, rendered without the request
    (no CSRF token, user or messages in them), so they only ever hold what the
    page's key stands for."""
    top, bottom = (str(render_to_string(name, context)) for name in PAGE_PARTS)
    return top, bottom


@login_required
@require_GET
@never_cache
def trends(request):
    return _render_trends(request, TrendsRangeForm(request.GET, user=request.user))


@login_required
@require_GET
@never_cache
def trends_data(request):
    """The chart's payload (the API's too), from the cache. The evidence overlay's
    brackets are not in it: the page hands them to the script."""
    form = TrendsRangeForm(request.GET, user=request.user)
    if not form.is_valid():
        return JsonResponse({"errors": form.error_dict()}, status=400)
    return trends_json_response(
        request,
        user=request.user,
        start=form.cleaned_data["range_start"],
        end=form.cleaned_data["range_end"],
    )


EVENTS = "events"


@login_required
@require_GET
@never_cache
def trends_table(request):
    """One table of the trends page: a symptom's (``table=<symptom uuid>``) or
    the events' (``table=events``). The page's script asks for the bare table
    (``fragment=1``) when its box is opened; without JavaScript it is a page."""
    user = request.user
    form = TrendsRangeForm(
        {k: v for k, v in request.GET.items() if k in RANGE_FIELDS}, user=user
    )
    if not form.is_valid():
        return redirect("diary:trends")
    cleaned = form.cleaned_data
    payload = trends_payload_cached(
        user=user, start=cleaned["range_start"], end=cleaned["range_end"]
    )
    wanted = request.GET.get("table", "")
    context: dict[str, Any] = {
        "payload": payload,
        "range_start": cleaned["range_start"],
        "range_end": cleaned["range_end"],
        "back_url": f"{reverse('diary:trends')}?{urlencode(_range_query(cleaned))}",
    }
    if wanted == EVENTS:
        context["events"] = _events(payload)
    else:
        # Only the user's own series are in their payload: anything else is 404.
        found = [
            (index, series)
            for index, series in enumerate(payload["series"])
            if series["uuid"] == wanted
        ]
        if not found:
            raise Http404
        index, series = found[0]
        context["table"] = {
            "series": series,
            "rows": _table_rows(payload, series),
            "palette": index % PALETTE_SIZE,
        }
    template = (
        "diary/trends/_table.html"
        if request.GET.get("fragment") == "1"
        else "diary/trends/table_page.html"
    )
    return render(request, template, context)


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return accept.split(",")[0].strip().startswith("application/json")


@login_required
@require_POST
def trends_preferences(request):
    """Save the symptom toggles. The page's script sends them as soon as a box is
    ticked (and gets JSON back); without JavaScript the form's button does."""
    form = TrendsPreferencesForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"errors": form.error_dict()}, status=400)
        range_form = TrendsRangeForm(
            {k: v for k, v in request.POST.items() if k in RANGE_FIELDS},
            user=request.user,
        )
        return _render_trends(request, range_form, prefs_form=form)

    shown = trends_preferences_save(
        user=request.user,
        shown=form.cleaned_data["shown"],
        offered=form.cleaned_data["offered"] if "offered" in request.POST else None,
    )
    if _wants_json(request):
        return JsonResponse({"shown": shown})
    messages.success(request, _("Saved which symptoms the chart shows."))
    range_form = TrendsRangeForm(
        {k: v for k, v in request.POST.items() if k in RANGE_FIELDS},
        user=request.user,
    )
    url = reverse("diary:trends")
    if range_form.is_valid():
        url = f"{url}?{urlencode(_range_query(range_form.cleaned_data))}"
    return redirect(url)
