"""The daily write's two lookups are compiled once (config.prepared) and must
answer exactly what the ORM's querysets answer, for every user and input."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from config.prepared import PreparationError, PreparedSelect
from diary.api.entries import (
    _entry_with_scores_query,
    _symptoms_query,
    available_symptoms,
    entries_with_scores,
    entry_with_scores,
)
from diary.models import Entry, Symptom
from tests.api.test_entries import days_ago, make_entry, tracked
from tests.factories import SymptomFactory


def orm_entry(user, day):
    return entries_with_scores(Entry.objects.for_user(user)).filter(date=day).first()


def as_tuple(entry):
    if entry is None:
        return None
    fields = [getattr(entry, f.attname) for f in Entry._meta.concrete_fields]
    scores = [
        (s.pk, s.entry_id, s.symptom_id, s.score, s.symptom_uuid, s.symptom_position)
        for s in entry.scores.all()
    ]
    return fields, scores


@pytest.mark.django_db
def test_entry_with_scores_is_the_orms_entry_for_each_user_and_day(alice, bob):
    symptoms = tracked(alice)
    own = SymptomFactory(owner=alice)
    make_entry(
        alice, days_ago(alice, 1), {symptoms[1].pk: 4, symptoms[0].pk: 0, own.pk: 9}
    )
    make_entry(alice, days_ago(alice, 2), {}, sleep_hours=6.5, notes="x")  # no scores
    make_entry(bob, days_ago(bob, 5), {tracked(bob)[0].pk: 2})
    for user in (alice, bob):
        for n in range(7):
            day = days_ago(user, n)
            assert as_tuple(entry_with_scores(user, day)) == as_tuple(
                orm_entry(user, day)
            )
    # Bob never reads Alice's day, nor she his.
    assert entry_with_scores(bob, Entry.objects.get(user=alice, notes="x").date) is None
    assert entry_with_scores(alice, days_ago(bob, 5)) is None


@pytest.mark.django_db
def test_available_symptoms_is_the_orms_lookup(alice, bob):
    mine, theirs = SymptomFactory(owner=alice), SymptomFactory(owner=bob)
    catalogue = list(Symptom.objects.builtin()[:3])
    unknown = uuid.uuid4()
    cases = [
        [],
        [mine.uuid],
        [theirs.uuid],
        [unknown],
        [catalogue[0].uuid, catalogue[0].uuid, mine.uuid],  # listed twice
        [s.uuid for s in catalogue] + [theirs.uuid, unknown, mine.uuid],
        [uuid.uuid4() for _ in range(70)] + [mine.uuid],  # beyond the prepared sizes
    ]
    for user in (alice, bob):
        for uuids in cases:
            orm = sorted(
                Symptom.objects.available_to(user)
                .filter(uuid__in=uuids)
                .values_list("uuid", "pk", "default_position")
            )
            assert sorted(available_symptoms(user, uuids)) == orm


@pytest.mark.django_db
def test_the_prepared_sql_is_the_orms_sql(alice):
    day = days_ago(alice, 1)
    symptom = tracked(alice)[0]
    for prepared, args in [
        (
            lambda: entry_with_scores(alice, day),
            _entry_with_scores_query(alice.pk, day),
        ),
        (
            lambda: available_symptoms(alice, [symptom.uuid]),
            _symptoms_query(alice.pk, symptom.uuid),
        ),
    ]:
        with CaptureQueriesContext(connection) as fast:
            prepared()
        with CaptureQueriesContext(connection) as orm:
            list(args)
        assert [q["sql"] for q in fast.captured_queries] == [
            q["sql"] for q in orm.captured_queries
        ]


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_on_its_own_connection(alice):
    day = days_ago(alice, 1)
    make_entry(alice, day, {SymptomFactory(owner=alice).pk: 3})
    entry_with_scores(alice, day)
    answers = []

    def read():
        try:
            answers.append(as_tuple(entry_with_scores(alice, day)))
            answers.append("_prepared_selects" in connections["default"].__dict__)
        finally:
            connections["default"].close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert answers == [as_tuple(orm_entry(alice, day)), True]
    # Not the main thread's connection object: that one kept its own.
    assert thread_connection_differs()


def thread_connection_differs():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(connections["default"]))
    thread.start()
    thread.join()
    return seen[0] is not connections["default"]


@pytest.mark.django_db
def test_a_query_whose_placeholders_do_not_reach_the_sql_is_refused(alice):
    # The value is dropped (an empty IN compiles to no query, None to IS NULL).
    prepared = PreparedSelect(
        "test.refused",
        lambda owner: Symptom.objects.filter(owner__isnull=True).values_list("pk"),
        lambda _n: (-1,),
    )
    with pytest.raises(PreparationError):
        prepared.rows((Symptom._meta.get_field("owner"),), (alice.pk,))


@pytest.mark.django_db
def test_entry_pages_are_the_orms_pages_for_every_shape(alice, bob):
    from diary.api.entries import EntryPages

    for n in range(1, 9):
        make_entry(alice, days_ago(alice, n), {}, sleep_hours=n)
    make_entry(bob, days_ago(bob, 2), {})
    start, end, middle = days_ago(alice, 7), days_ago(alice, 2), days_ago(alice, 4)
    for bounds in [(None, None), (start, None), (None, end), (start, end)]:
        for ordering in [("-date",), ("date",)]:
            for after in [None, ("date__lt", str(middle)), ("date__gt", str(middle))]:
                pages = EntryPages(alice, *bounds).order_by(*ordering)
                orm = Entry.objects.for_user(alice)
                if bounds[0]:
                    orm = orm.filter(date__gte=bounds[0])
                if bounds[1]:
                    orm = orm.filter(date__lte=bounds[1])
                orm = orm.order_by(*ordering)
                if after:
                    pages = pages.filter(**dict([after]))
                    orm = orm.filter(**dict([after]))
                for limit in (1, 3, 51):
                    for offset in (0, 1):
                        fast = pages[offset : offset + limit]
                        slow = list(orm[offset : offset + limit])
                        assert [as_tuple_fields(e) for e in fast] == [
                            as_tuple_fields(e) for e in slow
                        ]
    # Bob's page holds only his entry.
    assert [e.user_id for e in EntryPages(bob).order_by("-date")[0:51]] == [bob.pk]


def as_tuple_fields(entry):
    return [getattr(entry, f.attname) for f in Entry._meta.concrete_fields]


@pytest.mark.django_db
def test_entry_pages_refuse_what_the_pagination_never_asks(alice):
    from django.core.exceptions import ValidationError

    from diary.api.entries import EntryPages

    pages = EntryPages(alice)
    with pytest.raises(ValueError):
        pages.order_by("-created_at")
    with pytest.raises(ValueError):
        pages.filter(notes="x")
    with pytest.raises(TypeError):
        pages.order_by("-date")[3]
    # A cursor whose position is not a date: the ORM's error, which the
    # pagination answers with 404.
    with pytest.raises(ValidationError):
        pages.order_by("-date").filter(date__lt="2026-13-45")[0:51]


@pytest.mark.django_db
def test_score_pairs_are_the_orms_for_small_and_large_pages(alice):
    from diary.api.entries import _score_pairs_query, attach_score_pairs
    from diary.models import SymptomScore

    symptoms = tracked(alice)
    for n in range(1, 70):  # beyond the prepared sizes too
        scores = {s.pk: (n + i) % 11 for i, s in enumerate(symptoms[: n % 4])}
        make_entry(alice, days_ago(alice, n), scores)
    entries = list(Entry.objects.for_user(alice))
    for page in (entries[:1], entries[:30], entries):
        attach_score_pairs(page)
        rows = list(_score_pairs_query(*[e.pk for e in page]))
        assert rows == list(
            SymptomScore.objects.filter(entry__in=page)
            .order_by("symptom__default_position", "symptom_id")
            .values_list("entry_id", "symptom__uuid", "score")
        )
        for entry in page:
            assert entry.api_scores == [
                (str(u), score) for entry_id, u, score in rows if entry_id == entry.pk
            ]
    assert any(entry.api_scores for entry in entries)


@pytest.mark.django_db
def test_a_prepared_update_writes_what_save_writes(alice, bob):
    """``PreparedUpdate`` saves an entry as ``save()`` would: every column,
    ``auto_now`` stamped, NULLs written, only that row; one UPDATE, built once
    per connection."""
    import datetime
    from decimal import Decimal

    from django.db.models import signals

    from config.prepared import PreparedUpdate

    update = PreparedUpdate(Entry)
    mine = make_entry(alice, days_ago(alice, 1), {}, sleep_hours=6.5, notes="x")
    theirs = make_entry(bob, days_ago(bob, 1), {}, sleep_hours=8, notes="y")
    by_save = make_entry(alice, days_ago(alice, 2), {}, sleep_hours=6.5, notes="x")
    before = Entry.objects.get(pk=mine.pk).updated_at
    for entry in (mine, by_save):
        entry.sleep_hours = None
        entry.hours_upright = Decimal("3.5")
        entry.notes = "<b>changed</b>"
        entry.sync_version = 41
    connections["default"].__dict__.pop("_prepared_updates", None)
    with CaptureQueriesContext(connection) as ctx:
        update.save(mine)
        update.save(mine)
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["UPDATE"] * 2
    by_save.save()
    fields = [f.attname for f in Entry._meta.concrete_fields]
    skip = {"id", "date", "uuid", "created_at", "updated_at"}
    stored = Entry.objects.get(pk=mine.pk)
    saved = Entry.objects.get(pk=by_save.pk)
    assert {f: getattr(stored, f) for f in fields if f not in skip} == {
        f: getattr(saved, f) for f in fields if f not in skip
    }
    assert stored.sleep_hours is None and stored.notes == "<b>changed</b>"
    assert stored.updated_at > before
    assert stored.updated_at - before < datetime.timedelta(minutes=5)
    untouched = Entry.objects.get(pk=theirs.pk)
    assert (untouched.sleep_hours, untouched.notes) == (Decimal("8.0"), "y")

    # A model with save signals connected is saved by save() itself, which
    # sends them.
    sent = []

    def receiver(sender, instance, **kwargs):
        sent.append(instance.pk)

    signals.post_save.connect(receiver, sender=Entry)
    try:
        mine.notes = "signalled"
        update.save(mine)
    finally:
        signals.post_save.disconnect(receiver, sender=Entry)
    assert sent == [mine.pk]
    assert Entry.objects.get(pk=mine.pk).notes == "signalled"

    # A row that is not there is inserted, as save() does.
    gone = Entry.objects.get(pk=theirs.pk)
    Entry.objects.filter(pk=gone.pk).delete()
    gone.notes = "back"
    update.save(gone)
    assert Entry.objects.get(pk=gone.pk).notes == "back"


@pytest.mark.django_db
def test_a_prepared_upsert_writes_what_bulk_create_writes(alice, bob):
    """``PreparedUpsert`` inserts new scores and updates existing ones in one
    statement, as ``bulk_create(update_conflicts=True)`` does, touching no other
    row; its SQL is built once per connection and number of rows, and a broken
    constraint is the database's IntegrityError."""
    from django.db import IntegrityError, transaction

    from config.prepared import PreparedUpsert
    from diary.models import SymptomScore

    upsert = PreparedUpsert(
        SymptomScore,
        ["entry", "symptom", "score"],
        unique_fields=["entry", "symptom"],
        update_fields=["score"],
    )
    first, second, third = tracked(alice)[:3]
    mine = make_entry(alice, days_ago(alice, 1), {first.pk: 4, second.pk: 5})
    theirs = make_entry(bob, days_ago(bob, 1), {first.pk: 4})
    ours_before = dict(
        SymptomScore.objects.filter(entry=mine).values_list("symptom_id", "pk")
    )
    built = connections["default"].__dict__
    built.pop("_prepared_upserts", None)
    with CaptureQueriesContext(connection) as ctx:
        upsert.run([(mine.pk, first.pk, 9), (mine.pk, third.pk, 0)])
        upsert.run([(mine.pk, second.pk, 1), (mine.pk, third.pk, 2)])
        upsert.run([])
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT"] * 2
    assert len(built["_prepared_upserts"]) == 1  # one size: 2 rows
    stored = dict(
        SymptomScore.objects.filter(entry=mine).values_list("symptom_id", "score")
    )
    assert stored == {first.pk: 9, second.pk: 1, third.pk: 2}
    # Updated in place: the existing rows keep their ids.
    kept = dict(SymptomScore.objects.filter(entry=mine).values_list("symptom_id", "pk"))
    assert {k: kept[k] for k in ours_before} == ours_before
    assert list(
        SymptomScore.objects.filter(entry=theirs).values_list("symptom_id", "score")
    ) == [(first.pk, 4)]

    with (
        pytest.raises(IntegrityError, match="symptom_score_0_10"),
        transaction.atomic(),
    ):
        upsert.run([(mine.pk, first.pk, 11)])
    assert SymptomScore.objects.get(entry=mine, symptom=first).score == 9
