"""/api/v1/entries/: the diary by day, upserts, scores by symptom uuid."""

import datetime
import json

import pytest
from django.urls import reverse

from diary import services
from diary.models import Entry, SymptomScore, Tombstone, TrackedSymptom
from tests.factories import SymptomFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:entry-list")
FUTURE = "This date is in the future. You can log today or earlier days."


def detail(day) -> str:
    return reverse("api:entry-detail", args=[str(day)])


def tracked(user):
    return [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def days_ago(user, n: int) -> datetime.date:
    return user.local_today() - datetime.timedelta(days=n)


def make_entry(user, day, scores=None, **fields) -> Entry:
    symptoms = tracked(user)
    scores = scores if scores is not None else {symptoms[0].pk: 4, symptoms[1].pk: 6}
    entry, _created = services.entry_upsert(
        user=user, date=day, scores=scores, fields=fields
    )
    return entry


def snapshot(entry: Entry) -> dict:
    entry = Entry.objects.get(pk=entry.pk)
    values = {name: getattr(entry, name) for name in services.ENTRY_FIELDS}
    values["scores"] = {s.symptom_id: s.score for s in entry.scores.all()}
    values["sync_version"] = entry.sync_version
    return values


def scores_of(body) -> dict:
    return {item["symptom"]: item["score"] for item in body["scores"]}


# ------------------------------------------------------------------ owner, others


def test_owner_lists_entries_newest_first_with_scores_by_symptom_uuid(alice, alice_api):
    symptoms = tracked(alice)
    make_entry(alice, days_ago(alice, 2), sleep_hours=7)
    make_entry(alice, days_ago(alice, 1), notes="ok")
    response = alice_api.get(LIST)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["date"] for r in results] == [
        str(days_ago(alice, 1)),
        str(days_ago(alice, 2)),
    ]
    assert scores_of(results[0]) == {str(symptoms[0].uuid): 4, str(symptoms[1].uuid): 6}
    assert results[1]["sleep_hours"] == 7
    assert {"uuid", "sync_version", "updated_at"} <= set(results[0])
    assert "id" not in results[0]


def test_owner_gets_one_day_with_an_etag(alice, alice_api):
    entry = make_entry(alice, days_ago(alice, 1), notes="tired")
    response = alice_api.get(detail(entry.date))
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(entry.uuid)
    assert body["notes"] == "tired"
    assert response["ETag"] == Entry.objects.get(pk=entry.pk).etag


def test_other_user_sees_none_of_alices_entries_and_gets_404(alice, bob_api):
    entry = make_entry(alice, days_ago(alice, 1), notes="private")
    before = snapshot(entry)
    assert bob_api.get(LIST).json()["results"] == []
    assert bob_api.get(detail(entry.date)).status_code == 404
    response = bob_api.patch(detail(entry.date), {"notes": "bob"}, format="json")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "errors"}
    assert bob_api.delete(detail(entry.date)).status_code == 404
    assert snapshot(entry) == before


def test_other_user_writing_the_same_day_gets_their_own_entry(alice, bob, bob_api):
    entry = make_entry(alice, days_ago(alice, 3), notes="alice")
    before = snapshot(entry)
    response = bob_api.put(detail(entry.date), {"notes": "bob"}, format="json")
    assert response.status_code == 201
    assert response.json()["uuid"] != str(entry.uuid)
    assert snapshot(entry) == before
    assert Entry.objects.filter(user=bob).count() == 1


def test_anonymous_gets_401_everywhere(alice, anon_api):
    entry = make_entry(alice, days_ago(alice, 1))
    url = detail(entry.date)
    for response in (
        anon_api.get(LIST),
        anon_api.post(LIST, {"date": str(entry.date)}, format="json"),
        anon_api.get(url),
        anon_api.put(url, {}, format="json"),
        anon_api.patch(url, {}, format="json"),
        anon_api.delete(url),
    ):
        assert response.status_code == 401
        assert set(response.json()) == {"code", "message", "errors"}
    assert Entry.objects.filter(pk=entry.pk).exists()


