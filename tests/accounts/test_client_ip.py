"""One rule for the client's address: TRUSTED_PROXY_COUNT proxies are trusted,
and with none (the default) a client's X-Forwarded-For is never believed."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from accounts.net import client_ip


def request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_default_is_zero_trusted_proxies():
    assert django_settings.TRUSTED_PROXY_COUNT == 0
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_spoofed_forwarded_for_is_ignored_with_no_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="198.51.100.1")) == "203.0.113.7"
    assert client_ip(request(forwarded="1.2.3.4, 5.6.7.8")) == "203.0.113.7"


def test_one_trusted_proxy_takes_the_address_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote 1.1.1.1 itself; the proxy appended the real 198.51.100.9.
    got = client_ip(request(remote="10.0.0.2", forwarded="1.1.1.1, 198.51.100.9"))
    assert got == "198.51.100.9"


def test_two_trusted_proxies_take_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    forwarded = "6.6.6.6, 198.51.100.9, 10.0.0.1"
    assert client_ip(request(remote="10.0.0.2", forwarded=forwarded)) == (
        "198.51.100.9"
    )


def test_without_the_header_the_remote_address_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(remote="10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize("junk", ["not-an-ip", "", " , ", "<script>"])
def test_garbage_in_the_header_falls_back_to_the_remote_address(settings, junk):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(remote="10.0.0.2", forwarded=junk)) == "10.0.0.2"


def test_ipv6_is_normalised(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    got = client_ip(request(remote="10.0.0.2", forwarded="2001:DB8:0:0:0:0:0:1"))
    assert got == "2001:db8::1"


@pytest.mark.parametrize("value", ["one", "-1", "11", "1.5"])
def test_an_invalid_setting_stops_start_up(value):
    env = {
        **os.environ,
        "TRUSTED_PROXY_COUNT": value,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "TRUSTED_PROXY_COUNT" in result.stderr


def test_a_request_without_any_address_gives_none_for_axes():
    from django.http import HttpRequest

    from accounts.net import client_ip_or_none

    assert client_ip(HttpRequest()) == "unknown"
    assert client_ip_or_none(HttpRequest()) is None
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "accounts.net.client_ip_or_none"
