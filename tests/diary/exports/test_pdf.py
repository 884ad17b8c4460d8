"""The clinician report: the same HTML for the PDF and the doctor's page.

The figures on page 1 are computed here from the scores the test logs, not taken
from the code under test. Tests that need WeasyPrint's system libraries (Pango)
or pdftotext/pdftoppm (poppler-utils) are marked ``services``: ``make
test-services`` installs them first."""

import datetime
import re
import statistics
import subprocess
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from diary import services
from diary.demo import demo_user_create
from diary.exports.data import report_data
from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.exports.pdf import build_pdf, render_report_html, signed
from diary.models import Symptom, TrackedSymptom

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
END = datetime.date(2026, 11, 1)
START = END - datetime.timedelta(days=55)  # 8 weeks: two 4-week windows
FIRST_SCORES = [6, 7, 5, 8, 6, 7, 5, 8, 6, 7, 5, 8, 6, 7, 5, 8, 6, 7, 5, 8]  # 20 days
LAST_SCORES = [3, 2, 4, 3, 2, 4, 3, 2, 4, 3, 2, 4, 3, 2, 4]  # 15 days
FOOTER = "Patient-reported data. Not medical advice."


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def patient(alice):
    """Fatigue and brain fog tracked. Fatigue scored on 20 days of the first four
    weeks and 15 of the last four; brain fog never scored. Two crashes, LDN from
    day 15 at 1.5 mg raised to 3 mg, and side effects."""
    keep = Symptom.objects.filter(slug__in=["fatigue", "brain-fog"])
    TrackedSymptom.objects.filter(user=alice).exclude(symptom__in=keep).delete()
    fatigue = keep.get(slug="fatigue")
    for offset, score in enumerate(FIRST_SCORES):
        services.entry_upsert(
            user=alice,
            date=day(offset),
            scores={fatigue.pk: score},
            fields={"notes": "secret diary note"},
        )
    for offset, score in enumerate(LAST_SCORES):
        services.entry_upsert(
            user=alice,
            date=END - datetime.timedelta(days=offset),
            scores={fatigue.pk: score},
            fields={},
        )
    services.crash_create(user=alice, start_date=day(3), end_date=day(5), severity=2)
    services.crash_create(
        user=alice,
        start_date=END - datetime.timedelta(9),
        end_date=END - datetime.timedelta(8),
        severity=3,
        notes="secret crash note",
    )
    course = services.course_create(
        user=alice,
        start_date=day(15),
        formulation="liquid",
        first_dose_mg=Decimal("1.5"),
        time_of_day="bedtime",
    )
    services.dose_change_add(
        course=course,
        date=END - datetime.timedelta(20),
        dose_mg=Decimal("3"),
        reason="planned_step",
        time_of_day="bedtime",
    )
    for offset in (16, 17, 30):
        services.side_effect_add(
            course=course, date=day(offset), kind="vivid_dreams", severity=1
        )
    services.side_effect_add(
        course=course, date=day(18), kind="headache", severity=2, note="secret"
    )
    return alice


def data_for(user, sections=DEFAULT_SECTIONS, display_name="Alice <b>Example</b>"):
    return report_data(
        user=user, start=START, end=END, sections=sections, display_name=display_name
    )


def expected_summary():
    first = statistics.fmean(FIRST_SCORES)
    last = statistics.fmean(LAST_SCORES)
    return {
        "first": f"{first:.1f} ({len(FIRST_SCORES)}/28 days)",
        "last": f"{last:.1f} ({len(LAST_SCORES)}/28 days)",
        "change": f"{last - first:+.1f}",
        "logged": f"{len(FIRST_SCORES) + len(LAST_SCORES)} of 56 days logged",
    }


def flat(text: str) -> str:
    return " ".join(text.split())


# --- The HTML (no system libraries needed) ------------------------------------------


