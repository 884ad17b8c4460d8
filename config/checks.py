"""System checks for a production configuration that Django's own miss."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

CONSOLE_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "config.mail.UnsentMailBackend",
}


@register(Tags.security)
def check_email_not_console(app_configs, **kwargs):
    """With DEBUG off, e-mail (password resets, reminders) must really be sent."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in CONSOLE_BACKENDS:
        return []
    return [
        Warning(
            "DEBUG is off but e-mail is not sent: EMAIL_HOST is not set, so password "
            "resets and reminders never reach anyone.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, "
            "EMAIL_HOST_PASSWORD) to an SMTP server.",
            id="ldn.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_proxy_count(app_configs, **kwargs):
    """Behind an HTTPS proxy, every client has the proxy's address unless the app
    is told how many proxies to trust: one guesser would block every share link
    and every log-in from everyone."""
    if not getattr(settings, "BEHIND_HTTPS_PROXY", False):
        return []
    if getattr(settings, "TRUSTED_PROXY_COUNT", 0) > 0:
        return []
    return [
        Warning(
            "BEHIND_HTTPS_PROXY is set but TRUSTED_PROXY_COUNT is 0: every visitor "
            "counts as the proxy's address for rate limits and lock-outs.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the "
            "app that append to X-Forwarded-For (usually 1).",
            id="ldn.W002",
        )
    ]
