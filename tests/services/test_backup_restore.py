"""backup and restore on PostgreSQL with the real pg_dump and pg_restore: a
round trip that gives back every row exactly (identifiers included), and a
restore that refuses to overwrite a database holding data without --force."""

import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from diary.models import Entry, ShareLink
from diary.portability.exporting import account_export_data
from tests.diary.portability.conftest import fill_account
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL: set DATABASE_URL (make test-services)")


@pytest.fixture(autouse=True)
def _builtin_symptoms(transactional_db):
    """A transactional test starts from an emptied database: load the built-in
    symptom list (a data migration) again, before alice is made."""
    from diary.services import symptoms_load_builtin

    symptoms_load_builtin()


def _snapshot():
    snapshot = {}
    for user in User.objects.order_by("email"):
        data = account_export_data(user=user)
        data.pop("exported_at")
        snapshot[user.email] = json.loads(json.dumps(data))
    return snapshot


def test_round_trip_on_postgresql(tmp_path, alice, bob):
    fill_account(alice, days=40)
    fill_account(bob, days=3)
    before = _snapshot()
    token_hashes = sorted(ShareLink.objects.values_list("token_hash", flat=True))
    path = tmp_path / "ldn-diary.dump"

    call_command("backup", str(path))
    assert path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Over a database that holds data: refused, and nothing changed.
    UserFactory(email="later@example.org")
    with pytest.raises(CommandError, match="already holds"):
        call_command("restore", str(path))
    assert User.objects.filter(email="later@example.org").exists()

    # Forced: the database is the backup again, exactly.
    Entry.objects.for_user(alice).filter(date__lt=alice.local_today()).delete()
    call_command("restore", str(path), "--force")
    assert not User.objects.filter(email="later@example.org").exists()
    assert _snapshot() == before
    assert (
        sorted(ShareLink.objects.values_list("token_hash", flat=True)) == token_hashes
    )
    # The sequences came back too: new rows do not collide with restored ones.
    UserFactory(email="after@example.org")


def test_restore_into_an_empty_database(tmp_path, alice):
    fill_account(alice, days=5)
    before = _snapshot()
    path = tmp_path / "ldn-diary.dump"
    call_command("backup", str(path))
    User.objects.all().delete()
    call_command("restore", str(path))
    assert _snapshot() == before


def test_a_file_that_is_not_a_backup_changes_nothing(tmp_path, alice):
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"PGDMP but not really")
    with pytest.raises(CommandError, match="Reading the backup failed"):
        call_command("restore", str(bogus), "--force")
    assert User.objects.filter(pk=alice.pk).exists()
