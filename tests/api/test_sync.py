"""/api/v1/sync/: everything created, changed or deleted since a cursor, so a phone
that pulls with its last cursor ends with exactly the server's state.

Also the query counts of the API's history endpoints (entries/, trends/, sync/)
at a week and at a year of history."""

import datetime
import uuid as uuid_lib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import services
from diary.api import sync_view
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    MissedDose,
    SideEffect,
    Symptom,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)
from tests.factories import MedicationFactory

pytestmark = pytest.mark.django_db

SYNC = reverse("api:sync")
KINDS = [kind.name for kind in sync_view.KINDS]
COURSE_KINDS = {
    "dose_changes": "dose-change",
    "side_effects": "side-effect",
    "missed_doses": "missed-dose",
}


def days_ago(user, n: int) -> datetime.date:
    return user.local_today() - datetime.timedelta(days=n)


def tracked(user) -> list[Symptom]:
    return [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


# ------------------------------------------------------------ a device's copy


def empty_store() -> dict[str, dict[str, dict]]:
    return {kind: {} for kind in KINDS}


def apply(store: dict, body: dict) -> None:
    """What a phone does with an answer: upsert the changes by uuid, then drop
    what was deleted."""
    for kind, items in body["changes"].items():
        for item in items:
            store[kind][item["uuid"]] = item
    for gone in body["deleted"]:
        store[sync_view.KIND_OF_TOMBSTONE[gone["kind"]]].pop(gone["uuid"], None)


def pull(client, store: dict, cursor: str | None) -> tuple[str, int]:
    """Pull until nothing more is waiting. Returns the cursor and the pages."""
    pages = 0
    while True:
        params = {} if cursor is None else {"since": cursor}
        response = client.get(SYNC, params)
        assert response.status_code == 200, response.content
        body = response.json()
        apply(store, body)
        cursor = body["cursor"]
        pages += 1
        if not body["has_more"]:
            return cursor, pages


def full_sync(client) -> dict:
    store = empty_store()
    pull(client, store, None)
    return store


def every_page(client, url: str) -> list[dict]:
    items: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["results"])
        url = body["next"]
    return items


def server_state(client) -> dict[str, dict[str, dict]]:
    """The user's diary as the resource endpoints show it, by kind and uuid (the
    tracked symptoms from me/, which lists the active ones in order)."""
    state = empty_store()
    for kind, name in [
        ("entries", "entry"),
        ("crashes", "crash"),
        ("treatments", "treatment"),
        ("medications", "medication"),
    ]:
        state[kind] = {
            i["uuid"]: i for i in every_page(client, reverse(f"api:{name}-list"))
        }
    state["symptoms"] = {
        i["uuid"]: i
        for i in every_page(client, reverse("api:symptom-list"))
        if not i["is_builtin"]
    }
    for course in list(state["treatments"]):
        for kind, name in COURSE_KINDS.items():
            for item in every_page(client, reverse(f"api:{name}-list", args=[course])):
                state[kind][item["uuid"]] = {**item, "course": course}
    state["tracked_symptoms"] = client.get(reverse("api:me")).json()["tracked_symptoms"]
    return state


def assert_same_as_server(store: dict, client) -> None:
    server = server_state(client)
    for kind in KINDS:
        if kind == "tracked_symptoms":
            active = sorted(
                (t for t in store[kind].values() if not t["archived"]),
                key=lambda t: t["position"],
            )
            assert [t["symptom"] for t in active] == server[kind]
        else:
            assert store[kind] == server[kind], kind


# ------------------------------------------------------------------- history


