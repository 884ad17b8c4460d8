"""Settings > Security and what stands behind it: a new password signs out every
app and every other browser; browsers are listed and can be signed out; idle
sessions end; two-step log-in with single-use backup codes; the patient's own
security events."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from accounts.models import BrowserSession, Device, SecurityEvent, User
from tests.accounts.conftest import verify_session
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login-verify")
SECURITY = reverse("accounts:security")
EVENTS = reverse("accounts:security-events")
TOKEN = reverse("api:token")
REFRESH = reverse("api:token-refresh")
DEVICES = reverse("api:device-list")
API_EVENTS = reverse("api:security-event-list")
NEW_PASSWORD = "quiet meadow lantern 73"
FIREFOX = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(user_agent=FIREFOX, ip="198.51.100.20", email="alice@example.org"):
    """A browser that logs in through the real form."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def phone(email="alice@example.org"):
    response = APIClient(HTTP_USER_AGENT="okhttp/4.12").post(
        TOKEN,
        {"email": email, "password": PASSWORD, "device_name": "Pixel 8"},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def is_signed_in(client) -> bool:
    return client.get(SECURITY).status_code == 200


# --------------------------------------------------- revocation on new password


def test_password_change_signs_out_apps_and_other_browsers_but_not_this_one(alice):
    pair = phone()
    this, other = browser(), browser(IPHONE, "203.0.113.9")

    response = this.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert bearer(pair["access"]).get(DEVICES).status_code == 401
    refreshed = APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 401
    assert is_signed_in(this)
    assert not is_signed_in(other)
    assert Device.objects.get(user=alice).revoked_at is not None
    assert list(BrowserSession.objects.filter(user=alice)) == [
        BrowserSession.objects.get(session_key=this.session.session_key)
    ]
    assert SecurityEvent.objects.filter(
        user=alice, kind=SecurityEvent.Kind.PASSWORD_CHANGED
    ).exists()


def test_password_reset_signs_out_every_app_and_browser(alice, mailoutbox):
    pair = phone()
    signed_in = browser()
    visitor = Client()
    visitor.post(reverse("accounts:password-reset"), {"email": "alice@example.org"})
    link = re.search(r"https?://\S+/password/reset/\S+/", mailoutbox[0].body).group(0)
    form_url = visitor.get(link.removeprefix("http://testserver"))["Location"]

    response = visitor.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert bearer(pair["access"]).get(DEVICES).status_code == 401
    assert (
        APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    ).status_code == 401
    assert not is_signed_in(signed_in)
    assert not BrowserSession.objects.filter(user=alice).exists()
    assert SecurityEvent.objects.filter(
        user=alice, kind=SecurityEvent.Kind.PASSWORD_RESET
    ).exists()


def test_a_password_set_any_other_way_also_ends_app_tokens(alice):
    """The admin's or the shell's set_password: the device's password hash no
    longer matches, so its tokens stop working too."""
    pair = phone()
    alice.set_password(NEW_PASSWORD)
    alice.save()

    assert bearer(pair["access"]).get(DEVICES).status_code == 401
    assert (
        APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    ).status_code == 401


def test_a_device_signed_in_after_the_change_works(alice):
    phone()
    alice.set_password(NEW_PASSWORD)
    alice.save()
    response = APIClient().post(
        TOKEN, {"email": "alice@example.org", "password": NEW_PASSWORD}, format="json"
    )

    assert bearer(response.json()["access"]).get(DEVICES).status_code == 200


# ------------------------------------------------------ browsers and apps page


def test_security_page_lists_browsers_and_apps_with_approximate_names(alice):
    phone()
    browser(IPHONE, "203.0.113.9")
    this = browser()

    html = this.get(SECURITY).content.decode()

    assert "Firefox on Windows" in html
    assert "Safari on iPhone" in html
    assert "Pixel 8" in html
    assert "This browser" in html
    assert "203.0.113.9" in html
    assert "Sign out everywhere else" in html


def test_sign_out_one_browser(alice):
    this, other = browser(), browser(IPHONE, "203.0.113.9")
    row = BrowserSession.objects.get(session_key=other.session.session_key)

    response = this.post(reverse("accounts:browser-sign-out", args=[row.uuid]))

    assert response.status_code == 302
    assert not is_signed_in(other)
    assert is_signed_in(this)


def test_sign_out_one_app(alice):
    pair = phone()
    this = browser()
    device = Device.objects.get(user=alice)

    this.post(reverse("accounts:device-sign-out", args=[device.uuid]))

    assert bearer(pair["access"]).get(DEVICES).status_code == 401


def test_sign_out_everywhere_else(alice):
    pair = phone()
    this, other = browser(), browser(IPHONE, "203.0.113.9")

    response = this.post(reverse("accounts:sign-out-others"))

    assert response.status_code == 302
    assert is_signed_in(this)
    assert not is_signed_in(other)
    assert bearer(pair["access"]).get(DEVICES).status_code == 401


def test_bob_cannot_sign_out_alices_browser_or_app(alice, bob):
    alices = browser()
    phone()
    bobs = browser(email="bob@example.org", ip="192.0.2.77")
    row = BrowserSession.objects.get(session_key=alices.session.session_key)
    device = Device.objects.get(user=alice)

    browser_url = reverse("accounts:browser-sign-out", args=[row.uuid])
    device_url = reverse("accounts:device-sign-out", args=[device.uuid])
    assert bobs.post(browser_url).status_code == 404
    assert bobs.post(device_url).status_code == 404
    assert is_signed_in(alices)
    assert Device.objects.get(user=alice).revoked_at is None
    bobs_page = bobs.get(SECURITY).content.decode()
    assert "192.0.2.77" in bobs_page
    assert "198.51.100.20" not in bobs_page
    assert "Pixel 8" not in bobs_page


def test_the_current_browser_is_not_signed_out_from_the_list(alice):
    this = browser()
    row = BrowserSession.objects.get(session_key=this.session.session_key)

    assert (
        this.post(reverse("accounts:browser-sign-out", args=[row.uuid])).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("accounts:security", []),
        ("accounts:security-events", []),
        ("accounts:two-factor-setup", []),
        ("accounts:two-factor-backup-codes", []),
        ("accounts:two-factor-disable", []),
    ],
)
def test_anonymous_is_sent_to_log_in(anon_client, name, args):
    response = anon_client.get(reverse(name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "name", ["accounts:browser-sign-out", "accounts:device-sign-out"]
)
def test_anonymous_sign_out_posts_change_nothing(anon_client, alice, name):
    pair = phone()
    device = Device.objects.get(user=alice)

    response = anon_client.post(reverse(name, args=[device.uuid]))

    assert response.status_code == 302
    assert bearer(pair["access"]).get(DEVICES).status_code == 200


def test_sign_out_posts_need_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(reverse("accounts:sign-out-others")).status_code == 403


def test_unknown_uuid_is_404(alice_client):
    url = reverse("accounts:device-sign-out", args=[uuid.uuid4()])
    assert alice_client.post(url).status_code == 404


def test_security_page_queries_do_not_grow_with_browsers(
    alice, django_assert_max_num_queries
):
    this = browser()

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert this.get(SECURITY).status_code == 200
        return len(ctx.captured_queries)

    count()
    few = count()
    for index in range(8):
        browser(ip=f"203.0.113.{index + 1}")
        phone()
    count()
    assert count() == few


# --------------------------------------------------------------- idle expiry


def test_an_idle_session_is_signed_out(alice, settings):
    settings.SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = browser()
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert is_signed_in(client)  # activity restarts the clock
    with time_machine.travel(start + datetime.timedelta(minutes=58), tick=False):
        assert is_signed_in(client)
    with time_machine.travel(start + datetime.timedelta(minutes=89), tick=False):
        response = client.get(SECURITY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert SecurityEvent.objects.filter(
        user=alice, kind=SecurityEvent.Kind.SESSION_EXPIRED
    ).exists()
    assert not BrowserSession.objects.filter(user=alice).exists()


def test_idle_timeout_comes_from_the_environment():
    import os
    import subprocess
    import sys

    env = {**os.environ, "SESSION_IDLE_MINUTES": "2", "SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
            "import django; django.setup();"
            "from django.conf import settings; print(settings.SESSION_IDLE_MINUTES)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ImproperlyConfigured" in result.stderr  # under 5 minutes is refused
    env["SESSION_IDLE_MINUTES"] = "45"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
            "import django; django.setup();"
            "from django.conf import settings; print(settings.SESSION_IDLE_MINUTES)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "45"


# ------------------------------------------------------------ two-step log-in


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def enable_two_factor(client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("accounts:two-factor-setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(
        reverse("accounts:two-factor-setup"), {"code": current_code(device)}
    )
    assert response.status_code == 200
    codes = re.findall(
        r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode()
    )
    device.refresh_from_db()
    return device, codes


def test_turning_on_two_step_shows_ten_backup_codes_once(alice):
    client = browser()
    device, codes = enable_two_factor(client)

    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=alice).count() == 10
    assert SecurityEvent.objects.filter(
        user=alice, kind=SecurityEvent.Kind.TWO_FACTOR_ENABLED
    ).exists()
    # Not shown again.
    assert codes[0] not in client.get(SECURITY).content.decode()


def test_a_wrong_first_code_does_not_turn_it_on(alice):
    client = browser()
    client.get(reverse("accounts:two-factor-setup"))

    response = client.post(reverse("accounts:two-factor-setup"), {"code": "000000"})

    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()


def test_log_in_with_two_step_needs_the_code(alice):
    device, _codes = enable_two_factor(browser())
    client = Client()

    response = client.post(
        LOGIN, {"username": "alice@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert "_auth_user_id" not in client.session
    assert client.get(SECURITY).status_code == 302  # not signed in yet
    wrong = client.post(VERIFY, {"code": "123456"})
    assert wrong.status_code == 200
    assert "not right" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    device.throttling_failure_count = 0  # skip django-otp's back-off for the test
    device.throttling_failure_timestamp = None
    device.save()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=31)):
        ok = client.post(VERIFY, {"code": current_code(device)})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_backup_code_works_once(alice):
    _device, codes = enable_two_factor(browser())

    first = Client()
    first.post(LOGIN, {"username": "alice@example.org", "password": PASSWORD})
    assert (
        first.post(VERIFY, {"code": codes[0].upper().replace("-", " ")}).status_code
        == 302
    )
    assert first.session["_auth_user_id"] == str(alice.pk)

    second = Client()
    second.post(LOGIN, {"username": "alice@example.org", "password": PASSWORD})
    reused = second.post(VERIFY, {"code": codes[0]})
    assert reused.status_code == 200
    assert "_auth_user_id" not in second.session
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    assert (
        SecurityEvent.objects.filter(
            user=alice, kind=SecurityEvent.Kind.BACKUP_CODE_USED
        ).count()
        == 1
    )


def test_five_wrong_codes_send_back_to_the_password(alice):
    enable_two_factor(browser())
    client = Client()
    client.post(LOGIN, {"username": "alice@example.org", "password": PASSWORD})
    for _ in range(5):
        client.post(VERIFY, {"code": "zzzzz-zzzzz"})

    response = client.get(VERIFY)

    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_the_code_step_without_a_password_step_goes_to_log_in(anon_client):
    response = anon_client.get(VERIFY)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_api_token_needs_the_code_when_two_step_is_on(alice):
    device, codes = enable_two_factor(browser())
    payload = {"email": "alice@example.org", "password": PASSWORD}

    missing = APIClient().post(TOKEN, payload, format="json")
    wrong = APIClient().post(TOKEN, {**payload, "otp_code": "111111"}, format="json")
    backup = APIClient().post(TOKEN, {**payload, "otp_code": codes[1]}, format="json")

    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    assert backup.status_code == 200


def test_new_backup_codes_replace_the_old_ones(alice):
    client = browser()
    _device, old = enable_two_factor(client)

    wrong = client.post(reverse("accounts:two-factor-backup-codes"), {"password": "no"})
    response = client.post(
        reverse("accounts:two-factor-backup-codes"), {"password": PASSWORD}
    )

    assert "not your current password" in wrong.content.decode()
    new = re.findall(
        r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode()
    )
    assert len(new) == 10 and not set(new) & set(old)
    assert (
        response["Cache-Control"].startswith("max-age=0")
        or "no-store" in response["Cache-Control"]
    )


def test_turning_two_step_off_needs_the_password(alice):
    client = browser()
    enable_two_factor(client)

    client.post(reverse("accounts:two-factor-disable"), {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=alice).exists()
    client.post(reverse("accounts:two-factor-disable"), {"password": PASSWORD})

    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticToken.objects.filter(device__user=alice).exists()
    assert SecurityEvent.objects.filter(
        user=alice, kind=SecurityEvent.Kind.TWO_FACTOR_DISABLED
    ).exists()


def test_staff_without_two_step_cannot_use_the_admin(db):
    staff = User.objects.create_superuser(email="staff@example.org", password=PASSWORD)
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/").status_code == 302
    verify_session(client, staff)
    assert client.get("/admin/").status_code == 200


def test_staff_admin_log_in_asks_for_the_code(db):
    staff = User.objects.create_superuser(email="staff@example.org", password=PASSWORD)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client = Client()

    without = client.post(
        "/admin/login/", {"username": "staff@example.org", "password": PASSWORD}
    )
    assert without.status_code == 200
    with_code = client.post(
        "/admin/login/",
        {
            "username": "staff@example.org",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": current_code(device),
        },
    )
    assert with_code.status_code == 302
    assert client.get("/admin/").status_code == 200


# ---------------------------------------------------------- security events


def test_events_page_shows_own_events_only_and_no_health_data(alice, bob):
    client = browser()
    browser(email="bob@example.org", ip="192.0.2.99")

    html = client.get(EVENTS).content.decode()

    assert "Logged in" in html
    assert "198.51.100.20" in html
    assert "192.0.2.99" not in html


def test_events_page_queries_do_not_grow(alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(EVENTS).status_code == 200
        return len(ctx.captured_queries)

    count()
    few = count()
    for _ in range(30):
        services.security_event_record(user=alice, kind=SecurityEvent.Kind.LOGIN)
    count()
    assert count() == few


def test_api_events_are_the_users_own(alice, bob):
    pair = phone()
    phone(email="bob@example.org")

    response = bearer(pair["access"]).get(API_EVENTS)

    assert response.status_code == 200
    kinds = [row["kind"] for row in response.json()["results"]]
    assert "device_signed_in" in kinds
    assert all(
        set(row) == {"kind", "kind_label", "created_at", "ip_address", "user_agent"}
        for row in response.json()["results"]
    )
    assert len(kinds) == SecurityEvent.objects.filter(user=alice).count()


def test_api_events_need_sign_in():
    assert APIClient().get(API_EVENTS).status_code == 401


def test_device_sign_in_and_out_are_events(alice):
    pair = phone()
    bearer(pair["access"]).post(
        reverse("api:logout"), {"refresh": pair["refresh"]}, format="json"
    )

    kinds = set(SecurityEvent.objects.filter(user=alice).values_list("kind", flat=True))
    assert {"device_signed_in", "device_signed_out"} <= kinds


def test_a_reset_request_is_an_event_and_limited_per_address(alice, settings):
    settings.SIGNUP_PER_ADDRESS_PER_HOUR = 2
    url = reverse("accounts:password-reset")
    statuses = [
        Client(REMOTE_ADDR="192.0.2.8").post(url, {"email": "alice@example.org"})
        for _ in range(3)
    ]

    assert [response.status_code for response in statuses] == [302, 302, 429]
    assert "Too many reset requests" in statuses[2].content.decode()
    assert (
        SecurityEvent.objects.filter(
            user=alice, kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED
        ).count()
        == 2
    )
    other = Client(REMOTE_ADDR="192.0.2.9").post(url, {"email": "alice@example.org"})
    assert other.status_code == 302


def test_a_busy_session_still_ends_after_the_maximum_age(alice, settings):
    settings.SESSION_IDLE_MINUTES = 60
    settings.SESSION_COOKIE_AGE = 3 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = browser()
    for minutes in range(50, 180, 50):  # a request every 50 minutes
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            assert is_signed_in(client)
    with time_machine.travel(start + datetime.timedelta(minutes=181), tick=False):
        response = client.get(SECURITY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
