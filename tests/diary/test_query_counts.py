"""Pages cost the same number of queries with a week or a year of history."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import rollups
from diary.models import DoseChange, Entry, SymptomScore, TrackedSymptom
from tests.factories import TreatmentCourseFactory

pytestmark = pytest.mark.django_db


def make_history(user, days: int) -> None:
    today = user.local_today()
    symptoms = [t.symptom for t in TrackedSymptom.objects.for_user(user).active()]
    entries = Entry.objects.bulk_create(
        [
            Entry(user=user, date=today - datetime.timedelta(days=i), sleep_hours=7)
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
    # Loaded past diary.services: the weekly and monthly totals too.
    rollups.rebuild(user_id=user.pk)
    course = TreatmentCourseFactory(
        user=user, start_date=today - datetime.timedelta(days=days)
    )
    DoseChange.objects.bulk_create(
        [
            DoseChange(
                course=course,
                date=course.start_date + datetime.timedelta(days=7 * k),
                dose_mg=Decimal("0.5") * (k + 1),
                reason="start" if k == 0 else "planned_step",
            )
            for k in range(min(days // 7, 9))
        ]
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name", ["diary:home", "diary:checkin", "diary:entry-list"]
)
def test_query_count_does_not_grow_with_history(alice_client, alice, bob, url_name):
    from django.test import Client

    url = reverse(url_name)
    make_history(alice, 7)
    small = count_queries(alice_client, url)

    make_history(bob, 365)
    bob_client = Client()
    bob_client.force_login(bob)
    large = count_queries(bob_client, url)
    assert small == large


def test_home_page_query_count_is_fixed(
    alice_client, alice, bob, django_assert_num_queries
):
    from django.test import Client

    make_history(alice, 7)
    make_history(bob, 365)
    bob_client = Client()
    bob_client.force_login(bob)
    # session, user, tracked symptoms, entries, scores, course, dose changes
    with django_assert_num_queries(7):
        alice_client.get(reverse("diary:home"))
    with django_assert_num_queries(7):
        bob_client.get(reverse("diary:home"))


def test_checkin_page_query_count_is_fixed(alice, bob, django_assert_num_queries):
    from django.test import Client

    make_history(alice, 7)
    make_history(bob, 365)
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        # session, user, entry, its scores, tracked symptoms, previous entry
        with django_assert_num_queries(6):
            client.get(reverse("diary:checkin"))
