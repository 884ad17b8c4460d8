"""The analysis page in a real Chromium at 320 px: nothing is wider than the
screen (no number cut off), the other outcomes are folded and open on a tap, and
the primary outcome can be chosen. Screenshots in var/screenshots/.

Run with:
SECRET_KEY=test .venv/bin/python -m pytest tests/e2e/test_analysis_browser.py -m browser
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from diary.models import Entry, SymptomScore, TrackedSymptom
from diary.services import symptoms_load_builtin, symptoms_track_defaults
from tests.factories import DoseChangeFactory, TreatmentCourseFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ONE_DAY = datetime.timedelta(days=1)
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('main *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) wide.push(el.outerHTML.slice(0, 80));
  }
  return [document.documentElement.scrollWidth - width, wide];
}"""


@pytest.fixture
def patient(db):
    symptoms_load_builtin()
    cache.clear()
    user = UserFactory(email="patient@example.org", time_zone="Europe/London")
    symptoms_track_defaults(user=user)
    today = user.local_today()
    course = TreatmentCourseFactory(user=user, start_date=today - 120 * ONE_DAY)
    DoseChangeFactory(course=course, date=course.start_date, dose_mg=Decimal("4.5"))
    symptoms = [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]
    entries = Entry.objects.bulk_create(
        [
            Entry(user=user, date=today - i * ONE_DAY, function_score=30 + 10 * (i % 2))
            for i in range(180)
            if i % 11 != 3
        ]
    )
    SymptomScore.objects.bulk_create(
        [
            SymptomScore(
                entry=entry,
                symptom=symptom,
                score=(entry.date.toordinal() * (j + 3)) % 7 + 2,
            )
            for entry in entries
            for j, symptom in enumerate(symptoms)
        ]
    )
    return user


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_is_cut_off_at_320_px(patient, signed_in_page, screenshots, scheme):
    page = signed_in_page(
        patient, viewport={"width": 320, "height": 800}, color_scheme=scheme
    )
    page.goto(f"{page.live_server_url}/analysis/")
    page.get_by_label("Primary outcome").select_option("function")
    page.get_by_role("button", name="Save my primary outcome").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("primary-result").is_visible()
    first = (
        page.locator("details.analysis-outcome")
        .filter(has=page.get_by_test_id("difference"))
        .first
    )
    assert not first.get_attribute("open")
    first.locator("summary").click()
    assert first.get_by_test_id("difference").is_visible()

    overflow, wide = page.evaluate(OVERFLOWING)

    page.screenshot(path=screenshots / f"analysis-320-{scheme}.png", full_page=True)
    assert overflow <= 0, wide
    assert wide == []
