"""LenientDecimalField: a decimal comma or point, never anything looser."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError

from diary.forms.fields import LenientDecimalField, add_service_errors


def hours_field(**kwargs):
    return LenientDecimalField(max_digits=3, decimal_places=1, **kwargs)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.5", Decimal("1.5")),
        ("1,5", Decimal("1.5")),
        (" 2,5 ", Decimal("2.5")),
        ("7", Decimal("7")),
        (",5", Decimal("0.5")),
        ("12.", Decimal("12")),
        ("-1,5", Decimal("-1.5")),
    ],
)
def test_point_or_single_comma_is_read_as_decimal_separator(typed, expected):
    assert hours_field().clean(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "1,5,3",
        "1.000,5",
        "1,000.5",
        "abc",
        "1.5.3",
        "1e3",
        "1_000",
        "NaN",
        "inf",
        ",",
        "1 5",
    ],
)
def test_garbage_is_rejected_with_a_clear_message(typed):
    with pytest.raises(ValidationError) as caught:
        hours_field().clean(typed)
    assert caught.value.messages == ["Enter a number, for example 1.5 (1,5 works too)."]


def test_empty_value_is_none_when_optional():
    field = hours_field(required=False)
    assert field.clean("") is None
    assert field.clean("   ") is None
    assert field.clean(None) is None


def test_empty_value_is_required_by_default():
    with pytest.raises(ValidationError) as caught:
        hours_field().clean("")
    assert caught.value.code == "required"


def test_decimal_places_are_enforced_after_reading_the_comma():
    with pytest.raises(ValidationError) as caught:
        hours_field().clean("1,25")
    assert caught.value.error_list[0].code == "max_decimal_places"


def test_max_digits_is_enforced():
    with pytest.raises(ValidationError) as caught:
        hours_field().clean("123,4")
    assert "max_digits" in {e.code for e in caught.value.error_list}


def test_min_and_max_value_work_as_on_decimal_field():
    field = hours_field(min_value=Decimal("0"), max_value=Decimal("24"))
    assert field.clean("24,0") == Decimal("24")
    with pytest.raises(ValidationError):
        field.clean("24,1")
    with pytest.raises(ValidationError):
        field.clean("-0,5")


def test_custom_error_messages_replace_the_defaults():
    field = hours_field(error_messages={"max_decimal_places": "Use 0.1 steps."})
    with pytest.raises(ValidationError) as caught:
        field.clean("1.25")
    assert caught.value.messages == ["Use 0.1 steps."]


def test_decimal_and_int_values_pass_through():
    assert hours_field().clean(Decimal("2.5")) == Decimal("2.5")
    assert hours_field().clean(3) == Decimal("3")


def test_non_finite_decimal_is_rejected():
    with pytest.raises(ValidationError):
        hours_field().clean(Decimal("NaN"))


def test_widget_is_a_text_box_with_a_decimal_keypad():
    class HoursForm(forms.Form):
        hours = hours_field()

    html = str(HoursForm()["hours"])
    assert 'type="text"' in html
    assert 'inputmode="decimal"' in html
    assert 'type="number"' not in html


def test_bound_form_redisplays_what_was_typed():
    class HoursForm(forms.Form):
        hours = hours_field()

    form = HoursForm({"hours": "1,5,3"})
    assert not form.is_valid()
    assert 'value="1,5,3"' in str(form["hours"])


class _DoseForm(forms.Form):
    date = forms.DateField()
    first_dose_mg = hours_field(required=False)


def test_service_errors_land_on_the_matching_field():
    form = _DoseForm({"date": "2026-01-01", "first_dose_mg": "1"})
    assert form.is_valid()
    add_service_errors(
        form,
        ValidationError({"dose_mg": "Too much.", "date": "Too late."}),
        rename={"dose_mg": "first_dose_mg"},
    )
    assert form.errors["first_dose_mg"] == ["Too much."]
    assert form.errors["date"] == ["Too late."]


def test_service_errors_about_unknown_fields_are_not_lost():
    form = _DoseForm({"date": "2026-01-01"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"course": "Gone.", "__all__": "Clash."}))
    assert form.non_field_errors() == ["Gone.", "Clash."]


def test_service_error_without_fields_becomes_a_form_error():
    form = _DoseForm({"date": "2026-01-01"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("Something is wrong."))
    assert form.non_field_errors() == ["Something is wrong."]
