"""The whole journey of a new patient in a real Chromium, on a phone and on a
desktop, in light and dark: sign up, symptoms, an LDN course with two dose
steps, today's check-in (by keyboard), yesterday (by touch, "same as last time"),
a crash, a side effect, trends, analysis, research, a PDF export, and a share link
opened by a logged-out doctor.

On every page of it axe-core (static/vendor/axe-core, vendored from npm) must
report zero WCAG 2.0/2.1/2.2 A and AA violations, and no page may be wider than
its viewport (at 320 px too). Screenshots of every step go to
var/screenshots/journey/ for a person to look at.

The journey runs twice (phone 390x844, desktop 1280x800); each step is checked
at the run's size in both colour schemes, and the phone run at 320 px as well,
in the same tab, so the run stays short.

Run with:
SECRET_KEY=test .venv/bin/python -m pytest tests/e2e/test_journey_browser.py -m browser
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from accounts.models import User
from diary.exports.models import ExportJob
from diary.models import Crash, DoseChange, Entry, SideEffect, TrackedSymptom
from diary.sharing.models import ShareLink
from evidence.services import studies_load
from tests.e2e.conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "slow mornings, quiet rooms"
ONE_DAY = datetime.timedelta(days=1)
MAX_KEY_PRESSES = 30
MAX_TAPS = 10

RUNS = {
    # name: (viewport the journey is done at, its scheme, the other checks)
    "phone": (
        {"width": 390, "height": 844},
        "light",
        [(390, 844, "dark"), (320, 640, "light")],
    ),
    "desktop": (
        {"width": 1280, "height": 800},
        "dark",
        [(1280, 800, "light")],
    ),
}


@pytest.fixture
def eager():
    """Exports made in-process (as with no REDIS_URL), also under test-services,
    where no worker serves this live server's jobs."""
    from config.celery import app

    values = {"task_always_eager": True, "task_eager_propagates": True}
    old = {key: app.conf[key] for key in values}
    app.conf.update(values)
    yield
    app.conf.update(old)


