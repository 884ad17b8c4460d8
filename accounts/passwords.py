"""Password rules and the password hasher.

No composition rules (NIST SP 800-63B, OWASP ASVS 5.0): at least 12 characters,
anything may be pasted, and a password is refused only when zxcvbn estimates it
can be guessed: repeated characters, keyboard runs, dates, common words and the
person's own email address or name, or the app's name.
"""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from zxcvbn import zxcvbn

# Words anyone attacking this site would try first.
SITE_WORDS = ["ldn", "diary", "ldndiary", "ldn diary", "naltrexone", "mecfs", "me/cfs"]

# zxcvbn's score runs 0-4; 3 means "safely unguessable: moderate protection from
# an offline slow-hash attack" (more than 10^8 guesses).
MIN_SCORE = 3
# zxcvbn's run time grows with length; beyond this it is long enough anyway.
ESTIMATE_CHARS = 100
MAX_LENGTH = 256


def _user_words(user) -> list[str]:
    if user is None:
        return []
    words = []
    for value in (getattr(user, "email", ""), getattr(user, "display_name", "")):
        if value:
            words.append(value)
            words.extend(part for part in value.replace("@", " ").split() if part)
            words.extend(value.split("@")[0].replace(".", " ").split())
    return words


class ZxcvbnValidator:
    """Refuse passwords that zxcvbn scores below ``min_score``."""

    def __init__(self, min_score: int = MIN_SCORE):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        result = zxcvbn(
            password[:ESTIMATE_CHARS], user_inputs=SITE_WORDS + _user_words(user)
        )
        if result["score"] >= self.min_score:
            return
        # zxcvbn's own hints are English only; ours are translatable.
        raise ValidationError(
            _(
                "This password would be easy to guess (for example repeated letters, "
                "a keyboard pattern, a year, a common word or your own name or "
                "email). A few unrelated words together make a strong password "
                "that is easy to remember."
            ),
            code="password_too_guessable",
        )

    def get_help_text(self) -> str:
        return _(
            "Easy-to-guess passwords are refused; a few unrelated words together "
            "work well. No special characters needed, and you may paste it from a "
            "password manager."
        )


class MaximumLengthValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                ngettext(
                    "Use at most %(max)d character.",
                    "Use at most %(max)d characters.",
                    MAX_LENGTH,
                )
                % {"max": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return ""


class Argon2idHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with the costs measured on our own server.

    Django's defaults (parallelism 8, 100 MiB) suit a larger machine; the README's
    "Passwords" section records what one hash costs with these."""

    algorithm = "argon2"

    @property
    def time_cost(self):  # type: ignore[override]
        return settings.ARGON2_TIME_COST

    @property
    def memory_cost(self):  # type: ignore[override]
        return settings.ARGON2_MEMORY_COST_KIB

    @property
    def parallelism(self):  # type: ignore[override]
        return settings.ARGON2_PARALLELISM
