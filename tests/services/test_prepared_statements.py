"""PostgreSQL plans each of the app's statements once per connection: values are
bound on the server and a statement run a few times is prepared (settings:
DB_PREPARED_STATEMENTS, on by default). The daily write's rollup upsert cost
more to plan than to run."""

import datetime

import pytest
from django.db import connection

from diary import rollups, services
from diary.models import ScoreRollup
from tests.diary.test_trends_payload import track_symptoms

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_daily_write_runs_prepared_statements(alice):
    if connection.vendor != "postgresql":
        pytest.fail("The services tests need PostgreSQL: set DATABASE_URL")
    options = connection.settings_dict["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    symptoms = track_symptoms(alice, 3)
    today = alice.local_today()
    for k in range(8):
        services.entry_upsert(
            user=alice,
            date=today - datetime.timedelta(days=k % 2),
            scores={s.pk: (k + i) % 11 for i, s in enumerate(symptoms)},
            fields={},
        )
    statements = prepared_statements()
    assert any("diary_scorerollup" in sql for sql in statements), statements
    assert any("diary_symptomscore" in sql for sql in statements), statements
    # What the prepared statements wrote is what the scores say.
    written = rows(alice)
    rollups.rebuild(user_id=alice.pk)
    assert written == rows(alice) != []


def rows(user) -> list[tuple]:
    return list(
        ScoreRollup.objects.filter(user=user)
        .order_by("period", "start", "symptom_id")
        .values_list("period", "start", "symptom_id", "score_sum", "days_logged")
    )