def history(user, days: int, *, with_own_symptom: bool = True) -> TreatmentCourse:
    """A diary of ``days`` days through the services: entries with scores, a
    crash a week, a course with dose steps, side effects and missed doses, a
    medication and (optionally) an own symptom."""
    if with_own_symptom:
        services.symptom_create_own(user=user, name="Tinnitus")
    symptoms = tracked(user)
    for n in range(days):
        services.entry_upsert(
            user=user,
            date=days_ago(user, n),
            scores={s.pk: (n + i) % 11 for i, s in enumerate(symptoms)},
            fields={"notes": f"day {n}"},
        )
    for n in range(0, days, 7):
        services.crash_create(
            user=user,
            start_date=days_ago(user, n),
            end_date=days_ago(user, n),
            severity=Crash.Severity.MILD,
        )
    course = services.course_create(
        user=user,
        start_date=days_ago(user, days - 1),
        formulation=TreatmentCourse.Formulation.LIQUID,
        first_dose_mg=Decimal("0.5"),
    )
    for n in range(days - 8, 0, -7):
        services.dose_change_add(
            course=course,
            date=days_ago(user, n),
            dose_mg=Decimal("1.0"),
            reason=DoseChange.Reason.PLANNED_STEP,
        )
        services.side_effect_add(
            course=course,
            date=days_ago(user, n),
            kind="vivid_dreams",
            severity=1,
        )
        services.missed_dose_add(course=course, date=days_ago(user, n + 1))
    services.medication_create(user=user, name="Vitamin D")
    return course


# -------------------------------------------------------------------- full sync


def test_first_sync_returns_the_whole_diary_as_the_endpoints_show_it(alice, alice_api):
    history(alice, 30)
    response = alice_api.get(SYNC)
    assert response.status_code == 200
    body = response.json()
    assert set(body["changes"]) == set(KINDS)
    assert body["has_more"] is False
    assert body["deleted"] == []
    store = empty_store()
    apply(store, body)
    assert len(store["entries"]) == 30
    assert len(store["symptoms"]) == 1
    assert store["dose_changes"] and store["side_effects"] and store["missed_doses"]
    assert_same_as_server(store, alice_api)


def test_since_zero_and_empty_mean_everything(alice, alice_api):
    history(alice, 3)
    everything = alice_api.get(SYNC).json()
    assert alice_api.get(SYNC, {"since": "0"}).json() == everything
    assert alice_api.get(SYNC, {"since": ""}).json() == everything


def test_the_cursor_is_the_users_change_counter_as_an_opaque_string(alice, alice_api):
    history(alice, 2)
    alice.refresh_from_db()
    body = alice_api.get(SYNC).json()
    assert body["cursor"] == f"v1.{alice.sync_version}"


def test_course_rows_name_their_course(alice, alice_api):
    course = history(alice, 14)
    body = alice_api.get(SYNC).json()
    for kind in COURSE_KINDS:
        assert body["changes"][kind]
        assert {i["course"] for i in body["changes"][kind]} == {str(course.uuid)}


def test_built_in_symptoms_are_not_synced_but_tracking_them_is(alice, alice_api):
    body = alice_api.get(SYNC).json()
    assert body["changes"]["symptoms"] == []
    builtin = {str(u) for u in Symptom.objects.builtin().values_list("uuid", flat=True)}
    tracked_rows = body["changes"]["tracked_symptoms"]
    assert tracked_rows
    assert {t["symptom"] for t in tracked_rows} <= builtin
    assert [t["symptom"] for t in tracked_rows] == [str(s.uuid) for s in tracked(alice)]


# ------------------------------------------------------------ incremental sync


def test_a_second_pull_with_the_cursor_returns_only_what_changed(alice, alice_api):
    history(alice, 10)
    first = alice_api.get(SYNC).json()
    entry = Entry.objects.get(user=alice, date=days_ago(alice, 3))
    services.entry_upsert(
        user=alice, date=entry.date, scores={}, fields={"notes": "edited"}
    )
    new_crash = services.crash_create(
        user=alice, start_date=days_ago(alice, 1), severity=Crash.Severity.SEVERE
    )
    body = alice_api.get(SYNC, {"since": first["cursor"]}).json()
    assert [e["uuid"] for e in body["changes"]["entries"]] == [str(entry.uuid)]
    assert body["changes"]["entries"][0]["notes"] == "edited"
    assert [c["uuid"] for c in body["changes"]["crashes"]] == [str(new_crash.uuid)]
    assert all(
        body["changes"][kind] == []
        for kind in KINDS
        if kind not in {"entries", "crashes"}
    )
    assert body["deleted"] == []
    assert body["cursor"] != first["cursor"]


