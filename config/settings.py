"""LDN Diary settings: one module, every value from the environment.

Unset ``DATABASE_URL`` means a SQLite file in the project; unset ``REDIS_URL`` means
Celery runs tasks in-process. ``DEBUG`` is off unless asked for, and then a missing
``SECRET_KEY`` stops start-up. See ``.env.example`` for every variable.
"""

import datetime
import os
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        # Development only: a fixed, obviously insecure key so sessions survive restarts.
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The number of reverse proxies in front of the app that append to X-Forwarded-For.
# 0 (the default): client headers are never trusted and the address is REMOTE_ADDR.
# One setting for DRF's throttles, django-axes and the share-link guard, all through
# accounts.net.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} must be between 0 and 10: the "
        "number of reverse proxies in front of the app (0 when there are none)."
    )
# The public address, e.g. https://diary.example.org. Unset: share links use the
# address the request came to, and e-mails (no request) use the local default.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
SITE_URL_FALLBACK = "http://127.0.0.1:8000"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "config.apps.ProjectConfig",
    "accounts",
    "diary",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.ApiBodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML and JSON (with Django's BREACH mitigation: random bytes in
    # the gzip header). After WhiteNoise, which serves its own pre-compressed
    # static files.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.MedicalNoticeMiddleware",
    # Last, so it sees the log-in view's outcome (django-axes' own advice).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.notice",
            ],
        },
    },
]

# Database: unset DATABASE_URL means a SQLite file in the project.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    # Write-ahead log: readers never wait for the writer, and a commit is one
    # append (synced at checkpoints) instead of a journal written and synced twice.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                _database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL could not be parsed ({exc}); expected for example "
            "postgres://user:password@host:5432/dbname"
        ) from None
    _engine = DATABASES["default"]["ENGINE"]
    if _engine == "django.db.backends.sqlite3":
        # A SQLite file named by URL behaves as the default one.
        DATABASES["default"].setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
    elif _engine == "django.db.backends.postgresql" and env_bool(
        "DB_PREPARED_STATEMENTS", True
    ):
        # Values sent apart from the SQL, and a statement run a few times on a
        # connection prepared on the server: PostgreSQL then plans it once, not
        # on every request (the daily write's rollup upsert took 1.8 ms to plan
        # and 1 ms to run). Set DB_PREPARED_STATEMENTS=0 behind a pooler in
        # transaction mode that cannot carry prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": dict(_SQLITE_OPTIONS),
            # Kept between requests, as PostgreSQL's: a SQLite file opened and
            # closed on every request checkpoints its write-ahead log at each
            # close, which halved the daily writes per second (bench/load.py).
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account-and-address pair before any password check.
    "accounts.backends.LockoutBackend",
    "accounts.backends.EmailConfirmedBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "diary:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# A form sent without a valid CSRF token (cookies blocked, a very old page): a
# plain page that keeps the draft and leads back to the form.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
# Passwords: at least 12 characters, no composition rules; weak, repetitive and
# guessable ones are refused by zxcvbn's estimate (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.ZxcvbnValidator"},
]
# Argon2id first; older hashes (PBKDF2) still verify and are re-hashed at log-in.
# Parameters measured on the 2-core server (README, "Passwords").
PASSWORD_HASHERS = [
    "accounts.passwords.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
ARGON2_MEMORY_COST_KIB = env_int("ARGON2_MEMORY_COST_KIB", 47104)
ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1)

# Sessions: signed out after SESSION_IDLE_MINUTES without a request, and after
# SESSION_MAX_AGE_DAYS in any case. Each browser is listed in Settings > Security.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 12 * 60)
SESSION_COOKIE_AGE = 60 * 60 * 24 * env_int("SESSION_MAX_AGE_DAYS", 14)
if not 5 <= SESSION_IDLE_MINUTES <= SESSION_COOKIE_AGE // 60:
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES must be at least 5 and at most SESSION_MAX_AGE_DAYS."
    )

