"""How long one password hash takes with the configured Argon2id parameters.

Run on the production machine after changing ARGON2_* (README, "Passwords"):
    SECRET_KEY=x .venv/bin/python bench/password_hash.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from accounts.passwords import Argon2idHasher  # noqa: E402

ROUNDS = 21


def main() -> None:
    hasher = Argon2idHasher()
    hasher.encode("warm-up", hasher.salt())
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        hasher.encode("correct horse battery staple", hasher.salt())
        times.append((time.perf_counter() - start) * 1000)
    encoded = hasher.encode("x", hasher.salt())
    print(f"parameters: {encoded.split('$')[1:4]}")
    print(
        f"argon2id t={settings.ARGON2_TIME_COST} "
        f"m={settings.ARGON2_MEMORY_COST_KIB} KiB p={settings.ARGON2_PARALLELISM}: "
        f"median {statistics.median(times):.0f} ms, "
        f"min {min(times):.0f} ms, max {max(times):.0f} ms over {ROUNDS} hashes "
        f"on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
