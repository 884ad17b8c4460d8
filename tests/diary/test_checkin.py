import datetime

import pytest
from django.urls import reverse

from diary.models import Entry, Symptom, SymptomScore, TrackedSymptom
from tests.factories import EntryFactory, SymptomScoreFactory

pytestmark = pytest.mark.django_db


def active_symptoms(user):
    return [
        t.symptom for t in TrackedSymptom.objects.for_user(user).active().in_order()
    ]


def checkin_post(user, day=None, **extra):
    """A full check-in submission with every tracked symptom scored 5."""
    data = {"date": (day or user.local_today()).isoformat()}
    for symptom in active_symptoms(user):
        data[f"symptom_{symptom.pk}"] = "5"
    data.update(extra)
    return data


def test_owner_sees_todays_checkin_form(alice_client, alice):
    response = alice_client.get(reverse("diary:checkin"))
    assert response.status_code == 200
    for symptom in active_symptoms(alice):
        assert symptom.name in response.content.decode()
    assert "0 = none" in response.content.decode()
    assert "10 = worst imaginable" in response.content.decode()


def test_anonymous_is_redirected_to_login(anon_client):
    for url in [
        reverse("diary:checkin"),
        reverse("diary:checkin-date", args=[datetime.date(2026, 1, 1)]),
        reverse("diary:entry-list"),
        reverse("diary:entry-delete", args=[datetime.date(2026, 1, 1)]),
    ]:
        response = anon_client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_saving_a_checkin_stores_scores_and_leaves_unanswered_missing(
    alice_client, alice
):
    symptoms = active_symptoms(alice)
    data = {"date": alice.local_today().isoformat(), f"symptom_{symptoms[0].pk}": "7"}
    response = alice_client.post(reverse("diary:checkin"), data)
    assert response.status_code == 302
    entry = Entry.objects.get(user=alice)
    assert entry.date == alice.local_today()
    assert {s.symptom_id: s.score for s in entry.scores.all()} == {symptoms[0].pk: 7}
    # Unanswered optional fields are missing, never zero.
    assert entry.function_score is None
    assert entry.sleep_hours is None
    assert entry.physical_exertion is None


def test_zero_is_a_real_answer_distinct_from_unanswered(alice_client, alice):
    symptoms = active_symptoms(alice)
    data = {
        "date": alice.local_today().isoformat(),
        f"symptom_{symptoms[0].pk}": "0",
        f"symptom_{symptoms[1].pk}": "",
        "physical_exertion": "0",
    }
    alice_client.post(reverse("diary:checkin"), data)
    entry = Entry.objects.get(user=alice)
    assert {s.symptom_id: s.score for s in entry.scores.all()} == {symptoms[0].pk: 0}
    assert entry.physical_exertion == 0


def test_all_optional_fields_are_saved(alice_client, alice):
    data = checkin_post(
        alice,
        function_score="30",
        hours_upright="4.5",
        sleep_hours="9",
        sleep_quality="3",
        physical_exertion="2",
        cognitive_exertion="6",
        notes="Short walk to the post box.",
    )
    alice_client.post(reverse("diary:checkin"), data)
    entry = Entry.objects.get(user=alice)
    assert entry.function_score == 30
    assert str(entry.hours_upright) == "4.5"
    assert str(entry.sleep_hours) == "9.0"
    assert (entry.sleep_quality, entry.physical_exertion, entry.cognitive_exertion) == (
        3,
        2,
        6,
    )
    assert entry.notes == "Short walk to the post box."


def test_hours_accept_a_decimal_comma(alice_client, alice):
    alice_client.post(reverse("diary:checkin"), checkin_post(alice, sleep_hours="7,5"))
    assert str(Entry.objects.get(user=alice).sleep_hours) == "7.5"


