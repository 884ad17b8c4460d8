"""The evidence pages in real Chromium, at 390 px and 1280 px, light and dark:
nothing overflows sideways, each study shows its level and what it cannot show,
a registration says when its status was checked, and the reading links are the
primary ones (a secondary summary only where there is none, labelled). The
fixture also fails the test on any console error or request to another host."""

import pytest

from evidence.services import studies_load
from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
PAGES = [
    "/evidence/",
    "/evidence/lift_nct06366724/",
    "/evidence/tamariz2024/",
    "/evidence/eckey2025/",
]


@pytest.fixture
def catalogue(transactional_db):
    studies_load()


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_evidence_pages_fit_and_show_levels_limits_and_links(
    make_page, catalogue, viewport, scheme, screenshots
):
    page = make_page(viewport=viewport, color_scheme=scheme)
    for path in PAGES:
        page.goto(f"{page.live_server_url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
        name = path.strip("/").replace("/", "-") or "evidence"
        page.screenshot(
            path=str(screenshots / f"{name}-{viewport['width']}-{scheme}.png"),
            full_page=True,
        )

    page.goto(f"{page.live_server_url}/evidence/lift_nct06366724/")
    assert page.get_by_test_id("status-checked").first.is_visible()
    assert "November 2026" in page.get_by_test_id("status-checked").first.inner_text()
    assert page.locator(".study-limitations").is_visible()
    registry = page.get_by_test_id("link-registry").get_by_role("link")
    assert registry.get_attribute("href") == (
        "https://clinicaltrials.gov/study/NCT06366724"
    )

    page.goto(f"{page.live_server_url}/evidence/tamariz2024/")
    secondary = page.get_by_test_id("link-secondary")
    assert secondary.is_visible()
    assert "Secondary summary" in secondary.inner_text()
    # The checking notes are text, never links.
    page.get_by_test_id("checking-notes").locator("summary").click()
    assert page.get_by_test_id("checking-notes").locator("a").count() == 0
