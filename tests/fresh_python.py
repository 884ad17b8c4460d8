"""Run a snippet of Python in a fresh process, from the project's root: for tests
of what a process imports or which settings it builds, which this test process,
with everything already loaded, cannot show."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fresh_python(
    code: str, *, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> str:
    """The standard output of ``python -c code``, with this process's environment
    less the ``drop`` variables, plus ``env``. Fails on a non-zero exit."""
    run_env = {key: value for key, value in os.environ.items() if key not in drop}
    run_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def fresh_setting(
    name: str, *, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
):
    """The setting ``name`` as ``config.settings`` builds it in a fresh process
    (DEBUG off, a test SECRET_KEY, then ``env``; without the ``drop``
    variables), read back through JSON (values it cannot encode as text)."""
    out = fresh_python(
        "import json, django; from django.conf import settings; "
        f"print(json.dumps(settings.{name}, default=str))",
        drop=drop,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "test-only-secret-key-that-is-long-enough-for-hs256",
            "DEBUG": "0",
            **(env or {}),
        },
    )
    return json.loads(out.strip().splitlines()[-1])
