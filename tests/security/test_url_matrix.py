"""Every URL in the URLconf (found by walking the resolver, so a new one cannot be
forgotten) as another patient and as an anonymous visitor, with every method:
never a 500, never one of Alice's objects (404 for Bob), never her text, and
nothing of hers changed."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Device
from diary.models import Crash, DoseChange, Entry, Medication, TreatmentCourse
from diary.sharing.models import ShareLink
from tests.security.world import CANARY, build_world, every_url

HTML_METHODS = ("get", "post")
API_METHODS = ("get", "post", "put", "patch", "delete")
# Open to anyone: log-in and sign-up, the studies, the privacy page, the API's
# own description, and links that carry their own secret (a doctor's share link,
# a reminder's unsubscribe link, a reset link).
PUBLIC = {
    "accounts:signup",
    "accounts:signup-sent",
    "accounts:signup-confirm",
    "accounts:login",
    "accounts:login-verify",
    "accounts:logout",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "evidence:study-list",
    "evidence:levels",
    "evidence:study-detail",
    "portability:privacy",
    "portability:deleted",
    # The service worker script: static file names only, never diary data.
    "service-worker",
    "diary:reminder-unsubscribe",
    "diary:share-view",
    "diary:share-pdf",
    "api:meta",
    "api:schema",
    "api:docs",
    "api:token",
    "api:token-refresh",
    "api:signup",
    "api:logout",
    "api:study-list",
    "api:study-detail",
    "api:?",
    "admin:login",
    "admin:logout",
    "admin:?",
}
BEARER = {"diary:share-view", "diary:share-pdf"}  # the token in the URL is the key


@pytest.fixture
def world(alice):
    cache.clear()
    yield build_world(alice)
    cache.clear()


def alice_state(alice):
    return {
        "entries": Entry.objects.filter(user=alice).count(),
        "crashes": Crash.objects.filter(user=alice).count(),
        "courses": TreatmentCourse.objects.filter(user=alice).count(),
        "doses": DoseChange.objects.filter(course__user=alice).count(),
        "medications": Medication.objects.filter(user=alice).count(),
        "links": list(ShareLink.objects.filter(user=alice).values_list("revoked_at")),
        "devices": list(Device.objects.filter(user=alice).values_list("pk", flat=True)),
        "notes": list(Entry.objects.filter(user=alice).values_list("notes")),
    }


def call(client, method, route):
    kwargs = {"content_type": "application/json", "data": "{}"} if route.is_api else {}
    if method in ("get", "delete"):
        kwargs = {}
    return getattr(client, method)(route.url, **kwargs)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def methods_for(route):
    return API_METHODS if route.is_api else HTML_METHODS


def test_the_walk_covers_the_whole_urlconf(world):
    routes = every_url(world)
    names = {route.name for route in routes}
    assert len(routes) >= 150
    for expected in ("diary:crash-edit", "api:entry-detail", "diary:share-delete"):
        assert expected in names
    owned = [route for route in routes if route.owned and not route.is_admin]
    assert len(owned) >= 40


def test_another_patient_gets_404_for_every_url_with_alices_objects(world, alice, bob):
    before = alice_state(alice)
    client = Client()
    failures = []
    requests = 0
    for route in every_url(world):
        for method in methods_for(route):
            client.force_login(bob)
            response = call(client, method, route)
            requests += 1
            status = response.status_code
            content = body_of(response)
            where = f"{method.upper()} {route.url} ({route.name}) -> {status}"
            if status >= 500:
                failures.append(where)
            elif CANARY.encode() in content and route.name not in BEARER:
                failures.append(where + ": Alice's text in the answer")
            elif route.owned and route.name not in BEARER:
                if route.is_admin:
                    ok = status in (302, 403, 404)
                else:
                    ok = status in (404, 405)
                if not ok:
                    failures.append(where + ": expected 404")
    assert not failures, "\n".join(failures)
    assert requests > 400
    assert alice_state(alice) == before


def test_an_anonymous_visitor_gets_nothing_but_the_public_pages(world, alice):
    before = alice_state(alice)
    client = Client()
    failures = []
    for route in every_url(world):
        for method in methods_for(route):
            response = call(client, method, route)
            status = response.status_code
            content = body_of(response)
            where = f"{method.upper()} {route.url} ({route.name}) -> {status}"
            if status >= 500:
                failures.append(where)
                continue
            if CANARY.encode() in content and route.name not in BEARER:
                failures.append(where + ": Alice's text in the answer")
            if route.name in PUBLIC:
                continue
            if status == 302:
                if "login" not in response["Location"]:
                    failures.append(where + f": redirected to {response['Location']}")
            elif status not in (401, 403, 404, 405, 429):
                failures.append(where + ": not refused")
    assert not failures, "\n".join(failures)
    assert alice_state(alice) == before