def test_the_screen_page_is_standalone_with_the_disclaimer_and_no_script(patient):
    html = render_report_html(data_for(patient), for_print=False)
    assert html.startswith("<!doctype html>")
    assert "<script" not in html.lower() and " on" + "load=" not in html
    assert "Patient-reported data. Not medical advice." in html
    assert "cannot show what caused it" in html
    # Nothing of the patient's own site: no navigation, forms or links to it.
    assert "<nav" not in html and "<form" not in html
    assert "Log out" not in html and 'href="/diary' not in html
    assert '<link rel="stylesheet" href="/static/css/report.css">' in html
    assert "@page" not in html  # the print rules are for the PDF only


def test_the_print_html_inlines_its_styles_and_numbers_every_page(patient):
    html = render_report_html(data_for(patient), for_print=True)
    assert "<link" not in html  # WeasyPrint fetches nothing
    assert "@page" in html and "counter(page)" in html and "counter(pages)" in html
    assert f'"{FOOTER}' in html


def test_the_summary_shows_the_figures_with_their_day_counts(patient):
    html = flat(render_report_html(data_for(patient), for_print=False))
    expected = expected_summary()
    assert expected["logged"] in html
    assert f"<strong>{expected['first'].split()[0]}</strong>" in html
    assert "(20/28 days)" in html and "(15/28 days)" in html
    assert f">{expected['change']}<" in html
    assert "2 crashes in this range" in html
    assert f"Started {day(15):%-d %b %Y}." in html
    assert "Dose on 1 Nov 2026: 3 mg at bedtime." in html
    assert "<strong>Vivid dreams</strong>: 3 days, worst 1/3" in html
    assert "<strong>Headache</strong>: 1 day, worst 2/3" in html


def test_a_symptom_without_scores_says_not_enough_data_never_zero(patient):
    html = flat(render_report_html(data_for(patient), for_print=False))
    row = html[html.index("Brain fog") :]
    row = row[: row.index("</tr>")]
    assert row.count("not enough data") == 2
    assert "(0/28 days)" in row
    assert "0.0" not in row


def test_patient_text_is_escaped(patient):
    own = services.symptom_create_own(user=patient, name="<img src=x> & co")
    services.entry_upsert(user=patient, date=day(2), scores={own.pk: 4}, fields={})
    html = render_report_html(data_for(patient), for_print=False)
    assert "Alice &lt;b&gt;Example&lt;/b&gt;" in html
    assert "&lt;img src=x&gt; &amp; co" in html
    assert "<img" not in html and "<b>Example" not in html


def test_notes_are_left_out_unless_chosen(patient):
    html = render_report_html(data_for(patient), for_print=False)
    assert "secret" not in html
    assert "Notes written by the patient" not in html


def test_chosen_notes_include_diary_crash_and_side_effect_notes(patient):
    html = render_report_html(
        data_for(patient, [*DEFAULT_SECTIONS, ExportSection.NOTES]), for_print=False
    )
    assert "Notes written by the patient" in html
    assert "secret diary note" in html and "secret crash note" in html
    assert "Side effect: Headache" in html


def test_sections_not_chosen_are_not_shown(patient):
    html = render_report_html(data_for(patient, ["summary"]), for_print=False)
    assert "Trend charts" not in html and "<svg" not in html
    assert "Weekly averages" not in html
    assert "crashes in this range" not in html and "Vivid dreams" not in html
    assert "Low-dose naltrexone" not in html and "3 mg" not in html
    assert "Before and after" not in html
    assert "(20/28 days)" in html  # the symptom summary itself


def test_the_analysis_carries_its_caveats_and_its_day_counts(patient):
    html = flat(render_report_html(data_for(patient), for_print=False))
    assert "Before and after starting LDN" in html
    assert "This cannot show that LDN caused a change." in html
    assert "regression to the mean" in html
    assert "block bootstrap" in html  # the method
    assert "If the interval includes 0" in html  # how to read it
    # Brain fog was never scored: no numbers, and the counts say why.
    assert (
        "Not enough data: 0 logged days before LDN and 0 on LDN; at least 14 are "
        "needed on each side." in html
    )


def test_an_analysis_the_range_cannot_support_says_why(patient):
    data = report_data(user=patient, start=day(20), end=END, sections=DEFAULT_SECTIONS)
    assert data.analysis is None and data.analysis_unavailable
    html = render_report_html(data, for_print=False)
    assert 'data-testid="analysis-unavailable"' in html
    assert "cannot show that LDN caused it" in html


def test_the_signed_difference_never_shows_minus_or_plus_zero():
    assert signed(0.04) == "0.0" and signed(-0.04) == "0.0"
    assert signed(0.7) == "+0.7" and signed(-1.25) == "-1.2" and signed(None) == ""


# --- The PDF (WeasyPrint and poppler) -----------------------------------------------


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    assert pdf.startswith(b"%PDF-")
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
def test_pdf_page_one_has_the_summary_figures_and_every_page_the_footer(
    patient, tmp_path
):
    pages = pdf_pages(build_pdf(data_for(patient)), tmp_path)
    assert len(pages) >= 2
    first = flat(pages[0])
    expected = expected_summary()
    assert "Alice <b>Example</b>" in first  # the name, as text
    assert f"{START:%a %-d %b %Y} to {END:%a %-d %b %Y}" in first
    assert expected["logged"] in first
    assert expected["first"] in first and expected["last"] in first
    assert expected["change"] in first
    assert "2 crashes in this range" in first
    assert f"Started {day(15):%-d %b %Y}. Dose on 1 Nov 2026: 3 mg at bedtime." in first
    assert "Vivid dreams: 3 days, worst 1/3" in first
    assert "not enough data" in first  # brain fog, never scored
    for number, page in enumerate(pages, start=1):
        text = flat(page)
        assert FOOTER in text
        assert "Made " in text
        assert f"Page {number} of {len(pages)}" in text
    everything = " ".join(pages)
    assert "Trend charts" in everything and "Weekly averages" in everything
    assert "LDN dose timeline" in everything
    assert "secret" not in everything


@pytest.mark.services
def test_pdf_is_tagged_for_screen_readers_with_its_title_and_language(
    patient, tmp_path
):
    pdf = build_pdf(data_for(patient))
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert re.search(r"^Title:\s+LDN Diary report", info, re.MULTILINE)
    structure = subprocess.run(
        ["pdfinfo", "-struct", str(path)], capture_output=True, text=True, check=True
    ).stdout
    # The structure a screen reader follows: headings and tables, not just text.
    assert "H1" in structure and "Table" in structure and "TH" in structure
    meta = subprocess.run(
        ["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert 'pdfuaid:part="1"' in meta
    # The catalog (in a compressed object stream) names the document's language.
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL)
    catalogs = [text for text in map(_inflate, streams) if b"/Type /Catalog" in text]
    assert catalogs and re.search(rb"/Lang \(en", catalogs[0])


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""


@pytest.mark.services
def test_pdf_includes_notes_only_when_chosen(patient, tmp_path):
    pages = pdf_pages(
        build_pdf(data_for(patient, [*DEFAULT_SECTIONS, ExportSection.NOTES])),
        tmp_path,
    )
    assert "secret diary note" in " ".join(pages)


@pytest.mark.services
def test_pdf_of_a_demo_diary_and_a_picture_of_its_first_page(db, tmp_path):
    """A realistic report (the demo diary), with page 1 saved as a PNG in
    var/screenshots/ for a person to look at."""
    user = demo_user_create(email="report-demo@example.org", days=150)
    end = user.local_today()
    data = report_data(
        user=user,
        start=end - datetime.timedelta(days=89),
        end=end,
        sections=ExportSection.values,
        display_name="Demo patient",
    )
    pdf = build_pdf(data)
    pages = pdf_pages(pdf, tmp_path)
    assert "Demo patient" in pages[0]
    assert f"Page 1 of {len(pages)}" in flat(pages[0])
    for number, page in enumerate(pages, start=1):
        assert FOOTER in flat(page) and f"Page {number} of" in flat(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "report.pdf"),
            str(SCREENSHOTS / "report-page1"),
        ],
        check=True,
    )
    assert (SCREENSHOTS / "report-page1.png").stat().st_size > 10_000
