"""A short fingerprint of templates' source, for cache keys of rendered HTML.

A cached fragment outlives the process that rendered it (Redis is shared, and
kept across a deploy), so its key carries the fingerprint of the templates that
made it: a deploy that changes one of them, or one they include by a constant
name, or Django's own widget templates (with its version), starts afresh.
"""

from __future__ import annotations

import functools
import hashlib

import django
from django.template import loader
from django.template.base import Template
from django.template.loader_tags import ExtendsNode, IncludeNode

__all__ = ["template_fingerprint"]


def _constant_names(template: Template) -> list[str]:
    """The templates ``template`` includes or extends by a constant name."""
    names = []
    for include in template.nodelist.get_nodes_by_type(IncludeNode):
        assert isinstance(include, IncludeNode)
        name = include.template.var
        if isinstance(name, str):
            names.append(name)
    for extends in template.nodelist.get_nodes_by_type(ExtendsNode):
        assert isinstance(extends, ExtendsNode)
        name = getattr(extends.parent_name, "var", None)
        if isinstance(name, str):
            names.append(name)
    return names


@functools.cache
def template_fingerprint(*names: str) -> str:
    """12 hex digits that change when the source of ``names``, of any template they
    include or extend by a constant name, or Django's version changes. Worked out
    once per process."""
    digest = hashlib.sha256(django.get_version().encode())
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        template = loader.get_template(name).template  # type: ignore[attr-defined]
        digest.update(name.encode() + b"\0" + template.source.encode() + b"\0")
        todo.extend(_constant_names(template))
    return digest.hexdigest()[:12]