# ------------------------------------------------------------------------ filters


def test_list_filters_by_from_and_to(alice, alice_api):
    for n in range(1, 6):
        make_entry(alice, days_ago(alice, n))
    response = alice_api.get(
        LIST, {"from": str(days_ago(alice, 4)), "to": str(days_ago(alice, 2))}
    )
    assert [r["date"] for r in response.json()["results"]] == [
        str(days_ago(alice, n)) for n in (2, 3, 4)
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "31/01/2026"}, "to"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ],
)
def test_bad_list_filters_get_400_naming_the_parameter(alice_api, params, field):
    response = alice_api.get(LIST, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_list_pages_with_a_cursor_without_overlap(alice, alice_api):
    today = alice.local_today()
    Entry.objects.bulk_create(
        [Entry(user=alice, date=today - datetime.timedelta(days=i)) for i in range(60)]
    )
    first = alice_api.get(LIST).json()
    assert len(first["results"]) == 50
    second = alice_api.get(first["next"]).json()
    assert len(second["results"]) == 10
    dates = [r["date"] for r in first["results"] + second["results"]]
    assert dates == sorted(set(dates), reverse=True)
    assert second["next"] is None


def test_list_query_count_is_the_same_with_a_week_and_a_year(
    alice, bob, alice_api, bob_api, django_assert_num_queries
):
    def history(user, days):
        symptoms = tracked(user)
        today = user.local_today()
        entries = Entry.objects.bulk_create(
            [
                Entry(user=user, date=today - datetime.timedelta(days=i))
                for i in range(days)
            ]
        )
        SymptomScore.objects.bulk_create(
            [
                SymptomScore(entry=e, symptom=s, score=(i + j) % 11)
                for i, e in enumerate(entries)
                for j, s in enumerate(symptoms)
            ]
        )

    history(alice, 7)
    history(bob, 365)
    # the device (with its user), the page of entries, their scores
    with django_assert_num_queries(3):
        small = alice_api.get(LIST)
    with django_assert_num_queries(3):
        large = bob_api.get(LIST)
    assert len(small.json()["results"]) == 7
    assert len(large.json()["results"]) == 50
    assert all(len(r["scores"]) == len(tracked(bob)) for r in large.json()["results"])


# ------------------------------------------------------------------------ upserts


def test_put_twice_makes_one_entry(alice, alice_api):
    symptom = tracked(alice)[0]
    day = days_ago(alice, 1)
    body = {"sleep_hours": 6.5, "scores": [{"symptom": str(symptom.uuid), "score": 3}]}
    first = alice_api.put(detail(day), body, format="json")
    second = alice_api.put(detail(day), body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert Entry.objects.filter(user=alice).count() == 1
    assert first.json()["uuid"] == second.json()["uuid"]
    assert second.json()["sleep_hours"] == 6.5
    assert scores_of(second.json()) == {str(symptom.uuid): 3}


def test_put_uses_the_client_uuid_when_creating(alice, alice_api):
    uuid = "6f1c1a52-3f0e-4c3e-9a57-0d4f8f0b2a11"
    response = alice_api.put(detail(days_ago(alice, 1)), {"uuid": uuid}, format="json")
    assert response.status_code == 201
    assert response.json()["uuid"] == uuid
    assert Entry.objects.get(user=alice).uuid.hex == uuid.replace("-", "")


def test_put_replaces_scores_and_fields(alice, alice_api):
    symptoms = tracked(alice)
    entry = make_entry(
        alice,
        days_ago(alice, 1),
        scores={symptoms[0].pk: 4, symptoms[1].pk: 6},
        sleep_hours=7,
        notes="keep?",
    )
    body = {"scores": [{"symptom": str(symptoms[2].uuid), "score": 2}]}
    response = alice_api.put(detail(entry.date), body, format="json")
    assert response.status_code == 200
    assert scores_of(response.json()) == {str(symptoms[2].uuid): 2}
    assert response.json()["sleep_hours"] is None
    assert response.json()["notes"] == ""
    assert snapshot(entry)["scores"] == {symptoms[2].pk: 2}


def test_patch_changes_only_what_is_sent(alice, alice_api):
    symptoms = tracked(alice)
    entry = make_entry(
        alice,
        days_ago(alice, 1),
        scores={symptoms[0].pk: 4, symptoms[1].pk: 6},
        sleep_hours=7,
        notes="keep",
    )
    body = {
        "physical_exertion": 0,
        "scores": [
            {"symptom": str(symptoms[1].uuid), "score": 9},
            {"symptom": str(symptoms[0].uuid), "score": None},
        ],
    }
    response = alice_api.patch(detail(entry.date), body, format="json")
    assert response.status_code == 200
    after = snapshot(entry)
    assert after["scores"] == {symptoms[1].pk: 9}
    assert after["physical_exertion"] == 0  # zero is an answer, not "missing"
    assert after["sleep_hours"] == 7
    assert after["notes"] == "keep"


def test_patch_of_a_day_without_an_entry_is_404(alice, alice_api):
    response = alice_api.patch(
        detail(days_ago(alice, 1)), {"notes": "x"}, format="json"
    )
    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_post_with_a_date_creates_then_adds_to_the_day(alice, alice_api):
    symptoms = tracked(alice)
    day = str(days_ago(alice, 1))
    first = alice_api.post(
        LIST,
        {"date": day, "scores": [{"symptom": str(symptoms[0].uuid), "score": 1}]},
        format="json",
    )
    assert first.status_code == 201
    second = alice_api.post(
        LIST,
        {"date": day, "scores": [{"symptom": str(symptoms[1].uuid), "score": 2}]},
        format="json",
    )
    assert second.status_code == 200
    assert second.json()["uuid"] == first.json()["uuid"]
    assert scores_of(second.json()) == {
        str(symptoms[0].uuid): 1,
        str(symptoms[1].uuid): 2,
    }
    assert Entry.objects.filter(user=alice).count() == 1


def test_post_retried_with_the_same_uuid_answers_the_same_entry(alice, alice_api):
    body = {
        "uuid": "0b7e35a4-8a8e-4b43-b0a5-1d5b0c6d1f00",
        "date": str(days_ago(alice, 2)),
        "notes": "first try",
    }
    first = alice_api.post(LIST, body, format="json")
    second = alice_api.post(LIST, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert first["ETag"] == second["ETag"]
    assert Entry.objects.filter(user=alice).count() == 1


def test_post_with_a_deleted_uuid_is_410_gone(alice, alice_api):
    entry = make_entry(alice, days_ago(alice, 1))
    services.entry_delete(entry=entry)
    body = {"uuid": str(entry.uuid), "date": str(entry.date)}
    for response in (
        alice_api.post(LIST, body, format="json"),
        alice_api.put(detail(entry.date), {"uuid": str(entry.uuid)}, format="json"),
    ):
        assert response.status_code == 410
        assert response.json()["code"] == "gone"
        assert set(response.json()) == {"code", "message", "errors"}
    assert not Entry.objects.exists()
    assert Tombstone.objects.filter(uuid=entry.uuid).count() == 1


def test_post_with_another_users_uuid_is_400_on_uuid(alice, bob, alice_api):
    bobs = make_entry(bob, days_ago(bob, 1), notes="bob's")
    response = alice_api.post(
        LIST, {"uuid": str(bobs.uuid), "date": str(bobs.date)}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["uuid"]
    assert "bob" not in json.dumps(body).lower()
    assert not Entry.objects.filter(user=alice).exists()


def test_post_with_the_uuid_of_another_day_is_400_on_uuid(alice, alice_api):
    entry = make_entry(alice, days_ago(alice, 5))
    response = alice_api.post(
        LIST,
        {"uuid": str(entry.uuid), "date": str(days_ago(alice, 1))},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert Entry.objects.filter(user=alice).count() == 1


def test_post_without_a_date_is_400_on_date(alice_api):
    response = alice_api.post(LIST, {"notes": "when?"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date"]


def test_put_with_another_date_in_the_body_is_400(alice, alice_api):
    response = alice_api.put(
        detail(days_ago(alice, 1)), {"date": str(days_ago(alice, 2))}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date"]
    assert not Entry.objects.exists()


def test_delete_removes_the_day_and_leaves_a_tombstone(alice, alice_api):
    entry = make_entry(alice, days_ago(alice, 1))
    response = alice_api.delete(detail(entry.date))
    assert response.status_code == 204
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert Tombstone.objects.filter(kind="entry", uuid=entry.uuid).exists()
    assert alice_api.get(detail(entry.date)).status_code == 404


def test_scores_of_own_and_archived_symptoms_are_accepted(alice, alice_api):
    own = services.symptom_create_own(user=alice, name="Tinnitus")
    archived = TrackedSymptom.objects.for_user(alice).active().first()
    services.symptom_archive(tracked=archived)
    body = {
        "scores": [
            {"symptom": str(own.uuid), "score": 5},
            {"symptom": str(archived.symptom.uuid), "score": 0},
        ]
    }
    response = alice_api.put(detail(days_ago(alice, 1)), body, format="json")
    assert response.status_code == 201
    assert scores_of(response.json()) == {
        str(own.uuid): 5,
        str(archived.symptom.uuid): 0,
    }


# ---------------------------------------------------------------------- bad input


def score_body(user, score):
    return {"scores": [{"symptom": str(tracked(user)[0].uuid), "score": score}]}


BAD_BODIES = [
    ("score 11", lambda u: score_body(u, 11), "scores.0.score"),
    ("score -1", lambda u: score_body(u, -1), "scores.0.score"),
    ("score text", lambda u: score_body(u, "abc"), "scores.0.score"),
    ("score true", lambda u: score_body(u, True), "scores.0.score"),
    ("score 5.5", lambda u: score_body(u, 5.5), "scores.0.score"),
    ("huge score", lambda u: score_body(u, 10**30), "scores.0.score"),
    (
        "score missing",
        lambda u: {"scores": [{"symptom": str(tracked(u)[0].uuid)}]},
        "scores.0.score",
    ),
    (
        "symptom null",
        lambda u: {"scores": [{"symptom": None, "score": 3}]},
        "scores.0.symptom",
    ),
    (
        "symptom unknown",
        lambda u: {
            "scores": [{"symptom": "00000000-0000-0000-0000-000000000001", "score": 3}]
        },
        "scores.0.symptom",
    ),
    (
        "symptom as int",
        lambda u: {"scores": [{"symptom": 12, "score": 3}]},
        "scores.0.symptom",
    ),
    (
        "symptom twice",
        lambda u: {
            "scores": [score_body(u, 1)["scores"][0], score_body(u, 2)["scores"][0]]
        },
        "scores.1.symptom",
    ),
    ("scores a string", lambda u: {"scores": "abc"}, "scores"),
    ("scores an object", lambda u: {"scores": {"a": 1}}, "scores"),
    ("scores null", lambda u: {"scores": None}, "scores"),
    ("score item a list", lambda u: {"scores": [[1, 2]]}, "scores.0.non_field_errors"),
    ("sleep 25 h", lambda u: {"sleep_hours": 25}, "sleep_hours"),
    ("sleep 7.25 h", lambda u: {"sleep_hours": 7.25}, "sleep_hours"),
    ("sleep huge", lambda u: {"sleep_hours": 1e308}, "sleep_hours"),
    ("sleep text", lambda u: {"sleep_hours": "lots"}, "sleep_hours"),
    ("bell 55", lambda u: {"function_score": 55}, "function_score"),
    ("exertion 11", lambda u: {"physical_exertion": 11}, "physical_exertion"),
    ("notes 100 kB", lambda u: {"notes": "x" * 100_000}, "notes"),
    ("notes a list", lambda u: {"notes": ["a"]}, "notes"),
    ("notes with NUL", lambda u: {"notes": "a\x00b"}, "notes"),
    ("uuid not a uuid", lambda u: {"uuid": "abc"}, "uuid"),
    ("date 2026-02-30", lambda u: {"date": "2026-02-30"}, "date"),
]


@pytest.mark.parametrize(
    ("make_body", "field"),
    [pytest.param(make, field, id=name) for name, make, field in BAD_BODIES],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    alice, alice_api, make_body, field
):
    entry = make_entry(alice, days_ago(alice, 1), sleep_hours=7, notes="before")
    before = snapshot(entry)
    for method in (alice_api.put, alice_api.patch):
        response = method(detail(entry.date), make_body(alice), format="json")
        assert response.status_code == 400, response.json()
        body = response.json()
        assert body["code"] == "invalid"
        assert field in body["errors"], body
    assert snapshot(entry) == before


@pytest.mark.parametrize("payload", [[1, 2, 3], "just a string", 42, None], ids=str)
def test_a_body_that_is_not_an_object_is_400(alice, alice_api, payload):
    entry = make_entry(alice, days_ago(alice, 1), notes="before")
    before = snapshot(entry)
    response = alice_api.put(
        detail(entry.date), json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]
    assert snapshot(entry) == before


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "abc", "99999-01-01"])
def test_impossible_dates_in_the_path_are_400_naming_date(alice_api, day):
    for response in (
        alice_api.get(f"{LIST}{day}/"),
        alice_api.put(f"{LIST}{day}/", {"notes": "x"}, format="json"),
        alice_api.delete(f"{LIST}{day}/"),
    ):
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["date"]
    assert not Entry.objects.exists()


@pytest.mark.parametrize("offset", [1, 400, None])
def test_future_days_are_rejected(alice, alice_api, offset):
    today = alice.local_today()
    day = datetime.date.max if offset is None else today + datetime.timedelta(offset)
    for response in (
        alice_api.put(detail(day), {"notes": "x"}, format="json"),
        alice_api.post(LIST, {"date": str(day)}, format="json"),
    ):
        assert response.status_code == 400
        assert response.json()["errors"] == {"date": [FUTURE]}
    assert not Entry.objects.exists()


def test_the_api_and_the_web_form_refuse_a_future_day_with_the_same_message(
    alice, alice_client, alice_api
):
    tomorrow = alice.local_today() + datetime.timedelta(days=1)
    web = alice_client.post(reverse("diary:checkin"), {"date": tomorrow.isoformat()})
    assert web.status_code == 200
    assert FUTURE in web.content.decode()
    api = alice_api.put(detail(tomorrow), {}, format="json")
    assert api.status_code == 400
    assert api.json()["errors"]["date"] == [FUTURE]
    assert not Entry.objects.exists()


def test_html_in_notes_is_returned_as_typed(alice, alice_api):
    notes = '<script>alert("x")</script> & <b>bold</b>'
    response = alice_api.put(
        detail(days_ago(alice, 1)), {"notes": notes}, format="json"
    )
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["notes"] == notes
    assert alice_api.get(detail(days_ago(alice, 1))).json()["notes"] == notes


def test_bobs_own_symptom_cannot_be_scored_by_alice(alice, bob, alice_api):
    bobs = SymptomFactory(owner=bob, name="Bob's symptom")
    response = alice_api.put(
        detail(days_ago(alice, 1)),
        {"scores": [{"symptom": str(bobs.uuid), "score": 3}]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scores.0.symptom"]
    assert not Entry.objects.exists()


def test_a_lone_surrogate_is_400_not_500(alice, alice_api):
    body = json.dumps({"function_score": "\ud800", "notes": "a\ud800b"})
    response = alice_api.put(
        detail(days_ago(alice, 1)), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"function_score", "notes"}
    assert not Entry.objects.exists()