class Journey:
    """One patient's tab, with the checks made after every step."""

    def __init__(self, page, run: str, *, fresh: bool = True):
        self.page = page
        self.run = run
        self.viewport, self.scheme, self.others = RUNS[run]
        self.base = page.live_server_url
        self.step = 0
        self.folder = SCREENSHOTS / "journey" / run
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png") if fresh else []:
            old.unlink()
        self.problems: list[str] = []

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def check(self, name: str) -> None:
        """axe and the page width at every size and scheme of this run, with a
        screenshot of each."""
        page = self.page
        page.wait_for_load_state("load")
        self.step += 1
        sizes = [(self.viewport["width"], self.viewport["height"], self.scheme)]
        sizes += self.others
        for index, (width, height, scheme) in enumerate(sizes):
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            label = f"{name} at {width}px {scheme} ({page.url})"
            wide = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            if wide[0] > wide[1]:
                self.problems.append(f"{label}: {wide[0]}px wide, viewport {wide[1]}")
            violations = axe_violations(page)
            if violations:
                self.problems.append(f"{label}: axe: {violations}")
            page.screenshot(
                path=str(self.folder / f"{self.step:02d}-{name}-{width}-{scheme}.png"),
                full_page=index == 0,
            )
        page.set_viewport_size(self.viewport)
        page.emulate_media(color_scheme=self.scheme)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def axe_violations(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate, not a <script> tag: works under a strict CSP too.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations.map(v => v.id + " " + v.impact + ": " +
                v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(" | "));
        }""",
        AXE_TAGS,
    )
    return found


def focus_is_covered(page) -> str | None:
    """Why the focused control is hidden (off screen or under a sticky bar), or
    None when it can be seen."""
    return page.evaluate(
        """() => {
            let el = document.activeElement;
            if (!el || el === document.body) return null;
            // A score radio is transparent over its button: measure the button.
            if (el.matches('.score-options input')) el = el.parentElement;
            const r = el.getBoundingClientRect();
            if (r.bottom <= 0 || r.top >= innerHeight) return "off screen: " + el.outerHTML.slice(0, 80);
            for (const bar of document.querySelectorAll('.sticky-actions')) {
                if (bar.contains(document.activeElement)) continue;
                const b = bar.getBoundingClientRect();
                const overlap = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
                if (overlap > 2 && r.left < b.right && r.right > b.left) {
                    return "under the sticky bar: " + el.outerHTML.slice(0, 80);
                }
            }
            return null;
        }"""
    )


def tracked(user):
    return [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]


# ------------------------------------------------------------------ the journey


@pytest.mark.parametrize("run", ["phone", "desktop"])
def test_whole_journey_is_accessible_fits_and_is_quick(
    make_page, live_server, eager, mailoutbox, run
):
    studies_load()  # the research list (the flush after each test removes it)
    viewport, scheme, _ = RUNS[run]
    phone = run == "phone"
    page = make_page(
        viewport=viewport,
        color_scheme=scheme,
        is_mobile=phone,
        has_touch=phone,
        permissions=["clipboard-read", "clipboard-write"],
    )
    j = Journey(page, run)
    email = f"{run}.patient@example.org"

    # Sign up ----------------------------------------------------------------
    page.goto(j.url("/accounts/signup/"))
    j.check("signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I have read the notice above").check()
    page.get_by_role("button", name="Create my account").click()
    # "Check your email" (the same whether or not the address had an account);
    # the e-mail's link confirms the address and logs in.
    page.wait_for_url(j.url("/accounts/signup/sent/"))
    j.check("signup-sent")
    link = re.search(r"/accounts/signup/confirm/\S+/", mailoutbox[-1].body).group(0)
    page.goto(j.url(link))
    j.check("signup-confirm")
    page.get_by_role("button", name="Confirm and log in").click()
    page.wait_for_url(j.url("/"))
    j.check("home-new")
    user = User.objects.get(email=email)
    today = user.local_today()

    # Phone menu: every item reachable at 320 px, none off screen ---------------
    if phone:
        page.set_viewport_size({"width": 320, "height": 640})
        menu = page.get_by_role("button", name="Menu")
        assert menu.get_attribute("aria-expanded") == "false"
        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        nav = page.get_by_role("navigation", name="Main")
        items = nav.locator("a, button")
        names = [t.strip() for t in items.all_inner_texts()]
        assert "Crashes" in names and "Log out" in names and "Settings" in names
        assert len(names) == 10
        for index in range(items.count()):
            box = items.nth(index).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
        page.screenshot(path=str(j.folder / "00-menu-open-320.png"))
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        page.set_viewport_size(viewport)

    # Symptoms: track three more, nine in all -----------------------------------
    page.goto(j.url("/symptoms/"))
    for _ in range(9 - len(tracked(user))):
        page.get_by_role("button", name="Track", exact=True).first.click()
        page.wait_for_load_state("load")
    assert len(tracked(user)) == 9
    j.check("symptoms")

    # LDN course with two dose steps -----------------------------------------------
    page.goto(j.url("/treatments/"))
    j.check("treatments")
    page.get_by_role("link", name="Add an LDN course").click()
    j.check("course-form")
    page.get_by_label("LDN start date").fill((today - 30 * ONE_DAY).isoformat())
    page.get_by_label("Formulation").select_option("capsule")
    page.get_by_label("Strength").fill("1.5 mg capsules")
    page.get_by_label("First dose (mg)", exact=True).fill("1,5")
    page.get_by_label("Time of day").select_option("bedtime")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("heading", name="Dose history").wait_for()
    for days_ago, dose in ((20, "3"), (10, "4.5")):
        form = page.locator("#dose-form")
        form.get_by_label("Date").fill((today - days_ago * ONE_DAY).isoformat())
        form.get_by_label("What happened").select_option("planned_step")
        form.get_by_label("Dose (mg)").fill(dose)
        form.get_by_role("button", name="Save dose change").click()
        page.get_by_text("Dose change saved.").wait_for()
    assert DoseChange.objects.filter(course__user=user).count() == 3
    j.check("course-detail")

    # Side effect --------------------------------------------------------------
    form = page.locator("#effect-form")
    form.get_by_label("Side effect").select_option("vivid_dreams")
    form.locator("label", has_text="1: mild").click()
    form.get_by_role("button", name="Save side effect").click()
    page.wait_for_load_state("load")
    assert SideEffect.objects.filter(course__user=user).count() == 1
    j.check("side-effect-saved")

    # Today's check-in by keyboard alone, from home -----------------------------
    page.goto(j.url("/"))
    presses = keyboard_check_in(page, user, j)
    print(f"{run}: {presses} key presses from home to today's saved check-in")
    assert presses <= MAX_KEY_PRESSES, f"{presses} key presses for 9 symptoms"
    page.wait_for_url(j.url("/"))
    entry = Entry.objects.get(user=user, date=today)
    assert entry.scores.count() == 9
    j.check("home-after-keyboard-check-in")

    # Yesterday by touch: "same as last time" copies today (the nearest day after)
    taps = touch_yesterday(page, user, j, phone=phone)
    print(f"{run}: {taps} taps from home to yesterday's saved check-in")
    assert taps <= MAX_TAPS, f"{taps} taps from home to a saved entry"
    yesterday_entry = Entry.objects.get(user=user, date=today - ONE_DAY)
    assert yesterday_entry.scores.count() == 9

    # A crash, from the check-in page ----------------------------------------------
    page.goto(j.url("/checkin/"))
    j.check("checkin-logged")
    page.get_by_test_id("log-crash").click()
    page.wait_for_url(j.url("/crashes/new/"))
    j.check("crash-form")
    page.get_by_label("Start date").fill((today - 2 * ONE_DAY).isoformat())
    page.locator("label", has_text="Moderate").click()
    page.get_by_label("Suspected trigger").select_option("physical")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(j.url("/crashes/"))
    assert Crash.objects.filter(user=user).count() == 1
    j.check("crashes")

    # Diary, trends, analysis ----------------------------------------------------
    page.goto(j.url("/entries/"))
    j.check("diary")
    page.goto(j.url("/trends/"))
    page.locator("canvas").first.wait_for()
    j.check("trends")
    page.goto(j.url("/analysis/"))
    j.check("analysis")

    # Research: a short default view, and filters ---------------------------------
    page.goto(j.url("/evidence/"))
    j.check("research")
    if phone:
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 6 * viewport["height"], f"research list {height}px tall"
    page.get_by_label("Relevance to ME/CFS").select_option("direct")
    page.get_by_role("button", name="Show studies").click()
    page.wait_for_url(re.compile(r".*relevance=direct.*"))
    first = page.get_by_test_id("study-item").first
    first.wait_for()
    end = first.evaluate("el => el.getBoundingClientRect().bottom + scrollY")
    assert end <= 6 * viewport["height"], f"first result ends at {end}px"
    j.check("research-filtered")

    # A PDF export ------------------------------------------------------------------
    page.goto(j.url("/exports/"))
    j.check("exports")
    page.locator("label", has_text="PDF").first.click()
    # Made in-process during the request (WeasyPrint): allow for a busy machine.
    page.get_by_role("button", name="Make the export").click(timeout=60_000)
    page.wait_for_url(j.url("/exports/"), timeout=60_000)
    assert "Your export is ready" in page.locator(".messages").inner_text()
    assert "queued" not in page.locator(".messages").inner_text()
    j.check("export-ready")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").first.click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert ExportJob.objects.get(user=user).status == ExportJob.Status.DONE

    # A share link, copied, opened by the doctor (logged out) ---------------------
    page.goto(j.url("/share/new/"))
    j.check("share-new")
    page.get_by_role("button", name="Make the link").click()
    share_url = page.get_by_test_id("share-url").input_value()
    # Built from the address this browser used, not a configured default.
    assert share_url.startswith(f"{j.base}/s/")
    page.get_by_role("button", name="Copy the link").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == share_url
    j.check("share-created")
    assert ShareLink.objects.filter(user=user).count() == 1

    doctor = make_page(viewport=viewport, color_scheme=scheme)
    doctor.goto(share_url)
    doctor.get_by_test_id("share-bar").wait_for()
    doctor_view = Journey(doctor, run, fresh=False)
    doctor_view.folder = j.folder
    doctor_view.step = 90
    doctor_view.check("doctor-share-page")
    background = doctor.evaluate("getComputedStyle(document.body).backgroundColor")
    if scheme == "dark":
        assert background != "rgb(255, 255, 255)", "doctor's page ignores dark mode"
    j.problems += doctor_view.problems

    # The service worker keeps static files only; log-out clears it and drafts ----
    cached = page.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert cached, "the service worker cached nothing"
    assert all("/static/" in url for url in cached), cached
    if phone:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    left = page.evaluate(
        """async () => [
            (await caches.keys()).filter(n => n.startsWith("ldn-static")),
            Object.keys(localStorage).filter(k => k.startsWith("ldn-draft")),
        ]"""
    )
    assert left == [[], []]
    j.check("logged-out")

    j.assert_clean()


def keyboard_check_in(page, user, journey) -> int:
    """Today's check-in from the home page with the keyboard alone; returns the
    number of key presses. Checks on the way that the focused control is never
    hidden (under the sticky Save bar or off screen)."""
    presses = 0
    symptoms = tracked(user)
    targets = [5, 6, 4, 5, 7, 3, 5, 6, 4]  # a middling day

    def press(key: str, *, navigates: bool = False) -> None:
        nonlocal presses
        page.keyboard.press(key)
        presses += 1
        if navigates:
            return
        covered = focus_is_covered(page)
        assert covered is None, f"after {key}: focused control is {covered}"

    def active() -> dict:
        return page.evaluate(
            """() => ({name: document.activeElement.name || "",
                       value: document.activeElement.value || "",
                       text: document.activeElement.textContent.trim()})"""
        )

    # Home: skip link, into the content, to "Do today's check-in".
    press("Tab")
    assert active()["text"] == "Skip to content"
    press("Enter")
    press("Tab")
    assert active()["text"] == "Do today's check-in"
    press("Enter", navigates=True)
    page.wait_for_url(journey.url("/checkin/"))
    journey.check("checkin-today")

    press("Tab")
    press("Enter")  # skip to content
    while active()["name"] != f"symptom_{symptoms[0].pk}":
        press("Tab")
        assert presses < 20, "Tab never reached the first score group"
    for index, (symptom, target) in enumerate(zip(symptoms, targets, strict=True)):
        state = active()
        assert state["name"] == f"symptom_{symptom.pk}"
        # Entered at the middle, since nothing is chosen yet.
        assert state["value"] == "5"
        if target == 5:
            press("Space")
        for _ in range(abs(target - 5)):
            press("ArrowRight" if target > 5 else "ArrowLeft")
        assert page.locator(
            f'input[name="symptom_{symptom.pk}"][value="{target}"]'
        ).is_checked()
        if index < len(symptoms) - 1:
            press("Tab")
    press("Enter", navigates=True)  # sends the form from the last score group
    return presses


def touch_yesterday(page, user, journey, *, phone: bool) -> int:
    """Yesterday's entry by touch from the home page, copying the nearest logged
    day; returns the number of taps."""
    taps = 0
    today = user.local_today()
    yesterday = today - ONE_DAY

    def tap(locator) -> None:
        nonlocal taps
        if phone:
            locator.tap()
        else:
            locator.click()
        taps += 1

    page.goto(journey.url("/"))
    tap(page.get_by_test_id("last-7-days").locator(f'a[href$="{yesterday}/"]'))
    page.wait_for_url(journey.url(f"/checkin/{yesterday}/"))
    journey.check("checkin-yesterday")
    same = page.get_by_test_id("same-as-last")
    assert today.strftime("%-d") in same.inner_text()  # offers today's answers
    tap(same)
    page.get_by_text("Filled in from your entry for").wait_for()
    journey.check("checkin-yesterday-prefilled")
    fatigue = tracked(user)[0]
    tap(page.locator(f'label:has(input[name="symptom_{fatigue.pk}"][value="8"])'))
    tap(page.get_by_role("button", name="Save", exact=True))
    page.wait_for_url(journey.url("/"))
    entry = Entry.objects.get(user=user, date=yesterday)
    assert entry.scores.get(symptom=fatigue).score == 8
    return taps
