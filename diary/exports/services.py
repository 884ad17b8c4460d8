"""Export jobs: ask for one, build it in the background, serve it, delete it.

The web request only records the job and hands its id to the broker after the
transaction commits. It never waits on the broker: if Redis is down the job stays
``queued`` with no ``enqueued_at`` and the periodic sweep (``export_requeue_stale``)
sends it later. A worker claims the job under a row lock, builds the file, writes it
to a temporary file in the exports folder and renames it into place, so a worker
killed half-way leaves no half file; the sweep puts a job whose worker died back in
the queue. Every step is safe to repeat: a job that is done is never built again.
"""

import contextlib
import datetime
import logging
import os
import tempfile
import time
import traceback
import uuid
from functools import partial
from pathlib import Path
from typing import NamedTuple

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import builders
from .models import ExportJob, ExportSection

logger = logging.getLogger(__name__)

MAX_RANGE_DAYS = 731  # two years, one of them a leap year
MAX_ACTIVE_JOBS = 5  # queued or running at once, per patient
MAX_ATTEMPTS = 5  # a job whose worker keeps dying fails after this many starts
EXPORTS_DIR = "exports"
TEMP_PREFIX = ".tmp-"
# A running job whose worker has not finished it after this long is presumed dead
# (the task's own time limit is shorter).
STALE_RUNNING_SECONDS = 15 * 60
# The web request waits on the broker for one attempt only, with short timeouts:
# at most about 1.5 seconds when Redis hangs, at once when it refuses connections.
ENQUEUE_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
}
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    redis.exceptions.RedisError,
    OSError,
)
# Worth another try: the disk or the database hiccuped. Anything else is a bug.
TRANSIENT_ERRORS = (OSError, OperationalError)


# ------------------------------------------------------------------------ files


def exports_dir() -> Path:
    return Path(settings.PRIVATE_FILES_ROOT) / EXPORTS_DIR


def export_file_path(job: ExportJob) -> Path | None:
    """The file of a job, if it has one inside the exports folder."""
    if not job.file_name:
        return None
    folder = exports_dir().resolve()
    path = (Path(settings.PRIVATE_FILES_ROOT) / job.file_name).resolve()
    if path.parent != folder:
        return None
    return path


def _remove(relative_name: str) -> None:
    if not relative_name:
        return
    path = (Path(settings.PRIVATE_FILES_ROOT) / relative_name).resolve()
    if path.parent != exports_dir().resolve():
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _test_delay() -> None:
    """Test hook: ``EXPORT_TEST_DELAY_SECONDS`` (default 0) holds a finished
    temporary file back before it is renamed into place, so a test can kill the
    worker at that moment. Never set in production."""
    remaining = float(getattr(settings, "EXPORT_TEST_DELAY_SECONDS", 0) or 0)
    while remaining > 0:
        step = min(remaining, 0.1)
        time.sleep(step)
        remaining -= step


def _write_atomically(content: bytes, extension: str) -> str:
    """Write ``content`` under a random name; return it relative to
    PRIVATE_FILES_ROOT. The file appears whole or not at all."""
    folder = exports_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = folder / f"{uuid.uuid4().hex}.{extension}"
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        _test_delay()
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return f"{EXPORTS_DIR}/{final.name}"


# ---------------------------------------------------------------------- request


def _validate_request(
    *,
    user: User,
    format: str,
    start: datetime.date,
    end: datetime.date,
    sections: list[str],
    display_name: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if format not in ExportJob.Format.values:
        errors["format"] = _("Choose one of the export formats.")
    today = user.local_today()
    if start > today:
        errors["start"] = _("The start date is in the future; choose today or earlier.")
    if end > today:
        errors["end"] = _("The end date is in the future; choose today or earlier.")
    if end < start:
        errors["end"] = _("The end date is before the start date.")
    elif (end - start).days + 1 > MAX_RANGE_DAYS:
        errors["start"] = _(
            "Choose a range of at most 2 years (%(limit)d days); this one has "
            "%(days)d days."
        ) % {"limit": MAX_RANGE_DAYS, "days": (end - start).days + 1}
    unknown = [s for s in sections if s not in ExportSection.values]
    if unknown:
        errors["sections"] = _("Choose sections from the list.")
    elif not sections:
        errors["sections"] = _("Choose at least one section.")
    if len(display_name) > 80:
        errors["display_name"] = _("The name can be at most 80 characters long.")
    active = (
        ExportJob.objects.for_user(user)
        .filter(status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING])
        .count()
    )
    if active >= MAX_ACTIVE_JOBS:
        errors[NON_FIELD_ERRORS] = _(
            "You already have %(count)d exports waiting or being made. Please wait "
            "for them to finish."
        ) % {"count": active}
    return errors


