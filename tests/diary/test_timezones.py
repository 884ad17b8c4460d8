"""'Today' is the user's local date, not the server's."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from diary.models import Entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def log_today(client):
    page = client.get(reverse("diary:checkin"))
    day = page.context["day"]
    client.post(reverse("diary:checkin"), {"date": day.isoformat(), "notes": "x"})
    return day


@time_machine.travel(
    datetime.datetime(2026, 3, 10, 10, 30, tzinfo=datetime.UTC), tick=False
)
def test_2330_in_auckland_lands_on_the_auckland_date(client):
    # 10:30 UTC on 10 March is 23:30 on 10 March in Auckland (NZDT, UTC+13).
    user = UserFactory(time_zone="Pacific/Auckland")
    client.force_login(user)
    assert user.local_today() == datetime.date(2026, 3, 10)
    assert log_today(client) == datetime.date(2026, 3, 10)
    assert Entry.objects.get(user=user).date == datetime.date(2026, 3, 10)


@time_machine.travel(
    datetime.datetime(2026, 3, 10, 11, 30, tzinfo=datetime.UTC), tick=False
)
def test_after_midnight_in_auckland_is_the_next_day_while_utc_is_not(client):
    user = UserFactory(time_zone="Pacific/Auckland")
    client.force_login(user)
    # 11:30 UTC on 10 March is 00:30 on 11 March in Auckland.
    assert log_today(client) == datetime.date(2026, 3, 11)


@time_machine.travel(
    datetime.datetime(2026, 7, 15, 7, 30, tzinfo=datetime.UTC), tick=False
)
def test_0030_in_los_angeles_lands_on_the_los_angeles_date(client):
    # 07:30 UTC on 15 July is 00:30 on 15 July in Los Angeles (PDT, UTC-7).
    user = UserFactory(time_zone="America/Los_Angeles")
    client.force_login(user)
    assert log_today(client) == datetime.date(2026, 7, 15)
    assert Entry.objects.get(user=user).date == datetime.date(2026, 7, 15)


@time_machine.travel(
    datetime.datetime(2026, 7, 15, 6, 30, tzinfo=datetime.UTC), tick=False
)
def test_2330_in_los_angeles_is_still_the_previous_day(client):
    user = UserFactory(time_zone="America/Los_Angeles")
    client.force_login(user)
    assert log_today(client) == datetime.date(2026, 7, 14)


@time_machine.travel(
    datetime.datetime(2026, 3, 10, 5, 0, tzinfo=datetime.UTC), tick=False
)
def test_future_means_future_in_the_users_zone(client):
    # 05:00 UTC on 10 March: 22:00 on 9 March in Los Angeles (PDT, UTC-7), and
    # 18:00 on 10 March in Auckland (NZDT, UTC+13).
    user = UserFactory(time_zone="America/Los_Angeles")
    client.force_login(user)
    response = client.post(reverse("diary:checkin"), {"date": "2026-03-10"})
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert (
        client.post(reverse("diary:checkin"), {"date": "2026-03-09"}).status_code == 302
    )

    auckland = UserFactory(time_zone="Pacific/Auckland")
    client.force_login(auckland)
    assert (
        client.post(reverse("diary:checkin"), {"date": "2026-03-10"}).status_code == 302
    )
    assert (
        client.post(reverse("diary:checkin"), {"date": "2026-03-11"}).status_code == 200
    )
