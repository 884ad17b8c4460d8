"""Logs hold no diary text and no secrets (issue 9, defect 7): WeasyPrint's font
warnings, share tokens and reset links in the access log, reset links printed by
the console mail backend; and a canary note absent from everything logged over a
full journey that includes a PDF in Amharic with emoji."""

import datetime
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from config.log_redaction import REDACTED, DropFontWarningsFilter, redact
from diary.exports.models import DEFAULT_SECTIONS, ExportJob, ExportSection
from tests.api.conftest import bearer_client
from tests.diary.test_checkin import checkin_post
from tests.diary.test_crashes import crash_data

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bvDvKTrqCMG59guNO6ZgYD8xvh1fvFiePE7o4EoREHo"
AMHARIC = "ዛሬ ድካም ነበረኝ"  # "I was tired today"
EMOJI = "😴🫠"
CANARY = "CANARY-LOG-51c2e0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /s/{TOKEN}/ HTTP/1.1", f"GET /s/{REDACTED}/ HTTP/1.1"),
        (f"GET /s/{TOKEN}/pdf/ HTTP/1.1", f"GET /s/{REDACTED}/pdf/ HTTP/1.1"),
        (
            "GET /accounts/password/reset/MQ/cz6w-1a2b3c/ HTTP/1.1",
            f"GET /accounts/password/reset/{REDACTED}/ HTTP/1.1",
        ),
        (
            "/accounts/password/reset/MQ/set-password/",
            f"/accounts/password/reset/{REDACTED}/",
        ),
        ("/accounts/password/reset/sent/", "/accounts/password/reset/sent/"),
        (
            "/accounts/signup/confirm/MQ/abc-123/",
            f"/accounts/signup/confirm/{REDACTED}/",
        ),
        (
            "/reminders/unsubscribe/eyJ1Ijo0Mn0:1kXyZ/",
            f"/reminders/unsubscribe/{REDACTED}/",
        ),
        ("/trends/?preset=90", "/trends/?preset=90"),
        ("/x/?token=abc&y=1", f"/x/?token={REDACTED}&y=1"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_holds_no_share_token_or_reset_link(tmp_path):
    """The README's gunicorn command, really run: the access log and the error
    log show the share link and the reset link redacted."""
    port = free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "SECRET_KEY": "a-production-like-secret-key-0123456789-abcdefghijklmnopq",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SQLITE_PATH": str(tmp_path / "empty.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--logger-class",
            "config.gunicorn_logging.RedactingLogger",
            "--access-logfile",
            str(access),
            "--error-logfile",
            str(errors),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        paths = [
            f"/s/{TOKEN}/",
            f"/s/{TOKEN}/pdf/",
            "/accounts/password/reset/MQ/cz6w-1a2b3c4d5e6f/",
        ]
        deadline = time.monotonic() + 30
        for path in paths:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
                    break
                except urllib.error.HTTPError:
                    break  # answered (404 or 500: the database is empty)
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        time.sleep(0.5)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode(errors="replace")
    logged = access.read_text() + errors.read_text() + output
    assert f"/s/{REDACTED}/" in access.read_text()
    assert "/accounts/password/reset/[redacted]/" in access.read_text()
    assert TOKEN not in logged
    assert "cz6w-1a2b3c4d5e6f" not in logged


def test_production_console_mail_prints_no_reset_link(alice, settings, capsys, caplog):
    """Defect 7: with DEBUG off and no EMAIL_HOST, the console backend printed the
    reset link into the web log."""
    settings.EMAIL_BACKEND = "config.mail.UnsentMailBackend"
    caplog.set_level(logging.INFO)
    response = Client().post(
        reverse("accounts:password-reset"), {"email": "alice@example.org"}
    )
    assert response.status_code == 302
    captured = capsys.readouterr()
    everything = captured.out + captured.err + caplog.text
    assert "/accounts/password/reset/" not in everything.replace(
        "/accounts/password/reset/sent/", ""
    )
    assert "alice@example.org" not in everything
    assert "E-mail not sent (EMAIL_HOST is not set)" in caplog.text


def test_settings_pick_the_unsent_backend_outside_debug_without_email_host():
    from tests.security.test_headers import README_PRODUCTION, run_manage

    env = {**README_PRODUCTION}
    env.pop("EMAIL_HOST")
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    out = run_manage("shell", "--no-imports", "-c", code, env_overrides=env)
    assert out.stdout.strip() == "config.mail.UnsentMailBackend"
    dev = run_manage(
        "shell", "--no-imports", "-c", code, env_overrides={**env, "DEBUG": "1"}
    )
    assert dev.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_font_warnings_that_quote_diary_text_are_dropped():
    record = logging.LogRecord(
        "weasyprint",
        logging.WARNING,
        __file__,
        1,
        '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (%s)',
        ("ዛ", "U+12DB"),
        None,
    )
    assert DropFontWarningsFilter().filter(record) is False
    other = logging.LogRecord(
        "weasyprint", logging.WARNING, __file__, 1, "Ignored `x` at 1:1", (), None
    )
    assert DropFontWarningsFilter().filter(other) is True


def test_makefile_installs_the_noto_fonts():
    makefile = (ROOT / "Makefile").read_text()
    deps = makefile.split("\nsystem-deps:", 1)[1].split("\n\n", 1)[0]
    for package in ("fonts-noto-core", "fonts-noto-cjk", "fonts-noto-color-emoji"):
        assert package in deps


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()


@pytest.mark.services
def test_a_pdf_in_amharic_with_emoji_logs_nothing_and_shows_the_text(
    alice, caplog, tmp_path
):
    """Defect 7: WeasyPrint wrote every character it had no font for into the log,
    one WARNING each. With the Noto fonts it has one, and the filter drops the
    warning for any character still without a font (here a private-use one)."""
    from diary.exports.data import report_data
    from diary.exports.pdf import build_pdf
    from tests.factories import EntryFactory

    today = alice.local_today()
    EntryFactory(
        user=alice,
        date=today - datetime.timedelta(days=1),
        notes=f"{AMHARIC} {EMOJI} 你好 مرحبا \U000f0001",
    )
    caplog.set_level(logging.DEBUG)
    data = report_data(
        user=alice,
        start=today - datetime.timedelta(days=13),
        end=today,
        sections=list(ExportSection.values),
    )
    text = pdf_text(build_pdf(data), tmp_path)
    assert AMHARIC in text
    assert "你好" in text
    for letter in AMHARIC.replace(" ", "") + EMOJI + "\U000f0001":
        assert letter not in caplog.text
    assert ".notdef" not in caplog.text


@pytest.fixture
def eager():
    """The export is built in this process (where the logs are captured), even
    when the suite runs with REDIS_URL set."""
    from config.celery import app

    old = {key: app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(old)


@pytest.mark.services
def test_a_canary_note_never_reaches_the_logs(
    alice, caplog, capsys, django_capture_on_commit_callbacks, tmp_path, eager
):
    """A whole journey with a canary in the notes: check-in, crash, the API, a PDF
    export with Amharic and emoji, a share link opened by the doctor with its PDF,
    a password reset. Nothing logged or printed holds the note."""
    caplog.set_level(logging.DEBUG)
    cache.clear()
    note = f"{CANARY} {AMHARIC} {EMOJI}"
    client = Client()
    client.force_login(alice)
    today = alice.local_today()
    yesterday = today - datetime.timedelta(days=1)

    assert (
        client.post(
            reverse("diary:checkin"), checkin_post(alice, day=yesterday, notes=note)
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("diary:crash-create"), crash_data(alice, notes=note)
        ).status_code
        == 302
    )
    for name in ("diary:home", "diary:entry-list", "diary:trends", "diary:analysis"):
        assert client.get(reverse(name)).status_code == 200
    api = bearer_client(alice)
    assert api.get("/api/v1/entries/").status_code == 200
    response = api.put(
        f"/api/v1/entries/{today.isoformat()}/",
        {"notes": note, "scores": []},
        format="json",
    )
    assert response.status_code in (200, 201)
    # A bad request quoting the note must not log it either.
    api.put(
        f"/api/v1/entries/{today.isoformat()}/",
        {"notes": note * 2000, "sleep_hours": note},
        format="json",
    )

    # The PDF export, built in-process after the commit, and its download.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("diary:export-create"),
            {
                "format": "pdf",
                "preset": "14",
                "sections": list(DEFAULT_SECTIONS) + [ExportSection.NOTES],
                "display_name": "Alice",
            },
        )
    assert response.status_code == 302
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("diary:export-download", args=[job.uuid]))
    text = pdf_text(b"".join(download.streaming_content), tmp_path)
    assert CANARY in text
    assert AMHARIC in text

    # A share link with the notes, opened by the doctor, and its PDF.
    response = client.post(
        reverse("diary:share-create"),
        {
            "preset": "30",
            "start": (today - datetime.timedelta(days=13)).isoformat(),
            "end": today.isoformat(),
            "sections": list(DEFAULT_SECTIONS) + [ExportSection.NOTES],
            "expires_in_days": "14",
            "label": "Dr",
            "display_name": "Alice",
        },
    )
    assert response.status_code == 200
    url = response.context["url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    doctor = Client()
    assert CANARY in doctor.get(f"/{path}").content.decode()
    assert doctor.get(f"/{path}pdf/").status_code == 200
    doctor.get("/s/not-a-real-token/")

    # A password reset, printed nowhere.
    Client().post(reverse("accounts:password-reset"), {"email": alice.email})

    captured = capsys.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert logged  # the journey did log (requests, warnings), just not the note
    assert CANARY not in logged
    for letter in AMHARIC.replace(" ", "") + EMOJI:
        assert letter not in logged
    assert path.split("/")[1] not in logged  # the share token
    assert not [m for m in mail.outbox if CANARY in m.body]
