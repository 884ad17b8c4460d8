"""Settings for the Celery workers that ``tests/services`` start: the project's
settings plus two test hooks, both read from the worker's environment.

- ``EXPORT_TEST_DELAY_SECONDS``: ``diary.exports.services`` holds a finished
  temporary file back this long before renaming it into place, so a test can
  kill the worker at that moment. 0 (off) unless set.
- ``TEST_CELERY_QUEUE``: the queue the worker publishes retries to, so each test
  has a queue of its own (the worker consumes it with ``-Q``).
"""

import os

from config.settings import *  # noqa: F403

EXPORT_TEST_DELAY_SECONDS = float(os.environ.get("EXPORT_TEST_DELAY_SECONDS", "0"))
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("TEST_CELERY_QUEUE", "celery")
