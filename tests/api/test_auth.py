import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Device, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:token")
REFRESH = reverse("api:token-refresh")
LOGOUT = reverse("api:logout")
DEVICES = reverse("api:device-list")
ME_PROBE = reverse("api:device-list")  # any endpoint that needs a signed-in user


def sign_in(client, email="alice@example.org", password=PASSWORD, **extra):
    return client.post(
        TOKEN, {"email": email, "password": password, **extra}, format="json"
    )


def authed(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_meta_needs_no_auth_and_names_versions(anon_api):
    response = anon_api.get(reverse("api:meta"))
    assert response.status_code == 200
    assert set(response.json()) >= {"api_version", "min_app_version", "disclaimer"}


def test_sign_in_returns_a_short_lived_access_token_and_a_refresh_token(
    alice, anon_api
):
    response = sign_in(anon_api, device_name="Pixel")
    assert response.status_code == 200
    body = response.json()
    assert body["access_expires_in"] <= 15 * 60
    assert body["refresh"] and body["access"]
    device = Device.objects.get(user=alice)
    assert device.name == "Pixel"
    assert device.refresh_token_hash != body["refresh"]  # only the hash is stored
    assert authed(body["access"]).get(ME_PROBE).status_code == 200


def test_sign_in_is_case_insensitive_on_email(alice, anon_api):
    assert sign_in(anon_api, email="ALICE@example.org").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "alice@example.org", "password": "wrong"},
        {"email": "nobody@example.org", "password": PASSWORD},
    ],
)
def test_bad_credentials_get_401_with_the_error_shape(alice, anon_api, payload):
    response = anon_api.post(TOKEN, payload, format="json")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert set(body) == {"code", "message", "errors"}
    assert not Device.objects.exists()


def test_missing_fields_get_400_naming_them(anon_api):
    response = anon_api.post(TOKEN, {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password"}


def test_expired_access_token_is_rejected(alice, anon_api):
    access = sign_in(anon_api).json()["access"]
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)
    with time_machine.travel(later):
        response = authed(access).get(ME_PROBE)
    assert response.status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_stops_working(alice, anon_api):
    first = sign_in(anon_api).json()
    second = anon_api.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert second.status_code == 200
    new = second.json()
    assert new["refresh"] != first["refresh"]
    assert authed(new["access"]).get(ME_PROBE).status_code == 200
    again = anon_api.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert again.status_code == 401


def test_reusing_a_rotated_refresh_token_signs_the_device_out(alice, anon_api):
    first = sign_in(anon_api).json()
    new = anon_api.post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    # A copy of the old token turns up: treat the device as compromised.
    anon_api.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert (
        anon_api.post(REFRESH, {"refresh": new["refresh"]}, format="json").status_code
        == 401
    )
    assert authed(new["access"]).get(ME_PROBE).status_code == 401


def test_logout_revokes_refresh_and_access(alice, anon_api):
    tokens = sign_in(anon_api).json()
    assert (
        anon_api.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code
        == 204
    )
    assert (
        anon_api.post(
            REFRESH, {"refresh": tokens["refresh"]}, format="json"
        ).status_code
        == 401
    )
    assert authed(tokens["access"]).get(ME_PROBE).status_code == 401


def test_logout_with_an_unknown_token_reveals_nothing(anon_api):
    assert anon_api.post(LOGOUT, {"refresh": "nope"}, format="json").status_code == 204


def test_user_lists_devices_and_revokes_one(alice, anon_api):
    phone = sign_in(anon_api, device_name="phone").json()
    tablet = sign_in(anon_api, device_name="tablet").json()
    listing = authed(phone["access"]).get(DEVICES).json()
    assert {d["name"] for d in listing} == {"phone", "tablet"}
    assert [d["current"] for d in listing if d["name"] == "phone"] == [True]
    response = authed(phone["access"]).delete(
        reverse("api:device-revoke", args=[tablet["device"]])
    )
    assert response.status_code == 204
    assert authed(tablet["access"]).get(DEVICES).status_code == 401
    assert (
        anon_api.post(
            REFRESH, {"refresh": tablet["refresh"]}, format="json"
        ).status_code
        == 401
    )
    assert authed(phone["access"]).get(DEVICES).status_code == 200


def test_another_users_device_is_404(alice, bob, anon_api):
    alices = sign_in(anon_api).json()
    bobs = sign_in(anon_api, email="bob@example.org").json()
    response = authed(bobs["access"]).delete(
        reverse("api:device-revoke", args=[alices["device"]])
    )
    assert response.status_code == 404
    assert authed(alices["access"]).get(DEVICES).status_code == 200


def test_anonymous_gets_401(anon_api):
    assert anon_api.get(DEVICES).status_code == 401


def test_garbage_bearer_token_gets_401(anon_api):
    assert authed("not.a.token").get(DEVICES).status_code == 401


def test_login_is_throttled_per_ip(alice, bob, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **rates,
            "login_ip": "2/hour",
        },
    }
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    assert sign_in(client, password="wrong").status_code == 401
    assert sign_in(client, email="bob@example.org", password="wrong").status_code == 401
    assert sign_in(client, email="bob@example.org").status_code == 429


