"""The API's JSON parser, with a limit on how deeply a body may nest.

Python's JSON decoder recurses once per level, so a 2 kB body of ``[[[[...`` ends
in a RecursionError: a 500 for anyone, signed in or not. No LDN Diary request
nests more than a few levels, so anything deeper than :data:`MAX_DEPTH` is
refused as a parse error (400, in the API's error shape) before it is decoded.
"""

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20
# A JSON string (with escapes), or one bracket. Brackets inside strings are skipped.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays or objects inside each
    other. Iterative, so it cannot itself run out of stack."""
    depth = 0
    for match in _TOKENS.finditer(text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            raw = stream.read() if stream is not None else b""
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("The request body is not valid JSON text.")) from exc
        if json_depth_exceeds(text):
            raise ParseError(
                _("The JSON is nested more than %(limit)d levels deep.")
                % {"limit": MAX_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
        except ValueError as exc:
            raise ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": exc}
            ) from exc

    @staticmethod
    def _refuse_constant(name: str):
        # NaN and Infinity are not JSON (DRF's strict mode refuses them too).
        raise ValueError(f"{name} is not valid JSON")
