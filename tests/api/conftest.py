import pytest
from rest_framework.test import APIClient

from accounts import services as account_services


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def bearer_client(user, name="test phone") -> APIClient:
    device, _refresh = account_services.device_sign_in(user=user, name=name)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {account_services.access_token_for(device=device)}"
    )
    client.device = device
    return client


@pytest.fixture
def alice_api(alice):
    return bearer_client(alice)


@pytest.fixture
def bob_api(bob):
    return bearer_client(bob)


@pytest.fixture
def anon_api():
    return APIClient()
