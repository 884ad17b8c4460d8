"""The log-in lockout as an attacker meets it: gunicorn with two worker processes
behind one trusted proxy, on PostgreSQL and Redis. Wrong passwords from one
client lock that client out of the account whichever worker answers; the real
patient elsewhere still signs in; a client cannot pick its own address by
writing X-Forwarded-For, because only the entry the proxy appended counts."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from accounts.models import SecurityEvent, User
from tests.factories import PASSWORD
from tests.services.conftest import free_port, worker_database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DEBUG": "0",
        "SECURE_COOKIES": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "AXES_FAILURE_LIMIT": "3",
        "AXES_COOLOFF_MINUTES": "15",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/meta/", timeout=2)  # noqa: S310
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail((tmp_path / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(timeout=10)


def sign_in(base, password, forwarded_for):
    request = urllib.request.Request(  # noqa: S310 (our own local http server)
        f"{base}/api/v1/auth/token/",
        data=json.dumps({"email": "alice@example.org", "password": password}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_lockout_across_workers_by_account_and_proxied_address(server, settings):
    settings.PASSWORD_HASHERS = ["accounts.passwords.Argon2idHasher"]  # the server's
    alice = User.objects.create_user(email="alice@example.org", password=PASSWORD)
    attacker = "203.0.113.5"

    wrong = [sign_in(server, "wrong", attacker) for _ in range(3)]
    right_from_attacker = sign_in(server, PASSWORD, attacker)
    # The attacker writes their own X-Forwarded-For; the proxy appends the real one.
    spoofed = [
        sign_in(server, PASSWORD, f"198.51.100.{index}, {attacker}")
        for index in range(4)
    ]
    patient = sign_in(server, PASSWORD, "192.0.2.44")

    assert wrong == [401, 401, 429]
    assert right_from_attacker == 429
    assert spoofed == [429, 429, 429, 429]
    assert patient == 200
    events = SecurityEvent.objects.filter(user=alice)
    assert events.filter(kind=SecurityEvent.Kind.LOGIN_LOCKED, ip_address=attacker)
    assert events.filter(
        kind=SecurityEvent.Kind.DEVICE_SIGNED_IN, ip_address="192.0.2.44"
    )