SIGNUP = reverse("api:signup")


def signup_payload(**overrides):
    payload = {
        "email": "new@example.org",
        "password": "a sufficiently long passphrase",
        "time_zone": "Europe/Berlin",
        "notice_acknowledged": True,
    }
    payload.update(overrides)
    return payload


def api_confirm_link(body):
    match = re.search(r"https?://\S+(/accounts/signup/confirm/\S+/)", body)
    return match.group(1) if match else None


def test_api_signup_requires_the_notice_acknowledgement(anon_api, mailoutbox):
    response = anon_api.post(
        SIGNUP, signup_payload(notice_acknowledged=False), format="json"
    )
    assert response.status_code == 400
    assert "notice_acknowledged" in response.json()["errors"]
    assert not User.objects.filter(email="new@example.org").exists()
    assert mailoutbox == []
    response = anon_api.post(SIGNUP, signup_payload(), format="json")
    assert response.status_code == 202
    user = User.objects.get(email="new@example.org")
    assert user.has_current_medical_notice
    assert user.tracked.exists()
    assert not user.email_confirmed


def test_api_signup_answers_the_same_for_a_taken_and_a_new_address(alice, mailoutbox):
    taken = APIClient(REMOTE_ADDR="10.2.0.1").post(
        SIGNUP, signup_payload(email="ALICE@example.org"), format="json"
    )
    new = APIClient(REMOTE_ADDR="10.2.0.2").post(
        SIGNUP, signup_payload(email="alicf@example.org"), format="json"
    )
    assert taken.status_code == new.status_code == 202
    assert taken.json()["email"] == "alice@example.org"
    assert taken.content.replace(b"alice@", b"alicf@") == new.content
    assert "access" not in new.json() and "refresh" not in new.json()
    assert "Check your email" in new.json()["detail"]
    assert sorted(dict(taken.items())) == sorted(dict(new.items()))
    # alice's account is untouched: her password still works, no second account.
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    assert User.objects.get(email="alice@example.org").check_password(PASSWORD)
    # The e-mails: a note with log-in and reset links to alice, a link to the new one.
    assert [mail.to for mail in mailoutbox] == [
        ["alice@example.org"],
        ["alicf@example.org"],
    ]
    assert reverse("accounts:login") in mailoutbox[0].body
    assert reverse("accounts:password-reset") in mailoutbox[0].body
    assert api_confirm_link(mailoutbox[0].body) is None
    assert api_confirm_link(mailoutbox[1].body)


