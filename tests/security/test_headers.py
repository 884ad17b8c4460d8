"""Security headers (issue 9, defect 6): a strict Content-Security-Policy,
Permissions-Policy, HSTS from the environment, ``Cache-Control: no-store`` on
every signed-in page and API response, and ``check --deploy`` passing with the
README's production variables."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

HEALTH_PAGES = [
    "diary:home",
    "diary:checkin",
    "diary:entry-list",
    "diary:analysis",
    "diary:trends",
    "diary:crash-list",
    "diary:treatment-list",
    "diary:export-list",
    "diary:share-list",
]
API_LISTS = ["/api/v1/entries/", "/api/v1/crashes/", "/api/v1/symptoms/"]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/evidence/", "/api/v1/meta/"])
def test_every_response_has_a_strict_csp(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


@pytest.mark.django_db
def test_permissions_policy_switches_off_unused_features(client):
    response = client.get("/accounts/login/")
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


@pytest.mark.parametrize("name", HEALTH_PAGES)
def test_signed_in_pages_are_never_stored(alice_client, name):
    response = alice_client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", API_LISTS)
def test_api_responses_are_never_stored(alice, url):
    from tests.api.conftest import bearer_client

    response = bearer_client(alice).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_api_errors_are_never_stored_either(client):
    response = client.get("/api/v1/entries/")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_pages_use_no_inline_script_or_style_attribute(alice_client):
    """What the CSP forbids is not in the pages: no inline <script> (json_script
    blocks are data, not code) and no style attributes."""
    for name in HEALTH_PAGES:
        html = alice_client.get(reverse(name)).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (name, tag)
        assert not re.search(r"<[^>]+\sstyle=", html), name
        assert "<style" not in html, name


@pytest.mark.django_db
def test_api_docs_load_their_script_from_a_url(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def run_manage(*args, env_overrides: dict[str, str]):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "EMAIL_", "DJANGO_SETTINGS"))
        and key
        not in {
            "DEBUG",
            "DATABASE_URL",
            "REDIS_URL",
            "TRUSTED_PROXY_COUNT",
            # Set by the browser tests' conftest for their own process only.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


README_PRODUCTION = {
    "SECRET_KEY": "a-production-like-secret-key-0123456789-abcdefghijklmnopqrstuvw",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "diary.example.org",
    "BEHIND_HTTPS_PROXY": "1",
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_HOST": "smtp.example.org",
    "SECURE_HSTS_SECONDS": "31536000",
}


def readme_production_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Production", 1)[1].split("```", 2)[1]
    return set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", block))


def test_the_readme_production_block_sets_what_the_deploy_check_needs():
    named = readme_production_variables()
    assert set(README_PRODUCTION) - {"DEBUG"} <= named
    readme = (ROOT / "README.md").read_text()
    assert "--logger-class config.gunicorn_logging.RedactingLogger" in readme


def test_check_deploy_passes_with_the_readme_production_variables():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=README_PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_run_by_make_lint():
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "check --deploy --fail-level WARNING" in lint


def test_hsts_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD)"
    )
    on = run_manage(
        "shell", "--no-imports", "-c", code, env_overrides={**README_PRODUCTION}
    ).stdout.split()
    assert on == ["31536000", "True", "True"]
    off = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env_overrides={
            **README_PRODUCTION,
            "SECURE_HSTS_SECONDS": "600",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
            "SECURE_HSTS_PRELOAD": "no",
        },
    ).stdout.split()
    assert off == ["600", "False", "False"]


def test_system_check_warns_when_production_mail_goes_nowhere():
    env = {**README_PRODUCTION}
    env.pop("EMAIL_HOST")
    result = run_manage("check", "--fail-level", "WARNING", env_overrides=env)
    assert result.returncode != 0
    assert "ldn.W001" in result.stderr + result.stdout
    debug = run_manage(
        "check", "--fail-level", "WARNING", env_overrides={**env, "DEBUG": "1"}
    )
    assert "ldn.W001" not in debug.stderr + debug.stdout


def test_system_check_warns_behind_a_proxy_without_a_proxy_count():
    env = {**README_PRODUCTION, "TRUSTED_PROXY_COUNT": "0"}
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=env
    )
    assert result.returncode != 0
    assert "ldn.W002" in result.stderr + result.stdout


@pytest.mark.django_db
def test_hsts_header_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/accounts/login/", secure=True)
    assert (
        response["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )
