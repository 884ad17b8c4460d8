from django.conf import settings
from django.db import models


class ReminderDelivery(models.Model):
    """A reminder sent (or being sent) for one user and one local date. The unique
    constraint is what makes "never twice a day" hold across retries and workers."""

    # No index of its own: reminder_once_per_user_per_day's leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    local_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user", "local_date", name="reminder_once_per_user_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.user_id} {self.local_date.isoformat()}"
