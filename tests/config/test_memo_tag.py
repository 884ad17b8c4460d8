"""``{% memo %}`` renders a part of the layout once per process: it sees only the
values it is given, is kept per language and per value, and the layout shows the
same navigation as before on every page."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from config.templatetags import memo


@pytest.fixture(autouse=True)
def _fresh():
    memo._rendered.clear()
    yield
    memo._rendered.clear()


def render(source: str, **context) -> str:
    return Template("{% load i18n memo %}" + source).render(Context(context))


def test_the_part_sees_only_the_values_it_is_given():
    template = Template(
        "{% load memo %}{% memo x=a %}[{{ x }}|{{ a }}|{{ secret }}]{% endmemo %}"
    )
    assert template.render(Context({"a": "1", "secret": "alice"})) == "[1||]"
    assert template.render(Context({"a": "2", "secret": "bob"})) == "[2||]"
    assert template.render(Context({"a": "1", "secret": "carol"})) == "[1||]"


def test_the_part_is_rendered_once_per_value():
    template = Template(
        '{% load memo %}{% memo x=a %}{{ x }}{% now "u" %}{% endmemo %}'
    )
    first = template.render(Context({"a": "1"}))
    assert template.render(Context({"a": "1"})) == first
    assert len(memo._rendered) == 1
    template.render(Context({"a": "2"}))
    assert len(memo._rendered) == 2


def test_a_value_that_does_not_resolve_is_none_as_in_an_if():
    source = (
        "{% memo x=request.resolver_match.url_name %}"
        "{% if x in 'a-b c-d' %}in{% else %}out{% endif %}{% endmemo %}"
    )
    assert render(source) == "out"


def test_each_language_has_its_own_part():
    source = '{% memo %}{% translate "Yes" %}{% endmemo %}'
    with translation.override("en"):
        assert render(source) == "Yes"
    with translation.override("fr"):
        assert render(source) == "Oui"
    with translation.override("en"):
        assert render(source) == "Yes"


def test_a_changed_setting_starts_afresh(settings):
    render("{% memo %}x{% endmemo %}")
    assert memo._rendered
    settings.STATIC_URL = "/elsewhere/"
    assert not memo._rendered


def test_arguments_must_be_named():
    with pytest.raises(TemplateSyntaxError):
        render("{% memo a %}x{% endmemo %}")


def site_nav(response) -> str:
    page = response.content.decode()
    return page.split('<nav class="site-nav"')[1].split("</nav>")[0]


@pytest.mark.django_db
def test_the_navigation_marks_the_current_page(alice_client, anon_client):
    for name in ("diary:trends", "diary:entry-list", "evidence:study-list"):
        nav = site_nav(alice_client.get(reverse(name)))
        assert f'<a href="{reverse(name)}" aria-current="page">' in nav
        assert nav.count('aria-current="page"') == 1
        assert 'name="csrfmiddlewaretoken"' in nav  # the log-out form's own
    visitor = site_nav(anon_client.get(reverse("evidence:study-list")))
    assert f'<a href="{reverse("evidence:study-list")}" aria-current="page">' in visitor
    assert visitor.count('aria-current="page"') == 1
    assert reverse("accounts:logout") not in visitor
    login = site_nav(anon_client.get(reverse("accounts:login")))
    assert 'aria-current="page"' not in login


@pytest.mark.django_db
def test_the_footer_links_your_data_only_when_signed_in(alice_client, anon_client):
    studies = reverse("evidence:study-list")
    signed_in = alice_client.get(studies).content.decode()
    visitor = anon_client.get(studies).content.decode()
    assert reverse("portability:data") in signed_in
    assert reverse("portability:data") not in visitor
    assert 'data-testid="not-medical-advice"' in visitor
    assert 'data-testid="not-medical-advice"' in signed_in
