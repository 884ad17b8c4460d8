"""Personas: ``alice`` owns the data, ``bob`` is another patient, ``anon`` is a
visitor who is not signed in (Healthchecks' and wger's owner/other/anonymous)."""

import pytest
from django.test import Client

from diary.services import symptoms_track_defaults
from tests.factories import BOB_TIME_ZONE, UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def alice(db):
    user = UserFactory(email="alice@example.org", time_zone="Europe/London")
    symptoms_track_defaults(user=user)
    return user


@pytest.fixture
def bob(db):
    user = UserFactory(email="bob@example.org", time_zone=BOB_TIME_ZONE)
    symptoms_track_defaults(user=user)
    return user


@pytest.fixture
def alice_client(alice):
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob):
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def anon_client():
    return Client()
