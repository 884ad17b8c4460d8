"""The rendered evidence overlay, cached: the same HTML and brackets as rendering
``overlay_context``, one query when cached, a fresh fragment whenever the catalogue
changes, and one per language and LDN state, never another patient's data."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from diary.models import Symptom
from evidence.models import Study
from evidence.overlay import overlay_context, overlay_rendered
from tests.factories import TreatmentCourseFactory

from .conftest import DATA_DIR, data_records
from .test_overlay import LDN_START, TODAY, all_builtin_ids, ids


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def rendered(slugs=("fatigue",), ldn_start=LDN_START, today=TODAY):
    """What the page shows (without the cache key, compared on its own below)."""
    got = overlay_rendered(symptom_ids=ids(*slugs), ldn_start=ldn_start, today=today)
    got.pop("key")
    return got


def expected(slugs=("fatigue",), ldn_start=LDN_START, today=TODAY):
    context = overlay_context(
        user=None, symptom_ids=ids(*slugs), ldn_start=ldn_start, today=today
    )
    html = render_to_string("evidence/_overlay.html", {"overlay": context})
    return {
        "html": html,
        "count": len(context["studies"]),
        "brackets": context["brackets"],
    }


def queries(func, *args, **kwargs):
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        result = func(*args, **kwargs)
    return result, len(ctx.captured_queries)


@pytest.mark.parametrize(
    "ldn_start",
    [LDN_START, TODAY, TODAY + datetime.timedelta(days=1), None],
    ids=["started", "starts-today", "not-begun", "no-ldn-start"],
)
def test_a_miss_and_a_hit_show_what_rendering_the_context_shows(studies, ldn_start):
    slugs = ("fatigue", "brain-fog", "muscle-pain")
    want = expected(slugs, ldn_start=ldn_start)
    assert want["count"] > 3
    for _ in range(2):  # a miss, then a hit
        got = rendered(slugs, ldn_start=ldn_start)
        assert got == want
        assert str(got["html"]) == want["html"]


def test_brackets_are_dated_from_each_patients_ldn_start(studies):
    rendered(ldn_start=LDN_START)  # fills the cache
    later = LDN_START + datetime.timedelta(days=40)
    got = rendered(ldn_start=later)
    assert got["brackets"]
    assert got == expected(ldn_start=later)
    assert {b["start"] for b in got["brackets"]} == {later.isoformat()}


def test_a_hit_is_one_query_and_a_miss_reads_the_studies(studies):
    symptom_ids = ids("fatigue")
    args = {"symptom_ids": symptom_ids, "ldn_start": LDN_START, "today": TODAY}
    _, cold = queries(overlay_rendered, **args)
    _, warm = queries(overlay_rendered, **args)
    assert cold == 3  # fingerprint, studies, their symptoms
    assert warm == 1  # fingerprint


def test_each_symptom_set_and_ldn_state_has_its_own_fragment(studies):
    fatigue = rendered(("fatigue",))
    everything = overlay_rendered(
        symptom_ids=all_builtin_ids(), ldn_start=LDN_START, today=TODAY
    )
    assert fatigue["count"] < everything["count"]
    assert 'data-testid="overlay-no-ldn-start"' not in fatigue["html"]
    no_start = rendered(("fatigue",), ldn_start=None)
    assert 'data-testid="overlay-no-ldn-start"' in no_start["html"]
    assert no_start["brackets"] == []
    not_begun = rendered(("fatigue",), ldn_start=TODAY + datetime.timedelta(days=3))
    assert 'data-testid="overlay-no-ldn-start"' not in not_begun["html"]
    assert "overlay-how" not in not_begun["html"]
    assert not_begun["brackets"] == []


def test_each_language_has_its_own_fragment(studies):
    args = {"symptom_ids": ids("fatigue"), "ldn_start": LDN_START, "today": TODAY}
    overlay_rendered(**args)
    _, same = queries(overlay_rendered, **args)
    assert same == 1
    with translation.override("fr"):
        _, other = queries(overlay_rendered, **args)
    assert other > 1  # not the English fragment


def first_fatigue_study() -> Study:
    return Study.objects.get(
        key=expected()["html"].split('data-key="')[1].split('"')[0]
    )


def test_a_saved_study_makes_a_fresh_fragment(studies):
    rendered()
    study = first_fatigue_study()
    study.headline = "A headline changed by staff in the admin"
    study.save()
    got = rendered()
    assert "A headline changed by staff in the admin" in got["html"]
    assert got == expected()


def test_changed_symptom_links_make_a_fresh_fragment(studies):
    """``load_studies`` sets links without saving the study when only they change."""
    before = rendered()
    study = first_fatigue_study()
    study.symptoms.set(
        [s for s in study.symptoms.all() if s.slug != "fatigue"]
    )  # no longer linked to fatigue
    after = rendered()
    assert after["count"] == before["count"] - 1
    assert f'data-key="{study.key}"' not in after["html"]
    study.symptoms.add(Symptom.objects.builtin().get(slug="fatigue"))
    assert rendered() == before


def test_a_deleted_study_leaves_the_fragment(studies):
    before = rendered()
    study = first_fatigue_study()
    study.delete()
    after = rendered()
    assert after["count"] == before["count"] - 1
    assert f'data-key="{study.key}"' not in after["html"]


def test_a_renamed_symptom_shows_its_new_name(studies):
    rendered()
    fatigue = Symptom.objects.builtin().get(slug="fatigue")
    fatigue.name = "Tiredness (renamed)"
    fatigue.save()
    assert "Tiredness (renamed)" in rendered()["html"]


def test_reloading_the_studies_makes_a_fresh_fragment(studies, tmp_path):
    before = rendered()
    key = first_fatigue_study().key
    records = data_records()
    for record in records:
        if record["key"] == key:
            record["headline"] = "A headline from a newer catalogue"
    path = tmp_path / "studies.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    call_command(
        "load_studies",
        path=str(path),
        symptom_links=str(DATA_DIR / "study_symptoms.json"),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    after = rendered()
    assert "A headline from a newer catalogue" in after["html"]
    assert after["count"] == before["count"]
    assert after == expected()


# On the page ---------------------------------------------------------------------


def overlay_of(page: str) -> tuple[str, list]:
    aside = page.split('<aside id="evidence-overlay"')[1].split("</aside>")[0]
    script = re.search(
        r'<script id="trends-overlay" type="application/json">(.*?)</script>', page
    )
    assert script
    return aside, json.loads(script.group(1))


def test_patients_with_the_same_symptoms_see_their_own_ldn_state(
    studies, alice, alice_client, bob, bob_client
):
    """Alice's view fills the cache for these symptoms; Bob, with the same
    symptoms but his own LDN start (or none), sees his own overlay."""
    trends = reverse("diary:trends")
    alice_start = alice.local_today() - datetime.timedelta(days=50)
    TreatmentCourseFactory(user=alice, start_date=alice_start)
    alice_aside, alice_brackets = overlay_of(
        alice_client.get(trends, {"preset": "90"}).content.decode()
    )
    assert alice_brackets
    assert {b["start"] for b in alice_brackets} == {alice_start.isoformat()}
    assert 'data-testid="overlay-no-ldn-start"' not in alice_aside

    bob_aside, bob_brackets = overlay_of(
        bob_client.get(trends, {"preset": "90"}).content.decode()
    )
    assert bob_brackets == []
    assert 'data-testid="overlay-no-ldn-start"' in bob_aside

    cache.clear()
    bob_start = bob.local_today() - datetime.timedelta(days=10)
    TreatmentCourseFactory(user=bob, start_date=bob_start)
    bob.refresh_from_db()
    bob_aside, bob_brackets = overlay_of(
        bob_client.get(trends, {"preset": "90"}).content.decode()
    )
    assert {b["start"] for b in bob_brackets} == {bob_start.isoformat()}
    # The same symptoms and state as Alice: the same fragment, which holds
    # nothing of either diary.
    assert bob_aside == alice_aside
    assert alice_start.isoformat() not in bob_aside
    assert bob_start.isoformat() not in bob_aside
