"""The e-mail backend used when ``DEBUG`` is off and no ``EMAIL_HOST`` is set."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("config.mail")


class UnsentMailBackend(BaseEmailBackend):
    """Send nothing and log one line per message without its body or recipients.

    Django's console backend would print each message whole into the web log,
    password-reset links and reminder unsubscribe links included: anyone who can
    read the log could take over an account. The system check ``ldn.W001`` warns
    about this configuration at start-up."""

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "E-mail not sent (EMAIL_HOST is not set): %r to %d recipient(s).",
                message.subject,
                len(message.recipients()),
            )
        return 0
