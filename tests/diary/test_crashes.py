"""Crash (post-exertional malaise) pages: list, create, edit, delete."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from diary.models import Crash
from tests.factories import CrashFactory

pytestmark = pytest.mark.django_db

LONG_NOTES = "x" * 100_000  # about 100 kB


def days_ago(user, n):
    return user.local_today() - datetime.timedelta(days=n)


def crash_data(user, **overrides):
    data = {
        "start_date": days_ago(user, 3).isoformat(),
        "end_date": days_ago(user, 1).isoformat(),
        "severity": "2",
        "trigger": "physical",
        "notes": "Walked to the shop.",
    }
    data.update(overrides)
    return data


def snapshot(crash):
    crash.refresh_from_db()
    return (
        crash.start_date,
        crash.end_date,
        crash.severity,
        crash.trigger,
        crash.notes,
    )


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.fixture
def crash(alice):
    return CrashFactory(
        user=alice,
        start_date=days_ago(alice, 10),
        end_date=days_ago(alice, 8),
        severity=Crash.Severity.MODERATE,
        notes="Original notes",
    )


# ---------------------------------------------------------------- anonymous


@pytest.mark.parametrize(
    ("name", "needs_crash"),
    [
        ("crash-list", False),
        ("crash-create", False),
        ("crash-edit", True),
        ("crash-delete", True),
    ],
)
def test_anonymous_visitor_is_sent_to_log_in(anon_client, crash, name, needs_crash):
    args = [crash.uuid] if needs_crash else []
    url = reverse(f"diary:{name}", args=args)
    assert_login_redirect(anon_client.get(url))
    assert_login_redirect(anon_client.post(url, crash_data(crash.user)))
    assert Crash.objects.filter(pk=crash.pk).exists()
    assert Crash.objects.count() == 1


# --------------------------------------------------------------------- list


def test_list_shows_ongoing_first_then_newest(alice_client, alice):
    old = CrashFactory(
        user=alice, start_date=days_ago(alice, 40), end_date=days_ago(alice, 38)
    )
    newer = CrashFactory(
        user=alice, start_date=days_ago(alice, 12), end_date=days_ago(alice, 11)
    )
    ongoing = CrashFactory(user=alice, start_date=days_ago(alice, 30), end_date=None)
    response = alice_client.get(reverse("diary:crash-list"))
    assert response.status_code == 200
    assert [row["crash"] for row in response.context["rows"]] == [ongoing, newer, old]


def test_ongoing_crash_counts_days_to_local_today(alice_client, alice):
    CrashFactory(user=alice, start_date=days_ago(alice, 2), end_date=None)
    response = alice_client.get(reverse("diary:crash-list"))
    assert "ongoing, day 3" in response.content.decode()


def test_ended_crash_shows_its_length_in_days(alice_client, alice):
    CrashFactory(
        user=alice, start_date=days_ago(alice, 10), end_date=days_ago(alice, 7)
    )
    CrashFactory(user=alice, start_date=days_ago(alice, 3), end_date=days_ago(alice, 3))
    content = alice_client.get(reverse("diary:crash-list")).content.decode()
    assert "4 days" in content
    assert "1 day<" in content


@time_machine.travel(datetime.datetime(2026, 1, 10, 2, 0, tzinfo=datetime.UTC))
def test_day_count_uses_the_users_time_zone_not_the_servers(bob_client, bob):
    # 02:00 UTC on 10 January is still 9 January in New York.
    CrashFactory(user=bob, start_date=datetime.date(2026, 1, 9), end_date=None)
    content = bob_client.get(reverse("diary:crash-list")).content.decode()
    assert "ongoing, day 1" in content


def test_list_shows_only_own_crashes(alice_client, bob):
    CrashFactory(user=bob, notes="Bob's secret crash")
    response = alice_client.get(reverse("diary:crash-list"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Bob&#x27;s secret crash" not in response.content.decode()


def test_empty_list_says_so(alice_client):
    response = alice_client.get(reverse("diary:crash-list"))
    assert "No crashes logged yet." in response.content.decode()


def test_script_in_notes_is_escaped_on_the_list(alice_client, alice):
    CrashFactory(user=alice, notes="<script>alert(1)</script>")
    content = alice_client.get(reverse("diary:crash-list")).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# ------------------------------------------------------------------- create


def test_create_page_offers_local_today_as_start(alice_client, alice):
    response = alice_client.get(reverse("diary:crash-create"))
    assert response.status_code == 200
    assert f'value="{alice.local_today().isoformat()}"' in response.content.decode()
    assert "Leave empty while the crash is ongoing." in response.content.decode()


def test_owner_can_log_a_crash(alice_client, alice):
    response = alice_client.post(reverse("diary:crash-create"), crash_data(alice))
    assert response.status_code == 302
    assert response.url == reverse("diary:crash-list")
    crash = Crash.objects.get(user=alice)
    assert crash.start_date == days_ago(alice, 3)
    assert crash.end_date == days_ago(alice, 1)
    assert crash.severity == 2
    assert crash.trigger == "physical"
    assert crash.notes == "Walked to the shop."


def test_ongoing_crash_can_be_logged_without_end_date(alice_client, alice):
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, end_date="")
    )
    assert response.status_code == 302
    assert Crash.objects.get(user=alice).end_date is None


def test_end_before_start_is_rejected(alice_client, alice):
    data = crash_data(
        alice,
        start_date=days_ago(alice, 2).isoformat(),
        end_date=days_ago(alice, 5).isoformat(),
    )
    response = alice_client.post(reverse("diary:crash-create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The end date cannot be before the start date." in content
    assert f'value="{days_ago(alice, 5).isoformat()}"' in content
    assert "Walked to the shop." in content
    assert not Crash.objects.exists()


def test_future_start_date_is_rejected(alice_client, alice):
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("diary:crash-create"),
        crash_data(alice, start_date=tomorrow, end_date=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == [
        "This date is in the future. You can log today or earlier days."
    ]
    assert f'value="{tomorrow}"' in response.content.decode()
    assert not Crash.objects.exists()


def test_future_end_date_is_rejected(alice_client, alice):
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, end_date=tomorrow)
    )
    assert response.status_code == 200
    assert "end_date" in response.context["form"].errors
    assert "This date is in the future" in response.content.decode()
    assert not Crash.objects.exists()


@pytest.mark.parametrize("severity", ["0", "5", "99", "-1", "severe", ""])
def test_severity_out_of_range_is_rejected(alice_client, alice, severity):
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, severity=severity)
    )
    assert response.status_code == 200
    assert "severity" in response.context["form"].errors
    assert not Crash.objects.exists()


def test_unknown_trigger_is_rejected(alice_client, alice):
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, trigger="aliens")
    )
    assert response.status_code == 200
    assert "trigger" in response.context["form"].errors
    assert not Crash.objects.exists()


def test_malformed_date_is_rejected(alice_client, alice):
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, start_date="31/02/2026")
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert 'value="31/02/2026"' in response.content.decode()
    assert not Crash.objects.exists()


def test_100_kb_of_notes_is_rejected_naming_the_limit_and_kept(alice_client, alice):
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, notes=LONG_NOTES)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Notes: at most 10,000 characters (you typed 100,000)." in content
    assert LONG_NOTES in content
    assert not Crash.objects.exists()


def test_notes_at_the_limit_are_accepted(alice_client, alice):
    notes = "y" * 10_000
    response = alice_client.post(
        reverse("diary:crash-create"), crash_data(alice, notes=notes)
    )
    assert response.status_code == 302
    assert Crash.objects.get(user=alice).notes == notes


def test_script_in_notes_is_escaped_when_redisplayed(alice_client, alice):
    response = alice_client.post(
        reverse("diary:crash-create"),
        crash_data(alice, severity="9", notes="<script>alert(1)</script>"),
    )
    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_get_on_create_saves_nothing(alice_client):
    alice_client.get(reverse("diary:crash-create"))
    assert not Crash.objects.exists()


# --------------------------------------------------------------------- edit


def test_edit_page_shows_the_saved_values(alice_client, crash):
    response = alice_client.get(reverse("diary:crash-edit", args=[crash.uuid]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'value="{crash.start_date.isoformat()}"' in content
    assert "Original notes" in content
    assert reverse("diary:crash-delete", args=[crash.uuid]) in content


def test_owner_can_end_an_ongoing_crash(alice_client, alice):
    crash = CrashFactory(user=alice, start_date=days_ago(alice, 4), end_date=None)
    data = crash_data(
        alice,
        start_date=days_ago(alice, 4).isoformat(),
        end_date=days_ago(alice, 1).isoformat(),
        severity="3",
    )
    response = alice_client.post(reverse("diary:crash-edit", args=[crash.uuid]), data)
    assert response.status_code == 302
    crash.refresh_from_db()
    assert crash.end_date == days_ago(alice, 1)
    assert crash.severity == 3


def test_bad_edit_keeps_the_saved_crash_unchanged(alice_client, alice, crash):
    before = snapshot(crash)
    tomorrow = (alice.local_today() + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(
        reverse("diary:crash-edit", args=[crash.uuid]),
        crash_data(alice, end_date=tomorrow, notes="Changed my mind"),
    )
    assert response.status_code == 200
    assert "end_date" in response.context["form"].errors
    assert "Changed my mind" in response.content.decode()
    assert snapshot(crash) == before


def test_too_long_notes_on_edit_keep_the_saved_notes(alice_client, alice, crash):
    before = snapshot(crash)
    response = alice_client.post(
        reverse("diary:crash-edit", args=[crash.uuid]),
        crash_data(alice, notes=LONG_NOTES),
    )
    assert response.status_code == 200
    assert (
        "Notes: at most 10,000 characters (you typed 100,000)."
        in response.content.decode()
    )
    assert snapshot(crash) == before


def test_other_user_gets_404_on_edit(bob_client, alice, crash):
    before = snapshot(crash)
    url = reverse("diary:crash-edit", args=[crash.uuid])
    assert bob_client.get(url).status_code == 404
    assert (
        bob_client.post(url, crash_data(alice, notes="Bob was here")).status_code == 404
    )
    assert snapshot(crash) == before


def test_unknown_crash_is_404(alice_client):
    url = reverse("diary:crash-edit", args=["00000000-0000-0000-0000-000000000000"])
    assert alice_client.get(url).status_code == 404


# ------------------------------------------------------------------- delete


def test_delete_asks_first_and_get_deletes_nothing(alice_client, crash):
    response = alice_client.get(reverse("diary:crash-delete", args=[crash.uuid]))
    assert response.status_code == 200
    assert "Delete this crash?" in response.content.decode()
    assert Crash.objects.filter(pk=crash.pk).exists()


def test_owner_can_delete_a_crash(alice_client, crash):
    response = alice_client.post(reverse("diary:crash-delete", args=[crash.uuid]))
    assert response.status_code == 302
    assert response.url == reverse("diary:crash-list")
    assert not Crash.objects.filter(pk=crash.pk).exists()


def test_other_user_gets_404_on_delete(bob_client, crash):
    url = reverse("diary:crash-delete", args=[crash.uuid])
    assert bob_client.get(url).status_code == 404
    assert bob_client.post(url).status_code == 404
    assert Crash.objects.filter(pk=crash.pk).exists()


# -------------------------------------------------------------- query count


def test_list_query_count_does_not_grow_with_crashes(
    alice_client, alice, django_assert_num_queries
):
    url = reverse("diary:crash-list")
    CrashFactory(user=alice)
    alice_client.get(url)  # warm up anything cached per process
    with django_assert_num_queries(3) as small:
        alice_client.get(url)
    CrashFactory.create_batch(30, user=alice)
    with django_assert_num_queries(len(small.captured_queries)):
        response = alice_client.get(url)
    assert len(response.context["rows"]) == 31
