"""PostgreSQL connections bind values on the server and prepare repeated
statements, unless DB_PREPARED_STATEMENTS=0 (a pooler in transaction mode); every
database keeps its connection between requests unless DB_CONN_MAX_AGE=0."""

from pathlib import Path

import pytest

from tests.fresh_python import fresh_setting

ROOT = Path(__file__).resolve().parents[2]


def database(**env) -> dict:
    return fresh_setting(
        "DATABASES",
        drop=(
            "DATABASE_URL",
            "DB_PREPARED_STATEMENTS",
            "DB_CONN_MAX_AGE",
            "SQLITE_PATH",
        ),
        env=env,
    )["default"]


def options(**env) -> dict:
    return database(**env).get("OPTIONS", {})


@pytest.mark.parametrize(
    ("env", "prepared"),
    [
        ({"DATABASE_URL": "postgres://ldn@127.0.0.1:5432/ldn"}, True),
        (
            {
                "DATABASE_URL": "postgres://ldn@127.0.0.1:5432/ldn",
                "DB_PREPARED_STATEMENTS": "1",
            },
            True,
        ),
        (
            {
                "DATABASE_URL": "postgres://ldn@127.0.0.1:5432/ldn",
                "DB_PREPARED_STATEMENTS": "0",
            },
            False,
        ),
    ],
)
def test_postgresql_prepares_statements_unless_turned_off(env, prepared):
    found = options(**env)
    if prepared:
        assert found["server_side_binding"] is True
        assert found["prepare_threshold"] == 5
    else:
        assert "server_side_binding" not in found
        assert "prepare_threshold" not in found


def test_sqlite_has_no_postgresql_options():
    found = options(SQLITE_PATH=str(ROOT / "var" / "unused.sqlite3"))
    assert "server_side_binding" not in found
    assert "journal_mode=WAL" in found["init_command"]


def test_a_sqlite_file_named_by_url_gets_the_same_options():
    found = options(DATABASE_URL="sqlite:////tmp/ldn-url.sqlite3")
    assert found["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in found["init_command"]
    assert "server_side_binding" not in found


SQLITE_FILE = {"SQLITE_PATH": str(ROOT / "var" / "unused.sqlite3")}
SQLITE_URL = {"DATABASE_URL": "sqlite:////tmp/ldn-url.sqlite3"}
POSTGRES_URL = {"DATABASE_URL": "postgres://ldn@127.0.0.1:5432/ldn"}


@pytest.mark.parametrize("env", [SQLITE_FILE, SQLITE_URL, POSTGRES_URL])
def test_connections_are_kept_between_requests(env):
    # A SQLite file closed after every request checkpoints its write-ahead log
    # at each close: the daily write ran at half the rate (bench/load.py).
    assert database(**env)["CONN_MAX_AGE"] == 60
    assert database(**env, DB_CONN_MAX_AGE="5")["CONN_MAX_AGE"] == 5


@pytest.mark.parametrize("env", [SQLITE_FILE, SQLITE_URL, POSTGRES_URL])
def test_db_conn_max_age_0_opens_one_per_request(env):
    assert database(**env, DB_CONN_MAX_AGE="0")["CONN_MAX_AGE"] == 0
