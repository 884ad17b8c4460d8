import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ldn_diary")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks.py, and those of the diary's sub-packages by concept.
app.autodiscover_tasks()
app.autodiscover_tasks(["diary.exports", "diary.reminders"])
