import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ldn_diary")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks.py, and those of the diary's sub-packages by concept.
app.autodiscover_tasks()
app.autodiscover_tasks(["diary.exports", "diary.reminders"])


@worker_init.connect(dispatch_uid="config.celery.preload")
def preload_report_libraries(**kwargs) -> None:
    """Import what a report job needs (WeasyPrint; numpy, scipy and statsmodels
    for the before/after comparison's fit) in the worker's main process, before
    its pool forks: the children then share those pages instead of each loading
    them (about 100 MiB each), and the first report a child makes does not pay
    seconds of imports (4.05 s of CPU for a first 1-year report in a fresh
    process, against 1.93 s once imported: measured on the 2-year demo diary)."""
    import weasyprint  # noqa: F401

    from diary.comparison import ar1  # noqa: F401
