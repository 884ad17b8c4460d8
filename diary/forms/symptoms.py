from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import PlainErrorsMixin


class SymptomAddForm(PlainErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name of the symptom"), max_length=80)
    description = forms.CharField(
        label=_("Description (optional)"), max_length=240, required=False
    )


class SymptomMoveForm(PlainErrorsMixin, forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
