"""A reminder is sent once across a failing first attempt and a redelivered task,
by a REAL Celery worker process on the real Redis and PostgreSQL, to a real (local)
SMTP server.

Run by ``make test-services`` (REDIS_URL and DATABASE_URL set). The worker comes
from ``start_worker`` in tests/services/conftest.py: a separate process on the test
database and a queue of the test's own, so the test data is committed
(``transaction=True``). The mail server is a tiny SMTP sink
in this process: it refuses its first connection with "421 try again later", a
real SMTP failure that Django raises as ``SMTPConnectError``, so the task's own
autoretry handles it. No settings change is needed: the worker gets the sink as
``EMAIL_HOST``/``EMAIL_PORT`` through its environment.
"""

import datetime
import email
import email.message
import email.policy
import re
import socketserver
import threading
import time
import zoneinfo

import pytest
from django.utils import timezone

from diary.reminders import tasks
from diary.reminders.models import ReminderDelivery
from tests.factories import EntryFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


# ------------------------------------------------------------- the SMTP sink


class SmtpSink(socketserver.ThreadingTCPServer):
    """Accepts mail on 127.0.0.1 and keeps it. The first ``refuse`` connections
    are turned away with 421, as a busy or restarting mail server does."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse: int = 0):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.refuse = refuse
        self.connections = 0
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink = self.server
        assert isinstance(sink, SmtpSink)
        with sink.lock:
            sink.connections += 1
            refused = sink.connections <= sink.refuse
        if refused:
            self.reply("421 sink.test Service not available, try again later")
            return
        self.reply("220 sink.test ESMTP")
        while line := self.rfile.readline():
            command = line.strip().split(b" ", 1)[0].upper()
            if command == b"EHLO":
                self.reply("250-sink.test")
                self.reply("250 8BITMIME")
            elif command == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(
                    b"".join(lines), policy=email.policy.default
                )
                with sink.lock:
                    sink.messages.append(message)
                self.reply("250 2.0.0 queued")
            elif command == b"QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.reply("250 2.0.0 ok")


@pytest.fixture
def smtp_sink():
    sink = SmtpSink(refuse=1)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


# ------------------------------------------------------------------- worker
# The worker itself comes from tests/services/conftest.py (``start_worker``):
# a real ``celery -A config worker --pool=solo`` on the test database and a
# queue of this test's own.

WAIT_SECONDS = 60


def task_result(worker, task_id: str) -> str:
    """Wait for the task to finish in the worker and return its logged result."""
    pattern = re.compile(rf"\[{re.escape(task_id)}\] succeeded in [\d.]+s: (\w+)")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if match := pattern.search(worker.log()):
            return match.group(1)
        time.sleep(0.2)
    pytest.fail(f"Task {task_id} did not finish. Worker log:\n{worker.log()}")


@pytest.fixture
def reminder_worker(start_worker, smtp_sink, settings):
    return start_worker(
        env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "SITE_URL": settings.SITE_URL,
            # Whatever config/celery.py discovers, this worker knows the tasks.
            "TEST_CELERY_IMPORTS": "diary.reminders.tasks",
        }
    )


def user_in_daytime():
    """An opted-in user whose reminder is due now and whose day does not end
    during the test, wherever the clock stands."""
    for zone in ("UTC", "Asia/Tokyo", "America/New_York", "Pacific/Auckland"):
        local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
        if 0 < local.hour < 23:
            return UserFactory(
                time_zone=zone,
                reminder_enabled=True,
                reminder_time=datetime.time(0, 0),
            )
    raise AssertionError("no zone in daytime")  # pragma: no cover


def mail_for(sink: SmtpSink, user) -> list:
    return [message for message in sink.messages if message["To"] == user.email]


# -------------------------------------------------------------------- tests


def test_a_failed_first_attempt_and_a_redelivered_task_send_one_email(
    reminder_worker, smtp_sink
):
    user = user_in_daytime()
    day = user.local_today()

    # The same task twice, as a broker redelivering it would. The first attempt
    # of whichever runs first meets the 421 and is retried by the task itself.
    first = tasks.reminder_send.apply_async(args=[user.pk, day.isoformat()])
    second = tasks.reminder_send.apply_async(args=[user.pk, day.isoformat()])

    results = sorted(task_result(reminder_worker, task.id) for task in (first, second))

    assert results == ["False", "True"]
    output = reminder_worker.log()
    assert re.search(r"reminder_send\[[\w-]+\] retry: Retry in", output), output
    assert "SMTPConnectError" in output
    assert smtp_sink.connections == 2  # the refused one and the one that sent
    messages = mail_for(smtp_sink, user)
    assert len(messages) == 1
    assert messages[0]["Subject"] == (
        f"Your LDN Diary check-in for {day:%a} {day.day} {day:%b %Y}"
    )
    assert messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ReminderDelivery.objects.filter(user=user, local_date=day).count() == 1


def test_the_periodic_task_run_twice_sends_each_due_reminder_once(
    reminder_worker, smtp_sink, wait_for
):
    smtp_sink.refuse = 0
    user = user_in_daytime()
    logged = user_in_daytime()
    EntryFactory(user=logged, date=logged.local_today())

    runs = [tasks.reminders_send_due.apply_async() for _ in range(2)]
    queued = [int(task_result(reminder_worker, run.id)) for run in runs]
    done = re.compile(r"reminder_send\[[\w-]+\] succeeded in")
    wait_for(
        lambda: len(done.findall(reminder_worker.log())) >= sum(queued),
        WAIT_SECONDS,
        f"{sum(queued)} reminder tasks to finish",
    )

    assert queued[0] >= 1
    assert len(mail_for(smtp_sink, user)) == 1
    assert mail_for(smtp_sink, logged) == []
    assert ReminderDelivery.objects.filter(user=user).count() == 1
    assert not ReminderDelivery.objects.filter(user=logged).exists()
