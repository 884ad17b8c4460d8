import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..managers import OwnedQuerySet


class ShareLinkQuerySet(OwnedQuerySet):
    def usable(self, now=None):
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=now or timezone.now()
        )


class ShareLink(models.Model):
    """A doctor's read-only view of a range and chosen sections. Only the SHA-256
    of the token is stored; the token itself is shown to the patient once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    label = models.CharField(_("label"), max_length=80, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    access_code_hash = models.CharField(max_length=128, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    sections = models.JSONField(default=list)
    display_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="share_link_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return self.label or str(self.uuid)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ShareAccess(models.Model):
    """One visit to a share link, for the patient's access log."""

    class Outcome(models.TextChoices):
        VIEWED = "viewed", _("Viewed")
        PDF = "pdf", _("Downloaded the PDF")
        WRONG_CODE = "wrong_code", _("Wrong access code")

    link = models.ForeignKey(
        ShareLink, on_delete=models.CASCADE, related_name="accesses"
    )
    accessed_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    client = models.CharField(
        max_length=80, blank=True, help_text=_("Approximate: browser and system only.")
    )

    class Meta:
        ordering = ["-accessed_at"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.accessed_at:%Y-%m-%d %H:%M}"
