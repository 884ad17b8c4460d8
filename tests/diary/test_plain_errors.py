"""Issue 10: every form a patient fills in says, in plain words, which field is
wrong and what the limit is, instead of Django's default messages."""

import datetime

import pytest
from django import forms
from django.urls import reverse

from accounts.forms import SettingsForm
from diary.exports.forms import ExportForm
from diary.forms.analysis import AnalysisForm
from diary.forms.checkin import CheckinForm
from diary.forms.crashes import CrashForm
from diary.forms.symptoms import SymptomAddForm, SymptomMoveForm
from diary.forms.treatments import (
    CourseCreateForm,
    DoseChangeForm,
    MedicationForm,
    MissedDoseForm,
    SideEffectForm,
)
from diary.forms.trends import TrendsRangeForm
from diary.models import Entry
from diary.sharing.forms import AccessCodeForm, ShareLinkForm

DJANGO_DEFAULTS = (
    "Ensure this value",
    "This field is required",
    "Enter a valid",
    "Select a valid choice",
    "Enter a number.",
    "Enter a whole number.",
    "Null characters are not allowed",
)

TODAY = datetime.date(2026, 3, 1)


def _forms(user):
    """Every patient form, as a factory taking the posted data."""
    return {
        "checkin": lambda d: CheckinForm(d, symptoms=[], today=TODAY),
        "crash": lambda d: CrashForm(d, today=TODAY),
        "course": lambda d: CourseCreateForm(d, today=TODAY),
        "dose change": lambda d: DoseChangeForm(d, today=TODAY),
        "missed dose": lambda d: MissedDoseForm(d, today=TODAY),
        "side effect": lambda d: SideEffectForm(d, today=TODAY),
        "medication": lambda d: MedicationForm(d, today=TODAY),
        "symptom": SymptomAddForm,
        "symptom move": SymptomMoveForm,
        "trends range": lambda d: TrendsRangeForm(d, user=user),
        "analysis": AnalysisForm,
        "export": lambda d: ExportForm(d, user=user),
        "share link": lambda d: ShareLinkForm(d, user=user),
        "access code": AccessCodeForm,
        "settings": SettingsForm,
    }


@pytest.mark.parametrize(
    ("form_name", "data", "field", "expected"),
    [
        ("checkin", {"date": ""}, "date", "Date: choose a date."),
        ("checkin", {"date": "2026-02-31"}, "date", "Date: enter a real date"),
        (
            "checkin",
            {"date": "2026-02-01", "sleep_quality": "12"},
            "sleep_quality",
            "Sleep quality: choose a score from 0 to 10.",
        ),
        (
            "checkin",
            {"date": "2026-02-01", "notes": "x" * 100_000},
            "notes",
            "Notes: at most 10,000 characters (you typed 100,000).",
        ),
        (
            "checkin",
            {"date": "2026-02-01", "sleep_hours": "abc"},
            "sleep_hours",
            "Hours of sleep: enter a number, for example 1.5",
        ),
        ("crash", {}, "severity", "Severity: choose one."),
        (
            "crash",
            {"severity": "9"},
            "severity",
            "Severity: choose a score from 1 to 4",
        ),
        (
            "crash",
            {"trigger": "<b>x</b>"},
            "trigger",
            "Suspected trigger: choose one of the options shown.",
        ),
        (
            "course",
            {"strength": "9" * 41},
            "strength",
            "Strength: at most 40 characters (you typed 41).",
        ),
        (
            "dose change",
            {"dose-dose_mg": "abc"},
            "dose_mg",
            "Dose (mg): enter a number",
        ),
        ("missed dose", {}, "date", "Date: choose a date."),
        ("side effect", {}, "kind", "Side effect: choose one."),
        ("medication", {}, "name", "Name: fill this in."),
        (
            "medication",
            {"name": "n" * 1_200},
            "name",
            "Name: at most 120 characters (you typed 1,200).",
        ),
        (
            "symptom",
            {"name": "s" * 81},
            "name",
            "Name of the symptom: at most 80 characters (you typed 81).",
        ),
        ("trends range", {"start": "31/31/2026"}, "start", "YYYY-MM-DD"),
        ("analysis", {"baseline_weeks": "999"}, "baseline_weeks", "Weeks before LDN"),
        (
            "settings",
            {"time_zone": "UTC", "display_name": "d" * 81},
            "display_name",
            "Display name (optional): at most 80 characters (you typed 81).",
        ),
    ],
)
def test_message_names_the_field_and_the_limit(alice, form_name, data, field, expected):
    form = _forms(alice)[form_name](data)
    assert not form.is_valid()
    messages = form.errors[field]
    assert any(expected in message for message in messages), messages


# Hostile and out-of-range values typed into every field of every form.
BAD_VALUES = ["", "zzz", "-5", "99999999", "1e3", "x" * 100_001, "a\x00b", "<b>1</b>"]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=range(len(BAD_VALUES)))
@pytest.mark.parametrize(
    "form_name",
    [
        "checkin",
        "crash",
        "course",
        "dose change",
        "missed dose",
        "side effect",
        "medication",
        "symptom",
        "symptom move",
        "trends range",
        "analysis",
        "export",
        "share link",
        "access code",
        "settings",
    ],
)
def test_no_django_default_message_reaches_a_patient(alice, form_name, bad):
    factory = _forms(alice)[form_name]
    blank = factory(None)
    data: dict = {}
    for name, field in blank.fields.items():
        key = blank.add_prefix(name)
        if isinstance(field, forms.MultipleChoiceField):
            data[key] = [bad]
        else:
            data[key] = bad
    form = factory(data)
    for name, messages in form.errors.items():
        for message in messages:
            for phrase in DJANGO_DEFAULTS:
                assert phrase not in message, (name, message)


def test_what_was_typed_is_kept_with_the_plain_message(alice_client, alice):
    response = alice_client.post(
        reverse("diary:checkin"),
        {
            "date": alice.local_today().isoformat(),
            "sleep_hours": "99",
            "sleep_quality": "12",
            "notes": "my own words",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sleep quality: choose a score from 0 to 10." in page
    assert (
        "Hours of sleep: enter a number of hours from 0 to 24, for example 7.5." in page
    )
    assert 'value="99"' in page
    assert "my own words" in page
    # The summary at the top links the label once, not "Notes: Notes: ...".
    assert "Sleep quality</a>: Choose a score from 0 to 10." in page
    assert not Entry.objects.filter(user=alice).exists()