def export_request(
    *,
    user: User,
    format: str,
    start: datetime.date,
    end: datetime.date,
    sections: list[str],
    display_name: str = "",
) -> ExportJob:
    """Record an export job and send it to the workers once it is committed.

    Returns at once, whatever the broker does: the job is ``queued`` and the
    patient is told so. Notes are included only if ``sections`` names them.
    """
    display_name = (display_name or "").strip()
    sections = list(dict.fromkeys(sections or []))
    errors = _validate_request(
        user=user,
        format=format,
        start=start,
        end=end,
        sections=sections,
        display_name=display_name,
    )
    if errors:
        raise ValidationError(errors)
    chosen = set(sections)
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            format=format,
            start_date=start,
            end_date=end,
            sections=[s for s in ExportSection.values if s in chosen],
            display_name=display_name,
            status=ExportJob.Status.QUEUED,
            expires_at=now + datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS),
        )
        transaction.on_commit(partial(export_enqueue, job_id=job.pk), robust=True)
    return job


def export_enqueue(*, job_id: int) -> bool:
    """Hand a queued job to the broker. One quick attempt: on failure the job keeps
    ``enqueued_at = None`` for the sweep, and this returns False."""
    from .tasks import export_build

    now = timezone.now()
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        enqueued_at=now
    )
    try:
        if export_build.app.conf.task_always_eager:
            export_build.apply_async(args=[job_id])  # in-process, no broker
        else:
            with export_build.app.connection_for_write(
                transport_options=ENQUEUE_TRANSPORT_OPTIONS
            ) as connection:
                export_build.apply_async(
                    args=[job_id], connection=connection, retry=False
                )
    except BROKER_ERRORS as exc:
        ExportJob.objects.filter(
            pk=job_id, status=ExportJob.Status.QUEUED, enqueued_at=now
        ).update(enqueued_at=None)
        logger.warning(
            "Export job %s was not sent to the broker (%s); the sweep will retry.",
            job_id,
            type(exc).__name__,
        )
        return False
    return True


# -------------------------------------------------------------------------- run


def _claim(job_id: int) -> ExportJob | None:
    """Mark the job running and return it, or None if there is nothing to do:
    gone, finished, or being built by a live worker."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (
            ExportJob.Status.DONE,
            ExportJob.Status.FAILED,
        ):
            return None
        stale = now - datetime.timedelta(seconds=STALE_RUNNING_SECONDS)
        if job.status == ExportJob.Status.RUNNING and (
            job.started_at is not None and job.started_at > stale
        ):
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.status = ExportJob.Status.FAILED
            job.error = _too_many_attempts()
            job.finished_at = now
            job.save(update_fields=["status", "error", "finished_at"])
            return None
        job.status = ExportJob.Status.RUNNING
        job.attempts += 1
        job.progress = 10
        job.started_at = now
        job.finished_at = None
        job.error = ""
        job.save(
            update_fields=[
                "status",
                "attempts",
                "progress",
                "started_at",
                "finished_at",
                "error",
            ]
        )
    return job


def _mine(job: ExportJob):
    """This run's row: still running, and not taken over by another attempt."""
    return ExportJob.objects.filter(
        pk=job.pk, status=ExportJob.Status.RUNNING, attempts=job.attempts
    )


def _set_progress(job: ExportJob, percent: int) -> None:
    _mine(job).update(progress=percent)


def _too_many_attempts() -> str:
    return _(
        "The export was interrupted several times and was stopped. Please ask for "
        "it again; if it keeps failing, choose a shorter range."
    )


def _failure_message(transient: bool) -> str:
    if transient:
        return _(
            "The export could not be saved because of a temporary problem on our "
            "side. Please ask for it again in a few minutes."
        )
    return _(
        "The export could not be made because of an error on our side. Please ask "
        "for it again; if it keeps failing, let us know."
    )


