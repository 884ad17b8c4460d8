import datetime
import hashlib
import secrets
import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        tz for tz in zoneinfo.available_timezones() if "/" in tz or tz == "UTC"
    )
    return [(name, name.replace("_", " ")) for name in names]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone."), params={"value": value}
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A patient (or staff member). The email address is the log-in name."""

    class OpioidAnswer(models.TextChoices):
        UNANSWERED = "", _("Not answered")
        NO = "no", _("No")
        YES = "yes", _("Yes")
        UNSURE = "unsure", _("I'm not sure")

    email = models.EmailField(_("email address"), unique=True, max_length=254)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("Shown on reports you share with your doctor. Optional."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Your days start and end at midnight in this time zone."),
    )
    takes_opioids = models.CharField(
        _("do you take opioid medicines?"),
        max_length=8,
        choices=OpioidAnswer.choices,
        blank=True,
        default=OpioidAnswer.UNANSWERED,
    )
    medical_notice_version = models.PositiveSmallIntegerField(
        _("acknowledged notice version"), null=True, blank=True
    )
    medical_notice_acknowledged_at = models.DateTimeField(
        _("notice acknowledged at"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)  # type: ignore[misc]
    email_confirmed = models.BooleanField(
        _("email address confirmed"),
        default=True,
        help_text=_(
            "Web sign-ups start unconfirmed and cannot log in until the link in "
            "the welcome e-mail (or a password reset) proves the inbox is theirs."
        ),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    reminder_enabled = models.BooleanField(
        _("e-mail me a daily check-in reminder"), default=False
    )
    reminder_time = models.TimeField(
        _("reminder time"),
        default=datetime.time(19, 0),
        help_text=_("In your own time zone. Never more than one a day."),
    )
    sync_version = models.BigIntegerField(
        default=0,
        editable=False,
        help_text=_("Raised by every change to this user's diary; the sync cursor."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self) -> datetime.date:
        """Today's date where the user is, not where the server is."""
        return timezone.now().astimezone(self.zone).date()

    @property
    def has_current_medical_notice(self) -> bool:
        return self.medical_notice_version == settings.MEDICAL_NOTICE_VERSION


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceQuerySet(models.QuerySet):
    def for_user(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def active(self):
        return self.filter(revoked_at__isnull=True)


class Device(models.Model):
    """A signed-in mobile app. It holds the hash of its one current refresh token:
    refreshing replaces it (the old token stops working), and revoking the device
    ends its access tokens too."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    name = models.CharField(_("device name"), max_length=80, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    refresh_token_hash = models.CharField(max_length=64, unique=True)
    previous_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    refresh_expires_at = models.DateTimeField()
    # The user's session auth hash (an HMAC of the password hash) at sign-in: a new
    # password, by any route, ends the device as it ends browser sessions.
    auth_hash = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return self.name or str(self.uuid)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.refresh_expires_at > timezone.now()

    @staticmethod
    def new_refresh_token() -> str:
        return secrets.token_urlsafe(32)


class BrowserSessionQuerySet(models.QuerySet):
    def for_user(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def live(self):
        """Sessions that Django would still accept (not expired or deleted)."""
        from django.contrib.sessions.models import Session

        return self.filter(
            session_key__in=Session.objects.filter(
                expire_date__gt=timezone.now()
            ).values("session_key")
        )


class BrowserSession(models.Model):
    """A signed-in web browser, so the patient can see it and sign it out.

    Points at Django's session by key; the key changes at log-in and password
    change, and ``accounts.middleware.SessionActivityMiddleware`` follows it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="browser_sessions",
    )
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=timezone.now)

    objects = BrowserSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class SecurityEventQuerySet(models.QuerySet):
    def for_user(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class SecurityEvent(models.Model):
    """Who did what to an account, when and from where. Never health data."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed log-in (wrong password or code)")
        LOGIN_LOCKED = "login_locked", _("Log-in refused: too many wrong tries")
        LOGOUT = "logout", _("Logged out")
        SESSION_REVOKED = "session_revoked", _("Browser signed out from Settings")
        SESSION_EXPIRED = "session_expired", _("Signed out after inactivity")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset by e-mail link")
        PASSWORD_RESET_REQUESTED = (
            "password_reset_requested",
            _("Password reset link requested"),
        )
        DEVICE_SIGNED_IN = "device_signed_in", _("App signed in")
        DEVICE_SIGNED_OUT = "device_signed_out", _("App signed out")
        SIGNED_OUT_ELSEWHERE = (
            "signed_out_elsewhere",
            _("Signed out everywhere else"),
        )
        TWO_FACTOR_ENABLED = "2fa_enabled", _("Two-step log-in turned on")
        TWO_FACTOR_DISABLED = "2fa_disabled", _("Two-step log-in turned off")
        BACKUP_CODES_RENEWED = "backup_codes_renewed", _("New backup codes made")
        BACKUP_CODE_USED = "backup_code_used", _("Backup code used to log in")
        SIGNUP = "signup", _("Account created")
        EMAIL_CONFIRMED = "email_confirmed", _("E-mail address confirmed")

    # No index of its own: the (user, -created_at) index below leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="security_events",
        db_index=False,
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
