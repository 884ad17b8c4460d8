"""One comparison, three renderings: the web analysis page, /api/v1/analysis/ and
the PDF (page 1 and the analysis section, as text extracted by pdftotext) give
the same figures, to the digit, for the same diary.

The figures are anchored by hand (the story's means are 6.5 and 3.5, its crash
rates 1.6 and 1.1 per 30 days); the difference and its interval come from the
regression, so they are taken from the API and looked for, formatted the one
way, in the page and the PDF."""

import datetime
import re
import subprocess

import pytest
from django.core.cache import cache
from django.template.defaultfilters import floatformat
from django.urls import reverse

from diary.exports.core_figures import signed
from diary.exports.data import report_data
from diary.exports.models import DEFAULT_SECTIONS
from diary.exports.pdf import build_pdf

from .report_story import Story, flat

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def by_testid(html: str, name: str) -> str:
    """The text of the first element with ``data-testid=name`` (the primary
    outcome comes first on the page)."""
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [flat(page) for page in text.split("\f") if page.strip()]


def test_the_analysis_page_the_api_and_the_pdf_give_the_same_figures(
    alice, alice_client, tmp_path
):
    story = Story(alice)

    api = alice_client.get(reverse("api:analysis")).json()
    primary = api["outcomes"][0]
    assert primary["primary"] and primary["label"] == "Fatigue"
    assert (primary["baseline"]["mean"], primary["on_ldn"]["mean"]) == (6.5, 3.5)
    rates = [rate["per_30_days"] for rate in api["crash_rates"]]
    assert rates == [1.6, 1.1]  # 3 and 2 crash days in 56
    low, high = primary["interval"]
    shown = {
        "baseline": floatformat(primary["baseline"]["mean"], 1),
        "on_ldn": floatformat(primary["on_ldn"]["mean"], 1),
        "difference": signed(primary["difference"]),
        "low": floatformat(low, 1),
        "high": floatformat(high, 1),
        "crash_before": floatformat(rates[0], 1),
        "crash_on": floatformat(rates[1], 1),
    }

    page = alice_client.get(reverse("diary:analysis")).content.decode()
    assert by_testid(page, "baseline-mean") == shown["baseline"]
    assert by_testid(page, "on-mean") == shown["on_ldn"]
    assert by_testid(page, "difference") == shown["difference"]
    assert by_testid(page, "interval") == (
        f"approximate interval {shown['low']} to {shown['high']}"
    )
    assert by_testid(page, "baseline-crash-rate") == shown["crash_before"]
    assert by_testid(page, "on-crash-rate") == shown["crash_on"]

    # The report of the last 30 days: its range starts long after the LDN start.
    data = report_data(
        user=alice,
        start=story.today - datetime.timedelta(days=29),
        end=story.today,
        sections=DEFAULT_SECTIONS,
    )
    pages = pdf_pages(build_pdf(data), tmp_path)
    first = pages[0]
    assert (
        f"Primary outcome: Fatigue {shown['baseline']} {shown['on_ldn']} "
        f"{shown['difference']}"
    ) in first
    assert f"approximate interval {shown['low']} to" in first
    assert shown["high"] in first
    assert (
        f"Crash days per 30 days {shown['crash_before']} {shown['crash_on']}" in first
    )
    analysis = " ".join(pages[1:])
    assert (
        f"Fatigue {shown['baseline']} (48/56) {shown['on_ldn']} (48/56) "
        f"{shown['difference']} ({shown['low']} to {shown['high']})"
    ) in analysis
