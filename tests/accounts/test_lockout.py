"""django-axes: wrong passwords lock one account from one address, for a finite
cool-off, on the web log-in, the admin log-in and the API token endpoint. An
attacker elsewhere cannot lock the real patient out, and a forged
X-Forwarded-For changes nothing unless a proxy is trusted."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = "/admin/login/"
TOKEN = reverse("api:token")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_MINUTES = 15
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def web_login(ip, password, email="alice@example.org", path=LOGIN, **headers):
    client = Client(REMOTE_ADDR=ip, **headers)
    response = client.post(path, {"username": email, "password": password})
    return response, client


def api_login(ip, password, email="alice@example.org", **headers):
    return APIClient(REMOTE_ADDR=ip, **headers).post(
        TOKEN, {"email": email, "password": password}, format="json"
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_fifty_wrong_passwords_then_the_right_one_does_not_log_in(alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(50):
        web_login("203.0.113.5", "wrong password")

    response, client = web_login("203.0.113.5", PASSWORD)

    assert response.status_code == 429
    assert not logged_in(client)
    assert "paused for 15 minutes" in response.content.decode()


def test_the_lock_holds_only_for_that_account_from_that_address(alice, bob):
    for _ in range(3):
        web_login("203.0.113.5", "wrong password")

    locked, client = web_login("203.0.113.5", PASSWORD)
    patient_at_home, home = web_login("198.51.100.20", PASSWORD)
    bob_same_address, bob_client = web_login(
        "203.0.113.5", PASSWORD, email="bob@example.org"
    )

    assert locked.status_code == 429 and not logged_in(client)
    assert patient_at_home.status_code == 302 and logged_in(home)
    assert bob_same_address.status_code == 302 and logged_in(bob_client)


def test_a_different_case_of_the_address_shares_the_counter(alice):
    for email in ["alice@example.org", "ALICE@example.org", "Alice@Example.org"]:
        web_login("203.0.113.5", "wrong password", email=email)

    response, client = web_login("203.0.113.5", PASSWORD)

    assert response.status_code == 429


def test_the_lock_ends_after_the_cool_off(alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            web_login("203.0.113.5", "wrong password")
        assert web_login("203.0.113.5", PASSWORD)[0].status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert web_login("203.0.113.5", PASSWORD)[0].status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        response, client = web_login("203.0.113.5", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_rotating_x_forwarded_for_does_not_escape_the_lock(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for index in range(3):
        web_login("203.0.113.5", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{index}")

    response, client = web_login(
        "203.0.113.5", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )

    assert response.status_code == 429


def test_behind_one_trusted_proxy_the_forwarded_address_is_locked(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(3):
        web_login(proxy, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")

    attacker, _ = web_login(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    patient, client = web_login(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20")

    assert attacker.status_code == 429
    assert patient.status_code == 302 and logged_in(client)


def test_admin_log_in_is_locked_the_same_way(db):
    from accounts.models import User

    User.objects.create_superuser(email="admin@example.org", password=PASSWORD)
    for _ in range(3):
        web_login("203.0.113.5", "wrong", email="admin@example.org", path=ADMIN_LOGIN)

    response, client = web_login(
        "203.0.113.5", PASSWORD, email="admin@example.org", path=ADMIN_LOGIN
    )

    assert response.status_code == 429
    assert not logged_in(client)


def test_api_token_endpoint_locks_account_and_address_not_the_account(alice):
    statuses = [api_login("203.0.113.5", "wrong").status_code for _ in range(3)]
    locked = api_login("203.0.113.5", PASSWORD)
    elsewhere = api_login("198.51.100.20", PASSWORD)

    assert statuses == [401, 401, 429]
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert int(locked["Retry-After"]) == 15 * 60
    assert elsewhere.status_code == 200


def test_ten_wrong_tries_from_anywhere_do_not_lock_the_patient_out(alice):
    # The old per-account budget (10 an hour from anyone) answered 429 here.
    for index in range(12):
        api_login(f"198.51.100.{index}", "wrong")

    assert api_login("203.0.113.200", PASSWORD).status_code == 200


def test_failures_and_the_lock_are_security_events(alice):
    for _ in range(3):
        web_login("203.0.113.5", "wrong")

    kinds = list(
        SecurityEvent.objects.filter(user=alice).values_list("kind", flat=True)
    )
    # The third failure is the one that locks; tries during the lock add nothing
    # (so a locked-out attacker cannot flood the patient's list).
    assert kinds.count(SecurityEvent.Kind.LOGIN_FAILED) == 2
    assert kinds.count(SecurityEvent.Kind.LOGIN_LOCKED) == 1
    web_login("203.0.113.5", "wrong")
    assert SecurityEvent.objects.filter(user=alice).count() == 3
    event = SecurityEvent.objects.filter(user=alice).first()
    assert event.ip_address == "203.0.113.5"


def test_a_success_resets_the_counter(alice):
    for _ in range(2):
        web_login("203.0.113.5", "wrong")
    assert web_login("203.0.113.5", PASSWORD)[0].status_code == 302
    for _ in range(2):
        web_login("203.0.113.5", "wrong")

    assert web_login("203.0.113.5", PASSWORD)[0].status_code == 302


def test_a_password_reset_ends_the_lock(alice, mailoutbox):
    import re

    for _ in range(3):
        web_login("203.0.113.5", "wrong")
    assert web_login("203.0.113.5", PASSWORD)[0].status_code == 429
    visitor = Client(REMOTE_ADDR="203.0.113.5")
    visitor.post(reverse("accounts:password-reset"), {"email": "alice@example.org"})
    link = re.search(r"https?://\S+/password/reset/\S+/", mailoutbox[0].body).group(0)
    form_url = visitor.get(link.removeprefix("http://testserver"))["Location"]
    new = "quiet meadow lantern 73"
    visitor.post(form_url, {"new_password1": new, "new_password2": new})

    response, client = web_login("203.0.113.5", new)

    assert response.status_code == 302
    assert logged_in(client)
