"""The clinician report: the same HTML for the PDF and the doctor's page.

The figures on page 1 are computed here from the scores the test logs, not taken
from the code under test. Tests that need WeasyPrint's system libraries (Pango)
or pdftotext/pdftoppm (poppler-utils) are marked ``services``: ``make
test-services`` installs them first."""

import datetime
import re
import subprocess
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from diary import services
from diary.demo import demo_user_create
from diary.exports.core_figures import signed
from diary.exports.data import report_data
from diary.exports.models import DEFAULT_SECTIONS, ExportSection
from diary.exports.pdf import build_pdf, render_report_html
from diary.models import Symptom

from .report_story import Story, flat, page_one_expectations

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
FOOTER = "Patient-reported data. Not medical advice."


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def story(alice):
    return Story(alice)


def data_for(
    story, sections=DEFAULT_SECTIONS, start=None, display_name="Alice <b>Example</b>"
):
    """The report of the last 30 days by default: a range that starts long after
    the LDN start, which must still carry the comparison."""
    return report_data(
        user=story.user,
        start=start or story.today - datetime.timedelta(days=29),
        end=story.today,
        sections=sections,
        display_name=display_name,
    )


# --- The HTML (no system libraries needed) ------------------------------------------


def test_the_screen_page_is_standalone_with_the_disclaimer_and_no_script(story):
    html = render_report_html(data_for(story), for_print=False)
    assert html.startswith("<!doctype html>")
    assert "<script" not in html.lower() and " on" + "load=" not in html
    assert "Patient-reported data. Not medical advice." in html
    assert "cannot show what caused it" in html
    # Nothing of the patient's own site: no navigation, forms or links to it.
    assert "<nav" not in html and "<form" not in html
    assert "Log out" not in html and 'href="/diary' not in html
    assert '<link rel="stylesheet" href="/static/css/report.css">' in html
    assert "@page" not in html  # the print rules are for the PDF only


def test_the_print_html_inlines_its_styles_and_numbers_every_page(story):
    html = render_report_html(data_for(story), for_print=True)
    assert "<link" not in html  # WeasyPrint fetches nothing
    assert "@page" in html and "counter(page)" in html and "counter(pages)" in html
    assert f'"{FOOTER}' in html


def test_page_one_renders_the_core_figures_of_the_comparison(story):
    data = data_for(story)
    html = flat(render_report_html(data, for_print=False))
    summary = html[html.index('data-testid="report-summary"') :]
    summary = summary[: summary.index("</section>")]
    for expected in page_one_expectations(story):
        assert expected in summary, expected
    # The difference is the comparison's (the regression's), rendered as is.
    difference = data.comparison.primary.difference
    assert f"<strong>{signed(difference)}</strong>" in summary
    assert "approximate interval" in summary
    assert "<strong>4 h</strong>" in summary and "<strong>6 h</strong>" in summary
    # The interval's measured coverage, once, under the table (not in the cell).
    assert summary.count("simulated diaries") == 1
    assert 'data-testid="coverage-note"' in summary
    # The windows' dates, with their day counts.
    assert (
        f"{story.baseline_start:%-d %b} – {story.ldn_start - datetime.timedelta(days=1):%-d %b %Y}, 56 days"
        in summary
    )
    assert (
        f"{story.on_start:%-d %b} – {story.today:%-d %b %Y}, 56 days, 3 mg" in summary
    )
    # The standard chart and the dose-step chart are drawn.
    assert 'data-testid="band-chart"' in summary and summary.count("<svg") == 2


def test_the_old_summary_and_the_false_range_sentence_are_gone(story):
    for start in (
        None,
        story.ldn_start + datetime.timedelta(days=3),
        story.ldn_start - datetime.timedelta(days=5),
    ):
        html = flat(render_report_html(data_for(story, start=start), for_print=False))
        assert "range starts" not in html
        assert "first 4 weeks" not in html and "last 4 weeks" not in html
        assert 'data-testid="core-table"' in html
        assert "Primary outcome: Fatigue" in html


