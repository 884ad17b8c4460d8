"""Keep secrets in URLs and diary text out of the logs.

Some URLs carry a secret: a doctor's share link (``/s/<token>/``), a password
reset link (``/accounts/password/reset/<uidb64>/<token>/``), a sign-up
confirmation link and a reminder's one-click unsubscribe link. Whoever reads the web log must not be able to open
them, so :func:`redact` replaces those parts with ``[redacted]``. It is used by
the gunicorn access log (``config.gunicorn_logging.RedactingLogger``) and, through
:class:`RedactSecretsFilter`, by Django's own request loggers ("Not Found: /s/...").

WeasyPrint logs one WARNING per character it has no font for, quoting the
character, so a note in a script without a font would be written into the worker
log letter by letter. :class:`DropFontWarningsFilter` drops those records; the
Noto fonts installed by ``make system-deps`` make them rare anyway.
"""

import logging
import re

REDACTED = "[redacted]"

_PATTERNS = [
    # A doctor's share link and its PDF: /s/<token>/ and /s/<token>/pdf/
    (re.compile(r"(/s/)[^/\s?#\"']+"), r"\1" + REDACTED),
    # Password reset: /accounts/password/reset/<uidb64>/<token or set-password>/
    (
        re.compile(r"(/password/reset/)[^/\s?#\"']+/[^/\s?#\"']+"),
        r"\1" + REDACTED,
    ),
    # Sign-up confirmation: /accounts/signup/confirm/<uidb64>/<token>/
    (re.compile(r"(/confirm/)[^/\s?#\"']+/[^/\s?#\"']+"), r"\1" + REDACTED),
    # One-click reminder unsubscribe: /reminders/unsubscribe/<token>/
    (re.compile(r"(/unsubscribe/)[^/\s?#\"']+"), r"\1" + REDACTED),
    # Secrets in a query string.
    (
        re.compile(r"([?&](?:token|code|key|access_code|password)=)[^&\s#\"']*", re.I),
        r"\1" + REDACTED,
    ),
]


def redact(text: str) -> str:
    """``text`` with every secret-bearing URL part replaced by ``[redacted]``."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value):
    return redact(value) if isinstance(value, str) else value


class RedactSecretsFilter(logging.Filter):
    """Redact share tokens and reset links in a record's message and arguments.

    Django's request loggers put the path in the arguments ("Not Found: %s"), and
    the ``request`` attribute is left alone (it is not formatted by the plain
    formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_arg(arg) for key, arg in record.args.items()}
        return True


class DropFontWarningsFilter(logging.Filter):
    """Drop WeasyPrint's per-character "no font for" warnings, which quote the
    diary text they could not draw."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not message.startswith(".notdef glyph")