@pytest.mark.parametrize("bad", ["11", "-1", "abc", "5.5", "<b>7</b>"])
def test_bad_symptom_score_is_rejected_and_typed_values_kept(alice_client, alice, bad):
    symptoms = active_symptoms(alice)
    data = checkin_post(alice, notes="kept text")
    data[f"symptom_{symptoms[0].pk}"] = bad
    response = alice_client.post(reverse("diary:checkin"), data)
    assert response.status_code == 200
    assert not Entry.objects.filter(user=alice).exists()
    page = response.content.decode()
    # The error names the field and the range.
    assert f"{symptoms[0].name}: choose a score from 0 to 10." in page
    assert "Select a valid choice" not in page
    assert "kept text" in page
    # The other answers stay selected.
    assert f'name="symptom_{symptoms[1].pk}" value="5"' in page
    assert 'value="5"' in page and "checked" in page


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("function_score", "35"),
        ("function_score", "110"),
        ("hours_upright", "25"),
        ("hours_upright", "-1"),
        ("sleep_hours", "abc"),
        ("sleep_quality", "11"),
        ("physical_exertion", "-1"),
        ("cognitive_exertion", "abc"),
    ],
)
def test_bad_optional_fields_are_rejected(alice_client, alice, field, bad):
    response = alice_client.post(
        reverse("diary:checkin"), checkin_post(alice, **{field: bad})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Entry.objects.filter(user=alice).exists()


def test_missing_date_is_rejected(alice_client, alice):
    data = checkin_post(alice)
    data["date"] = ""
    response = alice_client.post(reverse("diary:checkin"), data)
    assert response.status_code == 200
    assert "Date: choose a date." in response.content.decode()
    assert not Entry.objects.exists()


@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow", "99999-01-01"])
def test_impossible_dates_are_rejected(alice_client, alice, bad):
    response = alice_client.post(
        reverse("diary:checkin"), checkin_post(alice, date=bad)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"]
    assert not Entry.objects.exists()


def test_future_date_is_rejected_with_a_clear_message(alice_client, alice):
    tomorrow = alice.local_today() + datetime.timedelta(days=1)
    response = alice_client.post(
        reverse("diary:checkin"), checkin_post(alice, day=tomorrow, notes="typed")
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert "typed" in response.content.decode()
    assert not Entry.objects.exists()


def test_future_date_in_the_url_redirects_to_today(alice_client, alice):
    tomorrow = alice.local_today() + datetime.timedelta(days=1)
    response = alice_client.get(reverse("diary:checkin-date", args=[tomorrow]))
    assert response.status_code == 302
    assert response.url == reverse("diary:checkin")


def test_backfilling_a_past_day_is_allowed(alice_client, alice):
    day = alice.local_today() - datetime.timedelta(days=40)
    response = alice_client.post(
        reverse("diary:checkin-date", args=[day]), checkin_post(alice, day=day)
    )
    assert response.status_code == 302
    assert Entry.objects.get(user=alice).date == day


def test_second_entry_for_same_date_through_create_path_edits_the_first(
    alice_client, alice
):
    symptoms = active_symptoms(alice)
    alice_client.post(reverse("diary:checkin"), checkin_post(alice, notes="first"))
    data = checkin_post(alice, notes="second")
    data[f"symptom_{symptoms[0].pk}"] = "9"
    response = alice_client.post(reverse("diary:checkin"), data)
    assert response.status_code == 302
    entry = Entry.objects.get(user=alice)
    assert entry.notes == "second"
    assert entry.scores.get(symptom=symptoms[0]).score == 9
    assert SymptomScore.objects.filter(entry=entry).count() == len(symptoms)


def test_editing_keeps_scores_of_archived_symptoms(alice_client, alice):
    day = alice.local_today() - datetime.timedelta(days=3)
    symptom = active_symptoms(alice)[0]
    entry = EntryFactory(user=alice, date=day)
    SymptomScoreFactory(entry=entry, symptom=symptom, score=8)
    TrackedSymptom.objects.filter(user=alice, symptom=symptom).update(
        archived_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    page = alice_client.get(reverse("diary:checkin-date", args=[day]))
    assert symptom.name in page.content.decode()
    data = {"date": day.isoformat(), f"symptom_{symptom.pk}": "8", "notes": "edited"}
    alice_client.post(reverse("diary:checkin-date", args=[day]), data)
    assert entry.scores.get(symptom=symptom).score == 8


def test_existing_entry_is_shown_for_editing(alice_client, alice):
    day = alice.local_today() - datetime.timedelta(days=1)
    symptom = active_symptoms(alice)[0]
    entry = EntryFactory(user=alice, date=day, notes="Rested all day")
    SymptomScoreFactory(entry=entry, symptom=symptom, score=6)
    response = alice_client.get(reverse("diary:checkin-date", args=[day]))
    page = response.content.decode()
    assert "Rested all day" in page
    assert f'name="symptom_{symptom.pk}" value="6" ' in page
    field = response.context["form"][f"symptom_{symptom.pk}"]
    assert str(field.value()) == "6"


def test_same_as_last_time_fills_the_form_without_saving(alice_client, alice):
    symptoms = active_symptoms(alice)
    earlier = alice.local_today() - datetime.timedelta(days=2)
    entry = EntryFactory(user=alice, date=earlier, sleep_hours=6, notes="private")
    SymptomScoreFactory(entry=entry, symptom=symptoms[0], score=4)
    response = alice_client.get(reverse("diary:checkin") + "?prefill=last")
    form = response.context["form"]
    assert str(form[f"symptom_{symptoms[0].pk}"].value()) == "4"
    assert str(form["sleep_hours"].value()) == "6.0"
    assert not form["notes"].value()  # notes are never copied
    assert Entry.objects.filter(user=alice).count() == 1
    assert "nothing is saved until you do" in response.content.decode()


def test_same_as_last_time_button_is_offered_when_there_is_an_earlier_entry(
    alice_client, alice
):
    assert (
        "same-as-last"
        not in alice_client.get(reverse("diary:checkin")).content.decode()
    )
    EntryFactory(user=alice, date=alice.local_today() - datetime.timedelta(days=1))
    assert "same-as-last" in alice_client.get(reverse("diary:checkin")).content.decode()


def test_same_as_last_time_copies_the_nearest_day_before_else_after(
    alice_client, alice
):
    symptoms = active_symptoms(alice)
    today = alice.local_today()
    yesterday = today - datetime.timedelta(days=1)
    for offset, score in ((0, 3), (3, 9)):  # today, and a later day than 5 ago
        entry = EntryFactory(user=alice, date=today - datetime.timedelta(days=offset))
        SymptomScoreFactory(entry=entry, symptom=symptoms[0], score=score)
    # Yesterday, with today logged and 3 days ago logged: the day before wins.
    url = reverse("diary:checkin-date", args=[yesterday])
    form = alice_client.get(url + "?prefill=last").context["form"]
    assert str(form[f"symptom_{symptoms[0].pk}"].value()) == "9"
    # Five days ago, nothing earlier: the nearest day after (3 days ago).
    url = reverse("diary:checkin-date", args=[today - datetime.timedelta(days=5)])
    assert "same-as-last" in alice_client.get(url).content.decode()
    form = alice_client.get(url + "?prefill=last").context["form"]
    assert str(form[f"symptom_{symptoms[0].pk}"].value()) == "9"
    # Yesterday of a patient who only logged today: today is offered.
    Entry.objects.filter(date__lt=yesterday).delete()
    url = reverse("diary:checkin-date", args=[yesterday])
    form = alice_client.get(url + "?prefill=last").context["form"]
    assert str(form[f"symptom_{symptoms[0].pk}"].value()) == "3"


def test_hours_out_of_range_name_the_field_and_the_limit(alice_client, alice):
    response = alice_client.post(
        reverse("diary:checkin"),
        {"date": alice.local_today().isoformat(), "hours_upright": "25"},
    )
    html = response.content.decode()
    assert (
        "Hours upright (sitting up, standing or walking): enter a number of hours"
        in html
    )
    assert "from 0 to 24" in html
    assert "Ensure this value" not in html
    assert "<title>Error: " in html
    assert 'id="form-errors"' in html


def test_the_check_in_keeps_a_draft_per_date_and_offers_log_a_crash(
    alice_client, alice
):
    day = alice.local_today() - datetime.timedelta(days=2)
    html = alice_client.get(reverse("diary:checkin-date", args=[day])).content.decode()
    assert f'data-draft="checkin:{day.isoformat()}"' in html
    assert reverse("diary:crash-create") in html
    assert f'data-user="{alice.pk}"' in html


def test_oversized_notes_are_rejected_with_the_limit_and_kept(alice_client, alice):
    notes = "x" * 100_000
    response = alice_client.post(
        reverse("diary:checkin"), checkin_post(alice, notes=notes)
    )
    assert response.status_code == 200
    assert "Notes: at most 10,000 characters (you typed 100,000)." in (
        response.content.decode()
    )
    assert notes in response.content.decode()
    assert not Entry.objects.exists()


def test_notes_at_the_limit_are_stored_whole(alice_client, alice):
    notes = "é" * 10_000
    alice_client.post(reverse("diary:checkin"), checkin_post(alice, notes=notes))
    assert Entry.objects.get(user=alice).notes == notes


def test_html_in_notes_is_stored_as_typed_and_rendered_escaped(alice_client, alice):
    hostile = "<script>alert('x')</script>"
    alice_client.post(reverse("diary:checkin"), checkin_post(alice, notes=hostile))
    assert Entry.objects.get(user=alice).notes == hostile
    page = alice_client.get(reverse("diary:checkin")).content.decode()
    assert hostile not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_score_for_another_users_symptom_is_ignored(alice_client, alice, bob):
    bobs = Symptom.objects.create(owner=bob, name="Bob's private symptom")
    data = checkin_post(alice)
    data[f"symptom_{bobs.pk}"] = "7"
    alice_client.post(reverse("diary:checkin"), data)
    assert not SymptomScore.objects.filter(symptom=bobs).exists()


def test_other_user_cannot_see_or_delete_an_entry(bob_client, alice):
    day = alice.local_today() - datetime.timedelta(days=1)
    EntryFactory(user=alice, date=day, notes="alice's secret")
    # Bob's check-in page for that date is his own (empty) page, never Alice's.
    page = bob_client.get(reverse("diary:checkin-date", args=[day])).content.decode()
    assert "alice&#x27;s secret" not in page and "alice's secret" not in page
    assert bob_client.get(reverse("diary:entry-delete", args=[day])).status_code == 404
    assert bob_client.post(reverse("diary:entry-delete", args=[day])).status_code == 404
    assert Entry.objects.filter(user=alice, date=day).exists()
    listing = bob_client.get(reverse("diary:entry-list")).content.decode()
    assert "alice" not in listing


def test_owner_can_delete_an_entry_after_confirming(alice_client, alice):
    day = alice.local_today() - datetime.timedelta(days=1)
    EntryFactory(user=alice, date=day)
    confirm = alice_client.get(reverse("diary:entry-delete", args=[day]))
    assert confirm.status_code == 200
    assert Entry.objects.filter(user=alice).exists()
    response = alice_client.post(reverse("diary:entry-delete", args=[day]))
    assert response.status_code == 302
    assert not Entry.objects.filter(user=alice).exists()


def test_entry_list_shows_missing_days_as_not_logged(alice_client, alice):
    today = alice.local_today()
    EntryFactory(user=alice, date=today - datetime.timedelta(days=2))
    response = alice_client.get(reverse("diary:entry-list"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["day"] for r in rows] == [
        today - datetime.timedelta(days=i) for i in range(3)
    ]
    assert [r["entry"] is not None for r in rows] == [False, False, True]
    assert response.content.decode().count("Not logged") == 2


def test_entry_list_bad_page_number_falls_back(alice_client):
    assert (
        alice_client.get(reverse("diary:entry-list") + "?page=abc").status_code == 200
    )
    assert (
        alice_client.get(reverse("diary:entry-list") + "?page=99999").status_code == 200
    )


def test_oversized_request_body_is_refused_without_saving(
    alice_client, alice, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000
    data = checkin_post(alice, notes="y" * 300_000)
    response = alice_client.post(reverse("diary:checkin"), data)
    assert response.status_code == 400
    assert not Entry.objects.exists()


def test_checkin_post_runs_a_fixed_number_of_statements(alice_client, alice):
    """The web check-in goes through ``services.entry_upsert`` (with its
    savepoint, being its own transaction here): a new day and an edit each
    take the same few statements however many symptoms are scored."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for score in ("5", "6"):
        data = checkin_post(alice)
        for key in data:
            if key.startswith("symptom_"):
                data[key] = score
        with CaptureQueriesContext(connection) as ctx:
            response = alice_client.post(reverse("diary:checkin"), data)
        assert response.status_code == 302
        counts.append(len(ctx.captured_queries))
    assert {s.score for s in SymptomScore.objects.filter(entry__user=alice)} == {6}
    # SAVEPOINT and RELEASE included (inside the test's transaction; in
    # production they are the request's BEGIN and COMMIT, not captured).
    # A new day, then an edit of it (which reads its scores too); each ends
    # with one upsert of the week's and month's totals (diary.rollups).
    assert counts == [11, 14]
