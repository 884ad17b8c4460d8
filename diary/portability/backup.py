"""Back up the whole database to one file, and restore it from one.

- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean
  --single-transaction`` (the ``postgresql-client`` package; ``make system-deps``
  installs it). The password goes to the tools in their environment, never on
  the command line.
- SQLite: SQLite's own online backup API, which copies a consistent snapshot
  even while the site is running.

A backup holds every patient's health data: it is written readable by its owner
only (mode 0600). A restore refuses to overwrite a database that already holds
accounts or diary data unless forced, and checks that the file is a readable
backup before it touches anything. Export files (kept a few days) are not in the
database and not in the backup.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.db import connections

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# Apps whose every row is someone's data. Built-in symptoms (no owner) are
# reference data that migrations load, so an empty database may hold them.
DATA_APPS = ("accounts", "diary")


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def database_kind(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in (SQLITE, POSTGRESQL):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def database_holds_data(alias: str = "default") -> bool:
    """Whether any account or diary row exists (built-in symptoms aside)."""
    from diary.models import Symptom

    tables = set(connections[alias].introspection.table_names())
    for app_label in DATA_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.db_table not in tables:
                continue
            rows = model._default_manager.using(alias)
            if model is Symptom:
                rows = rows.filter(owner__isnull=False)
            if rows.exists():
                return True
    return False


# ------------------------------------------------------------------ PostgreSQL


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client tools "
            "(postgresql-client, `make system-deps`)."
        )
    return path


def _pg_environment(alias: str) -> tuple[dict[str, str], str]:
    settings = connections[alias].settings_dict
    env = {**os.environ}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        value = settings.get(key)
        if value:
            env[variable] = str(value)
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env, settings["NAME"]


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed tools, arguments not from users
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


# -------------------------------------------------------------------- SQLite


def _sqlite_connect(name: Path | str) -> sqlite3.Connection:
    # Django names an in-memory test database with a "file:" URI.
    return sqlite3.connect(name, uri=str(name).startswith("file:"))


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    with (
        contextlib.closing(_sqlite_connect(source)) as src,
        contextlib.closing(_sqlite_connect(target)) as dst,
    ):
        src.backup(dst)


def _sqlite_check(path: Path) -> None:
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        ) as db:
            (status,) = db.execute("PRAGMA quick_check").fetchone()
            has_migrations = db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup: {exc}") from None
    if status != "ok" or not has_migrations:
        raise BackupError(f"{path} is not an LDN Diary SQLite backup.")


# ----------------------------------------------------------------- the two jobs


def _private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def database_backup(*, path: Path, alias: str = "default") -> Path:
    """Write a backup of the database to ``path`` (readable by its owner only)."""
    kind = database_kind(alias)
    path = Path(path)
    _private_file(path)
    try:
        if kind == POSTGRESQL:
            env, name = _pg_environment(alias)
            _run(
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={path}",
                    name,
                ],
                env,
                "pg_dump",
            )
        else:
            connections[alias].ensure_connection()
            _sqlite_copy(connections[alias].settings_dict["NAME"], path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    os.chmod(path, 0o600)
    return path


def database_restore(
    *, path: Path, force: bool = False, alias: str = "default"
) -> None:
    """Replace the database's contents with the backup at ``path``.

    Refuses (``BackupError``) when the file is missing or not a backup, and when
    the database already holds accounts or diary data, unless ``force``. On
    PostgreSQL the restore runs in one transaction: it happens whole or not at
    all."""
    kind = database_kind(alias)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    if kind == POSTGRESQL:
        env, name = _pg_environment(alias)
        _run([_pg_tool("pg_restore"), "--list", str(path)], env, "Reading the backup")
    else:
        _sqlite_check(path)
    if not force and database_holds_data(alias):
        raise BackupError(
            "The database already holds accounts or diary data. Restoring would "
            "replace all of it; run again with --force if that is what you want."
        )
    connections[alias].close()
    if kind == POSTGRESQL:
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={name}",
                str(path),
            ],
            env,
            "pg_restore",
        )
    else:
        _sqlite_copy(path, connections[alias].settings_dict["NAME"])
