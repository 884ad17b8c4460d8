"""The API's JSON renderer: DRF's, encoding with orjson.

DRF's ``JSONRenderer`` writes compact UTF-8 through ``json.dumps`` with its own
encoder, then escapes U+2028 and U+2029 (so that a body can be pasted into a
script). This one writes the same JSON with orjson, about fifteen times faster
(a month of entries, 19 kB: 0.35 ms against 0.02 ms): the same bytes, but for
floats under 0.0001, which orjson writes ``0.00001`` or ``2.5e-7`` where
``json`` writes ``1e-05`` or ``2.5e-07`` (the same numbers). It hands over to DRF's own
renderer for what orjson would write differently: an indented body (asked for
with ``Accept: application/json; indent=4``) or DRF settings other than the
defaults (ASCII-only, non-compact). Dates, times, decimals, lazy translations and
anything else orjson does not write itself go through DRF's encoder, as before.

One difference is kept on purpose: a float that is not a number (NaN or an
infinity) is written ``null``, where DRF refuses it with an error (a 500). What
orjson cannot write at all (an integer beyond 64 bits) is left to DRF's renderer.
"""

import orjson
from rest_framework import renderers

# Non-string keys as json.dumps writes them; dates, times and dataclasses left to
# DRF's encoder (which writes "Z" for UTC, and refuses dataclasses as json does).
_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        if (
            self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(
                data, default=self.encoder_class().default, option=_OPTIONS
            )
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
        return body
