import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..managers import OwnedQuerySet


class ExportJobQuerySet(OwnedQuerySet):
    def stale_queued(self, older_than):
        """Jobs still waiting after ``older_than``: the broker may have been down."""
        return self.filter(status=ExportJob.Status.QUEUED, enqueued_at__lt=older_than)

    def expired(self, now=None):
        return self.filter(expires_at__lt=now or timezone.now())


class ExportSection(models.TextChoices):
    """Parts of a report. Notes are private and off unless the patient picks them."""

    SUMMARY = "summary", _("One-page summary")
    CHARTS = "charts", _("Trend charts")
    WEEKLY = "weekly", _("Table of averages")
    DOSES = "doses", _("LDN dose timeline")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    CRASHES = "crashes", _("Crashes")
    ANALYSIS = "analysis", _("Before/after analysis")
    NOTES = "notes", _("Notes (private: off unless you choose them)")


DEFAULT_SECTIONS = [s for s in ExportSection.values if s != ExportSection.NOTES]


class ExportJob(models.Model):
    """One export a patient asked for. The file lives under PRIVATE_FILES_ROOT and
    is served only to its owner through a view; it is deleted after 7 days."""

    class Format(models.TextChoices):
        PDF = "pdf", _("PDF clinician report")
        CSV_TIDY = "csv_tidy", _("CSV, one row per day and symptom")
        CSV_WIDE = "csv_wide", _("CSV, one row per day")
        FHIR = "fhir", _("FHIR R4 JSON bundle")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    Section = ExportSection

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    format = models.CharField(max_length=10, choices=Format.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    sections = models.JSONField(default=list)
    display_name = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Refreshed every EXPORT_HEARTBEAT_SECONDS by the worker building the job: a
    # running job whose heartbeat stopped has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="export_job_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="export_job_progress_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.format} export {self.uuid}"

    @property
    def is_downloadable(self) -> bool:
        """Finished and not yet past its retention date."""
        return self.status == self.Status.DONE and self.expires_at > timezone.now()