def test_without_baseline_data_it_says_so_once(alice):
    today = alice.local_today()
    fatigue = Symptom.objects.get(slug="fatigue")
    course = services.course_create(
        user=alice,
        start_date=today - datetime.timedelta(days=40),
        formulation="capsule",
        first_dose_mg=Decimal("1.5"),
        time_of_day="bedtime",
    )
    assert course.pk
    for offset in range(30):
        services.entry_upsert(
            user=alice,
            date=today - datetime.timedelta(days=offset),
            scores={fatigue.pk: offset % 5},
            fields={},
        )
    data = report_data(
        user=alice,
        start=today - datetime.timedelta(days=29),
        end=today,
        sections=DEFAULT_SECTIONS,
    )
    html = flat(render_report_html(data, for_print=False))
    sentence = "so there is no baseline to compare with"
    assert data.comparison.status == "no_baseline_data"
    assert html.count(sentence) == 1
    assert 'data-testid="core-table"' not in html
    assert "not enough data" not in html.lower()


def test_without_a_course_it_says_so_once(alice):
    today = alice.local_today()
    data = report_data(
        user=alice,
        start=today - datetime.timedelta(days=29),
        end=today,
        sections=DEFAULT_SECTIONS,
    )
    html = flat(render_report_html(data, for_print=False))
    assert html.count("No LDN course is recorded") == 1


def test_patient_text_is_escaped(story):
    own = services.symptom_create_own(user=story.user, name="<img src=x> & co")
    services.entry_upsert(
        user=story.user, date=story.today, scores={own.pk: 4}, fields={}
    )
    html = render_report_html(data_for(story), for_print=False)
    assert "Alice &lt;b&gt;Example&lt;/b&gt;" in html
    assert "&lt;img src=x&gt; &amp; co" in html
    assert "<img" not in html and "<b>Example" not in html


def test_notes_are_left_out_unless_chosen(story):
    html = render_report_html(data_for(story), for_print=False)
    assert "secret" not in html
    assert "Notes written by the patient" not in html


def test_chosen_notes_include_diary_crash_and_side_effect_notes(story):
    html = render_report_html(
        data_for(story, [*DEFAULT_SECTIONS, ExportSection.NOTES]), for_print=False
    )
    assert "Notes written by the patient" in html
    assert "secret diary note" in html and "secret crash note" in html
    assert "Side effect: Headache" in html


def test_sections_not_chosen_are_not_shown(story):
    html = render_report_html(data_for(story, ["summary"]), for_print=False)
    assert "Trend charts" not in html
    assert "Weekly averages" not in html and "Monthly averages" not in html
    assert "LDN dose timeline" not in html
    assert "Before and after starting LDN" not in html
    assert "Primary outcome: Fatigue" in html  # page 1 itself


def test_the_analysis_renders_the_comparison_with_its_caveats(story):
    data = data_for(story)
    html = flat(render_report_html(data, for_print=False))
    section = html[html.index('data-testid="report-analysis"') :]
    assert "This cannot show that LDN caused a change." in section
    assert "regression to the mean" in section
    assert "AR(1)" in section  # the method
    assert "approximate interval" in section
    assert "95% interval" not in section  # approximate, with its measured coverage
    assert "Other outcomes (exploratory)" in section
    assert "one or two often look changed by chance" in section
    primary = data.comparison.primary
    assert f"<strong>{signed(primary.difference)}</strong>" in section
    assert "(48/56)" in section


def test_the_monthly_table_beyond_six_months(story):
    data = data_for(story, start=story.today - datetime.timedelta(days=200))
    html = flat(render_report_html(data, for_print=False))
    assert "Monthly averages" in html and "Weekly averages" not in html
    assert data.table_period == "month"
    assert len(data.periods) in (7, 8)
    short = flat(render_report_html(data_for(story), for_print=False))
    assert "Weekly averages" in short


def test_the_signed_difference_never_shows_minus_or_plus_zero():
    assert signed(0.04) == "0.0" and signed(-0.04) == "0.0"
    # Rounded half up, like floatformat:1 on the analysis page.
    assert signed(0.7) == "+0.7" and signed(-1.25) == "-1.3" and signed(None) == ""


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
def test_pdf_page_one_has_the_core_figures_and_every_page_the_footer(story, tmp_path):
    data = data_for(story)
    pages = pdf_pages(build_pdf(data), tmp_path)
    assert len(pages) >= 2
    first = flat(pages[0])
    assert "Alice <b>Example</b>" in first  # the name, as text
    start = story.today - datetime.timedelta(days=29)
    assert f"{start:%a %-d %b %Y} to {story.today:%a %-d %b %Y}" in first
    # (The facts boxes sit side by side, so their wrapped lines interleave in
    # the extracted text: the medicine's note is checked in the HTML test.)
    for expected in page_one_expectations(story):
        if expected != "stopped during the baseline":
            assert expected in first, expected
    assert signed(data.comparison.primary.difference) in first
    assert re.search(r"Hours upright 4 ?h 6 ?h", first)  # the medians
    for number, page in enumerate(pages, start=1):
        text = flat(page)
        assert FOOTER in text
        assert "Made " in text
        assert f"Page {number} of {len(pages)}" in text
    everything = flat(" ".join(pages))
    assert "Trend charts" in everything and "Weekly averages" in everything
    assert "LDN dose timeline" in everything
    assert "range starts" not in everything
    assert "secret" not in everything


