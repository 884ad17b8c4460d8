"""The foundation pages in a real Chromium, the way a patient uses them: sign-up,
the one-screen check-in (by touch and by keyboard), "same as last time", the home
page, the LDN course with a dose change and the opioid question, bad input, and a
360 px wide phone. Screenshots for a person to look at go to var/screenshots/.

Every page is watched by the ``make_page`` fixture (tests/e2e/conftest.py): a
console error, a script error, a server error or a request to another host fails
the test.

Run with:
SECRET_KEY=test .venv/bin/python -m pytest tests/e2e/test_foundation_browser.py -m browser
"""

import datetime
import re
from decimal import Decimal

import pytest

from accounts.models import User
from diary import services
from diary.doses import course_day
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)
from tests.e2e.conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: the flush after each test would otherwise take the
    # built-in symptoms (a data migration) with it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ONE_DAY = datetime.timedelta(days=1)
MIN_TAP_PX = 40


# ---------------------------------------------------------------------- helpers


def tracked(user):
    """The user's check-in symptoms, in their order."""
    return [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]


def by_slug(user, slug):
    return next(s for s in tracked(user) if s.slug == slug)


def score_button(page, symptom, score: int):
    """The visible segmented button (the label) for one score of one symptom."""
    return page.locator(
        f'.score-options label:has(input[name="symptom_{symptom.pk}"][value="{score}"])'
    )


def score_input(page, symptom, score: int):
    return page.locator(f'input[name="symptom_{symptom.pk}"][value="{score}"]')


def saved_scores(entry) -> dict[str, int]:
    return {
        s.symptom.slug: s.score
        for s in SymptomScore.objects.filter(entry=entry).select_related("symptom")
    }


def log_day(user, day, scores: dict[str, int], **fields):
    symptoms = {s.slug: s for s in tracked(user)}
    return services.entry_upsert(
        user=user,
        date=day,
        scores={symptoms[slug].pk: score for slug, score in scores.items()},
        fields=fields,
    )[0]


def horizontal_overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


SMALL_TARGETS_JS = """(minimum) => {
    const selector = [
        "button", "a.button", "a.button-secondary", "input[type=submit]",
        "label:has(input[type=radio])", "summary",
    ].join(",");
    return [...document.querySelectorAll(selector)]
        .filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0
                && getComputedStyle(el).visibility !== "hidden";
        })
        .map((el) => ({
            what: el.tagName.toLowerCase() + " " + el.textContent.trim().slice(0, 40),
            height: Math.round(el.getBoundingClientRect().height),
            // The 0-10 buttons sit side by side: they must be wide enough too.
            width: el.closest(".score-options")
                ? Math.round(el.getBoundingClientRect().width) : minimum,
        }))
        .filter((item) => item.height < minimum || item.width < minimum);
}"""


def assert_footer_notice(page):
    footer = page.get_by_test_id("not-medical-advice")
    assert footer.is_visible()
    assert "Not medical advice." in footer.inner_text()


def seed_a_week(user):
    """Six of the last seven days logged (one gap), an LDN course with two dose
    steps, a crash, and some history before that."""
    today = user.local_today()
    pattern = [
        {"fatigue": 6, "post-exertional-malaise": 5, "brain-fog": 7, "headache": 2},
        {"fatigue": 7, "post-exertional-malaise": 6, "unrefreshing-sleep": 8},
        {"fatigue": 5, "brain-fog": 5, "muscle-pain": 4, "headache": 0},
        None,  # not logged: a gap, never a zero
        {"fatigue": 8, "post-exertional-malaise": 8, "brain-fog": 9, "muscle-pain": 6},
        {"fatigue": 6, "unrefreshing-sleep": 7, "headache": 3},
        {"fatigue": 5, "post-exertional-malaise": 4, "brain-fog": 4},
    ]
    for offset, scores in enumerate(pattern):
        if scores is not None:
            log_day(
                user,
                today - offset * ONE_DAY,
                scores,
                sleep_hours=Decimal("7.5"),
                notes="",
            )
    course = services.course_create(
        user=user,
        start_date=today - 40 * ONE_DAY,
        formulation=TreatmentCourse.Formulation.LIQUID,
        strength="1 mg/ml",
        pharmacy="Hillside Pharmacy",
        notes="",
        first_dose_mg=Decimal("0.5"),
        time_of_day=DoseChange.TimeOfDay.BEDTIME,
    )
    services.dose_change_add(
        course=course,
        date=today - 20 * ONE_DAY,
        dose_mg=Decimal("1.5"),
        reason=DoseChange.Reason.PLANNED_STEP,
        time_of_day=DoseChange.TimeOfDay.BEDTIME,
        note="",
    )
    services.crash_create(
        user=user,
        start_date=today - 4 * ONE_DAY,
        end_date=today - 3 * ONE_DAY,
        severity=Crash.Severity.MODERATE,
        trigger=Crash.Trigger.PHYSICAL,
        notes="",
    )
    return course


