"""Your data is yours: take all of it away, bring it back, or erase it.

- ``account_export_json``: the whole account as one JSON file (see
  ``exporting.py`` and ``export-v1.schema.json``). Made inline: a year of daily
  data takes well under a second and a fixed number of queries.
- ``account_import``: that file into an empty account, all or nothing (see
  ``importing.py``).
- ``account_delete``: erase the account and every row that belongs to it, its
  export files on disk at once, its share links, its signed-in apps and browsers.

The web pages, the API and the admin call these functions.
"""

import contextlib
import json
from functools import partial
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from diary.exports.models import ExportJob
from diary.exports.services import export_file_path

from .exporting import account_export_data, export_filename
from .importing import (
    AccountNotEmpty,
    ImportRejected,
    ImportSummary,
    Problem,
    account_holds_data,
    account_import,
    max_import_bytes,
)

__all__ = [
    "AccountNotEmpty",
    "ImportRejected",
    "ImportSummary",
    "Problem",
    "account_delete",
    "account_export_json",
    "account_holds_data",
    "account_import",
    "export_filename",
    "max_import_bytes",
]

DB_SESSION_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


def account_export_json(*, user: User) -> bytes:
    """The full export as UTF-8 JSON bytes, indented so a person can read it."""
    data = account_export_data(user=user)
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _export_files(user: User) -> list[Path]:
    paths = []
    for job in ExportJob.objects.filter(user=user).exclude(file_name=""):
        path = export_file_path(job)
        if path is not None:
            paths.append(path)
    return paths


def _remove_files(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _delete_sessions(user: User) -> int:
    """Delete every stored browser session signed in as ``user``. Django keeps
    the user's id inside the encoded session data, so the live sessions are read
    one by one (expired ones are never accepted again, and the nightly
    ``clearsessions`` removes them)."""
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        # Cache-only sessions: the user's row is gone, so Django drops any such
        # session at its next request (its user can no longer be loaded).
        return 0
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
        chunk_size=2000
    ):
        with contextlib.suppress(Exception):
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
                keys.append(session.session_key)
    if settings.SESSION_ENGINE.endswith("cached_db"):
        from django.contrib.sessions.backends.cached_db import SessionStore

        for key in keys:
            SessionStore(session_key=key).delete()
    deleted, _by_model = Session.objects.filter(session_key__in=keys).delete()
    return deleted


def _delete_traces(user: User) -> None:
    """Rows that name the account without a foreign key: the admin's change log
    about it, and failed log-in records kept under its e-mail address."""
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).delete()
    if apps.is_installed("axes"):
        for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
            with contextlib.suppress(LookupError):
                model = apps.get_model("axes", name)
                model.objects.filter(username__iexact=user.email).delete()


def account_delete(*, user: User) -> None:
    """Erase the account: every row that belongs to it (the database cascades
    from the user), its browser sessions, its export files on disk, and so its
    share links and its apps' tokens, which stop working at once.

    The caller has confirmed the patient's password (or is an operator in the
    admin). Inside an outer transaction the files go when it commits."""
    paths = _export_files(user)
    with transaction.atomic():
        _delete_sessions(user)
        _delete_traces(user)
        user.delete()
        transaction.on_commit(partial(_remove_files, paths))
