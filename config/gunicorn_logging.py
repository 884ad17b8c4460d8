"""A gunicorn logger that keeps share tokens and reset links out of the access log.

Used by the README's production command::

    gunicorn config.wsgi --logger-class config.gunicorn_logging.RedactingLogger

Every text atom of the access log (the request line, path, query string, referrer,
headers such as a redirect's ``Location``) goes through
:func:`config.log_redaction.redact`, so
``GET /s/<token>/`` is logged as ``GET /s/[redacted]/``. Error-log messages are
redacted too.
"""

from gunicorn.glogging import Logger

from config.log_redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }

    def error(self, msg, *args, **kwargs):
        super().error(redact(str(msg)), *args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(redact(str(msg)), *args, **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(redact(str(msg)), *args, **kwargs)
