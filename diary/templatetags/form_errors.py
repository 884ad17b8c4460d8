"""Template helpers for the error summary at the top of forms."""

from django import template

register = template.Library()


@register.filter
def without_label(error, label) -> str:
    """The error without a leading "Label: ": the summary already shows the
    label as a link to the field, and the plain messages
    (``diary.forms.fields.plain_messages``) start with it."""
    text, prefix = str(error), f"{label}: "
    if label and text.startswith(prefix):
        rest = text[len(prefix) :]
        return rest[:1].upper() + rest[1:]
    return text
