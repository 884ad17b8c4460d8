"""Share links (issue 9): the guess limit is per client address and per link,
never global (defect 4); a link can be deleted with its access log (web, API,
service); visits are kept 90 days."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary.sharing import services
from diary.sharing.models import ShareAccess, ShareLink
from tests.api.conftest import bearer_client
from tests.diary.test_sharing import make_link, view_url

PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def through_proxy(client_address: str):
    """A request as the README's production set-up delivers it: from the proxy,
    with the client's address appended to X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def test_guessing_behind_the_proxy_does_not_block_other_doctors(alice, settings):
    """Defect 4: 21 random tokens made every share link answer 429 to everyone."""
    settings.TRUSTED_PROXY_COUNT = 1
    _link, token = make_link(alice)
    attacker = through_proxy("203.0.113.66")
    for n in range(settings.SHARE_GUESS_LIMIT + 1):
        attacker.get(view_url(f"guess-{n}"))
    assert attacker.get(view_url(token)).status_code == 429
    doctor = through_proxy("198.51.100.20")
    assert doctor.get(view_url(token)).status_code == 200


def test_a_spoofed_forwarded_header_changes_nothing_without_a_trusted_proxy(
    alice, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    _link, token = make_link(alice)
    for n in range(settings.SHARE_GUESS_LIMIT):
        Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").get(
            view_url(f"guess-{n}")
        )
    rotated = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.250")
    assert rotated.get(view_url(token)).status_code == 429


def test_a_client_cannot_prepend_addresses_to_escape_the_limit(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _link, token = make_link(alice)
    for n in range(settings.SHARE_GUESS_LIMIT):
        # The proxy appends the real address last; whatever the client wrote
        # before it is ignored.
        through_proxy(f"192.0.2.{n}, 203.0.113.66").get(view_url(f"guess-{n}"))
    assert (
        through_proxy("192.0.2.250, 203.0.113.66").get(view_url(token)).status_code
        == 429
    )


# ------------------------------------------------------------------ deleting


def visit(link, token, times=2):
    for _ in range(times):
        assert Client().get(view_url(token)).status_code == 200
    assert ShareAccess.objects.filter(link=link).count() == times


def test_service_deletes_the_link_and_its_access_log(alice):
    link, token = make_link(alice)
    visit(link, token)
    other, _ = make_link(alice)
    assert services.share_link_delete(link=link) == 2
    assert not ShareLink.objects.filter(pk=link.pk).exists()
    assert not ShareAccess.objects.filter(link_id=link.pk).exists()
    assert ShareLink.objects.filter(pk=other.pk).exists()
    assert Client().get(view_url(token)).status_code == 404


def test_patient_deletes_a_link_on_the_web(alice, alice_client):
    link, token = make_link(alice, label="For Dr Example")
    visit(link, token)
    page = alice_client.get(reverse("diary:share-list")).content.decode()
    url = reverse("diary:share-delete", args=[link.uuid])
    assert f'action="{url}"' in page
    assert "90 days" in page
    response = alice_client.post(url, follow=True)
    assert response.status_code == 200
    assert "For Dr Example" in response.content.decode()  # the message
    assert not ShareLink.objects.exists()
    assert not ShareAccess.objects.exists()


def test_another_user_cannot_delete_a_link(alice, bob_client, anon_client):
    link, _ = make_link(alice)
    url = reverse("diary:share-delete", args=[link.uuid])
    assert bob_client.post(url).status_code == 404
    response = anon_client.post(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert bob_client.get(url).status_code == 405
    assert ShareLink.objects.filter(pk=link.pk).exists()


def test_delete_through_the_api(alice, bob):
    link, token = make_link(alice)
    visit(link, token)
    url = f"/api/v1/share-links/{link.uuid}/delete/"
    assert bearer_client(bob).post(url).status_code == 404
    assert Client().post(url).status_code == 401
    assert ShareLink.objects.filter(pk=link.pk).exists()
    response = bearer_client(alice).post(url)
    assert response.status_code == 204
    assert not ShareLink.objects.exists()
    assert not ShareAccess.objects.exists()
    assert bearer_client(alice).post(url).status_code == 404


# ------------------------------------------------------------------ retention


def test_visits_older_than_90_days_are_deleted(alice, settings):
    assert settings.SHARE_ACCESS_RETENTION_DAYS == 90
    link, token = make_link(alice)
    visit(link, token, times=3)
    now = timezone.now()
    old, edge, recent = ShareAccess.objects.order_by("id")
    ShareAccess.objects.filter(pk=old.pk).update(
        accessed_at=now - datetime.timedelta(days=91)
    )
    ShareAccess.objects.filter(pk=edge.pk).update(
        accessed_at=now - datetime.timedelta(days=89, hours=23)
    )
    assert services.share_accesses_delete_old(now=now) == 1
    assert set(ShareAccess.objects.values_list("pk", flat=True)) == {
        edge.pk,
        recent.pk,
    }
    assert ShareLink.objects.filter(pk=link.pk).exists()


def test_retention_runs_as_a_command_and_a_periodic_task(alice, settings, capsys):
    from diary.sharing.tasks import share_accesses_delete_old

    link, token = make_link(alice)
    visit(link, token, times=2)
    ShareAccess.objects.update(
        accessed_at=timezone.now() - datetime.timedelta(days=100)
    )
    call_command("share_accesses_delete_old")
    assert "2 share-link visit(s)" in capsys.readouterr().out
    assert not ShareAccess.objects.exists()
    assert share_accesses_delete_old.apply().get() == 0
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "diary.sharing.tasks.share_accesses_delete_old" in names
