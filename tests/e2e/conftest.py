"""Shared fixtures for the real-browser tests (``@pytest.mark.browser``).

- ``browser``: one headless Chromium (Debian's /usr/bin/chromium) for the session.
- ``make_page(**context_options)``: a page in a fresh browser context. Every page
  it makes is watched: a console error, an uncaught script error, a server error
  (5xx) or a request to any host other than the live server FAILS the test at
  teardown. Requests to other hosts are also blocked, so nothing leaves the
  machine.
- ``page``: ``make_page()`` with a 1280 x 900 window.
- ``signed_in_page(user, **context_options)``: logs ``user`` in through the real
  log-in form (email and password typed and submitted) and returns the page,
  left on the home page.

Run with: SECRET_KEY=test .venv/bin/python -m pytest tests/e2e -m browser
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in the test's thread, and Django refuses
# ORM calls while a loop is running. The tests' own ORM calls are plain
# synchronous code, so they are safe. Tests only: never set this in product code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright():
    # Set again for every test: another module's fixture may have removed it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(autouse=True)
def _builtin_symptoms(request):
    """Browser tests use transactional databases, which are flushed after each
    test; the built-in catalogue (a data migration) is loaded again before each."""
    if (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    ):
        request.getfixturevalue("transactional_db")
        from diary.services import symptoms_load_builtin

        symptoms_load_builtin()


@pytest.fixture(scope="session")
def browser():
    # Never a skip: a machine without Chromium must not report the browser suite
    # as passed (make test leaves it out and says so; make test-services and CI
    # fail here).
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
        # From Playwright's start to its end, the tests run in the context its
        # greenlets give them, where Django's connections are other objects than
        # before. Django's teardown of the test database runs after Playwright
        # has ended, back in the first context, and cannot see them: closed here,
        # or PostgreSQL refuses to drop a database "being accessed by other users".
        connections.close_all()


@pytest.fixture
def plain_http_cookies(settings):
    """The live server speaks plain HTTP: secure-only cookies would never be sent
    back, and every log-in and form post would fail."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def make_page(browser, live_server, plain_http_cookies):
    server = urlsplit(live_server.url)
    problems: list[str] = []
    contexts = []

    def is_other_host(url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return False
        return parts.netloc != server.netloc

    def block(route):
        problems.append(f"request to another host: {route.request.url}")
        route.abort()

    def on_console(message, page):
        if message.type != "error":
            return
        if any(text in message.text for text in page.expected_console_errors):
            return
        # Chromium asks for /favicon.ico by itself; the site has none (reported).
        if urlsplit(message.location.get("url", "")).path == "/favicon.ico":
            return
        problems.append(f"console error: {message.text} ({message.location})")

    def on_response(response):
        if response.status >= 500:
            problems.append(f"server error {response.status}: {response.url}")

    def make(**context_options):
        context_options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        context.route(is_other_host, block)
        contexts.append(context)
        page = context.new_page()
        # A test that provokes an error on purpose (a 403 page) lists its text.
        page.expected_console_errors = []
        page.on("console", lambda message: on_console(message, page))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("response", on_response)
        page.live_server_url = live_server.url
        return page

    yield make

    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser saw problems:\n" + "\n".join(problems))


@pytest.fixture
def page(make_page):
    return make_page()


def log_in(page, user, password: str = PASSWORD) -> None:
    """Fill in and submit the real log-in form; wait for the home page."""
    page.goto(f"{page.live_server_url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{page.live_server_url}/")


@pytest.fixture
def signed_in_page(make_page):
    def sign_in(user, **context_options):
        page = make_page(**context_options)
        log_in(page, user)
        return page

    return sign_in
