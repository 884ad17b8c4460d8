"""The clinician report: the same HTML for the PDF and the doctor's page."""

import datetime
import subprocess
from decimal import Decimal

import pytest

from diary import services
from diary.exports.data import report_data
from diary.exports.models import DEFAULT_SECTIONS
from diary.exports.pdf import build_pdf, render_report_html
from diary.models import Symptom, TrackedSymptom

pytestmark = pytest.mark.django_db

END = datetime.date(2026, 11, 1)
START = END - datetime.timedelta(days=55)  # 8 weeks: two 4-week windows


@pytest.fixture
def patient(alice):
    """Fatigue 6 on 20 days of the first four weeks, 3 on 15 days of the last
    four; two crashes; LDN started in week 3 at 1.5 mg, raised to 3 mg."""
    fatigue = Symptom.objects.get(slug="fatigue")
    TrackedSymptom.objects.filter(user=alice).exclude(symptom=fatigue).delete()
    for offset in range(20):
        day = START + datetime.timedelta(days=offset)
        services.entry_upsert(
            user=alice, date=day, scores={fatigue.pk: 6}, fields={"notes": "secret A"}
        )
    for offset in range(15):
        day = END - datetime.timedelta(days=offset)
        services.entry_upsert(user=alice, date=day, scores={fatigue.pk: 3}, fields={})
    services.crash_create(
        user=alice,
        start_date=START + datetime.timedelta(3),
        end_date=START + datetime.timedelta(5),
        severity=2,
    )
    services.crash_create(
        user=alice,
        start_date=END - datetime.timedelta(9),
        end_date=END - datetime.timedelta(8),
        severity=3,
    )
    course = services.course_create(
        user=alice,
        start_date=START + datetime.timedelta(15),
        formulation="liquid",
        first_dose_mg=Decimal("1.5"),
    )
    services.dose_change_add(
        course=course,
        date=END - datetime.timedelta(20),
        dose_mg=Decimal("3"),
        reason="planned_step",
    )
    return alice


def data_for(user, sections=DEFAULT_SECTIONS):
    return report_data(
        user=user,
        start=START,
        end=END,
        sections=sections,
        display_name="Alice <b>Example</b>",
    )


def test_screen_html_has_the_summary_no_script_and_escapes(patient):
    html = render_report_html(data_for(patient), for_print=False)
    assert "<script" not in html
    assert "Not medical advice" in html
    assert "Alice &lt;b&gt;Example&lt;/b&gt;" in html
    assert "6.0" in html and "3.0" in html and "-3.0" in html
    assert "35 of 56 days logged" in html
    assert "secret A" not in html  # notes are private unless chosen


def test_notes_appear_only_when_chosen(patient):
    html = render_report_html(
        data_for(patient, [*DEFAULT_SECTIONS, "notes"]), for_print=False
    )
    assert "secret A" in html


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.services
def test_pdf_first_page_has_the_summary_figures_and_every_page_the_footer(
    patient, tmp_path
):
    pages = pdf_pages(build_pdf(data_for(patient)), tmp_path)
    assert len(pages) >= 2
    first = " ".join(pages[0].split())
    # Computed independently above: 20 days at 6, then 15 days at 3.
    assert "6.0 (20/28 days)" in first
    assert "3.0 (15/28 days)" in first
    assert "-3.0" in first
    assert "35 of 56 days logged" in first
    assert "2 episodes in this range" in first
    assert "3.0 mg" in first  # the dose in force at the end of the range
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert "Patient-reported data. Not medical advice." in flat
        assert f"Page {number} of {len(pages)}" in flat
    assert "secret A" not in " ".join(pages)


@pytest.mark.services
def test_pdf_includes_notes_only_when_chosen(patient, tmp_path):
    pages = pdf_pages(
        build_pdf(data_for(patient, [*DEFAULT_SECTIONS, "notes"])), tmp_path
    )
    assert "secret A" in " ".join(pages)
