"""Checking an export file before anything is written, in three passes; the
first that finds a problem stops the import:

1. bytes to JSON: size, UTF-8, well-formed JSON, no duplicate keys, not nested
   deeper than the format allows, the right ``format`` and ``version``;
2. the JSON Schema (``export-v1.schema.json``): every field, type, range and length;
3. what a schema cannot say: real dates from 1900-01-01 to today, one entry per
   day, end dates after start dates, every symptom a score or a primary-outcome
   choice refers to exists, no choice made in the future.

Every problem names its place in the file (``entries[3].date``). Built-in
symptoms are looked up by their public name only (``builtin:fatigue``); nothing
in the file is matched against the database by identifier.
"""

import datetime
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diary.comparison.models import SYMPTOM
from diary.models import DoseChange, Symptom

from .exporting import FORMAT, VERSION

SCHEMA_PATH = Path(__file__).with_name("export-v1.schema.json")
MIN_DATE = datetime.date(1900, 1, 1)
# The deepest the format goes is 5 levels (courses[i].side_effects[j].note);
# anything much deeper is not an export.
MAX_DEPTH = 12
MAX_PROBLEMS = 20
ONE_PLACE = Decimal("0.1")


def max_import_bytes() -> int:
    return int(settings.PORTABILITY_IMPORT_MAX_BYTES)


@cache
def export_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """Finds and describes every problem; slow (pure Python)."""
    return jsonschema.Draft202012Validator(export_schema())


@cache
def _fast_validator():
    """Only says valid or not, about ten times faster (Rust): a good file, the
    usual case, never waits for the detailed pass."""
    return jsonschema_rs.Draft202012Validator(export_schema())


# ------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    place: str  # "entries[3].date", or "" for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class ImportRejected(Exception):
    """The file was not imported. ``problems`` says why, each with its place."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems[:MAX_PROBLEMS]
        self.total = total if total is not None else len(problems)


def _whole_file(message: str) -> ImportRejected:
    return ImportRejected([Problem("", message)])


def place(path) -> str:
    """``["entries", 3, "date"]`` as ``entries[3].date``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += "[" + json.dumps(part, ensure_ascii=False)[:100] + "]"
    return text


# ------------------------------------------------------------ pass 1: parsing


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed")


# A JSON string (with its escapes), or one bracket: brackets inside strings skip.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _depth_ok(text: str) -> bool:
    """Whether arrays and objects nest at most ``MAX_DEPTH`` deep: checked before
    parsing, iteratively, so a hostile file never reaches the parser's recursion."""
    depth = 0
    for match in _TOKENS.finditer(text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


def parse_export(raw: bytes) -> dict[str, Any]:
    """The file's JSON, or ``ImportRejected`` saying plainly what is wrong."""
    limit = max_import_bytes()
    if len(raw) > limit:
        raise _whole_file(
            _(
                "The file is too large (%(size)s MB); an LDN Diary export is at most "
                "%(limit)s MB."
            )
            % {"size": f"{len(raw) / 1e6:.1f}", "limit": f"{limit / 1e6:.0f}"}
        )
    if not raw.strip():
        raise _whole_file(_("The file is empty."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _whole_file(
            _(
                "The file is not UTF-8 text (byte %(position)d). Choose the .json "
                "file that LDN Diary made."
            )
            % {"position": exc.start + 1}
        ) from None
    if not _depth_ok(text):
        raise _whole_file(
            _(
                "The file is nested more than %(depth)d levels deep, which an LDN "
                "Diary export never is."
            )
            % {"depth": MAX_DEPTH}
        )
    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant
        )
    except _DuplicateKey as exc:
        raise _whole_file(
            _(
                "The file names “%(key)s” twice in one object; each name may appear once."
            )
            % {"key": str(exc)[:80]}
        ) from None
    except json.JSONDecodeError as exc:
        raise _whole_file(
            _(
                "The file is not valid JSON: %(reason)s at line %(line)d, column "
                "%(column)d."
            )
            % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from None
    except (ValueError, RecursionError):
        raise _whole_file(_("The file is not valid JSON.")) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _whole_file(
            _(
                "This is not an LDN Diary export: it has no “format”: "
                "“%(format)s”. Choose the .json file made by “Download all your data”."
            )
            % {"format": FORMAT}
        )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        newer = (
            isinstance(version, int)
            and not isinstance(version, bool)
            and version > VERSION
        )
        if newer:
            raise _whole_file(
                _(
                    "This file is format version %(version)d, made by a newer "
                    "LDN Diary; this site reads version %(supported)d."
                )
                % {"version": version, "supported": VERSION}
            )
        raise _whole_file(
            _("This file's format version is not one this site reads (%(supported)d).")
            % {"supported": VERSION}
        )
    return data


# ------------------------------------------------------------- pass 2: schema

TYPE_NAMES = {
    "string": gettext_lazy("text"),
    "integer": gettext_lazy("a whole number"),
    "number": gettext_lazy("a number"),
    "boolean": gettext_lazy("true or false"),
    "null": gettext_lazy("null"),
    "object": gettext_lazy("an object { }"),
    "array": gettext_lazy("a list [ ]"),
}
FORMS = {
    "a date written YYYY-MM-DD": gettext_lazy("a date written YYYY-MM-DD"),
    "a date and time written YYYY-MM-DDTHH:MM:SS+00:00": gettext_lazy(
        "a date and time written YYYY-MM-DDTHH:MM:SS+00:00"
    ),
    "a time written HH:MM": gettext_lazy("a time written HH:MM"),
    "a UUID in lower case": gettext_lazy("a UUID in lower case"),
    "a symptom reference: builtin:<name> or own:<uuid>": gettext_lazy(
        "a symptom reference: builtin:<name> or own:<uuid>"
    ),
}


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:60]


def _schema_message(error: jsonschema.ValidationError) -> str:
    kind, expected, schema = error.validator, error.validator_value, error.schema
    if kind in ("anyOf", "oneOf") and error.context:
        # For "a date or null", say what the date should look like, not "null".
        candidates = [e for e in error.context if e.schema.get("type") != "null"]
        return _schema_message(
            jsonschema.exceptions.best_match(candidates or error.context)
        )
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return _("must be %(types)s.") % {
            "types": _(" or ").join(str(TYPE_NAMES.get(n, n)) for n in names)
        }
    if kind == "required":
        missing = [n for n in expected if n not in error.instance]
        return _("is missing %(names)s.") % {
            "names": ", ".join(f"“{name}”" for name in missing)
        }
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return _("has a field this format does not have: %(names)s.") % {
            "names": ", ".join(_shown(n) for n in extra[:5])
        }
    if kind in ("enum", "const"):
        choices = expected if kind == "enum" else [expected]
        return _("must be one of %(choices)s, not %(value)s.") % {
            "choices": ", ".join(_shown(c) for c in choices),
            "value": _shown(error.instance),
        }
    if kind == "minimum":
        return _("must be at least %(limit)s.") % {"limit": expected}
    if kind == "maximum":
        return _("must be at most %(limit)s.") % {"limit": expected}
    if kind == "exclusiveMinimum":
        return _("must be more than %(limit)s.") % {"limit": expected}
    if kind == "maxLength":
        return _("is too long: at most %(limit)d characters.") % {"limit": expected}
    if kind == "minLength":
        return _("must not be empty.")
    if kind in ("maxItems", "maxProperties"):
        return _("has too many items: at most %(limit)d.") % {"limit": expected}
    if kind == "uniqueItems":
        return _("lists the same value twice.")
    if kind == "pattern":
        form = FORMS.get(schema.get("title", ""), schema.get("title", ""))
        return _("must be %(form)s, not %(value)s.") % {
            "form": form,
            "value": _shown(error.instance),
        }
    return _("is not valid here.")


def _schema_problems(data: dict[str, Any]) -> list[Problem]:
    if _fast_validator().is_valid(data):
        return []
    problems = []
    for index, error in enumerate(_validator().iter_errors(data)):
        if index >= MAX_PROBLEMS * 5:
            break
        path = list(error.absolute_path)
        if error.validator == "propertyNames":
            path.append(error.instance)
        message = _schema_message(error)
        if not path:
            message = _("The file %(problem)s") % {"problem": message}
        problems.append(Problem(place(path), message))
    # One error per missing field, each message naming them all: say it once.
    return sorted(dict.fromkeys(problems), key=lambda p: p.place)


# ---------------------------------------------------------- pass 3: meaning


@dataclass
class _Checker:
    today: datetime.date
    builtin: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    def add(self, path, message: str) -> None:
        self.problems.append(Problem(place(path), message))

    def date(self, path, text: str | None, *, future_ok: bool = False):
        if text is None:
            return None
        try:
            value = datetime.date.fromisoformat(text)
        except ValueError:
            self.add(path, _("is not a real date: %(value)s.") % {"value": text})
            return None
        if value < MIN_DATE:
            self.add(
                path,
                _("is before 1900-01-01: %(value)s. Dates before 1900 are refused.")
                % {"value": text},
            )
            return None
        if not future_ok and value > self.today:
            self.add(
                path,
                _("is in the future (%(value)s); the diary holds days up to today.")
                % {"value": text},
            )
            return None
        return value

    def moment(self, path, text: str | None):
        if text is None:
            return None
        try:
            value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.add(
                path, _("is not a real date and time: %(value)s.") % {"value": text}
            )
            return None
        if value.year < MIN_DATE.year:
            self.add(path, _("is before 1900: %(value)s.") % {"value": text})
            return None
        return value

    def decimal(self, path, number) -> Decimal | None:
        if number is None:
            return None
        value = Decimal(str(number))
        if value != value.quantize(ONE_PLACE):
            self.add(path, _("may have at most one decimal place."))
            return None
        return value.quantize(ONE_PLACE)

    def not_before(self, path, later, earlier, message: str) -> None:
        if later is not None and earlier is not None and later < earlier:
            self.add(path, message)


@dataclass
class Plan:
    """The checked file as values ready to write."""

    data: dict[str, Any]
    builtin: dict[str, int]
    parsed: dict[tuple, Any] = field(default_factory=dict)


def _check_meaning(data: dict[str, Any]) -> tuple[list[Problem], Plan]:
    profile = data["profile"]
    zone_name = profile["time_zone"]
    if zone_name not in zoneinfo.available_timezones():
        problems = [
            Problem(
                "profile.time_zone",
                _("is not a known time zone: %(value)s.") % {"value": zone_name[:64]},
            )
        ]
        return problems, Plan(data, {})
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone_name)).date()
    builtin = dict(Symptom.objects.builtin().values_list("slug", "pk"))
    check = _Checker(today=today, builtin=builtin)
    plan = Plan(data, builtin)
    parsed = plan.parsed

    try:
        parsed[("reminders", "time")] = datetime.time.fromisoformat(
            data["reminders"]["time"]
        )
    except ValueError:
        check.add(["reminders", "time"], _("is not a real time of day."))
    for i, day in enumerate(data["reminders"]["sent_on"]):
        check.date(["reminders", "sent_on", i], day)

    own_refs: set[str] = set()
    own_names: set[str] = set()
    for i, symptom in enumerate(data["symptoms"]["own"]):
        ref = f"own:{symptom['uuid']}"
        if ref in own_refs:
            check.add(["symptoms", "own", i, "uuid"], _("is used by two symptoms."))
        own_refs.add(ref)
        name = symptom["name"].strip().lower()
        if name in own_names:
            check.add(
                ["symptoms", "own", i, "name"],
                _("is the name of another of your symptoms."),
            )
        own_names.add(name)

    def known(path, ref: str) -> None:
        if ref.startswith("builtin:"):
            if ref.removeprefix("builtin:") not in builtin:
                check.add(
                    path,
                    _("names a built-in symptom this site does not have: %(ref)s.")
                    % {"ref": ref[:90]},
                )
        elif ref not in own_refs:
            check.add(
                path,
                _("refers to a symptom that is not in symptoms.own: %(ref)s.")
                % {"ref": ref[:90]},
            )

    tracked_refs: set[str] = set()
    for i, tracked in enumerate(data["symptoms"]["tracked"]):
        path = ["symptoms", "tracked", i, "symptom"]
        known(path, tracked["symptom"])
        if tracked["symptom"] in tracked_refs:
            check.add(path, _("is tracked twice."))
        tracked_refs.add(tracked["symptom"])
        parsed[("tracked", i)] = check.moment(
            ["symptoms", "tracked", i, "archived_at"], tracked["archived_at"]
        )

    days: set[datetime.date] = set()
    for i, entry in enumerate(data["entries"]):
        day = check.date(["entries", i, "date"], entry["date"])
        if day is not None:
            if day in days:
                check.add(
                    ["entries", i, "date"],
                    _("%(date)s has two entries; there is one per day.")
                    % {"date": entry["date"]},
                )
            days.add(day)
        parsed[("entries", i)] = (
            day,
            check.decimal(["entries", i, "hours_upright"], entry["hours_upright"]),
            check.decimal(["entries", i, "sleep_hours"], entry["sleep_hours"]),
        )
        for ref in entry["scores"]:
            known(["entries", i, "scores", ref], ref)

    for i, crash in enumerate(data["crashes"]):
        start = check.date(["crashes", i, "start_date"], crash["start_date"])
        end = check.date(["crashes", i, "end_date"], crash["end_date"])
        check.not_before(
            ["crashes", i, "end_date"],
            end,
            start,
            _("is before the crash's start date."),
        )
        parsed[("crashes", i)] = (start, end)

    for i, course in enumerate(data["courses"]):
        start = check.date(["courses", i, "start_date"], course["start_date"])
        parsed[("courses", i)] = start
        seen: set = set()
        for j, change in enumerate(course["dose_changes"]):
            path = ["courses", i, "dose_changes", j]
            day = check.date([*path, "date"], change["date"])
            check.not_before(
                [*path, "date"],
                day,
                start,
                _("is before the course's start date."),
            )
            if day is not None and day in seen:
                check.add([*path, "date"], _("has two dose changes on one day."))
            seen.add(day)
            dose = check.decimal([*path, "dose_mg"], change["dose_mg"])
            no_dose = change["reason"] in DoseChange.NO_DOSE_REASONS
            if no_dose and change["dose_mg"] is not None:
                check.add([*path, "dose_mg"], _("must be null for a pause or a stop."))
            elif not no_dose and change["dose_mg"] is None:
                check.add(
                    [*path, "dose_mg"],
                    _("is missing: every reason but pause and stop has a dose."),
                )
            parsed[("dose_changes", i, j)] = (day, dose)
        seen = set()
        for j, missed in enumerate(course["missed_doses"]):
            path = ["courses", i, "missed_doses", j, "date"]
            day = check.date(path, missed["date"])
            if day is not None and day in seen:
                check.add(path, _("has two missed doses on one day."))
            seen.add(day)
            parsed[("missed_doses", i, j)] = day
        seen = set()
        for j, effect in enumerate(course["side_effects"]):
            path = ["courses", i, "side_effects", j, "date"]
            day = check.date(path, effect["date"])
            key = (day, effect["kind"], effect["other_description"])
            if day is not None and key in seen:
                check.add(path, _("has the same side effect twice on one day."))
            seen.add(key)
            parsed[("side_effects", i, j)] = day

    for i, medication in enumerate(data["medications"]):
        start = check.date(["medications", i, "start_date"], medication["start_date"])
        stop = check.date(["medications", i, "stop_date"], medication["stop_date"])
        check.not_before(
            ["medications", i, "stop_date"], stop, start, _("is before the start date.")
        )
        parsed[("medications", i)] = (start, stop)

    for i, link in enumerate(data["share_links"]):
        path = ["share_links", i]
        start = check.date([*path, "start_date"], link["start_date"])
        end = check.date([*path, "end_date"], link["end_date"])
        check.not_before(
            [*path, "end_date"], end, start, _("is before the start date.")
        )
        moments = tuple(
            check.moment([*path, name], link[name])
            for name in ("created_at", "expires_at", "revoked_at")
        )
        accesses = [
            check.moment([*path, "accesses", j, "accessed_at"], access["accessed_at"])
            for j, access in enumerate(link["accesses"])
        ]
        parsed[("share_links", i)] = (start, end, *moments, accesses)

    # Optional in version 1: a file made before choices were exported has none.
    now = timezone.now()
    for i, choice in enumerate(data.get("primary_outcomes", [])):
        path = ["primary_outcomes", i]
        ref = choice["symptom"]
        if choice["outcome"] == SYMPTOM:
            if ref is None:
                check.add(
                    [*path, "symptom"],
                    _("is missing: a symptom outcome names its symptom."),
                )
            else:
                known([*path, "symptom"], ref)
        elif ref is not None:
            check.add(
                [*path, "symptom"],
                _("must be null unless the outcome is “symptom”."),
            )
        chosen = check.moment([*path, "chosen_at"], choice["chosen_at"])
        if chosen is not None and chosen > now:
            check.add(
                [*path, "chosen_at"],
                _("is in the future: %(value)s.") % {"value": choice["chosen_at"]},
            )
            chosen = None
        parsed[("primary_outcomes", i)] = chosen

    return check.problems, plan


def validate_export(data: dict[str, Any]) -> Plan:
    """Pass 2 and 3 on parsed JSON; ``ImportRejected`` lists the problems."""
    problems = _schema_problems(data)
    if problems:
        raise ImportRejected(problems)
    problems, plan = _check_meaning(data)
    if problems:
        raise ImportRejected(problems)
    return plan