def export_run(*, job_id: int, can_retry: bool = False) -> None:
    """Build the job's file. Safe to call any number of times: a job that is done,
    failed, gone, or being built by a live worker is left alone.

    A temporary error (disk, database) with ``can_retry`` puts the job back in the
    queue and re-raises, so the task retries; without ``can_retry``, or for any
    other error, the job fails with a message fit for the patient (never a stack
    trace or health data).
    """
    job = _claim(job_id)
    if job is None:
        return
    try:
        content, extension = builders.build_export_file(
            job, on_progress=partial(_set_progress, job)
        )
        _set_progress(job, 90)
        name = _write_atomically(content, extension)
    except Exception as exc:
        transient = isinstance(exc, TRANSIENT_ERRORS)
        # The type and where it happened, not the message: that may quote data.
        logger.error(
            "Export job %s attempt %d failed with %s%s:\n%s",
            job.uuid,
            job.attempts,
            type(exc).__name__,
            " (will retry)" if transient and can_retry else "",
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        if transient and can_retry:
            _mine(job).update(status=ExportJob.Status.QUEUED, progress=0)
            raise
        _mine(job).update(
            status=ExportJob.Status.FAILED,
            error=_failure_message(transient)[:300],
            finished_at=timezone.now(),
        )
        return
    finished = _mine(job).update(
        status=ExportJob.Status.DONE,
        progress=100,
        file_name=name,
        file_size=len(content),
        finished_at=timezone.now(),
        error="",
    )
    if not finished:
        # Deleted meanwhile, or taken over after this worker was presumed dead and
        # finished by the other attempt: one file per job, so drop this one.
        _remove(name)


# ---------------------------------------------------------------- housekeeping


def export_requeue_stale(
    *,
    older_than_seconds: int = 120,
    running_older_than_seconds: int = STALE_RUNNING_SECONDS,
) -> int:
    """Send again the jobs the broker may never have got, and put back in the queue
    the running jobs whose worker died. Returns how many jobs were sent."""
    now = timezone.now()
    dead = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING,
        started_at__lt=now - datetime.timedelta(seconds=running_older_than_seconds),
    )
    dead.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=ExportJob.Status.FAILED, error=_too_many_attempts(), finished_at=now
    )
    revived = dead.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=ExportJob.Status.QUEUED, progress=0, enqueued_at=None
    )
    if revived:
        logger.warning(
            "Put %d export job(s) whose worker died back in the queue.", revived
        )

    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    # A brand-new job is being sent by its own request: leave it a moment.
    fresh = now - datetime.timedelta(seconds=min(older_than_seconds, 10))
    waiting = ExportJob.objects.filter(status=ExportJob.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True, created_at__lte=fresh)
        | Q(enqueued_at__isnull=True, started_at__isnull=False)  # revived above
        | Q(enqueued_at__lt=cutoff)
    )
    sent = 0
    for job_id in waiting.order_by("created_at").values_list("pk", flat=True)[:500]:
        if not export_enqueue(job_id=job_id):
            break  # the broker is down; the next sweep tries again
        sent += 1
    return sent


class Cleanup(NamedTuple):
    jobs: int
    files: int


def export_delete_expired(
    *, now: datetime.datetime | None = None, files_older_than_seconds: int = 3600
) -> Cleanup:
    """Delete expired jobs and their files, and files no job owns: temporary files
    left by a worker that died, and finished files whose job is gone. Files younger
    than ``files_older_than_seconds`` are left alone: a worker may be writing them."""
    now = now or timezone.now()
    expired = ExportJob.objects.expired(now)
    names = [name for name in expired.values_list("file_name", flat=True) if name]
    _total, by_model = expired.delete()
    jobs = by_model.get(ExportJob._meta.label, 0)
    for name in names:
        _remove(name)
    files = len(names)

    folder = exports_dir()
    if not folder.is_dir():
        return Cleanup(jobs=jobs, files=files)
    threshold = now.timestamp() - files_older_than_seconds
    candidates: dict[str, Path] = {}
    for path in folder.iterdir():
        try:
            if not path.is_file() or path.stat().st_mtime > threshold:
                continue
        except FileNotFoundError:
            continue
        if path.name.startswith(TEMP_PREFIX):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                files += 1
        else:
            candidates[f"{EXPORTS_DIR}/{path.name}"] = path
    if candidates:
        owned = set(
            ExportJob.objects.filter(file_name__in=list(candidates)).values_list(
                "file_name", flat=True
            )
        )
        for name, path in candidates.items():
            if name not in owned:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    files += 1
    if jobs or files:
        logger.info("Deleted %d expired export job(s) and %d file(s).", jobs, files)
    return Cleanup(jobs=jobs, files=files)


def export_delete(*, job: ExportJob) -> None:
    """The owner deletes an export: the row, then its file. A worker still building
    it finds the row gone and drops what it made."""
    name = job.file_name
    job.delete()
    _remove(name)
