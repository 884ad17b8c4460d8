"""Alice's whole diary, every free-text field holding a canary and a script
payload, and every URL in the URLconf filled in with her objects: the ground for
the cross-cutting tests (URL matrix, CSRF, XSS, logs).

:func:`every_url` walks the resolver, so a URL added later is either filled in
here or makes the tests fail ("no value for ..."): it cannot be forgotten.
"""

import datetime
import re
import uuid
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts import services as account_services
from diary.exports.models import DEFAULT_SECTIONS, ExportJob
from diary.sharing import services as share_services
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    EntryFactory,
    MedicationFactory,
    MissedDoseFactory,
    SideEffectFactory,
    SymptomScoreFactory,
    TrackedSymptomFactory,
    TreatmentCourseFactory,
)

CANARY = "CANARY-7f3a9c"
XSS = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"
TEXT = f"{CANARY} {XSS}"
SHORT = f"{CANARY}<b>"  # for fields of 40-80 characters


@dataclass
class World:
    user: object
    values: dict[str, str] = field(default_factory=dict)
    share_token: str = ""


def build_world(user) -> World:
    """Alice's data, each free-text field holding :data:`CANARY` and a payload."""
    user.display_name = SHORT
    user.save(update_fields=["display_name"])
    today = user.local_today()
    tracked = TrackedSymptomFactory(
        user=user, symptom__name=f"{SHORT}"[:80], symptom__description=TEXT[:240]
    )
    entry = EntryFactory(user=user, date=today - datetime.timedelta(days=2), notes=TEXT)
    SymptomScoreFactory(entry=entry, symptom=tracked.symptom, score=7)
    crash = CrashFactory(
        user=user,
        start_date=today - datetime.timedelta(days=6),
        end_date=today - datetime.timedelta(days=4),
        notes=TEXT,
    )
    course = TreatmentCourseFactory(
        user=user,
        start_date=today - datetime.timedelta(days=40),
        strength=SHORT,
        pharmacy=SHORT,
        notes=TEXT,
    )
    dose = DoseChangeFactory(course=course, note=TEXT)
    missed = MissedDoseFactory(course=course, note=TEXT)
    effect = SideEffectFactory(course=course, note=TEXT)
    medication = MedicationFactory(user=user, name=SHORT, dose=SHORT, notes=TEXT)
    job = ExportJob.objects.create(
        user=user,
        format=ExportJob.Format.CSV_TIDY
        if hasattr(ExportJob.Format, "CSV_TIDY")
        else ExportJob.Format.PDF,
        start_date=today - datetime.timedelta(days=29),
        end_date=today,
        sections=list(DEFAULT_SECTIONS),
        display_name=SHORT,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    link, token = share_services.share_link_create(
        user=user,
        start=today - datetime.timedelta(days=29),
        end=today,
        sections=list(DEFAULT_SECTIONS),
        label=SHORT,
        display_name=SHORT,
    )
    device, _refresh = account_services.device_sign_in(user=user, name=SHORT)
    world = World(user=user, share_token=token)
    world.values = {
        "symptom": str(tracked.symptom.uuid),
        "crash": str(crash.uuid),
        "course": str(course.uuid),
        "dose": str(dose.uuid),
        "missed": str(missed.uuid),
        "effect": str(effect.uuid),
        "medication": str(medication.uuid),
        "job": str(job.uuid),
        "link": str(link.uuid),
        "device": str(device.uuid),
        "day": entry.date.isoformat(),
        "user_pk": str(user.pk),
    }
    return world


# Parameter name, or (path fragment before it, parameter name) -> world key.
BY_CONTEXT = [
    ("symptoms/", "uuid", "symptom"),
    ("crashes/", "uuid", "crash"),
    ("dose-changes/", "uuid", "dose"),
    ("side-effects/", "uuid", "effect"),
    ("missed-doses/", "uuid", "missed"),
    ("treatments/", "uuid", "course"),
    ("medications/", "uuid", "medication"),
    ("share-links/", "uuid", "link"),
    ("exports/", "uuid", "job"),
]
BY_NAME = {
    "symptom_uuid": "symptom",
    "crash_uuid": "crash",
    "course_uuid": "course",
    "change_uuid": "dose",
    "missed_uuid": "missed",
    "effect_uuid": "effect",
    "medication_uuid": "medication",
    "job_uuid": "job",
    "link_uuid": "link",
    "device_uuid": "device",
    "day": "day",
    "date": "day",
    "object_id": "user_pk",
    "id": "user_pk",
    "pk": "user_pk",
}
# Parameters whose value is not one of Alice's objects.
FIXED = {
    "session_uuid": str(uuid.UUID(int=1)),
    "uidb64": "MQ",
    "key": "no-such-study",
    "app_label": "accounts",
    "content_type_id": "1",
    "url": "no-such-page/",
}
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # the pattern, e.g. "crashes/<uuid:crash_uuid>/"
    url: str
    owned: bool  # holds one of Alice's objects
    is_api: bool
    is_admin: bool


def _patterns():
    found = []

    def walk(entries, prefix, namespaces):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(
                    entry.url_patterns,
                    prefix + str(entry.pattern),
                    namespaces + [entry.namespace],
                )
            elif isinstance(entry, URLPattern):
                name = ":".join([n for n in namespaces if n] + [entry.name or "?"])
                found.append((name, prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns, "", [])
    return found


def every_url(world: World) -> list[Route]:
    routes = []
    for name, template in _patterns():
        owned = False

        def fill(match, template=template, name=name):
            nonlocal owned
            param = match.group("name") or match.group("rname")
            before = template[: match.start()]
            if param == "token":
                if "s/" in before[-3:] or before.endswith("/s/") or before == "s/":
                    owned = True
                    return world.share_token
                return "not-a-real-token"
            for fragment, key_param, key in BY_CONTEXT:
                if param == key_param and before.endswith(fragment):
                    owned = True
                    return world.values[key]
            if param in BY_NAME:
                key = BY_NAME[param]
                # A date names the visitor's own day, not one of Alice's rows.
                owned = owned or key != "day"
                return world.values[key]
            if param in FIXED:
                return FIXED[param]
            raise AssertionError(f"{name} ({template}): no value for {param!r}")

        url = PARAM.sub(fill, template)
        url = url.replace("^", "").replace("$", "")
        if url.startswith("api/v1/[\\s\\S]*"):
            url = "api/v1/no-such-endpoint/"
        routes.append(
            Route(
                name=name,
                template=template,
                url="/" + url,
                owned=owned,
                is_api=template.startswith("api/"),
                is_admin=template.startswith("admin/"),
            )
        )
    return routes
