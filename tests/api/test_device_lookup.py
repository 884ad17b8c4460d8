"""The device behind an access token is read with one query compiled once per
connection (``accounts.api.authentication.signed_in_device``): it answers as the
ORM does, and a token whose device or user is not in good standing is refused."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services
from accounts.api.authentication import signed_in_device
from accounts.models import Device, User
from tests.api.test_auth import authed

pytestmark = pytest.mark.django_db

PROBE = reverse("api:device-list")  # any endpoint that needs a signed-in user


def token_for(user: User, device_claim) -> str:
    token = AccessToken.for_user(user)
    if device_claim is not None:
        token["device"] = device_claim
    return str(token)


def as_values(instance) -> dict:
    """Each column's value and its type (a 1 is not a True, nor text a date)."""
    return {
        field.attname: (type(value), value)
        for field in type(instance)._meta.concrete_fields
        for value in (getattr(instance, field.attname),)
    }


def test_the_compiled_lookup_answers_as_the_orm_does(alice, bob):
    alice.display_name = "Alice <b>A</b>"
    alice.time_zone = "Pacific/Auckland"
    alice.save()
    phone, _ = services.device_sign_in(user=alice, name="Phone")
    old, _ = services.device_sign_in(user=alice, name="Old phone")
    Device.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
    bobs, _ = services.device_sign_in(user=bob, name="Bob's")
    for wanted in (phone.uuid, old.uuid, bobs.uuid, uuid.uuid4()):
        expected = (
            Device.objects.select_related("user")
            .filter(uuid=wanted, revoked_at__isnull=True)
            .first()
        )
        found = signed_in_device(wanted)
        if expected is None:
            assert found is None
            continue
        assert as_values(found) == as_values(expected)
        assert as_values(found.user) == as_values(expected.user)
        assert not found._state.adding and not found.user._state.adding
        assert found.user_id == found.user.pk
    assert signed_in_device(phone.uuid).user.pk == alice.pk
    assert signed_in_device(bobs.uuid).user.pk == bob.pk


def test_a_signed_in_request_reads_its_device_in_one_query(alice):
    device, _ = services.device_sign_in(user=alice, name="Phone")
    client = authed(services.access_token_for(device=device))
    client.get(PROBE)  # the query is compiled on the connection's first use
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PROBE).status_code == 200
    lookups = [q["sql"] for q in queries if "accounts_device" in q["sql"]]
    assert any("accounts_user" in sql for sql in lookups)  # device and user at once


def test_a_good_token_is_accepted(alice):
    device, _ = services.device_sign_in(user=alice, name="Phone")
    assert (
        authed(services.access_token_for(device=device)).get(PROBE).status_code == 200
    )


@pytest.mark.parametrize(
    "spoil",
    [
        "revoked device",
        "inactive user",
        "changed password",
        "another user's device",
        "no device",
        "malformed device",
        "unknown device",
    ],
)
def test_a_token_is_refused_when_its_device_or_user_is_not_in_good_standing(
    alice, bob, spoil
):
    device, _ = services.device_sign_in(user=alice, name="Phone")
    token = services.access_token_for(device=device)
    if spoil == "revoked device":
        Device.objects.filter(pk=device.pk).update(revoked_at=timezone.now())
    elif spoil == "inactive user":
        User.objects.filter(pk=alice.pk).update(is_active=False)
    elif spoil == "changed password":
        alice.set_password("a-new-password-for-alice-2026")
        alice.save()
    elif spoil == "another user's device":
        token = token_for(bob, str(device.uuid))
    elif spoil == "no device":
        token = token_for(alice, None)
    elif spoil == "malformed device":
        token = token_for(alice, "not-a-uuid")
    elif spoil == "unknown device":
        token = token_for(alice, str(uuid.uuid4()))
    response = authed(token).get(PROBE)
    assert response.status_code == 401
    assert response.json()  # the API's error shape, never an empty or HTML answer