@pytest.mark.services
def test_pdf_is_tagged_for_screen_readers_with_its_title_and_language(story, tmp_path):
    pdf = build_pdf(data_for(story))
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
def test_pdf_includes_notes_only_when_chosen(story, tmp_path):
    pages = pdf_pages(
        build_pdf(data_for(story, [*DEFAULT_SECTIONS, ExportSection.NOTES])),
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


def test_the_averages_table_stays_about_a_years_rows_long():
    """Weeks up to about six months, months up to 13, then quarters (to the
    longest report, two years): a two-year report's table is shorter than a
    one-year one's."""
    from diary.exports.services import MAX_RANGE_DAYS
    from diary.exports.tables import table_period
    from diary.trends import calendar_buckets

    end = datetime.date(2026, 12, 2)

    def period(days):
        return table_period(end - datetime.timedelta(days=days - 1), end)

    assert [period(d) for d in (30, 183, 184, 365, 397, 398, 730, MAX_RANGE_DAYS)] == [
        "week",
        "week",
        "month",
        "month",
        "month",
        "quarter",
        "quarter",
        "quarter",
    ]
    start = datetime.date(2024, 12, 3)
    quarters = calendar_buckets({}, start, end, months=3)
    assert [(b.start.isoformat(), b.end.isoformat()) for b in quarters][:3] == [
        ("2024-12-03", "2024-12-31"),
        ("2025-01-01", "2025-03-31"),
        ("2025-04-01", "2025-06-30"),
    ]
    assert quarters[-1].start == datetime.date(2026, 10, 1)
    assert quarters[-1].end == end
    assert len(quarters) == 9
    assert sum(b.days_in_range for b in quarters) == (end - start).days + 1
    years = calendar_buckets({}, datetime.date(2016, 12, 3), end, months=12)
    assert [b.start.year for b in years] == list(range(2016, 2027))
    assert years[0].days_in_range == 29 and years[1].days_in_range == 365
    months = calendar_buckets({}, datetime.date(2025, 12, 3), end, months=1)
    assert len(months) == 13 and months[1].start == datetime.date(2026, 1, 1)


def test_quarterly_means_are_over_logged_days_only():
    from diary.trends import calendar_buckets

    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)
    values = {datetime.date(2026, 1, 5): 2.0, datetime.date(2026, 3, 31): 5.0}
    values[datetime.date(2026, 2, 1)] = None  # an unanswered day is no score
    first, second = calendar_buckets(values, start, end, months=3)
    assert (first.mean, first.days_logged, first.days_in_range) == (3.5, 2, 90)
    # Nothing logged in April to June: a gap, never a zero.
    assert (second.mean, second.days_logged, second.days_in_range) == (None, 0, 91)


def test_a_two_year_report_has_quarterly_rows(story):
    data = data_for(story, start=story.today - datetime.timedelta(days=729))
    html = flat(render_report_html(data, for_print=False))
    assert data.table_period == "quarter"
    assert "Quarterly averages" in html and "Monthly averages" not in html
    assert len(data.periods) in (8, 9)
    first = data.periods[1]
    end_of_march = datetime.date(2025, 3, 31)
    label = f"{first.start:%b}–{first.end:%b %Y}"
    assert f'<th scope="row" class="nowrap">{label}</th>' in html
    assert '<th scope="col">Quarter</th>' in html
    # A quarter cut to one month by the range is named as that month.
    from diary.exports.pdf import _period_label

    cut = _period_label(
        "quarter", datetime.date(2024, 12, 3), datetime.date(2024, 12, 31)
    )
    assert cut == "Dec 2024"
    assert _period_label("quarter", datetime.date(2025, 1, 1), end_of_march) == (
        "Jan–Mar 2025"
    )
