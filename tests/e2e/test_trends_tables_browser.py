"""The trends page's tables come on demand: a box's rows are fetched when it is
opened, in a real Chromium, and without JavaScript its link opens the table as
a page of its own."""

import pytest

from diary.models import TrackedSymptom
from tests.e2e.test_trends_browser import logged_in_page, patient, wait_for_chart

__all__ = ["patient"]  # the fixture, shared with the chart's tests

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_table_is_loaded_when_its_box_is_opened(make_page, live_server, patient):
    page, problems = logged_in_page(
        make_page, live_server, patient, viewport={"width": 1280, "height": 900}
    )
    page.goto(f"{live_server.url}/trends/?preset=90")
    wait_for_chart(page)
    uuid = str(
        TrackedSymptom.objects.get(user=patient, symptom__slug="fatigue").symptom.uuid
    )
    box = page.locator(f'details[data-symptom-uuid="{uuid}"]')
    assert box.locator("tr[data-x]").count() == 0
    box.locator("summary").click()
    box.locator("table[data-testid=trends-table] tr[data-x]").first.wait_for()
    assert box.locator("tr[data-x]").count() == 90
    assert box.locator("td.missing").count() > 0  # days not logged are gaps
    assert problems == []


def test_without_javascript_the_box_links_to_the_table_page(
    make_page, live_server, patient
):
    page, problems = logged_in_page(
        make_page, live_server, patient, java_script_enabled=False
    )
    page.goto(f"{live_server.url}/trends/?preset=30")
    box = page.locator("details[data-symptom-uuid]").first
    box.locator("summary").click()
    box.locator("a").click()
    page.locator("table[data-testid=trends-table]").wait_for()
    assert page.locator("tr[data-x]").count() == 30
    assert page.get_by_text("Back to the chart").is_visible()
    assert problems == []
