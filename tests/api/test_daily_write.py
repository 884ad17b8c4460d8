"""The daily write (PUT /api/v1/entries/{date}/ and the web check-in, one service):
a fixed, small number of SQL statements, an answer built from what was written,
and the database's constraints still answering with the field's name."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary import services
from diary.api.entries import entries_with_scores
from diary.models import Entry, SymptomScore
from tests.api.test_entries import days_ago, detail, tracked
from tests.factories import TrackedSymptomFactory

# At most this many statements for the day's write, lookups and answer included.
DAILY_WRITE_MAX_STATEMENTS = 12


def scored(symptoms, score):
    return [{"symptom": str(s.uuid), "score": score} for s in symptoms]


def statements(client, method, url, body):
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, body, format="json")
    # BEGIN and COMMIT of the request's transaction are not captured on either
    # database; everything else is.
    return response, len(ctx.captured_queries)


@pytest.fixture
def ten_symptoms(alice):
    while len(tracked(alice)) < 10:
        TrackedSymptomFactory(user=alice, position=len(tracked(alice)))
    return tracked(alice)


# transaction=True: the request's own transaction is a real one (BEGIN/COMMIT, not
# a savepoint inside the test's), so the count is what production runs.
@pytest.mark.django_db(transaction=True)
def test_daily_write_stays_within_12_statements_new_day_edit_and_clear(
    alice, alice_api, ten_symptoms
):
    day = days_ago(alice, 1)
    body = {
        "uuid": "6f1c1a52-3f0e-4c3e-9a57-0d4f8f0b2a11",
        "sleep_hours": 6.5,
        "notes": "ok",
        "scores": scored(ten_symptoms, 4),
    }
    created, count = statements(alice_api, "put", detail(day), body)
    assert created.status_code == 201
    assert count <= DAILY_WRITE_MAX_STATEMENTS

    # The same day again, some scores changed, one cleared, one left out (PUT
    # replaces: unanswered).
    body["scores"] = scored(ten_symptoms[:5], 7) + scored(ten_symptoms[5:8], 4)
    body["scores"].append({"symptom": str(ten_symptoms[8].uuid), "score": None})
    edited, count = statements(alice_api, "put", detail(day), body)
    assert edited.status_code == 200
    assert count <= DAILY_WRITE_MAX_STATEMENTS

    # The answer was built from what was written: it is what a read returns.
    read = alice_api.get(detail(day)).json()
    assert edited.json() == read
    assert len(read["scores"]) == 8
    assert edited.headers["ETag"] == alice_api.get(detail(day)).headers["ETag"]


@pytest.mark.django_db(transaction=True)
def test_patch_answer_keeps_the_scores_not_sent_in_catalogue_order(
    alice, alice_api, ten_symptoms
):
    day = days_ago(alice, 1)
    alice_api.put(detail(day), {"scores": scored(ten_symptoms[:3], 2)}, format="json")
    patched, count = statements(
        alice_api, "patch", detail(day), {"scores": scored(ten_symptoms[3:5], 9)}
    )
    assert patched.status_code == 200
    assert count <= DAILY_WRITE_MAX_STATEMENTS
    assert patched.json() == alice_api.get(detail(day)).json()
    assert len(patched.json()["scores"]) == 5


@pytest.mark.django_db
def test_full_clean_runs_no_database_constraint_checks(alice):
    symptom = tracked(alice)[0]
    with CaptureQueriesContext(connection) as ctx:
        services.entry_upsert(
            user=alice,
            date=days_ago(alice, 1),
            scores={symptom.pk: 3},
            fields={"sleep_hours": 7, "sleep_quality": 5},
        )
    assert not [q for q in ctx.captured_queries if "_check" in q["sql"]]


@pytest.mark.django_db
def test_field_rules_are_still_checked_before_the_database(alice):
    with pytest.raises(ValidationError) as error:
        services.entry_upsert(
            user=alice, date=days_ago(alice, 1), scores={}, fields={"sleep_hours": 30}
        )
    assert "sleep_hours" in error.value.message_dict
    assert not Entry.objects.filter(user=alice).exists()


@pytest.fixture
def no_python_checks(monkeypatch):
    """Take the Python-side checks away, so only the database stands guard."""
    monkeypatch.setattr(Entry, "full_clean", lambda self, **kwargs: None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sleep_hours", 30),
        ("hours_upright", -1),
        ("sleep_quality", 11),
        ("physical_exertion", 12),
        ("cognitive_exertion", 99),
        ("function_score", 55),
    ],
)
def test_a_database_constraint_violation_is_a_clear_error_naming_the_field(
    alice, no_python_checks, field, value
):
    with pytest.raises(ValidationError) as error:
        services.entry_upsert(
            user=alice, date=days_ago(alice, 1), scores={}, fields={field: value}
        )
    assert list(error.value.message_dict) == [field]
    assert not Entry.objects.filter(user=alice).exists()


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_a_constraint_violation_with_400_naming_the_field(
    alice, alice_api, no_python_checks, monkeypatch
):
    # The serializer checks the range too; let it through so the database decides.
    from diary.api.entries import EntryViewSet

    real = EntryViewSet.get_serializer

    def lenient(self, *args, **kwargs):
        serializer = real(self, *args, **kwargs)
        serializer.fields["sleep_quality"].validators = []
        serializer.fields["sleep_quality"].max_value = None
        return serializer

    monkeypatch.setattr(EntryViewSet, "get_serializer", lenient)
    response = alice_api.put(
        detail(days_ago(alice, 1)), {"sleep_quality": 11}, format="json"
    )
    assert response.status_code == 400
    assert "sleep_quality" in str(response.json())
    assert not Entry.objects.filter(user=alice).exists()
    assert not SymptomScore.objects.filter(entry__user=alice).exists()


@pytest.mark.django_db
def test_the_fast_entry_representation_is_drfs_own(alice, ten_symptoms):
    from rest_framework import serializers

    from diary.api.entries import entries_with_scores
    from diary.api.serializers import EntrySerializer

    services.entry_upsert(
        user=alice,
        date=days_ago(alice, 3),
        scores={s.pk: i % 11 for i, s in enumerate(ten_symptoms)},
        fields={"sleep_hours": 6.5, "function_score": 40, "notes": "<b>hi</b>"},
    )
    services.entry_upsert(user=alice, date=days_ago(alice, 2), scores={}, fields={})
    for entry in entries_with_scores(Entry.objects.for_user(alice)):
        serializer = EntrySerializer(entry)
        generic = serializers.ModelSerializer.to_representation(serializer, entry)
        generic["scores"] = [dict(item) for item in generic["scores"]]
        assert serializer.data == generic


def test_prebuilt_fields_are_fresh_copies_for_every_serializer():
    """Fields are built once per class, but two serializers (two requests) never
    share a field, its validators, its binding or the nested scores serializer."""
    from diary.api.serializers import EntrySerializer

    first, second = EntrySerializer(data={}), EntrySerializer(data={})
    assert list(first.fields) == list(second.fields)
    for name in first.fields:
        mine, theirs = first.fields[name], second.fields[name]
        assert mine is not theirs
        assert mine.parent is first and theirs.parent is second
        assert mine.field_name == theirs.field_name == name
        if not mine.read_only and hasattr(mine, "_validators"):
            assert mine.validators is not theirs.validators
    assert first.fields["scores"].child is not second.fields["scores"].child

    # What one request changes on its fields, the next one does not see.
    first.fields["sleep_quality"].validators = []
    first.fields["sleep_quality"].max_value = None
    assert not EntrySerializer(data={"sleep_quality": 11}).is_valid()
    assert first.is_valid() is True
    third = EntrySerializer(data={"sleep_quality": 11})
    assert not third.is_valid()
    assert list(third.errors) == ["sleep_quality"]


def test_prebuilt_fields_still_validate_and_answer_like_drf():
    from diary.api.serializers import EntrySerializer

    bad = {"sleep_hours": "x", "scores": [{"symptom": "nope", "score": 11}]}
    errors = []
    for _ in range(2):
        serializer = EntrySerializer(data=bad)
        assert not serializer.is_valid()
        errors.append(serializer.errors)
    assert errors[0] == errors[1]
    assert set(errors[0]) == {"sleep_hours", "scores"}
    assert set(errors[0]["scores"][0]) == {"symptom", "score"}


@pytest.mark.django_db(transaction=True)
def test_the_daily_write_reads_the_day_in_one_query_and_takes_no_savepoint(
    alice, alice_api, ten_symptoms
):
    day = days_ago(alice, 1)
    alice_api.put(detail(day), {"scores": scored(ten_symptoms, 3)}, format="json")
    with CaptureQueriesContext(connection) as ctx:
        response = alice_api.put(
            detail(day), {"scores": scored(ten_symptoms, 5)}, format="json"
        )
    assert response.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sql if "SAVEPOINT" in s.upper()]
    # The entry and its scores: one SELECT from diary_entry, none of the scores
    # on their own.
    selects = [s for s in sql if s.startswith("SELECT")]
    assert len([s for s in selects if 'FROM "diary_entry"' in s]) == 1
    assert not [s for s in selects if 'FROM "diary_symptomscore"' in s]
    # ... and one upsert of the week's and month's totals (diary.rollups).
    assert len([s for s in sql if "diary_scorerollup" in s]) == 1
    assert len(sql) <= 9


@pytest.mark.django_db(transaction=True)
def test_a_refused_write_after_the_service_leaves_nothing_behind(
    alice, alice_api, ten_symptoms
):
    """Without the savepoint an error in the service ends the request's
    transaction: nothing of it is kept (not even the raised change counter), and
    the next request works."""
    tomorrow = days_ago(alice, -1)
    alice.refresh_from_db()
    before = alice.sync_version
    response = alice_api.put(
        detail(tomorrow), {"scores": scored(ten_symptoms, 3)}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date"]
    alice.refresh_from_db()
    assert alice.sync_version == before
    assert not Entry.objects.filter(user=alice).exists()
    day = days_ago(alice, 1)
    ok = alice_api.put(detail(day), {"scores": scored(ten_symptoms, 3)}, format="json")
    assert ok.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns", "Asia/Kathmandu"])
def test_a_page_of_entries_is_drfs_own_representation_in_any_time_zone(
    alice, ten_symptoms, zone
):
    from django.utils import timezone
    from rest_framework import serializers

    from diary.api.entries import attach_score_pairs
    from diary.api.serializers import EntrySerializer

    services.entry_upsert(
        user=alice,
        date=days_ago(alice, 3),
        scores={s.pk: i % 11 for i, s in enumerate(ten_symptoms)},
        fields={"sleep_hours": 6.5, "hours_upright": 2, "function_score": 40},
    )
    services.entry_upsert(user=alice, date=days_ago(alice, 2), scores={}, fields={})
    page = list(Entry.objects.for_user(alice))
    attach_score_pairs(page)
    with timezone.override(zone):
        listed = EntrySerializer(page, many=True).data
        child = EntrySerializer()
        generic = [
            serializers.ModelSerializer.to_representation(child, entry)
            for entry in entries_with_scores(Entry.objects.for_user(alice))
        ]
    for item in generic:
        item["scores"] = [dict(score) for score in item["scores"]]
    assert [dict(item) for item in listed] == [dict(item) for item in generic]
    assert zone == "UTC" or not listed[0]["updated_at"].endswith("Z")


@pytest.mark.django_db(transaction=True)
def test_the_body_is_checked_and_its_symptoms_found_before_the_lock(
    alice, alice_api, ten_symptoms, monkeypatch
):
    """On SQLite the write's transaction holds the whole database's write lock:
    what needs neither the lock nor the diary (the body's validation, the lookup
    of the symptoms it names) is done before it is taken."""
    from diary.api import entries
    from diary.api.serializers import EntrySerializer

    seen = []
    validate, lookup = EntrySerializer.is_valid, entries.available_symptoms

    def is_valid(self, *args, **kwargs):
        seen.append(("validate", connection.in_atomic_block))
        return validate(self, *args, **kwargs)

    def available_symptoms(*args, **kwargs):
        seen.append(("lookup", connection.in_atomic_block))
        return lookup(*args, **kwargs)

    monkeypatch.setattr(EntrySerializer, "is_valid", is_valid)
    monkeypatch.setattr(entries, "available_symptoms", available_symptoms)
    body = {"sleep_hours": 6.5, "scores": scored(ten_symptoms, 4)}
    response = alice_api.put(detail(days_ago(alice, 1)), body, format="json")
    assert response.status_code == 201
    assert seen == [("validate", False), ("lookup", False)]
    assert Entry.objects.get(user=alice).scores.count() == 10


@pytest.mark.django_db(transaction=True)
def test_answers_keep_their_order_when_the_body_is_checked_first(
    alice, alice_api, ten_symptoms
):
    day = days_ago(alice, 1)
    bad = {"sleep_hours": 99, "scores": scored(ten_symptoms[:1], 4)}
    # A day without an entry: PATCH is 404 before the body's 400.
    assert alice_api.patch(detail(day), bad, format="json").status_code == 404
    assert alice_api.put(detail(day), bad, format="json").status_code == 400
    good = {"sleep_hours": 7, "scores": scored(ten_symptoms[:1], 4)}
    saved = alice_api.put(detail(day), good, format="json")
    assert saved.status_code == 201
    # A stale If-Match with a malformed body: the body's 400 first, as before.
    stale = alice_api.put(
        detail(day), bad, format="json", HTTP_IF_MATCH='"not-the-etag"'
    )
    assert stale.status_code == 400
    assert "sleep_hours" in str(stale.json())
    # An unknown symptom is named in its place, and nothing was changed.
    unknown = {
        "scores": [{"symptom": "6f1c1a52-3f0e-4c3e-9a57-0d4f8f0b2a11", "score": 1}]
    }
    refused = alice_api.put(detail(day), unknown, format="json")
    assert refused.status_code == 400
    assert "Unknown symptom." in str(refused.json())
    assert alice_api.get(detail(day)).json()["sleep_hours"] == 7
    assert alice_api.get(detail(day)).headers["ETag"] == saved.headers["ETag"]
