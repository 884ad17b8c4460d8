"""comparison_for_user: one load in a fixed number of queries, cached per user,
windows and sync version, so any write shows at once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary import services
from diary.comparison import comparison_for_user
from diary.comparison.services import primary_outcome_choose
from tests.diary.comparison_data import TODAY, ago, frozen, log, start_ldn, tracked

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
__all__ = ["frozen"]


def history(user):
    start_ldn(user, days_ago=120)
    log(user, 176, 121, lambda i: (6, 4, 5)[i % 3])
    log(user, 55, 0, lambda i: (4, 2, 3)[i % 3])


def queries(call):
    with CaptureQueriesContext(connection) as context:
        result = call()
    return result, len(context)


def test_a_fixed_number_of_queries_then_one_from_the_cache(alice):
    history(alice)

    first, cold = queries(lambda: comparison_for_user(alice))
    second, warm = queries(lambda: comparison_for_user(alice))

    assert cold == 9
    assert warm == 1  # only the sync version
    assert second == first


def test_a_write_through_the_services_shows_at_once(alice):
    history(alice)
    fatigue = tracked(alice)[0]
    before = comparison_for_user(alice)

    services.entry_upsert(user=alice, date=TODAY, scores={fatigue.pk: 10}, fields={})

    after = comparison_for_user(alice)
    assert after.sync_version > before.sync_version
    old = next(o for o in before.outcomes if o.key.endswith(str(fatigue.uuid)))
    new = next(o for o in after.outcomes if o.key.endswith(str(fatigue.uuid)))
    assert new.on_ldn.mean > old.on_ldn.mean


def test_choosing_the_primary_outcome_shows_at_once(alice):
    history(alice)
    assert comparison_for_user(alice).primary is None

    primary_outcome_choose(user=alice, key="function")

    assert comparison_for_user(alice).primary.key == "function"


def test_window_lengths_are_part_of_the_cache_key(alice):
    history(alice)

    short = comparison_for_user(alice, baseline_weeks=2, on_weeks=2)
    default = comparison_for_user(alice)

    assert short.windows.baseline.days == 14 and short.windows.on_ldn.days == 14
    assert default.windows.baseline.days == 56


def test_each_user_gets_their_own(alice, bob):
    history(alice)

    assert comparison_for_user(alice).status == "ok"
    assert comparison_for_user(bob).status == "no_course"


@pytest.mark.parametrize("weeks", [1, 53, True, "8", 2.5])
def test_impossible_window_lengths_are_refused(alice, weeks):
    with pytest.raises(ValueError):
        comparison_for_user(alice, baseline_weeks=weeks)


def test_windows_ignore_any_report_range(alice):
    """A display range that starts after the LDN start changes nothing: the
    windows come from the course alone."""
    history(alice)

    comparison = comparison_for_user(alice)

    assert comparison.windows.baseline.end == ago(121)
    assert comparison.windows.on_ldn.end == TODAY
    assert comparison.windows.ldn_start == TODAY - datetime.timedelta(days=120)