def test_nothing_changed_means_an_empty_answer_with_the_same_cursor(alice, alice_api):
    history(alice, 3)
    first = alice_api.get(SYNC).json()
    again = alice_api.get(SYNC, {"since": first["cursor"]}).json()
    assert again == {
        "cursor": first["cursor"],
        "changes": {kind: [] for kind in KINDS},
        "deleted": [],
        "has_more": False,
    }


def test_deletions_come_as_tombstones_with_kind_and_uuid(alice, alice_api):
    course = history(alice, 14)
    store = full_sync(alice_api)
    cursor = alice_api.get(SYNC).json()["cursor"]
    entry = Entry.objects.get(user=alice, date=days_ago(alice, 2))
    services.entry_delete(entry=entry)
    children = {
        "dose_change": set(course.dose_changes.values_list("uuid", flat=True)),
        "side_effect": set(course.side_effects.values_list("uuid", flat=True)),
        "missed_dose": set(course.missed_doses.values_list("uuid", flat=True)),
    }
    services.course_delete(course=course)
    body = alice_api.get(SYNC, {"since": cursor}).json()
    deleted = {(d["kind"], d["uuid"]) for d in body["deleted"]}
    assert ("entry", str(entry.uuid)) in deleted
    assert ("course", str(course.uuid)) in deleted
    for kind, uuids in children.items():
        assert {(kind, str(u)) for u in uuids} <= deleted
    apply(store, body)
    assert str(entry.uuid) not in store["entries"]
    assert store["treatments"] == {} and store["dose_changes"] == {}
    assert_same_as_server(store, alice_api)


def test_tracking_an_own_symptom_sends_it_again_with_fresh_flags(alice, alice_api):
    own = services.symptom_create_own(user=alice, name="Tinnitus")
    row = TrackedSymptom.objects.get(user=alice, symptom=own)
    store = empty_store()
    cursor, _pages = pull(alice_api, store, None)
    assert store["symptoms"][str(own.uuid)]["tracked"] is True
    assert store["tracked_symptoms"][str(row.uuid)]["archived"] is False

    services.symptom_archive(tracked=row)
    cursor, _pages = pull(alice_api, store, cursor)
    assert store["symptoms"][str(own.uuid)]["archived"] is True
    assert store["tracked_symptoms"][str(row.uuid)]["archived"] is True
    assert_same_as_server(store, alice_api)

    services.symptom_track(user=alice, symptom=own)
    pull(alice_api, store, cursor)
    assert store["symptoms"][str(own.uuid)]["tracked"] is True
    assert store["tracked_symptoms"][str(row.uuid)]["archived"] is False
    assert_same_as_server(store, alice_api)


def test_reordering_the_check_in_through_me_reaches_the_other_device(alice, alice_api):
    store = empty_store()
    cursor, _pages = pull(alice_api, store, None)
    order = [str(s.uuid) for s in reversed(tracked(alice))][:3]
    response = alice_api.patch(
        reverse("api:me"), {"tracked_symptoms": order}, format="json"
    )
    assert response.status_code == 200
    pull(alice_api, store, cursor)
    assert_same_as_server(store, alice_api)


def test_deleting_an_own_symptom_resends_the_entries_that_scored_it(alice, alice_api):
    history(alice, 5)
    own = Symptom.objects.own(alice).get()
    store = empty_store()
    cursor, _pages = pull(alice_api, store, None)
    assert all(
        any(s["symptom"] == str(own.uuid) for s in e["scores"])
        for e in store["entries"].values()
    )
    services.symptom_delete_own(symptom=own)
    pull(alice_api, store, cursor)
    assert str(own.uuid) not in store["symptoms"]
    assert all(
        s["symptom"] != str(own.uuid)
        for e in store["entries"].values()
        for s in e["scores"]
    )
    assert_same_as_server(store, alice_api)


