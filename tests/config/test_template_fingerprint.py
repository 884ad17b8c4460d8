"""Cached HTML is keyed by its templates' fingerprint: it changes with the source
of a template or of one it includes or extends, and only then."""

import pytest

from config.template_fingerprint import template_fingerprint

SOURCES = {
    "page.html": '{% extends "base.html" %}{% block x %}{% if a %}{% include "part.html" %}{% endif %}{% include name %}{% endblock %}',
    "base.html": "<main>{% block x %}{% endblock %}</main>",
    "part.html": "<p>part</p>",
    "other.html": "<p>other</p>",
}


@pytest.fixture
def templates(settings):
    def use(**changes):
        template_fingerprint.cache_clear()
        settings.TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "loaders": [
                        (
                            "django.template.loaders.locmem.Loader",
                            {**SOURCES, **changes},
                        )
                    ]
                },
            }
        ]
        return template_fingerprint("page.html")

    yield use
    template_fingerprint.cache_clear()


def test_the_same_sources_give_the_same_fingerprint(templates):
    assert templates() == templates()
    assert len(templates()) == 12


@pytest.mark.parametrize("name", ["page.html", "base.html", "part.html"])
def test_a_change_in_the_template_or_what_it_includes_or_extends_shows(templates, name):
    assert templates(**{name: SOURCES[name] + " "}) != templates()


def test_a_template_it_does_not_use_does_not_count(templates):
    assert templates(**{"other.html": "<p>changed</p>"}) == templates()


def test_it_is_worked_out_once_per_process(templates):
    first = templates()
    template_fingerprint("page.html")
    assert template_fingerprint.cache_info().misses == 1
    assert template_fingerprint("page.html") == first
