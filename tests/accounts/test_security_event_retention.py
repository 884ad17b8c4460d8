import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def test_events_older_than_365_days_are_deleted(alice, bob, settings):
    assert settings.SECURITY_EVENT_RETENTION_DAYS == 365
    now = timezone.now()
    old = SecurityEvent.objects.create(
        user=alice,
        kind=SecurityEvent.Kind.LOGIN,
        created_at=now - datetime.timedelta(days=366),
    )
    edge = SecurityEvent.objects.create(
        user=alice,
        kind=SecurityEvent.Kind.LOGIN,
        created_at=now - datetime.timedelta(days=364, hours=23),
    )
    bobs_old = SecurityEvent.objects.create(
        user=bob,
        kind=SecurityEvent.Kind.LOGIN,
        created_at=now - datetime.timedelta(days=400),
    )
    kept_before = set(SecurityEvent.objects.values_list("pk", flat=True)) - {
        old.pk,
        bobs_old.pk,
    }

    assert services.security_events_delete_old(now=now) == 2

    assert set(SecurityEvent.objects.values_list("pk", flat=True)) == kept_before
    assert edge.pk in kept_before


def test_the_retention_follows_the_setting(alice, settings):
    settings.SECURITY_EVENT_RETENTION_DAYS = 30
    SecurityEvent.objects.all().delete()
    SecurityEvent.objects.create(
        user=alice,
        kind=SecurityEvent.Kind.LOGIN,
        created_at=timezone.now() - datetime.timedelta(days=31),
    )
    assert services.security_events_delete_old() == 1
    assert not SecurityEvent.objects.exists()


def test_retention_runs_as_a_command_and_a_periodic_task(alice, settings, capsys):
    from accounts.tasks import security_events_delete_old

    SecurityEvent.objects.all().delete()
    for _ in range(2):
        SecurityEvent.objects.create(
            user=alice,
            kind=SecurityEvent.Kind.LOGIN,
            created_at=timezone.now() - datetime.timedelta(days=400),
        )
    call_command("security_events_delete_old")
    assert "2 security event(s)" in capsys.readouterr().out
    assert not SecurityEvent.objects.exists()
    assert security_events_delete_old.apply().get() == 0
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.tasks.security_events_delete_old" in names