# ------------------------------------------------------------------------ tests


def test_new_patient_signs_up_and_lands_on_an_unlogged_today(
    page, screenshots, mailoutbox
):
    page.goto(f"{page.live_server_url}/accounts/signup/")
    page.get_by_label("Email").fill("new.patient@example.org")
    page.get_by_label("Password", exact=True).fill("slow mornings, quiet rooms")
    page.get_by_label("Password again").fill("slow mornings, quiet rooms")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.screenshot(path=str(screenshots / "signup.png"), full_page=True)
    assert_footer_notice(page)

    page.get_by_label("I have read the notice above").check()
    page.get_by_role("button", name="Create my account").click()

    # The same "check your email" page whether or not the address had an
    # account; the e-mail's link confirms the address and logs in.
    page.wait_for_url(f"{page.live_server_url}/accounts/signup/sent/")
    link = re.search(r"/accounts/signup/confirm/\S+/", mailoutbox[-1].body).group(0)
    page.goto(f"{page.live_server_url}{link}")
    page.get_by_role("button", name="Confirm and log in").click()

    page.wait_for_url(f"{page.live_server_url}/")
    today = page.get_by_test_id("today-status")
    assert "Today is not logged yet." in today.inner_text()
    assert page.get_by_role("link", name="Do today's check-in").is_visible()

    user = User.objects.get(email="new.patient@example.org")
    assert user.time_zone == "Europe/Berlin"
    assert user.medical_notice_acknowledged_at is not None
    assert len(tracked(user)) > 0  # the default symptoms are on the check-in


def test_check_in_on_one_screen_saves_only_what_was_answered(signed_in_page, alice):
    fatigue = by_slug(alice, "fatigue")
    headache = by_slug(alice, "headache")
    page = signed_in_page(alice)
    page.goto(f"{page.live_server_url}/checkin/")

    score_button(page, fatigue, 6).click()
    score_button(page, headache, 3).click()
    assert score_input(page, fatigue, 6).is_checked()
    assert score_input(page, headache, 3).is_checked()
    more = page.get_by_text("More about today (optional)")
    # The closed part shows that it opens (a flex <summary> loses its triangle).
    marker = more.evaluate("el => getComputedStyle(el, '::before').content")
    assert "▸" in marker
    more.click()
    page.get_by_label("Hours of sleep").fill("7,5")
    page.get_by_role("button", name="Save", exact=True).click()

    page.wait_for_url(f"{page.live_server_url}/")
    assert "Today is logged." in page.get_by_test_id("today-status").inner_text()
    cells = (
        page.get_by_test_id("last-7-days")
        .locator("tbody tr")
        .first.locator("td")
        .all_inner_texts()
    )
    expected = [
        "6" if s == fatigue else "3" if s == headache else "–" for s in tracked(alice)
    ]
    assert cells == expected

    entry = Entry.objects.get(user=alice, date=alice.local_today())
    assert saved_scores(entry) == {"fatigue": 6, "headache": 3}
    assert entry.sleep_hours == Decimal("7.5")
    assert entry.function_score is None
    assert entry.hours_upright is None
    assert entry.sleep_quality is None
    assert entry.physical_exertion is None
    assert entry.cognitive_exertion is None
    assert entry.notes == ""
    assert Entry.objects.filter(user=alice).count() == 1


