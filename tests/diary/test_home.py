import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from diary.models import TrackedSymptom
from tests.factories import DoseChangeFactory, EntryFactory, TreatmentCourseFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_redirected_to_login(anon_client):
    response = anon_client.get(reverse("diary:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_home_says_today_is_not_logged_then_logged(alice_client, alice):
    page = alice_client.get(reverse("diary:home")).content.decode()
    assert "Today is not logged yet." in page
    EntryFactory(user=alice, date=alice.local_today())
    page = alice_client.get(reverse("diary:home")).content.decode()
    assert "Today is logged." in page


def test_home_shows_last_seven_days_with_gaps(alice_client, alice):
    today = alice.local_today()
    EntryFactory(user=alice, date=today - datetime.timedelta(days=1))
    EntryFactory(user=alice, date=today - datetime.timedelta(days=8))  # outside
    response = alice_client.get(reverse("diary:home"))
    rows = response.context["rows"]
    assert [r["day"] for r in rows] == [
        today - datetime.timedelta(days=i) for i in range(7)
    ]
    assert [r["entry"] is not None for r in rows] == [False, True] + [False] * 5
    assert "1 of 7 days logged" in response.content.decode()


def test_home_with_no_symptoms_tracked_says_so_and_keeps_its_columns(
    alice_client, alice
):
    """A patient who tracks no symptom still sees which days are logged, in a
    table whose rows all have the header's two columns, and where to choose
    symptoms."""
    TrackedSymptom.objects.filter(user=alice).delete()
    EntryFactory(user=alice, date=alice.local_today())
    page = alice_client.get(reverse("diary:home")).content.decode()
    table = page[page.index('data-testid="last-7-days"') :]
    table = table[: table.index("</table>")]
    header, body = table.split("</thead>")
    assert re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", header) == [
        "Day",
        "Check-in",
    ]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == 7
    for row in rows:
        assert len(re.findall(r"<t[hd][ >]", row)) == 2
    assert "<td>Logged</td>" in rows[0]
    assert "Not logged" in rows[1]
    assert "You track no symptoms" in page
    assert "worst imaginable" not in page
    assert reverse("diary:symptom-list") in page


def test_home_shows_current_dose_and_day_count(alice_client, alice):
    today = alice.local_today()
    course = TreatmentCourseFactory(
        user=alice, start_date=today - datetime.timedelta(days=29)
    )
    DoseChangeFactory(course=course, date=course.start_date, dose_mg=Decimal("1.5"))
    DoseChangeFactory(
        course=course,
        date=today - datetime.timedelta(days=5),
        dose_mg=Decimal("3.0"),
        reason="planned_step",
    )
    page = alice_client.get(reverse("diary:home")).content.decode()
    assert "3.0 mg" in page
    assert "Day 30 since you started LDN" in page


def test_home_shows_paused_course(alice_client, alice):
    today = alice.local_today()
    course = TreatmentCourseFactory(
        user=alice, start_date=today - datetime.timedelta(days=10)
    )
    DoseChangeFactory(course=course, date=course.start_date, dose_mg=Decimal("1.0"))
    DoseChangeFactory(course=course, date=today, dose_mg=None, reason="pause")
    page = alice_client.get(reverse("diary:home")).content.decode()
    assert "Paused" in page
    assert "1.0 mg" not in page


def test_home_without_course_offers_to_record_one(alice_client):
    page = alice_client.get(reverse("diary:home")).content.decode()
    assert reverse("diary:course-create") in page


def test_home_shows_only_own_data(bob_client, alice):
    course = TreatmentCourseFactory(user=alice)
    DoseChangeFactory(course=course, dose_mg=Decimal("4.5"))
    EntryFactory(user=alice, date=alice.local_today())
    response = bob_client.get(reverse("diary:home"))
    page = response.content.decode()
    assert "4.5 mg" not in page
    assert "Today is not logged yet." in page
    assert response.context["course"] is None


def test_every_page_has_the_not_medical_advice_footer(alice_client):
    for name in (
        "diary:home",
        "diary:checkin",
        "diary:entry-list",
        "diary:symptom-list",
    ):
        page = alice_client.get(reverse(name)).content.decode()
        assert 'data-testid="not-medical-advice"' in page, name
        assert "Not medical advice." in page
