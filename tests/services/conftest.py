"""Fixtures for the tests that run on the real services (``@pytest.mark.services``,
run by ``make test-services`` with DATABASE_URL on PostgreSQL and REDIS_URL set).

- ``celery_queue``: a queue name of this test's own; the app publishes to it for
  the test and every worker started here consumes it. Its keys are removed from
  Redis afterwards.
- ``use_broker(url)``: point the app (this process) at another broker for the
  test, with tasks sent for real (not run in-process).
- ``redis_server()``: start a ``redis-server`` of the test's own on a free port;
  the returned ``RedisServer`` can ``stop()`` (SIGKILL) and ``start()`` again on
  the same port. Stopped at teardown.
- ``start_worker(broker_url=None, env=None)``: start a real Celery worker process
  (``celery -A config worker --pool=solo``) on the test database, this test's
  queue and PRIVATE_FILES_ROOT; waits until it is ready and returns a ``Worker``
  (``kill()`` sends SIGKILL, ``log()`` is its output). Workers are stopped at
  teardown, before the test database is flushed. Using it makes the test
  transactional: the worker only sees committed rows.
- ``wait_for(condition, timeout, what)``: poll until ``condition()`` is truthy.

The worker loads ``tests.services.worker_settings``: the project's settings plus
documented test hooks read from its environment (``EXPORT_TEST_DELAY_SECONDS``).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKER_READY_SECONDS = 30


def _fail(message: str):
    pytest.fail(f"{message} (run these tests with `make test-services`)")


def worker_database_url() -> str:
    """DATABASE_URL of the database this test runs on (pytest-django's test_...)."""
    db = connection.settings_dict
    if "postgresql" not in db["ENGINE"]:
        _fail("The services tests need PostgreSQL: set DATABASE_URL")
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(db['NAME'], safe='')}"


def wait_for(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture(name="wait_for")
def wait_for_fixture():
    return wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _fail("The services tests need Redis: set REDIS_URL")
    return url


@pytest.fixture
def celery_queue(redis_url):
    """A queue of this test's own on the main Redis, cleaned up afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    old = app.conf.task_default_queue
    app.conf.task_default_queue = name
    yield name
    app.conf.task_default_queue = old
    _forget_queue(redis_url, name)


def _forget_queue(url: str, name: str) -> None:
    """Remove the queue, its bindings, and messages a killed worker left unacked."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.delete(
            name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}"
        )
        for tag, raw in client.hgetall("unacked").items():
            if f'"routing_key": "{name}"'.encode() in raw:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    except redis.RedisError:
        pass  # that Redis is gone (a test's own, already stopped)


@pytest.fixture
def use_broker():
    """Point this process's Celery app at ``url`` for the test."""
    old = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def use(url: str) -> None:
        app.conf.update(broker_url=url, task_always_eager=False)

    yield use
    app.conf.update(old)


class RedisServer:
    def __init__(self, port: int, log_path: Path):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def answers():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, 10, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path):
    servers: list[RedisServer] = []

    def start() -> RedisServer:
        server = RedisServer(free_port(), tmp_path / f"redis-{len(servers)}.log")
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


class Worker:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, mid-task, acknowledging nothing."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(transactional_db, tmp_path, private_root, celery_queue, redis_url):
    workers: list[Worker] = []
    database_url = worker_database_url()

    def start(broker_url: str | None = None, env: dict | None = None) -> Worker:
        log_path = tmp_path / f"worker-{len(workers)}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.services.worker_settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url or redis_url,
            "PRIVATE_FILES_ROOT": str(private_root),
            "TEST_CELERY_QUEUE": celery_queue,
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-only-secret",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-Q",
                    celery_queue,
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-n",
                    f"{celery_queue}-{len(workers)}@%h",
                    "-l",
                    "info",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log_path)
        workers.append(worker)

        def ready():
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited early:\n{worker.log()}")
            return " ready." in worker.log()

        wait_for(ready, WORKER_READY_SECONDS, "the Celery worker to start")
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT
