from django import forms
from django.utils.translation import gettext_lazy as _


class SymptomAddForm(forms.Form):
    name = forms.CharField(label=_("Name of the symptom"), max_length=80)
    description = forms.CharField(
        label=_("Description (optional)"), max_length=240, required=False
    )


class SymptomMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