def test_a_write_that_commits_after_the_counter_was_read_comes_next_time(
    alice, alice_api, monkeypatch
):
    """The view reads the counter first. A write that lands between that read
    and the rows' queries is stamped higher, so it is left out now and sent with
    the next pull: nothing is skipped."""
    history(alice, 3)
    cursor = alice_api.get(SYNC).json()["cursor"]
    original = sync_view.collect
    late: list[Crash] = []

    def collect_after_a_late_write(*args, **kwargs):
        if not late:
            late.append(
                services.crash_create(
                    user=alice,
                    start_date=days_ago(alice, 1),
                    severity=Crash.Severity.MILD,
                )
            )
        return original(*args, **kwargs)

    monkeypatch.setattr(sync_view, "collect", collect_after_a_late_write)
    body = alice_api.get(SYNC, {"since": cursor}).json()
    assert body["changes"]["crashes"] == []
    assert body["cursor"] == cursor
    monkeypatch.setattr(sync_view, "collect", original)
    body = alice_api.get(SYNC, {"since": body["cursor"]}).json()
    assert [c["uuid"] for c in body["changes"]["crashes"]] == [str(late[0].uuid)]


def test_a_row_changed_again_after_the_counter_was_read_comes_with_its_new_state(
    alice, alice_api, monkeypatch
):
    history(alice, 3)
    store = empty_store()
    cursor, _pages = pull(alice_api, store, None)
    entry = Entry.objects.filter(user=alice).first()
    services.entry_upsert(user=alice, date=entry.date, scores={}, fields={"notes": "a"})
    original = sync_view.collect
    calls: list[int] = []

    def collect_after_a_second_edit(*args, **kwargs):
        if not calls:
            calls.append(1)
            services.entry_upsert(
                user=alice, date=entry.date, scores={}, fields={"notes": "b"}
            )
        return original(*args, **kwargs)

    monkeypatch.setattr(sync_view, "collect", collect_after_a_second_edit)
    cursor, _pages = pull(alice_api, store, cursor)
    monkeypatch.setattr(sync_view, "collect", original)
    pull(alice_api, store, cursor)
    assert store["entries"][str(entry.uuid)]["notes"] == "b"
    assert_same_as_server(store, alice_api)


# ----------------------------------------------------------------------- pages


def test_a_large_first_sync_comes_in_pages_that_end_at_the_server_state(
    alice, alice_api, monkeypatch
):
    monkeypatch.setattr(sync_view, "PAGE_SIZE", 4)
    history(alice, 20)
    store = empty_store()
    cursor, pages = pull(alice_api, store, None)
    assert pages > 5
    assert len(store["entries"]) == 20
    assert_same_as_server(store, alice_api)
    alice.refresh_from_db()
    assert cursor == f"v1.{alice.sync_version}"


def test_every_page_is_at_most_the_page_size_per_kind_and_moves_forward(
    alice, alice_api, monkeypatch
):
    monkeypatch.setattr(sync_view, "PAGE_SIZE", 3)
    history(alice, 12)
    cursor = None
    seen: list[str] = []
    while True:
        body = alice_api.get(SYNC, {} if cursor is None else {"since": cursor}).json()
        for items in body["changes"].values():
            # More only when one change wrote them all (the default check-in).
            assert len(items) <= 3 or len({i["sync_version"] for i in items}) == 1
        assert body["cursor"] != cursor
        seen.extend(e["uuid"] for e in body["changes"]["entries"])
        cursor = body["cursor"]
        if not body["has_more"]:
            break
    assert len(seen) == len(set(seen)) == 12


def test_a_page_stops_where_every_kind_is_complete(alice, alice_api, monkeypatch):
    """Entries 1-3 then crashes 4-6 were written: with pages of 2, the first page
    holds two entries and no crash, and its cursor is the second entry's."""
    monkeypatch.setattr(sync_view, "PAGE_SIZE", 2)
    cursor = alice_api.get(SYNC).json()["cursor"]
    entries = [
        services.entry_upsert(
            user=alice, date=days_ago(alice, n), scores={}, fields={}
        )[0]
        for n in range(3)
    ]
    for n in range(3):
        services.crash_create(
            user=alice, start_date=days_ago(alice, n), severity=Crash.Severity.MILD
        )
    body = alice_api.get(SYNC, {"since": cursor}).json()
    assert body["has_more"] is True
    assert [e["uuid"] for e in body["changes"]["entries"]] == [
        str(e.uuid) for e in entries[:2]
    ]
    assert body["changes"]["crashes"] == []
    assert body["cursor"] == f"v1.{entries[1].sync_version}"