def test_same_as_last_time_fills_the_form_and_saves_todays_entry(signed_in_page, alice):
    today = alice.local_today()
    yesterday_scores = {"fatigue": 5, "post-exertional-malaise": 4, "brain-fog": 7}
    log_day(alice, today - ONE_DAY, yesterday_scores, sleep_hours=Decimal("8"))
    fatigue = by_slug(alice, "fatigue")
    page = signed_in_page(alice)
    page.goto(f"{page.live_server_url}/checkin/")

    page.get_by_test_id("same-as-last").click()

    page.wait_for_url("**/checkin/?prefill=last")
    assert page.get_by_text("Filled in from your entry for").is_visible()
    assert score_input(page, fatigue, 5).is_checked()
    assert page.get_by_label("Hours of sleep").input_value() == "8.0"
    # Nothing is saved until the patient presses Save.
    assert not Entry.objects.filter(user=alice, date=today).exists()

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{page.live_server_url}/")
    entry = Entry.objects.get(user=alice, date=today)
    assert saved_scores(entry) == yesterday_scores
    assert entry.sleep_hours == Decimal("8.0")


def test_check_in_works_with_the_keyboard_alone_and_shows_where_focus_is(
    signed_in_page, alice, screenshots
):
    first = tracked(alice)[0]
    page = signed_in_page(alice)
    page.goto(f"{page.live_server_url}/checkin/")

    presses = 0
    while page.evaluate("document.activeElement.name") != f"symptom_{first.pk}":
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 40, "Tab never reached the first score group"
    # Nothing picked yet: focus lands on the middle of the scale (5), so any
    # score is at most five presses away; the arrows stop at the ends.
    assert page.evaluate("document.activeElement.value") == "5"
    page.keyboard.press("ArrowLeft")
    assert score_input(page, first, 4).is_checked()
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    assert score_input(page, first, 0).is_checked()  # stops at 0, no wrap-round
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert score_input(page, first, 4).is_checked()

    # The radio itself is transparent over the button: the button must show focus.
    ring = page.evaluate(
        """() => {
            const input = document.activeElement;
            const span = input.nextElementSibling;
            const style = getComputedStyle(span);
            return {
                focusVisible: input.matches(":focus-visible"),
                style: style.outlineStyle,
                width: parseFloat(style.outlineWidth),
            };
        }"""
    )
    assert ring["focusVisible"] is True
    assert ring["style"] != "none"
    assert ring["width"] >= 2
    page.locator(f"#id_symptom_{first.pk}_group").screenshot(
        path=str(screenshots / "checkin-keyboard-focus.png")
    )

    presses = 0
    while not page.evaluate(
        """() => document.activeElement.matches("form[method=post] button[type=submit]")
              && document.activeElement.textContent.trim() === "Save" """
    ):
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 60, "Tab never reached the Save button"
    save_outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle"
    )
    assert save_outline != "none"
    page.keyboard.press("Enter")

    page.wait_for_url(f"{page.live_server_url}/")
    entry = Entry.objects.get(user=alice, date=alice.local_today())
    assert saved_scores(entry) == {first.slug: 4}