# Log-in protection (django-axes) on the web log-in, /admin/login/ and the API token
# endpoint: AXES_FAILURE_LIMIT wrong passwords for one account FROM one address lock
# that pair for AXES_COOLOFF_MINUTES. Another address (the real patient's) is not
# locked, and the lock ends on its own.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
if not 1 <= AXES_COOLOFF_MINUTES <= 60:
    raise ImproperlyConfigured("AXES_COOLOFF_MINUTES must be between 1 and 60.")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.net.client_ip_or_none"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Successful log-ins are recorded in accounts.SecurityEvent, which the patient sees.
AXES_DISABLE_ACCESS_LOG = True
# Who may sign up from one address per hour (web form and API alike).
SIGNUP_PER_ADDRESS_PER_HOUR = env_int("SIGNUP_PER_ADDRESS_PER_HOUR", 10)
# Staff must use a second factor for the admin (django-otp).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "LDN Diary")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone.")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Private files (exports) live outside any public URL; only views serve them.
PRIVATE_FILES_ROOT = Path(
    os.environ.get("PRIVATE_FILES_ROOT", str(BASE_DIR / "var" / "private"))
)

# Request size limits: a diary form is small; anything far larger is an error.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# E-mail: the console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("Set only one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    # No EMAIL_HOST outside DEBUG: say that an e-mail was not sent, never print it
    # (a password-reset link in the web log opens the account). A system check
    # warns about this configuration (config.checks).
    EMAIL_BACKEND = "config.mail.UnsentMailBackend"
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "LDN Diary <noreply@localhost>"
)

# Celery: unset REDIS_URL means tasks run in-process (eager).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://"
    )
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Periodic jobs; each is also a management command.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "exports-requeue-stale": {
        "task": "diary.exports.tasks.export_requeue_stale",
        "schedule": 30.0,
    },
    "exports-delete-expired": {
        "task": "diary.exports.tasks.export_delete_expired",
        "schedule": 3600.0,
    },
    "share-accesses-delete-old": {
        "task": "diary.sharing.tasks.share_accesses_delete_old",
        "schedule": 6 * 3600.0,
    },
    "security-events-delete-old": {
        "task": "accounts.tasks.security_events_delete_old",
        "schedule": 6 * 3600.0,
    },
    "reminders-send-due": {
        "task": "diary.reminders.tasks.reminders_send_due",
        "schedule": 300.0,
    },
}
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7)
# A worker building an export refreshes the job's heartbeat this often; a running
# job whose heartbeat is older than EXPORT_WORKER_DEAD_SECONDS has lost its worker
# and the sweep (every 30 s) puts it back in the queue: within 2 minutes of a crash.
EXPORT_HEARTBEAT_SECONDS = env_int("EXPORT_HEARTBEAT_SECONDS", 10)
EXPORT_WORKER_DEAD_SECONDS = env_int("EXPORT_WORKER_DEAD_SECONDS", 45)
if EXPORT_WORKER_DEAD_SECONDS < 2 * EXPORT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "EXPORT_WORKER_DEAD_SECONDS must be at least twice EXPORT_HEARTBEAT_SECONDS."
    )
# The largest "all your data" file an import accepts (a year of daily data is
# about 0.25 MB). Through the API the body limit above applies first.
PORTABILITY_IMPORT_MAX_BYTES = env_int("PORTABILITY_IMPORT_MAX_BYTES", 20_000_000)
# Share links: failed guesses allowed per client address (and per link) in the
# window; the address comes from accounts.net.client_ip (TRUSTED_PROXY_COUNT).
# Each link's access log is kept SHARE_ACCESS_RETENTION_DAYS days.
SHARE_GUESS_LIMIT = env_int("SHARE_GUESS_LIMIT", 20)
SHARE_GUESS_WINDOW_SECONDS = env_int("SHARE_GUESS_WINDOW_SECONDS", 600)
SHARE_ACCESS_RETENTION_DAYS = env_int("SHARE_ACCESS_RETENTION_DAYS", 90)
# Security events (log-ins, password changes, devices) are kept this many days.
SECURITY_EVENT_RETENTION_DAYS = env_int("SECURITY_EVENT_RETENTION_DAYS", 365)

CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Security headers. HTTPS-only settings switch on outside DEBUG unless told otherwise.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY")
# Behind a TLS proxy, a plain-HTTP request that reaches the app is redirected.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", BEHIND_HTTPS_PROXY)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
)
# HSTS is off until SECURE_HSTS_SECONDS is set (it cannot be undone in browsers
# that saw it); once on, sub-domains and preloading follow unless set to 0.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this
# site only, no inline script or style, no plug-ins, and no framing by anyone.
# Pages pass data to scripts with json_script (a JSON block, not a script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page uses, switched off (config.middleware).
PERMISSIONS_POLICY_DENY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
]

# REST API (/api/v1/): session auth for the browser (with CSRF), short-lived access
# tokens with rotating refresh tokens for mobile apps. Owner scoping, pagination,
# throttles and one error shape everywhere.
API_VERSION = "1.0.0"
MIN_MOBILE_APP_VERSION = os.environ.get("MIN_MOBILE_APP_VERSION", "1.0.0")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["config.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
        "login_ip": os.environ.get("API_THROTTLE_LOGIN_IP", "20/hour"),
        "signup": os.environ.get("API_THROTTLE_SIGNUP", "20/hour"),
        "refresh": os.environ.get("API_THROTTLE_REFRESH", "120/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The same rule as accounts.net.client_ip: 0 means REMOTE_ADDR, never the header.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
ACCESS_TOKEN_LIFETIME = datetime.timedelta(
    minutes=env_int("API_ACCESS_TOKEN_MINUTES", 10)
)
if ACCESS_TOKEN_LIFETIME > datetime.timedelta(minutes=15):
    raise ImproperlyConfigured("API_ACCESS_TOKEN_MINUTES must be 15 or less.")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "SIGNING_KEY": SECRET_KEY,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "UPDATE_LAST_LOGIN": False,
}
API_REFRESH_TOKEN_DAYS = env_int("API_REFRESH_TOKEN_DAYS", 30)
SPECTACULAR_SETTINGS = {
    "TITLE": "LDN Diary API",
    "DESCRIPTION": (
        "The API behind the LDN Diary mobile apps. Every resource belongs to the "
        "signed-in user; anything else answers 404. Responses that carry numbers "
        "about a patient's health include a `disclaimer`: this is not medical advice."
    ),
    "VERSION": API_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {},
}

# The load benchmark's bare views (config/bench.py, bench/load.py). Off: they 404.
BENCHMARK_VIEWS = env_bool("BENCHMARK_VIEWS", False)

# The version of the not-medical-advice notice. Raising it asks every user again.
MEDICAL_NOTICE_VERSION = env_int("MEDICAL_NOTICE_VERSION", 1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "filters": {
        # Share tokens and reset links out of every line (config.log_redaction).
        "redact_secrets": {"()": "config.log_redaction.RedactSecretsFilter"},
        # WeasyPrint's "no glyph for <character>" warnings quote diary text.
        "drop_font_warnings": {"()": "config.log_redaction.DropFontWarningsFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets", "drop_font_warnings"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry URLs and never bodies; diary URLs carry no health data.
        "django.db.backends": {"level": "INFO"},
        # django-axes logs each log-in and failure; they are security events instead.
        "axes": {"level": "ERROR"},
        # On the loggers too: a Celery worker replaces the root handlers.
        "weasyprint": {"filters": ["drop_font_warnings"]},
        "django.request": {"filters": ["redact_secrets"]},
        "django.server": {"filters": ["redact_secrets"]},
        "django.security": {"filters": ["redact_secrets"]},
        # PDF building: progress chatter and font subsetting details stay out.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "ERROR"},
    },
}