def test_one_change_bigger_than_a_page_comes_whole(alice, alice_api, monkeypatch):
    """Deleting an own symptom stamps every entry that scored it with one
    version: that version is sent whole, so paging never gets stuck."""
    monkeypatch.setattr(sync_view, "PAGE_SIZE", 2)
    history(alice, 6)
    store = empty_store()
    cursor, _pages = pull(alice_api, store, None)
    own = Symptom.objects.own(alice).get()
    services.symptom_delete_own(symptom=own)
    body = alice_api.get(SYNC, {"since": cursor}).json()
    assert len(body["changes"]["entries"]) == 6
    apply(store, body)
    assert body["has_more"] is False
    assert_same_as_server(store, alice_api)


def test_rows_older_than_the_counter_come_with_a_full_sync(
    alice, alice_api, monkeypatch
):
    """Rows written outside the services (version 0, such as imported data) are
    part of a first sync, even when there are more than a page of them."""
    monkeypatch.setattr(sync_view, "PAGE_SIZE", 2)
    Entry.objects.bulk_create(
        [Entry(user=alice, date=days_ago(alice, n)) for n in range(5)]
    )
    store = empty_store()
    pull(alice_api, store, None)
    assert len(store["entries"]) == 5
    assert_same_as_server(store, alice_api)


# ---------------------------------------------------------------- bad cursors


@pytest.mark.parametrize(
    "since",
    ["abc", "v1.", "v1.-1", "v1.01", "v2.3", "1", " v1.1", "v1.1.1", "v1.१"],
)
def test_a_cursor_that_is_not_one_is_400_naming_since(alice_api, since):
    response = alice_api.get(SYNC, {"since": since})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["since"]


def test_a_cursor_newer_than_the_diary_is_400_asking_for_a_full_sync(alice, alice_api):
    for since in ("v1.999999", "v1.999999999999999999"):
        response = alice_api.get(SYNC, {"since": since})
        assert response.status_code == 400
        assert "from the start" in response.json()["errors"]["since"][0]


# ------------------------------------------------------------------ personas


def test_another_user_syncs_none_of_alices_rows(alice, bob, alice_api, bob_api):
    history(alice, 10)
    alice_store = full_sync(alice_api)
    Entry.objects.get(user=alice, date=days_ago(alice, 1)).delete()
    bob_store = full_sync(bob_api)
    alice_uuids = {u for kind in alice_store.values() for u in kind}
    bob_uuids = {u for kind in bob_store.values() for u in kind}
    assert alice_uuids and not alice_uuids & bob_uuids
    assert bob_store["entries"] == {} and bob_store["symptoms"] == {}


def test_another_users_deletions_are_not_in_my_tombstones(alice, bob, bob_api):
    history(alice, 3)
    services.entry_delete(entry=Entry.objects.filter(user=alice).first())
    assert bob_api.get(SYNC).json()["deleted"] == []


def test_anonymous_gets_401(anon_api):
    response = anon_api.get(SYNC)
    assert response.status_code == 401
    assert set(response.json()) >= {"code", "message", "errors"}


# --------------------------------------------------------------- query counts


def bulk_history(user, days: int) -> None:
    """A long diary fast: rows stamped with versions as the services would."""
    symptoms = tracked(user)
    today = user.local_today()
    version = user.sync_version
    entries = Entry.objects.bulk_create(
        [
            Entry(
                user=user,
                date=today - datetime.timedelta(days=n),
                sync_version=version + n + 1,
            )
            for n in range(days)
        ]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(entry=e, symptom=s, score=(i + j) % 11)
            for i, e in enumerate(entries)
            for j, s in enumerate(symptoms)
        ]
    )
    Crash.objects.bulk_create(
        [
            Crash(
                user=user,
                start_date=today - datetime.timedelta(days=n),
                severity=1,
                sync_version=version + n + 1,
            )
            for n in range(0, days, 7)
        ]
    )
    course = TreatmentCourse.objects.create(
        user=user,
        start_date=today - datetime.timedelta(days=days),
        formulation="liquid",
        sync_version=version + 1,
    )
    for model, extra in (
        (DoseChange, {"dose_mg": Decimal("1.0"), "reason": "planned_step"}),
        (SideEffect, {"kind": "insomnia", "severity": 1}),
        (MissedDose, {}),
    ):
        model.objects.bulk_create(
            [
                model(
                    course=course,
                    date=today - datetime.timedelta(days=n),
                    sync_version=version + n + 1,
                    **extra,
                )
                for n in range(0, days, 7)
            ]
        )
    MedicationFactory(user=user, sync_version=version + 1)
    user.sync_version = version + days + 1
    user.save(update_fields=["sync_version"])


