"""Serving a finished export file to its owner: one response for the web page and
the API alike (attachment, no caching, no content sniffing)."""

from django.http import FileResponse

from . import services
from .builders import CONTENT_TYPES
from .models import ExportJob


def download_filename(job: ExportJob, extension: str) -> str:
    return (
        f"ldn-diary-{job.format.replace('_', '-')}-"
        f"{job.start_date:%Y-%m-%d}-to-{job.end_date:%Y-%m-%d}.{extension}"
    )


def export_file_response(job: ExportJob) -> FileResponse | None:
    """The job's file as an attachment, or None when it has no file on disk (the
    caller answers 404). The caller checks ``job.is_downloadable`` first."""
    path = services.export_file_path(job)
    if path is None:
        return None
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    extension = path.suffix.lstrip(".")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_filename(job, extension),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