@pytest.mark.parametrize("path", ["/checkin/", "/", "/treatments/"])
def test_pages_fit_a_360px_phone_with_large_touch_targets(signed_in_page, alice, path):
    seed_a_week(alice)
    page = signed_in_page(alice, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{page.live_server_url}{path}")
    if path == "/checkin/":
        page.get_by_text("More about today (optional)").click()

    assert horizontal_overflow(page) <= 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(SMALL_TARGETS_JS, MIN_TAP_PX) == []
    assert_footer_notice(page)


def test_ldn_course_dose_change_and_the_opioid_question(
    signed_in_page, alice, screenshots
):
    today = alice.local_today()
    start = today - 20 * ONE_DAY
    page = signed_in_page(alice)
    page.goto(f"{page.live_server_url}/treatments/")
    assert page.get_by_test_id("not-medical-advice-prominent").is_visible()

    page.get_by_role("link", name="Add an LDN course").click()
    page.get_by_label("LDN start date").fill(start.isoformat())
    page.get_by_label("Formulation").select_option("capsule")
    page.get_by_label("Strength").fill("1.5 mg capsules")
    page.get_by_label("First dose (mg)", exact=True).fill("1,5")
    page.get_by_label("Time of day").select_option("bedtime")
    page.get_by_role("button", name="Save", exact=True).click()

    page.get_by_role("heading", name="Dose history").wait_for()
    page.wait_for_load_state("load")
    course = TreatmentCourse.objects.get(user=alice)
    assert list(course.dose_changes.values_list("dose_mg", flat=True)) == [
        Decimal("1.5")
    ]

    dose_form = page.locator("#dose-form")
    dose_form.get_by_label("What happened").select_option("planned_step")
    dose_form.get_by_label("Dose (mg)").fill("3")
    dose_form.get_by_role("button", name="Save dose change").click()
    page.get_by_text("Dose change saved.").wait_for()
    page.wait_for_load_state("load")
    history = page.get_by_test_id("dose-history").inner_text()
    assert "1.5" in history and "3.0" in history
    page.screenshot(path=str(screenshots / "course-detail.png"), full_page=True)

    page.goto(f"{page.live_server_url}/")
    ldn = page.get_by_test_id("ldn-status").inner_text()
    assert "3.0 mg" in ldn
    day = course_day(start, today)
    assert day == 21
    assert f"Day {day} since you started LDN" in ldn

    page.goto(f"{page.live_server_url}/treatments/")
    assert page.get_by_test_id("opioid-warning").count() == 0
    question = page.get_by_test_id("opioid-question")
    question.locator("label", has_text="Yes").click()
    question.get_by_role("button", name="Save answer").click()
    warning = page.get_by_test_id("opioid-warning")
    warning.wait_for()
    page.wait_for_load_state("load")
    assert "LDN and opioid medicines" in warning.inner_text()
    assert "for your prescriber to decide" in warning.inner_text()
    alice.refresh_from_db()
    assert alice.takes_opioids == User.OpioidAnswer.YES
    page.screenshot(path=str(screenshots / "treatments.png"), full_page=True)


def test_future_check_in_date_shows_an_error_by_the_field_and_keeps_the_notes(
    signed_in_page, alice, screenshots
):
    fatigue = by_slug(alice, "fatigue")
    tomorrow = alice.local_today() + ONE_DAY
    notes = "Foggy after the shower. <script>alert(1)</script>"
    page = signed_in_page(alice)
    page.goto(f"{page.live_server_url}/checkin/")

    score_button(page, fatigue, 7).click()
    page.get_by_label("Notes").fill(notes)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()

    message = "This date is in the future. You can log today or earlier days."
    date_field = page.locator(".field.has-error", has=page.locator("#id_date"))
    error = date_field.locator(".error")
    error.wait_for()
    page.wait_for_load_state("load")  # measure with the stylesheet applied
    assert error.inner_text() == message
    field_box = page.locator("#id_date").bounding_box()
    error_box = error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40
    # The box itself is outlined in the error colour, 2px.
    border = page.locator("#id_date").evaluate(
        "el => getComputedStyle(el).borderTopWidth"
    )
    assert border == "2px"
    summary = page.locator("#form-errors")
    assert summary.is_visible()
    assert message in summary.inner_text()

    assert page.get_by_label("Notes").input_value() == notes
    assert score_input(page, fatigue, 7).is_checked()
    assert not Entry.objects.filter(user=alice).exists()
    error.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "checkin-future-date-error.png"))


