"""Daily check-in reminders: who is due (in their own time zone), sending at most
once a day across retries, the one-click unsubscribe link, and the reminder
fields of the settings page. Celery runs in-process here; the real worker is in
tests/services/test_reminder_worker.py."""

import datetime
import re
import smtplib
from decimal import Decimal

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from config.celery import app as celery_app
from diary.models import TrackedSymptom
from diary.reminders import services, tasks
from diary.reminders.models import ReminderDelivery
from diary.services import symptoms_track_defaults
from tests.factories import (
    CrashFactory,
    DoseChangeFactory,
    EntryFactory,
    SymptomFactory,
    SymptomScoreFactory,
    TrackedSymptomFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SITE = "https://diary.example.org"
SEVEN_PM = datetime.time(19, 0)

# 19:00 on Thursday 15 January 2026 in Auckland (NZDT, UTC+13) ...
AUCKLAND_7PM = datetime.datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
# ... and in Los Angeles (PST, UTC-8), which is already the 16th in UTC.
LOS_ANGELES_7PM = datetime.datetime(2026, 1, 16, 3, 0, tzinfo=UTC)
JAN_15 = datetime.date(2026, 1, 15)
ONE_MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _in_process_celery():
    """Run tasks in-process even when REDIS_URL is set (make test-services)."""
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = True
    conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def opted_in(time_zone: str, *, at: datetime.time = SEVEN_PM, **extra):
    return UserFactory(
        time_zone=time_zone, reminder_enabled=True, reminder_time=at, **extra
    )


def due_pairs(now):
    return {
        (user.email, day) for user, day in services.reminders_due_with_dates(now=now)
    }


def unsubscribe_path(user) -> str:
    return reverse(
        "diary:reminder-unsubscribe",
        kwargs={"token": services.unsubscribe_token(user=user)},
    )


def stored_reminder(user):
    user.refresh_from_db()
    return (user.reminder_enabled, user.reminder_time)


class FlakyBackend(LocmemBackend):
    """The mail server drops the connection on the first ``failures`` sends."""

    failures = 1
    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.attempts <= FlakyBackend.failures:
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return super().send_messages(messages)


@pytest.fixture
def eager_retries():
    """In-process, Celery retries a task only when errors do not propagate."""
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def flaky_mail(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.diary.test_reminders.FlakyBackend"
    FlakyBackend.attempts = 0
    FlakyBackend.failures = 1
    return FlakyBackend


# --------------------------------------------------------------- who is due


class TestWhoIsDue:
    def test_auckland_user_is_due_at_seven_pm_auckland_time_not_before(self):
        user = opted_in("Pacific/Auckland")

        assert due_pairs(AUCKLAND_7PM - ONE_MINUTE) == set()
        assert due_pairs(AUCKLAND_7PM) == {(user.email, JAN_15)}
        assert due_pairs(AUCKLAND_7PM + datetime.timedelta(hours=4)) == {
            (user.email, JAN_15)
        }

    def test_los_angeles_user_is_due_at_seven_pm_los_angeles_time_not_before(self):
        user = opted_in("America/Los_Angeles")

        assert due_pairs(LOS_ANGELES_7PM - ONE_MINUTE) == set()
        # It is the 16th in UTC, but the reminder is for the 15th, their today.
        assert due_pairs(LOS_ANGELES_7PM) == {(user.email, JAN_15)}

    def test_after_local_midnight_a_new_day_starts_not_due_until_seven(self):
        opted_in("Pacific/Auckland")
        # 00:30 on the 16th in Auckland: the 15th is over, the 16th not yet due.
        just_after_midnight = datetime.datetime(2026, 1, 15, 11, 30, tzinfo=UTC)

        assert due_pairs(just_after_midnight) == set()

    def test_each_user_is_due_by_their_own_clock(self):
        auckland = opted_in("Pacific/Auckland")
        los_angeles = opted_in("America/Los_Angeles")
        london = opted_in("Europe/London")

        # 06:00 UTC: 19:00 on the 15th in Auckland, 22:00 on the 14th in Los
        # Angeles, 06:00 on the 15th in London.
        assert due_pairs(AUCKLAND_7PM) == {
            (auckland.email, JAN_15),
            (los_angeles.email, datetime.date(2026, 1, 14)),
        }
        assert london.email not in {email for email, _day in due_pairs(AUCKLAND_7PM)}

    def test_summer_time_is_followed(self):
        user = opted_in("America/Los_Angeles")
        # 19:00 PDT (UTC-7) on 15 July 2026 is 02:00 UTC on the 16th.
        seven_pm_pdt = datetime.datetime(2026, 7, 16, 2, 0, tzinfo=UTC)

        assert due_pairs(seven_pm_pdt - ONE_MINUTE) == set()
        assert due_pairs(seven_pm_pdt) == {(user.email, datetime.date(2026, 7, 15))}

    def test_own_reminder_time_is_used(self):
        user = opted_in("Europe/London", at=datetime.time(7, 30))
        morning = datetime.datetime(2026, 1, 15, 7, 30, tzinfo=UTC)

        assert due_pairs(morning - ONE_MINUTE) == set()
        assert due_pairs(morning) == {(user.email, JAN_15)}

    def test_users_who_did_not_opt_in_or_are_inactive_are_never_due(self):
        UserFactory(time_zone="Pacific/Auckland", reminder_enabled=False)
        opted_in("Pacific/Auckland", is_active=False)

        assert services.reminders_due(now=AUCKLAND_7PM) == []

    def test_a_logged_day_is_not_due(self):
        user = opted_in("America/Los_Angeles")
        EntryFactory(user=user, date=JAN_15)

        assert due_pairs(LOS_ANGELES_7PM) == set()

    def test_only_an_entry_for_the_local_date_counts(self):
        user = opted_in("America/Los_Angeles")
        EntryFactory(user=user, date=JAN_15 - datetime.timedelta(days=1))

        assert due_pairs(LOS_ANGELES_7PM) == {(user.email, JAN_15)}

    def test_another_users_entry_does_not_count(self, bob):
        user = opted_in("America/Los_Angeles")
        EntryFactory(user=bob, date=JAN_15)

        assert due_pairs(LOS_ANGELES_7PM) == {(user.email, JAN_15)}

    def test_a_day_already_reminded_is_not_due(self):
        user = opted_in("Pacific/Auckland")
        ReminderDelivery.objects.create(user=user, local_date=JAN_15)

        assert due_pairs(AUCKLAND_7PM) == set()

    def test_yesterdays_reminder_does_not_stop_todays(self):
        user = opted_in("Pacific/Auckland")
        ReminderDelivery.objects.create(
            user=user, local_date=JAN_15 - datetime.timedelta(days=1)
        )

        assert due_pairs(AUCKLAND_7PM) == {(user.email, JAN_15)}

    @pytest.mark.parametrize("users", [3, 30])
    def test_queries_do_not_grow_with_the_number_of_users(
        self, users, django_assert_num_queries
    ):
        for index in range(users):
            user = opted_in("Pacific/Auckland")
            if index % 3 == 0:
                EntryFactory(user=user, date=JAN_15)
            elif index % 3 == 1:
                ReminderDelivery.objects.create(user=user, local_date=JAN_15)

        # Users, then deliveries and entries for the whole batch.
        with django_assert_num_queries(3):
            due = services.reminders_due(now=AUCKLAND_7PM)

        assert len(due) == users // 3


# ------------------------------------------------------------------ sending


class TestSending:
    def test_the_reminder_is_one_plain_and_html_email_with_the_links(self, mailoutbox):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            sent = services.reminder_send(user_id=user.pk, local_date=JAN_15)

        assert sent is True
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [user.email]
        assert message.subject == "Your LDN Diary check-in for Thu 15 Jan 2026"
        checkin_url = f"{SITE}{reverse('diary:checkin')}"
        unsubscribe_url = f"{SITE}{unsubscribe_path(user)}"
        assert checkin_url in message.body
        assert unsubscribe_url in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{checkin_url}"' in html
        assert f'href="{unsubscribe_url}"' in html
        assert ReminderDelivery.objects.filter(user=user, local_date=JAN_15).exists()

    def test_the_email_has_list_unsubscribe_headers_for_one_click(self, mailoutbox):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            services.reminder_send(user_id=user.pk, local_date=JAN_15)

        message = mailoutbox[0].message()
        assert message["List-Unsubscribe"] == f"<{SITE}{unsubscribe_path(user)}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    def test_the_email_carries_no_health_data(self, mailoutbox):
        user = opted_in("Pacific/Auckland", display_name="Alice")
        symptoms_track_defaults(user=user)
        own = SymptomFactory(owner=user, name="Zyxwv tingling")
        TrackedSymptomFactory(user=user, symptom=own)
        yesterday = EntryFactory(
            user=user,
            date=JAN_15 - datetime.timedelta(days=1),
            notes="Private note about my bad night",
            hours_upright=Decimal("3.5"),
        )
        SymptomScoreFactory(entry=yesterday, symptom=own, score=9)
        CrashFactory(
            user=user,
            start_date=JAN_15 - datetime.timedelta(days=3),
            notes="Crash after the wedding",
        )
        DoseChangeFactory(
            course__user=user,
            course__start_date=JAN_15 - datetime.timedelta(days=30),
            dose_mg=Decimal("4.5"),
        )

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            services.reminder_send(user_id=user.pk, local_date=JAN_15)

        message = mailoutbox[0]
        everything = " ".join(
            [message.subject, message.body, message.alternatives[0][0]]
        ).lower()
        # Links carry a random signed token, which may spell "mg" by chance.
        everything = re.sub(r"https?://[^\s\"'<>]+", "<link>", everything)
        tracked = TrackedSymptom.objects.for_user(user).select_related("symptom")
        assert tracked.count() >= 2
        for row in tracked:
            assert row.symptom.name.lower() not in everything
        for secret in [
            "private note",
            "wedding",
            "4.5",
            "3.5",
            "score",
            "crash",
            "naltrexone",
            "mg",
        ]:
            assert secret not in everything

    def test_a_logged_day_gets_no_reminder(self, mailoutbox):
        user = opted_in("Pacific/Auckland")
        EntryFactory(user=user, date=JAN_15)

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            sent = services.reminder_send(user_id=user.pk, local_date=JAN_15)

        assert sent is False
        assert mailoutbox == []
        assert not ReminderDelivery.objects.filter(user=user).exists()

    def test_sending_twice_sends_one_email(self, mailoutbox):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            first = services.reminder_send(user_id=user.pk, local_date=JAN_15)
            second = services.reminder_send(user_id=user.pk, local_date=JAN_15)

        assert (first, second) == (True, False)
        assert len(mailoutbox) == 1
        assert ReminderDelivery.objects.filter(user=user).count() == 1

    def test_a_reminder_already_recorded_by_another_worker_is_not_sent(
        self, mailoutbox
    ):
        user = opted_in("Pacific/Auckland")
        ReminderDelivery.objects.create(user=user, local_date=JAN_15)

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            sent = services.reminder_send(user_id=user.pk, local_date=JAN_15)

        assert sent is False
        assert mailoutbox == []

    def test_the_same_task_delivered_twice_sends_one_email(self, mailoutbox):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            first = tasks.reminder_send.delay(user.pk, JAN_15.isoformat()).get()
            second = tasks.reminder_send.delay(user.pk, JAN_15.isoformat()).get()

        assert (first, second) == (True, False)
        assert len(mailoutbox) == 1

    def test_sending_due_reminders_twice_sends_each_once(self, mailoutbox):
        auckland = opted_in("Pacific/Auckland")
        los_angeles = opted_in("America/Los_Angeles")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            first = services.reminders_send_due()
            second = services.reminders_send_due()

        assert (first, second) == (2, 0)
        assert sorted(m.to[0] for m in mailoutbox) == sorted(
            [auckland.email, los_angeles.email]
        )
        subjects = {m.to[0]: m.subject for m in mailoutbox}
        assert subjects[los_angeles.email].endswith("Wed 14 Jan 2026")

    def test_periodic_task_sends_due_reminders_once(self, mailoutbox):
        opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            tasks.reminders_send_due.delay()
            tasks.reminders_send_due.delay()

        assert len(mailoutbox) == 1

    def test_a_failed_send_leaves_no_record_so_it_can_be_sent_later(
        self, flaky_mail, mailoutbox
    ):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            with pytest.raises(smtplib.SMTPServerDisconnected):
                services.reminder_send(user_id=user.pk, local_date=JAN_15)
            assert not ReminderDelivery.objects.filter(user=user).exists()
            assert services.reminders_due() == [user]

            sent = services.reminder_send(user_id=user.pk, local_date=JAN_15)

        assert sent is True
        assert len(mailoutbox) == 1

    def test_the_task_retries_a_failed_send_and_sends_exactly_one(
        self, flaky_mail, mailoutbox, eager_retries
    ):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            result = tasks.reminder_send.delay(user.pk, JAN_15.isoformat())
            again = tasks.reminder_send.delay(user.pk, JAN_15.isoformat())

        assert result.get() is True
        assert again.get() is False
        assert flaky_mail.attempts == 2
        assert len(mailoutbox) == 1
        assert ReminderDelivery.objects.filter(user=user).count() == 1

    def test_the_task_gives_up_after_three_retries_and_records_nothing(
        self, flaky_mail, mailoutbox, eager_retries
    ):
        flaky_mail.failures = 100
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            result = tasks.reminder_send.delay(user.pk, JAN_15.isoformat())

        assert result.state == "FAILURE"
        with pytest.raises(smtplib.SMTPServerDisconnected):
            result.get()
        assert flaky_mail.attempts == 4
        assert mailoutbox == []
        assert not ReminderDelivery.objects.exists()

    def test_one_users_failure_does_not_stop_the_others(self, flaky_mail, mailoutbox):
        first = opted_in("Pacific/Auckland")
        second = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            queued = services.reminders_send_due()
            still_due = services.reminders_due()

        assert queued == 1
        assert [m.to for m in mailoutbox] == [[second.email]]
        # Not recorded, so the next run (five minutes later) tries again.
        assert still_due == [first]

    def test_a_user_who_opted_out_meanwhile_gets_nothing(self, mailoutbox):
        user = opted_in("Pacific/Auckland")
        services.reminder_settings_update(user=user, enabled=False, time=SEVEN_PM)

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            sent = tasks.reminder_send.delay(user.pk, JAN_15.isoformat()).get()

        assert sent is False
        assert mailoutbox == []

    def test_a_deleted_user_is_skipped_quietly(self, mailoutbox):
        user = opted_in("Pacific/Auckland")
        user_id = user.pk
        user.delete()

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            sent = tasks.reminder_send.delay(user_id, JAN_15.isoformat()).get()

        assert sent is False
        assert mailoutbox == []

    def test_a_late_task_for_a_day_that_is_over_sends_nothing(self, mailoutbox):
        user = opted_in("Pacific/Auckland")
        next_morning = AUCKLAND_7PM + datetime.timedelta(hours=14)

        with time_machine.travel(next_morning, tick=False):
            sent = services.reminder_send(user_id=user.pk, local_date=JAN_15)

        assert sent is False
        assert mailoutbox == []

    def test_a_malformed_date_in_a_task_is_ignored(self, mailoutbox):
        user = opted_in("Pacific/Auckland")

        assert tasks.reminder_send.delay(user.pk, "2026-13-45").get() is False
        assert mailoutbox == []

    def test_tasks_are_registered_with_late_acks_and_bounded_retries(self, settings):
        task = celery_app.tasks["diary.reminders.tasks.reminder_send"]
        assert task.acks_late is True
        assert task.max_retries == 3
        assert smtplib.SMTPException in task.autoretry_for
        assert OSError in task.autoretry_for
        scheduled = settings.CELERY_BEAT_SCHEDULE["reminders-send-due"]["task"]
        assert scheduled == tasks.reminders_send_due.name
        assert scheduled in celery_app.tasks


class TestCommand:
    def test_dry_run_counts_without_sending(self, mailoutbox, capsys):
        opted_in("Pacific/Auckland")
        opted_in("America/Los_Angeles", at=datetime.time(23, 0))

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            call_command("send_reminders", "--dry-run")

        assert "1 reminder(s) due now; none sent" in capsys.readouterr().out
        assert mailoutbox == []
        assert not ReminderDelivery.objects.exists()

    def test_command_sends_due_reminders_once(self, mailoutbox, capsys):
        user = opted_in("Pacific/Auckland")

        with time_machine.travel(AUCKLAND_7PM, tick=False):
            call_command("send_reminders")
            call_command("send_reminders")

        output = capsys.readouterr().out
        assert "1 reminder(s) due now" in output
        assert "0 reminder(s) due now" in output
        assert [m.to for m in mailoutbox] == [[user.email]]


# -------------------------------------------------------------- unsubscribe


class TestUnsubscribe:
    def test_get_shows_a_single_button_and_changes_nothing(self, anon_client):
        user = opted_in("Europe/London")

        response = anon_client.get(unsubscribe_path(user))

        assert response.status_code == 200
        html = response.content.decode()
        assert f'<form method="post" action="{unsubscribe_path(user)}">' in html
        assert html.count('type="submit"') == 1
        assert "Stop reminders" in html
        assert stored_reminder(user) == (True, SEVEN_PM)

    def test_post_unsubscribes_without_logging_in(self, anon_client):
        user = opted_in("Europe/London", at=datetime.time(8, 15))

        response = anon_client.post(unsubscribe_path(user))

        assert response.status_code == 302
        assert response["Location"] == unsubscribe_path(user)
        assert stored_reminder(user) == (False, datetime.time(8, 15))
        page = anon_client.get(unsubscribe_path(user)).content.decode()
        assert "You will not get any more reminder e-mails." in page
        assert "Reminders are off." in page
        assert 'type="submit"' not in page

    def test_rfc8058_one_click_post_works_without_a_csrf_token(self):
        user = opted_in("Europe/London")
        mail_provider = Client(enforce_csrf_checks=True)

        response = mail_provider.post(
            unsubscribe_path(user),
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 302
        assert stored_reminder(user)[0] is False

    def test_the_link_in_the_email_unsubscribes(self, anon_client, mailoutbox):
        user = opted_in("Pacific/Auckland")
        with time_machine.travel(AUCKLAND_7PM, tick=False):
            services.reminder_send(user_id=user.pk, local_date=JAN_15)
        header = mailoutbox[0].extra_headers["List-Unsubscribe"]
        path = header.strip("<>").removeprefix(SITE)

        anon_client.post(path)

        assert stored_reminder(user)[0] is False

    def test_unsubscribing_twice_is_harmless(self, anon_client):
        user = opted_in("Europe/London")

        anon_client.post(unsubscribe_path(user))
        response = anon_client.post(unsubscribe_path(user))

        assert response.status_code == 302
        assert stored_reminder(user) == (False, SEVEN_PM)

    def test_an_unsubscribed_user_is_no_longer_due(self, anon_client):
        user = opted_in("Pacific/Auckland")

        anon_client.post(unsubscribe_path(user))

        assert services.reminders_due(now=AUCKLAND_7PM) == []

    def test_responses_are_not_cached_indexed_or_referred(self, anon_client):
        user = opted_in("Europe/London")

        response = anon_client.get(unsubscribe_path(user))

        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Robots-Tag"] == "noindex"

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
            lambda token: "x" + token,
            lambda token: token.split(":")[0],
            lambda token: "not-a-token",
        ],
        ids=["last-character", "prefix", "no-signature", "garbage"],
    )
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_tampered_token_is_a_neutral_404(self, anon_client, tamper, method):
        user = opted_in("Europe/London")
        token = services.unsubscribe_token(user=user)
        path = reverse("diary:reminder-unsubscribe", kwargs={"token": tamper(token)})

        response = getattr(anon_client, method)(path)

        assert response.status_code == 404
        html = response.content.decode()
        assert "This link does not work" in html
        assert user.email not in html
        assert stored_reminder(user) == (True, SEVEN_PM)

    def test_a_token_signed_for_another_purpose_is_refused(self, anon_client):
        user = opted_in("Europe/London")
        other_salt = signing.Signer(salt="something.else").sign_object(
            {"u": user.pk, "p": services.UNSUBSCRIBE_PURPOSE}
        )
        other_purpose = signing.Signer(salt=services.UNSUBSCRIBE_SALT).sign_object(
            {"u": user.pk, "p": "password-reset"}
        )

        for token in (other_salt, other_purpose):
            path = reverse("diary:reminder-unsubscribe", kwargs={"token": token})
            assert anon_client.post(path).status_code == 404

        assert stored_reminder(user) == (True, SEVEN_PM)

    def test_a_token_for_a_deleted_user_is_a_404(self, anon_client):
        user = opted_in("Europe/London")
        path = unsubscribe_path(user)
        user.delete()

        assert anon_client.get(path).status_code == 404

    def test_user_as_token_cannot_unsubscribe_another_user(self, anon_client):
        alice = opted_in("Europe/London")
        bob = opted_in("America/New_York")

        anon_client.post(unsubscribe_path(alice))

        assert stored_reminder(alice)[0] is False
        assert stored_reminder(bob) == (True, SEVEN_PM)

    def test_swapping_the_user_in_a_token_breaks_its_signature(self, anon_client):
        alice = opted_in("Europe/London")
        bob = opted_in("America/New_York")
        alice_token = services.unsubscribe_token(user=alice)
        bob_payload = signing.Signer(salt="any").sign_object(
            {"u": bob.pk, "p": services.UNSUBSCRIBE_PURPOSE}
        )
        forged = ":".join([bob_payload.split(":")[0], alice_token.split(":")[1]])
        path = reverse("diary:reminder-unsubscribe", kwargs={"token": forged})

        response = anon_client.post(path)

        assert response.status_code == 404
        assert stored_reminder(bob) == (True, SEVEN_PM)
        assert stored_reminder(alice) == (True, SEVEN_PM)

    def test_a_signed_in_user_opening_someone_elses_link_changes_only_its_owner(
        self, bob_client, bob
    ):
        carol = opted_in("Europe/London")
        services.reminder_settings_update(user=bob, enabled=True, time=SEVEN_PM)

        bob_client.post(unsubscribe_path(carol))

        assert stored_reminder(carol)[0] is False
        assert stored_reminder(bob) == (True, SEVEN_PM)

    def test_other_methods_are_not_allowed(self, anon_client):
        user = opted_in("Europe/London")

        response = anon_client.put(unsubscribe_path(user))

        assert response.status_code == 405
        assert stored_reminder(user) == (True, SEVEN_PM)


# -------------------------------------------------------- settings page


SETTINGS_URL = reverse("accounts:settings")


def settings_data(**overrides):
    data = {
        "time_zone": "Europe/London",
        "display_name": "",
        "takes_opioids": "",
        "reminder_enabled": "on",
        "reminder_time": "07:30",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class TestReminderSettings:
    def test_owner_sees_the_reminder_fields_with_current_values(
        self, alice_client, alice
    ):
        response = alice_client.get(SETTINGS_URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="reminder_enabled"' in html
        assert 'type="time" name="reminder_time" value="19:00"' in html
        assert "In your own time zone" in html

    def test_owner_turns_reminders_on_at_a_chosen_time(self, alice_client, alice):
        response = alice_client.post(SETTINGS_URL, settings_data())

        assert response.status_code == 302
        assert response["Location"] == SETTINGS_URL
        assert stored_reminder(alice) == (True, datetime.time(7, 30))
        page = alice_client.get(SETTINGS_URL).content.decode()
        assert "checked" in page.split('name="reminder_enabled"')[1].split(">")[0]
        assert 'value="07:30"' in page

    def test_the_time_is_in_the_users_own_time_zone(self, alice_client, alice):
        alice_client.post(
            SETTINGS_URL,
            settings_data(time_zone="Pacific/Auckland", reminder_time="19:00"),
        )

        assert due_pairs(AUCKLAND_7PM - ONE_MINUTE) == set()
        assert due_pairs(AUCKLAND_7PM) == {(alice.email, JAN_15)}

    def test_unticking_turns_reminders_off_and_keeps_the_time(
        self, alice_client, alice
    ):
        services.reminder_settings_update(
            user=alice, enabled=True, time=datetime.time(21, 0)
        )

        response = alice_client.post(
            SETTINGS_URL, settings_data(reminder_enabled=None, reminder_time="")
        )

        assert response.status_code == 302
        assert stored_reminder(alice) == (False, datetime.time(21, 0))

    def test_reminders_on_without_a_time_is_rejected(self, alice_client, alice):
        before = stored_reminder(alice)

        response = alice_client.post(
            SETTINGS_URL, settings_data(reminder_time="", display_name="Typed")
        )

        assert response.status_code == 200
        assert response.context["form"].errors["reminder_time"] == [
            "Choose a time for the reminder, for example 19:00."
        ]
        html = response.content.decode()
        assert '<a href="#id_reminder_time">Reminder time</a>' in html
        assert 'value="Typed"' in html
        assert stored_reminder(alice) == before

    @pytest.mark.parametrize("typed", ["25:99", "seven", "19:00:00:00", "9pm"])
    def test_a_bad_time_is_rejected_and_kept_as_typed(self, alice_client, alice, typed):
        before = stored_reminder(alice)
        alice.refresh_from_db()
        display_before = alice.display_name

        response = alice_client.post(
            SETTINGS_URL, settings_data(reminder_time=typed, display_name="Changed")
        )

        assert response.status_code == 200
        assert response.context["form"].errors["reminder_time"] == [
            "Enter a time of day, for example 19:00."
        ]
        assert f'value="{typed}"' in response.content.decode()
        assert stored_reminder(alice) == before
        alice.refresh_from_db()
        assert alice.display_name == display_before

    def test_hostile_time_is_rejected_and_escaped(self, alice_client, alice):
        hostile = "<script>alert(1)</script>"

        response = alice_client.post(SETTINGS_URL, settings_data(reminder_time=hostile))

        assert response.status_code == 200
        html = response.content.decode()
        assert hostile not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert stored_reminder(alice) == (False, SEVEN_PM)

    def test_a_service_error_saves_nothing(self, alice_client, alice, monkeypatch):
        from accounts import views

        def refuse(*, user, enabled, time):
            user.reminder_enabled = enabled
            raise ValidationError({"reminder_time": ["Refused by the service."]})

        monkeypatch.setattr(views, "reminder_settings_update", refuse)

        response = alice_client.post(
            SETTINGS_URL, settings_data(display_name="Not saved")
        )

        assert response.status_code == 200
        assert response.context["form"].errors["reminder_time"] == [
            "Refused by the service."
        ]
        alice.refresh_from_db()
        assert alice.display_name == ""
        assert stored_reminder(alice) == (False, SEVEN_PM)
        assert response.wsgi_request.user.reminder_enabled is False

    def test_anonymous_post_changes_nobody(self, anon_client, alice):
        response = anon_client.post(SETTINGS_URL, settings_data())

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert stored_reminder(alice) == (False, SEVEN_PM)

    def test_another_user_changes_only_their_own_reminder(self, bob_client, bob, alice):
        response = bob_client.post(
            SETTINGS_URL, settings_data(time_zone="America/New_York")
        )

        assert response.status_code == 302
        assert stored_reminder(bob) == (True, datetime.time(7, 30))
        assert stored_reminder(alice) == (False, SEVEN_PM)


class TestReminderSettingsService:
    def test_seconds_are_dropped(self, alice):
        services.reminder_settings_update(
            user=alice, enabled=True, time=datetime.time(19, 0, 42, 5)
        )

        assert stored_reminder(alice) == (True, SEVEN_PM)

    @pytest.mark.parametrize(
        "bad", ["19:00", None, datetime.time(19, 0, tzinfo=UTC)], ids=str
    )
    def test_anything_but_a_plain_time_is_rejected(self, alice, bad):
        with pytest.raises(ValidationError) as caught:
            services.reminder_settings_update(user=alice, enabled=True, time=bad)

        assert "reminder_time" in caught.value.message_dict
        assert stored_reminder(alice) == (False, SEVEN_PM)
