import pytest
from django.core.cache import cache
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-up counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def verify_session(client, user):
    """Mark ``client``'s logged-in session as having passed two-step log-in."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