def test_screenshots_of_the_foundation_pages(signed_in_page, alice, screenshots):
    """Not a picture test: the PNGs are for a person to look at. The checks are
    the ones every page must pass: the footer notice, no sideways scrolling."""
    course = seed_a_week(alice)
    page = signed_in_page(alice)
    url = page.live_server_url
    shots = [
        ("checkin-light.png", "/checkin/", "light"),
        ("checkin-dark.png", "/checkin/", "dark"),
        ("home-week.png", "/", "light"),
        ("home-week-dark.png", "/", "dark"),
        ("treatments-overview.png", "/treatments/", "light"),
        ("course-detail-week.png", f"/treatments/ldn/{course.uuid}/", "light"),
        ("course-detail-dark.png", f"/treatments/ldn/{course.uuid}/", "dark"),
        ("crash-form.png", "/crashes/new/", "light"),
        ("symptoms.png", "/symptoms/", "light"),
    ]
    for name, path, scheme in shots:
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{url}{path}")
        assert_footer_notice(page)
        assert horizontal_overflow(page) <= 0
        page.screenshot(path=str(screenshots / name), full_page=True)
    # The check-in of a day not yet logged, with the optional part open.
    page.emulate_media(color_scheme="light")
    page.goto(f"{url}/checkin/{(alice.local_today() - 3 * ONE_DAY).isoformat()}/")
    more = page.get_by_text("More about today (optional)")
    more.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "checkin-closed-optional.png"))
    more.click()
    page.screenshot(path=str(screenshots / "checkin-open.png"), full_page=True)

    phone = signed_in_page(alice, viewport=PHONE, is_mobile=True, has_touch=True)
    for scheme in ("light", "dark"):
        phone.emulate_media(color_scheme=scheme)
        for name, path in (("checkin", "/checkin/"), ("home", "/")):
            phone.goto(f"{url}{path}")
            assert horizontal_overflow(phone) <= 0
            phone.screenshot(
                path=str(screenshots / f"{name}-360-{scheme}.png"), full_page=True
            )
    phone.emulate_media(color_scheme="light")
    phone.goto(f"{url}/treatments/")
    phone.screenshot(path=str(screenshots / "treatments-360.png"), full_page=True)


CONTRAST_JS = """(selectors) => {
    const parse = (value) => {
        const parts = value.match(/[\\d.]+/g).map(Number);
        return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
    };
    const background = (el) => {
        for (; el; el = el.parentElement) {
            const colour = parse(getComputedStyle(el).backgroundColor);
            if (colour.a > 0.5) return colour;
        }
        return {r: 255, g: 255, b: 255, a: 1};
    };
    const luminance = (c) => {
        const f = (v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const ratio = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    const found = [];
    for (const selector of selectors) {
        for (const el of document.querySelectorAll(selector)) {
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height || !el.textContent.trim()) continue;
            found.push({
                selector,
                text: el.textContent.trim().slice(0, 30),
                ratio: Math.round(ratio(parse(getComputedStyle(el).color), background(el)) * 100) / 100,
            });
        }
    }
    return found;
}"""
TEXT_SELECTORS = [
    "h1",
    "h2",
    "p",
    "legend",
    "label",
    ".muted",
    ".help",
    ".site-nav a",
    ".link-button",
    ".score-options span[aria-hidden]",
    ".score-options input:checked + span",
    ".score-anchors span",
    "button",
    "a.button",
    "a.button-secondary",
    ".notice a",
    "td",
    "th",
    "th a",
    ".notice-footer",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_has_enough_contrast_in_light_and_dark_mode(signed_in_page, alice, scheme):
    """WCAG AA (4.5:1) for every piece of text on the pages a patient uses most,
    including the danger button and the opioid notice."""
    seed_a_week(alice)
    alice.takes_opioids = User.OpioidAnswer.YES
    alice.save(update_fields=["takes_opioids"])
    page = signed_in_page(alice)
    page.emulate_media(color_scheme=scheme)
    today = alice.local_today().isoformat()
    checked = 0
    for path in ("/", "/checkin/", "/treatments/", f"/checkin/{today}/delete/"):
        page.goto(f"{page.live_server_url}{path}")
        if path == "/checkin/":
            page.get_by_text("More about today (optional)").click()
        found = page.evaluate(CONTRAST_JS, TEXT_SELECTORS)
        checked += len(found)
        low = [item for item in found if item["ratio"] < 4.5]
        assert low == [], f"{path}: {low}"
    assert checked > 100
