"""The API's orjson renderer writes what DRF's JSON renderer writes."""

import dataclasses
import datetime
import math
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFRenderer

from config.api.renderers import JSONRenderer

AWARE = datetime.datetime(2026, 12, 2, 6, 30, 15, 123456, tzinfo=datetime.UTC)
PAYLOADS = [
    {"ok": True},
    [],
    {"nested": [{"a": [1, 2, {"b": None}]}], "empty": {}},
    {
        "notes": '<script>alert(1)</script> "quoted" \\ back',
        "names": ["Müdigkeit", "疲劳", "تعب", "😴", "line\u2028sep\u2029para"],
        "control": "tab\tnew\nline\x00nul\x1f",
    },
    {"floats": [0.1, 7.5, 7.0, -0.0, 123456789.123, 1e16, 1e22], "big": 2**63 - 1},
    {"decimal": Decimal("6.5"), "hours": Decimal("24.0")},
    {
        "date": datetime.date(2026, 12, 2),
        "aware": AWARE,
        "local": timezone.localtime(AWARE),
        "naive": datetime.datetime(2026, 1, 2, 3, 4, 5),
        "time": datetime.time(7, 30),
        "span": datetime.timedelta(days=1, seconds=5),
    },
    {"uuid": uuid.UUID("6f1c1a52-3f0e-4c3e-9a57-0d4f8f0b2a11")},
    {"lazy": gettext_lazy("Not medical advice."), 3: "int key", None: "none key"},
    {"tuple": (1, 2), "set_free": frozenset()},
]


@pytest.mark.parametrize("data", PAYLOADS)
def test_the_same_bytes_as_drfs_renderer(data):
    assert JSONRenderer().render(data) == DRFRenderer().render(data)


def test_line_separators_are_escaped_for_scripts():
    body = JSONRenderer().render({"name": "a\u2028b\u2029c"})
    assert body == b'{"name":"a\\u2028b\\u2029c"}'


def test_an_indented_answer_is_drfs_own():
    context = {"indent": 4}
    data = {"a": [1, {"b": "ü"}]}
    assert JSONRenderer().render(data, "application/json", context) == (
        DRFRenderer().render(data, "application/json", context)
    )
    assert b"\n    " in JSONRenderer().render(data, "application/json", context)


def test_what_orjson_cannot_write_is_left_to_drf():
    assert JSONRenderer().render({"huge": 2**70}) == b'{"huge":1180591620717411303424}'

    @dataclasses.dataclass
    class Point:
        x: int

    # json refuses a dataclass; so does this renderer (it is not written silently).
    with pytest.raises(TypeError):
        JSONRenderer().render({"p": Point(1)})


def test_nan_is_written_null_instead_of_failing():
    assert JSONRenderer().render({"mean": math.nan}) == b'{"mean":null}'
    with pytest.raises(ValueError):
        DRFRenderer().render({"mean": math.nan})


def test_none_renders_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_the_api_uses_it(settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_RENDERER_CLASSES == [JSONRenderer]
