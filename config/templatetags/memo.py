"""``{% memo name=value ... %}...{% endmemo %}``: render a part of a template once
per process and reuse it.

For the parts of the site layout that are the same on every page but cost
template work each time (the navigation's links, the footer's notice, the
stylesheet and icon links): they depend only on the language, the URL
configuration and a few values such as the current page's name.

The part is rendered with *only* the named values in its context (no user, no
request, no CSRF token, nothing from the view), so what is reused can never hold
one visitor's data for another; it is kept per language, script prefix, URL
configuration and those values. Anything user-specific stays outside the tag.
"""

from __future__ import annotations

import itertools
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import FilterExpression, NodeList
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# A handful of pages x languages; cleared whole if something unexpected (a huge
# number of distinct values) would make it grow.
MAX_ENTRIES = 2048

_rendered: dict[tuple[Any, ...], SafeString] = {}
_node_ids = itertools.count()


def _forget(**kwargs) -> None:
    """Settings that change static or URL prefixes (tests) start afresh."""
    _rendered.clear()


setting_changed.connect(_forget, dispatch_uid="config.templatetags.memo")


class MemoNode(template.Node):
    def __init__(self, nodelist: NodeList, values: dict[str, FilterExpression]):
        self.nodelist = nodelist
        self.values = values
        self.node_id = next(_node_ids)

    def render(self, context) -> SafeString:
        # A value that does not resolve is None, as it would be in an ``{% if %}``.
        values = {
            name: expr.resolve(context, ignore_failures=True)
            for name, expr in self.values.items()
        }
        key = (
            self.node_id,
            get_language(),
            get_script_prefix(),
            get_urlconf(),
            context.autoescape,
            tuple(sorted((name, repr(value)) for name, value in values.items())),
        )
        html = _rendered.get(key)
        if html is None:
            # ``new`` keeps the context's settings (autoescape, the template
            # being rendered) but none of its variables.
            html = mark_safe(self.nodelist.render(context.new(values)))  # noqa: S308
            if len(_rendered) >= MAX_ENTRIES:
                _rendered.clear()
            _rendered[key] = html
        return html


@register.tag
def memo(parser, token) -> MemoNode:
    bits = token.split_contents()[1:]
    values = {}
    for bit in bits:
        name, sep, expr = bit.partition("=")
        if not sep or not name.isidentifier():
            raise template.TemplateSyntaxError(
                f"memo takes name=value arguments, not {bit!r}"
            )
        values[name] = parser.compile_filter(expr)
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, values)