def query_count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured.captured_queries)


def test_sync_query_count_is_the_same_with_a_week_and_a_year(
    alice, bob, alice_api, bob_api, django_assert_num_queries
):
    cursors = {}
    for user, days in ((alice, 7), (bob, 365)):
        user.refresh_from_db()
        cursors[user.pk] = f"v1.{user.sync_version}"
        bulk_history(user, days)
        services.symptom_create_own(user=user, name="Own")
        services.entry_delete(entry=Entry.objects.filter(user=user).last())
    # The device with its user, the counter, then one query per kind (two for
    # entries and treatments: their scores and dose steps) and the tombstones.
    for client, user, days in ((alice_api, alice, 7), (bob_api, bob, 365)):
        with django_assert_num_queries(14):
            body = client.get(SYNC).json()
        assert len(body["changes"]["entries"]) == days - 1
        with django_assert_num_queries(14):
            body = client.get(SYNC, {"since": cursors[user.pk]}).json()
        assert all(body["changes"].values()) and body["deleted"]


def test_entries_list_query_count_is_the_same_with_a_week_and_a_year(
    alice, bob, alice_api, bob_api, django_assert_num_queries
):
    bulk_history(alice, 7)
    bulk_history(bob, 365)
    # The device with its user, the page of entries, their scores.
    for client in (alice_api, bob_api):
        with django_assert_num_queries(3):
            assert client.get(reverse("api:entry-list")).status_code == 200


@pytest.mark.parametrize("params", [{"preset": "365"}, {"preset": "all"}])
def test_trends_query_count_is_the_same_with_a_week_and_a_year(
    alice, bob, alice_api, bob_api, params
):
    bulk_history(alice, 7)
    bulk_history(bob, 365)
    week = query_count(alice_api, reverse("api:trends"), params)
    year = query_count(bob_api, reverse("api:trends"), params)
    assert week == year


def test_each_device_keeps_its_own_cursor(alice, alice_api):
    """Two phones of one user pull at different times and both end equal."""
    from tests.api.conftest import bearer_client

    other_phone = bearer_client(alice, name="tablet")
    history(alice, 4)
    phone_store, tablet_store = empty_store(), empty_store()
    phone, _pages = pull(alice_api, phone_store, None)
    services.crash_create(
        user=alice, start_date=days_ago(alice, 0), severity=Crash.Severity.MILD
    )
    tablet, _pages = pull(other_phone, tablet_store, None)
    services.entry_delete(entry=Entry.objects.filter(user=alice).first())
    pull(alice_api, phone_store, phone)
    pull(other_phone, tablet_store, tablet)
    assert phone_store == tablet_store
    assert_same_as_server(phone_store, alice_api)


def test_uuids_are_unique_across_a_sync(alice, alice_api):
    history(alice, 10)
    body = alice_api.get(SYNC).json()
    for kind, items in body["changes"].items():
        uuids = [i["uuid"] for i in items]
        assert len(uuids) == len(set(uuids)), kind
        assert all(uuid_lib.UUID(u) for u in uuids)


def test_a_viewset_without_the_service_call_of_its_write_mixin_is_refused():
    """Each write mixin names the service call it makes; a viewset lacking one
    is an error when its class is defined, not on a patient's first write."""
    from diary.api.sync import SyncedCreateMixin, SyncedDestroyMixin

    with pytest.raises(TypeError, match="does not define service_delete"):

        class Forgetful(SyncedCreateMixin, SyncedDestroyMixin):
            def service_create(self, data):
                return None

    class Complete(SyncedCreateMixin, SyncedDestroyMixin):
        def service_create(self, data):
            return data

        def service_delete(self, instance):
            return None

    assert Complete().service_create({"a": 1}) == {"a": 1}
