"""Every index earns its writes: none is a left part of another on its table.

A single-column index on a foreign key is redundant when a unique constraint or
another index of the table starts with that column; the longer index serves
every lookup, join and cascade by it, while the shorter one is written again by
every insert (and every update of the row, on PostgreSQL, when an indexed
column changes, as ``sync_version`` does on each check-in). This reads the
indexes the migrations really left in the database (PostgreSQL under ``make
test-services``, SQLite otherwise).
"""

import pytest
from django.apps import apps
from django.db import connection

OUR_APPS = {"accounts", "diary", "evidence"}


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: info
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and info["columns"]
    }


def covered_indexes() -> list[str]:
    """``"table: index (columns) is covered by other (columns)"`` for each
    non-unique index whose columns are the first columns of a longer one."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        table = model._meta.db_table
        indexes = _indexes(table)
        for name, info in indexes.items():
            if info["unique"] or info["primary_key"]:
                continue  # it enforces something of its own
            columns = info["columns"]
            for other, other_info in indexes.items():
                longer = other_info["columns"]
                if (
                    other != name
                    and len(longer) > len(columns)
                    and longer[: len(columns)] == columns
                ):
                    found.append(
                        f"{table}: {name} {columns} is covered by {other} {longer}"
                    )
    return found


@pytest.mark.django_db
def test_no_index_is_the_left_part_of_another():
    assert covered_indexes() == []


@pytest.mark.django_db
def test_the_check_finds_a_covered_index():
    """The check above can fail: an index on the entries' user alone, which
    ``entry_one_per_user_per_date`` (user, date) covers, is reported."""
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE INDEX "test_covered_entry_user" ON "diary_entry" ("user_id")'
        )
    try:
        assert covered_indexes() == [
            "diary_entry: test_covered_entry_user ['user_id'] is covered by "
            "entry_one_per_user_per_date ['user_id', 'date']"
        ]
    finally:
        with connection.cursor() as cursor:
            cursor.execute('DROP INDEX "test_covered_entry_user"')


@pytest.mark.django_db
def test_lookups_by_the_foreign_keys_still_use_an_index():
    """Without their own index, the entries, scores and totals of one user are
    still found through the composite indexes (no scan of the whole table)."""
    from diary.models import Entry, ScoreRollup, SymptomScore

    postgresql = connection.vendor == "postgresql"
    if postgresql:
        # An empty table is read whole whatever its indexes: ask the planner
        # what it would do if scanning were dear (for this test's transaction).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    for queryset in (
        Entry.objects.filter(user_id=1),
        SymptomScore.objects.filter(entry_id=1),
        ScoreRollup.objects.filter(user_id=1),
    ):
        plan = queryset.explain()
        if postgresql:
            assert "Index" in plan, plan
            assert "Seq Scan" not in plan, plan
        else:
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
