"""The comparison cached in real Redis, over PostgreSQL: a second request reads
it back whole (one query for the sync version), and a write makes it stale."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary import services
from diary.comparison import comparison_for_user
from tests.diary.comparison_data import TODAY, frozen, log, start_ldn, tracked

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
]
__all__ = ["frozen"]


def test_comparison_round_trips_through_redis_and_a_write_invalidates_it(
    alice, redis_url
):
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
    assert connection.vendor == "postgresql"
    start_ldn(alice, days_ago=120)
    log(alice, 176, 121, lambda i: (6, 4, 5)[i % 3])
    log(alice, 55, 0, lambda i: (4, 2, 3)[i % 3])
    first = comparison_for_user(alice)

    with CaptureQueriesContext(connection) as context:
        again = comparison_for_user(alice)

    assert len(context) == 1
    assert again == first and again.to_dict() == first.to_dict()
    services.entry_upsert(
        user=alice, date=TODAY, scores={tracked(alice)[0].pk: 10}, fields={}
    )
    assert comparison_for_user(alice).sync_version > first.sync_version
    cache.clear()
