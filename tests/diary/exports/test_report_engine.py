"""The report's HTML comes from an engine of its own, which loads only the two
template tag libraries the report uses, so a worker that builds reports does not
import every installed app's tag libraries (Django REST framework's alone brings
psycopg, requests and pygments)."""

import datetime

import pytest
from django.core.cache import cache
from django.template import loader
from django.template.utils import EngineHandler

from diary.exports import pdf
from diary.exports.data import report_data
from diary.exports.models import ExportSection
from tests.fresh_python import fresh_python

from .report_story import Story

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(alice):
    cache.clear()
    story = Story(alice)
    yield report_data(
        user=story.user,
        start=story.today - datetime.timedelta(days=89),
        end=story.today,
        sections=list(ExportSection.values),
        display_name="Alice <b>Example</b>",
    )
    cache.clear()


@pytest.mark.parametrize("for_print", [True, False])
def test_the_report_is_what_the_projects_engine_renders(data, for_print):
    context = pdf._report_context(data, for_print=for_print)
    assert pdf.render_report_html(data, for_print=for_print) == (
        loader.render_to_string(pdf.TEMPLATE, context)
    )


def test_rendering_the_report_does_not_start_the_projects_engine(data, monkeypatch):
    fresh = EngineHandler()
    monkeypatch.setattr(loader, "engines", fresh)
    html = pdf.render_report_html(data, for_print=True)
    assert "Patient-reported data" in html
    assert not fresh._engines  # render_to_string would have built "django"


def test_the_report_loads_no_other_template_tag_library():
    code = (
        "import sys, django; django.setup(); "
        "from diary.exports import pdf; "
        "pdf._report_engine().get_template(pdf.TEMPLATE); "
        "print(sorted(pdf._report_engine().template_libraries), "
        "'rest_framework.templatetags.rest_framework' in sys.modules)"
    )
    assert fresh_python(code).strip() == "['i18n', 'static'] False"
