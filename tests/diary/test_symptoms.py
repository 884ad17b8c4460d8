import pytest
from django.urls import reverse

from diary.models import Symptom, TrackedSymptom
from diary.services import symptoms_load_builtin
from tests.factories import EntryFactory, SymptomScoreFactory

pytestmark = pytest.mark.django_db

BUILTIN_NAMES = [
    "Fatigue",
    "Post-exertional malaise",
    "Unrefreshing sleep",
    "Brain fog / thinking and memory",
    "Muscle pain",
    "Joint pain",
    "Headache",
    "Dizziness or light-headedness on standing",
    "Sore throat",
    "Tender lymph nodes",
    "Low mood",
    "Gut symptoms",
    "Shortness of breath",
    "Blurred vision",
    "Sensitivity to light or noise",
]


def active_names(user):
    return [
        t.symptom.name
        for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def test_builtin_catalogue_is_loaded_and_reloading_never_duplicates():
    assert (
        list(Symptom.objects.builtin().values_list("name", flat=True)) == BUILTIN_NAMES
    )
    assert symptoms_load_builtin() == 15
    assert symptoms_load_builtin() == 15
    assert Symptom.objects.builtin().count() == 15


def test_owner_sees_tracked_available_and_add_form(alice_client, alice):
    response = alice_client.get(reverse("diary:symptom-list"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in BUILTIN_NAMES:
        assert name in page or name.replace("/", "&#x2F;") in page


def test_anonymous_is_redirected(anon_client):
    symptom = Symptom.objects.builtin().first()
    assert anon_client.get(reverse("diary:symptom-list")).status_code == 302
    for name in ("diary:symptom-track", "diary:symptom-archive", "diary:symptom-move"):
        response = anon_client.post(reverse(name, args=[symptom.uuid]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert (
        anon_client.post(reverse("diary:symptom-add"), {"name": "x"}).status_code == 302
    )
    assert not Symptom.objects.filter(name="x").exists()


def test_track_a_builtin_symptom_adds_it_at_the_end(alice_client, alice):
    joint = Symptom.objects.builtin().get(slug="joint-pain")
    alice_client.post(reverse("diary:symptom-track", args=[joint.uuid]))
    assert active_names(alice)[-1] == "Joint pain"


def test_add_own_symptom_tracks_it(alice_client, alice):
    response = alice_client.post(
        reverse("diary:symptom-add"), {"name": "  Tinnitus  ", "description": "ringing"}
    )
    assert response.status_code == 302
    symptom = Symptom.objects.get(owner=alice, name="Tinnitus")
    assert active_names(alice)[-1] == "Tinnitus"
    assert symptom.description == "ringing"


def test_duplicate_symptom_name_is_rejected_case_insensitively(alice_client, alice):
    response = alice_client.post(reverse("diary:symptom-add"), {"name": "fatigue"})
    assert response.status_code == 200
    assert "already in your list" in response.content.decode()
    assert 'value="fatigue"' in response.content.decode()
    assert not Symptom.objects.filter(owner=alice).exists()


@pytest.mark.parametrize("bad", ["", "   ", "x" * 81])
def test_bad_symptom_name_is_rejected(alice_client, alice, bad):
    response = alice_client.post(reverse("diary:symptom-add"), {"name": bad})
    assert response.status_code == 200
    assert response.context["add_form"].errors
    assert not Symptom.objects.filter(owner=alice).exists()


def test_html_in_symptom_name_is_escaped_everywhere(alice_client, alice):
    hostile = "<script>alert(1)</script>"
    alice_client.post(reverse("diary:symptom-add"), {"name": hostile})
    assert Symptom.objects.filter(owner=alice, name=hostile).exists()
    for url in (
        reverse("diary:symptom-list"),
        reverse("diary:checkin"),
        reverse("diary:home"),
    ):
        page = alice_client.get(url).content.decode()
        assert hostile not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_archiving_keeps_history_and_removes_from_checkin(alice_client, alice):
    tracked = TrackedSymptom.objects.for_user(alice).active().in_order().first()
    entry = EntryFactory(user=alice)
    SymptomScoreFactory(entry=entry, symptom=tracked.symptom, score=6)
    alice_client.post(reverse("diary:symptom-archive", args=[tracked.symptom.uuid]))
    tracked.refresh_from_db()
    assert tracked.archived_at is not None
    assert entry.scores.get(symptom=tracked.symptom).score == 6
    form = alice_client.get(reverse("diary:checkin")).context["form"]
    assert f"symptom_{tracked.symptom.pk}" not in form.fields
    # Tracking it again brings it back, with its history intact.
    alice_client.post(reverse("diary:symptom-track", args=[tracked.symptom.uuid]))
    tracked.refresh_from_db()
    assert tracked.archived_at is None
    assert entry.scores.get(symptom=tracked.symptom).score == 6


def test_moving_changes_the_checkin_order(alice_client, alice):
    before = active_names(alice)
    second = TrackedSymptom.objects.for_user(alice).active().in_order()[1]
    alice_client.post(
        reverse("diary:symptom-move", args=[second.symptom.uuid]), {"direction": "up"}
    )
    after = active_names(alice)
    assert after == [before[1], before[0], *before[2:]]
    form = alice_client.get(reverse("diary:checkin")).context["form"]
    assert [f.label for f in form.symptom_fields()] == after


def test_bad_move_direction_is_a_400_and_changes_nothing(alice_client, alice):
    before = active_names(alice)
    first = TrackedSymptom.objects.for_user(alice).active().in_order()[0]
    response = alice_client.post(
        reverse("diary:symptom-move", args=[first.symptom.uuid]),
        {"direction": "sideways"},
    )
    assert response.status_code == 400
    assert active_names(alice) == before


def test_other_users_own_symptom_is_404_for_every_action(bob_client, alice, bob):
    own = Symptom.objects.create(owner=alice, name="Alice's own")
    TrackedSymptom.objects.create(user=alice, symptom=own, position=99)
    for name in ("diary:symptom-track", "diary:symptom-archive", "diary:symptom-move"):
        response = bob_client.post(reverse(name, args=[own.uuid]), {"direction": "up"})
        assert response.status_code == 404, name
    assert not TrackedSymptom.objects.filter(user=bob, symptom=own).exists()
    assert TrackedSymptom.objects.get(user=alice, symptom=own).archived_at is None
    assert (
        "Alice&#x27;s own"
        not in bob_client.get(reverse("diary:symptom-list")).content.decode()
    )
