"""Nothing typed is lost: drafts in a real Chromium on a 390 px phone.

A half-done check-in survives a reload, a leave-page attempt (the browser asks
first), an expired session (log in again and it comes back, with a message),
and a form sent without cookies (a plain page instead of Django's CSRF error).
Saving clears the draft. Errors move focus to the summary and say "Error:" in
the title.

Run with:
SECRET_KEY=test .venv/bin/python -m pytest tests/e2e/test_drafts_browser.py -m browser
"""

import datetime
import re

import pytest
from django.contrib.sessions.models import Session

from diary.models import Entry, SymptomScore, TrackedSymptom
from tests.e2e.test_journey_browser import axe_violations
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
NOTES = "Woke at 4, walked to the post box: too far."


def symptoms_of(user):
    return [t.symptom for t in TrackedSymptom.objects.for_user(user).in_order()]


def button(page, symptom, score):
    return page.locator(
        f'label:has(input[name="symptom_{symptom.pk}"][value="{score}"])'
    )


def checked(page, symptom, score) -> bool:
    return page.locator(
        f'input[name="symptom_{symptom.pk}"][value="{score}"]'
    ).is_checked()


def drafts(page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('ldn-draft'))"
    )


def start_a_check_in(page, first, second):
    button(page, first, 7).tap()
    button(page, second, 2).tap()
    page.get_by_label("Notes").fill(NOTES)


def test_draft_survives_a_reload_and_an_expired_session(signed_in_page, alice):
    first, second = symptoms_of(alice)[:2]
    page = signed_in_page(alice, **PHONE)
    base = page.live_server_url
    page.goto(f"{base}/checkin/")
    start_a_check_in(page, first, second)

    # Reload half-way: everything comes back, with a word about it.
    page.reload()
    assert page.get_by_test_id("draft-restored").is_visible()
    assert checked(page, first, 7) and checked(page, second, 2)
    assert page.get_by_label("Notes").input_value() == NOTES
    assert len(drafts(page)) == 1
    assert not Entry.objects.filter(user=alice).exists()

    # Close the tab and open the check-in in a new one: still there.
    context = page.context
    page.close(run_before_unload=False)
    page = context.new_page()
    page.expected_console_errors = []
    page.goto(f"{base}/checkin/")
    assert page.get_by_test_id("draft-restored").is_visible()
    assert checked(page, first, 7) and page.get_by_label("Notes").input_value() == NOTES

    # Leaving the page while unsaved: the browser asks first.
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_role("link", name="← Day before").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url == f"{base}/checkin/"
    page.remove_listener("dialog", on_dialog)

    # The session expires (deleted on the server); Save leads to the log-in page.
    Session.objects.all().delete()
    page.get_by_role("button", name="Save", exact=True).tap()
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=/checkin/"))
    assert page.get_by_test_id("login-to-continue").is_visible()
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()

    # Back on the check-in, with what was typed and a message saying so.
    page.wait_for_url(f"{base}/checkin/")
    assert page.get_by_test_id("draft-restored").is_visible()
    assert checked(page, first, 7) and checked(page, second, 2)
    assert page.get_by_label("Notes").input_value() == NOTES
    page.get_by_role("button", name="Save", exact=True).tap()
    page.wait_for_url(f"{base}/")

    entry = Entry.objects.get(user=alice, date=alice.local_today())
    assert entry.notes == NOTES
    scores = dict(
        SymptomScore.objects.filter(entry=entry).values_list("symptom_id", "score")
    )
    assert scores == {first.pk: 7, second.pk: 2}
    assert drafts(page) == []  # saved: the draft is gone


def test_a_form_sent_without_cookies_gets_a_plain_page_and_keeps_the_draft(
    signed_in_page, alice
):
    first, second = symptoms_of(alice)[:2]
    day = alice.local_today() - datetime.timedelta(days=3)
    page = signed_in_page(alice, **PHONE)
    base = page.live_server_url
    page.goto(f"{base}/checkin/{day}/")
    start_a_check_in(page, first, second)

    page.expected_console_errors.append("status of 403 (Forbidden)")
    page.context.clear_cookies()
    page.get_by_role("button", name="Save", exact=True).tap()
    page.get_by_role("heading", name="Your form was not sent").wait_for()
    assert page.title().startswith("Error:")
    assert "Nothing you typed is lost" in page.inner_text("main")
    assert axe_violations(page) == []
    assert page.evaluate("document.activeElement.id") == "form-errors"

    page.get_by_test_id("back-to-form").tap()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()
    page.wait_for_url(f"{base}/checkin/{day}/")
    assert page.get_by_test_id("draft-restored").is_visible()
    assert checked(page, first, 7) and page.get_by_label("Notes").input_value() == NOTES
    assert not Entry.objects.filter(user=alice).exists()


def test_errors_take_focus_say_error_in_the_title_and_name_the_limit(
    signed_in_page, alice
):
    page = signed_in_page(alice, **PHONE)
    page.goto(f"{page.live_server_url}/checkin/")
    page.get_by_text("More about today (optional)").tap()
    page.get_by_label("Hours of sleep").fill("25")
    page.get_by_role("button", name="Save", exact=True).tap()
    page.locator("#form-errors").wait_for()
    assert page.title().startswith("Error:")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    summary = page.locator("#form-errors").inner_text()
    assert "Hours of sleep: Enter a number of hours from 0 to 24" in summary
    assert "Ensure this value" not in summary
    assert page.get_by_label("Hours of sleep").input_value() == "25"
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path, field",
    [("/crashes/new/", "Notes"), ("/treatments/medications/new/", "Name")],
)
def test_other_diary_forms_keep_a_draft_too(signed_in_page, alice, path, field):
    page = signed_in_page(alice, **PHONE)
    page.goto(f"{page.live_server_url}{path}")
    page.get_by_label(field, exact=True).fill("Typed before the reload")
    page.reload()
    assert page.get_by_test_id("draft-restored").is_visible()
    assert page.get_by_label(field, exact=True).input_value() == (
        "Typed before the reload"
    )
    # "Discard what I typed" empties the form without asking to leave.
    page.get_by_role("button", name="Discard what I typed").tap()
    page.wait_for_load_state("load")
    assert page.get_by_label(field, exact=True).input_value() == ""
    assert drafts(page) == []
