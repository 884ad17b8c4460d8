"""Turn an export job into the bytes of its file.

``build_export_file(job)`` gathers the report data once (``diary.exports.data``)
and hands it to the builder of the job's format. The format modules are imported
inside the function: WeasyPrint and fhir.resources are heavy, and only the worker
that builds a file needs them.
"""

from collections.abc import Callable

from .models import ExportJob

# What each format's file is called and how it is served.
EXTENSIONS = {
    ExportJob.Format.PDF: "pdf",
    ExportJob.Format.CSV_TIDY: "csv",
    ExportJob.Format.CSV_WIDE: "csv",
    ExportJob.Format.FHIR: "json",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/fhir+json; charset=utf-8",
}


def build_export_file(
    job: ExportJob, *, on_progress: Callable[[int], None] | None = None
) -> tuple[bytes, str]:
    """The file for ``job``: ``(content, extension)``.

    ``on_progress(percent)`` is called once the data is gathered (50), before the
    file itself is rendered, so the patient sees the job move.
    """
    if job.format not in EXTENSIONS:
        raise ValueError(f"Unknown export format {job.format!r}")

    if job.format == ExportJob.Format.FHIR:
        # The FHIR bundle loads what it needs itself (diary.exports.fhir_data).
        from .fhir import fhir_export

        if on_progress is not None:
            on_progress(50)
        content = fhir_export(
            user=job.user,
            start=job.start_date,
            end=job.end_date,
            sections=list(job.sections),
            display_name=job.display_name,
        )
        return content, EXTENSIONS[ExportJob.Format.FHIR]

    from .data import report_data

    data = report_data(
        user=job.user,
        start=job.start_date,
        end=job.end_date,
        sections=list(job.sections),
        display_name=job.display_name,
    )
    if on_progress is not None:
        on_progress(50)

    if job.format == ExportJob.Format.PDF:
        from .pdf import build_pdf

        content = build_pdf(data)
    elif job.format == ExportJob.Format.CSV_TIDY:
        from .tabular import build_csv_tidy

        content = build_csv_tidy(data)
    else:
        from .tabular import build_csv_wide

        content = build_csv_wide(data)
    return content, EXTENSIONS[ExportJob.Format(job.format)]
