"""backup and restore on the configured database (SQLite by default): a round
trip, and a restore that refuses to overwrite data without --force. The
PostgreSQL round trip with the real pg_dump and pg_restore, checked file format
included, is in tests/services/test_backup_restore.py."""

import json
import stat

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from diary.models import Entry
from diary.portability.exporting import account_export_data
from tests.diary.portability.conftest import fill_account
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _builtin_symptoms(transactional_db):
    """A transactional test starts from an emptied database: load the built-in
    symptom list (a data migration) again, before alice is made."""
    from diary.services import symptoms_load_builtin

    symptoms_load_builtin()


def _snapshot(email):
    data = account_export_data(user=User.objects.get(email=email))
    data.pop("exported_at")
    return json.loads(json.dumps(data))


def test_backup_and_restore_round_trip(tmp_path, alice):
    fill_account(alice, days=5)
    before = _snapshot("alice@example.org")
    path = tmp_path / "backups" / "db.sqlite3"
    call_command("backup", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    with pytest.raises(CommandError, match="already holds"):
        call_command("restore", str(path))

    # A later change, then a forced restore: back to the backup exactly.
    UserFactory(email="later@example.org")
    Entry.objects.for_user(alice).delete()
    call_command("restore", str(path), "--force")
    assert not User.objects.filter(email="later@example.org").exists()
    assert _snapshot("alice@example.org") == before


def test_restore_into_an_empty_database_needs_no_force(tmp_path, alice):
    fill_account(alice, days=2)
    before = _snapshot("alice@example.org")
    path = tmp_path / "db.sqlite3"
    call_command("backup", str(path))
    User.objects.all().delete()
    call_command("restore", str(path))
    assert _snapshot("alice@example.org") == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, alice):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    with pytest.raises(
        CommandError,
        match="not a SQLite backup|not an LDN Diary|Reading the backup failed",
    ):
        call_command("restore", str(bogus), "--force")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.sqlite3"), "--force")
    assert User.objects.filter(pk=alice.pk).exists()