def test_api_signup_unconfirmed_account_gets_no_token_until_confirmed(
    anon_api, mailoutbox, client
):
    anon_api.post(SIGNUP, signup_payload(), format="json")
    password = signup_payload()["password"]
    refused = sign_in(anon_api, email="new@example.org", password=password)
    wrong = sign_in(anon_api, email="new@example.org", password="not the password")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_credentials"
    assert "not confirmed" in refused.json()["message"]
    # The same answer as a wrong password: it tells nothing about the address.
    assert refused.json() == wrong.json()
    assert not Device.objects.filter(user__email="new@example.org").exists()

    assert client.post(api_confirm_link(mailoutbox[0].body)).status_code == 302
    assert User.objects.get(email="new@example.org").email_confirmed
    confirmed = sign_in(anon_api, email="new@example.org", password=password)
    assert confirmed.status_code == 200
    assert authed(confirmed.json()["access"]).get(DEVICES).status_code == 200


def test_api_signup_rejects_bad_input_naming_fields_never_the_address(
    alice, anon_api, mailoutbox
):
    response = anon_api.post(
        SIGNUP,
        signup_payload(email="ALICE@example.org", password="123", time_zone="Mars/X"),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"time_zone"}
    assert "exist" not in response.content.decode()
    response = anon_api.post(
        SIGNUP, signup_payload(email="ALICE@example.org", password="123"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"password"}
    assert "exist" not in response.content.decode()
    response = anon_api.post(
        SIGNUP, signup_payload(email="not an address"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email"}
    assert mailoutbox == []


def test_api_signup_is_throttled_per_address(alice, settings, mailoutbox):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "signup": "2/hour"},
    }
    client = APIClient(REMOTE_ADDR="10.3.0.1")
    for email in ["one@example.org", "alice@example.org"]:
        assert (
            client.post(SIGNUP, signup_payload(email=email), format="json").status_code
            == 202
        )
    blocked = client.post(
        SIGNUP, signup_payload(email="two@example.org"), format="json"
    )
    assert blocked.status_code == 429
    assert "Retry-After" in blocked
    assert not User.objects.filter(email="two@example.org").exists()
    other = APIClient(REMOTE_ADDR="10.3.0.2")
    assert (
        other.post(
            SIGNUP, signup_payload(email="two@example.org"), format="json"
        ).status_code
        == 202
    )
    assert len(mailoutbox) == 3


def test_api_signup_ignores_a_signed_in_caller(bob, mailoutbox):
    """A public endpoint: a bearer token changes nothing and leaks nothing."""
    token = sign_in(APIClient(), email=bob.email).json()["access"]
    response = authed(token).post(
        SIGNUP, signup_payload(email="alice@example.org"), format="json"
    )
    assert response.status_code == 202
    assert set(response.json()) == {"detail", "email"}
    assert "bob" not in response.content.decode()


def test_oversized_body_gets_413(anon_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = anon_api.post(
        TOKEN, {"email": "a@b.c", "password": "x" * 5000}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_malformed_json_gets_400(anon_api):
    response = anon_api.post(TOKEN, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_lone_surrogate_in_input_gets_400_not_500(anon_api):
    body = (
        '{"email": "new@example.org", "password": "a long enough passphrase",'
        ' "time_zone": "\\ud800", "notice_acknowledged": true}'
    )
    response = anon_api.post(
        reverse("api:signup"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "time_zone" in response.json()["errors"]


def _tight_login_ip(settings, rate="2/hour"):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "login_ip": rate},
    }


def test_rotated_forwarded_for_changes_nothing_with_no_trusted_proxy(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _tight_login_ip(settings)
    statuses = [
        sign_in(
            APIClient(REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"),
            password="wrong",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 429, 429]


def test_forwarded_for_is_honoured_behind_one_trusted_proxy(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _tight_login_ip(settings)
    proxy = "10.2.2.2"
    for _ in range(2):
        client = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert sign_in(client, password="wrong").status_code == 401
    client = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert sign_in(client, password="wrong").status_code == 429
    # Another client behind the same proxy has its own budget.
    other = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert sign_in(other).status_code == 200
