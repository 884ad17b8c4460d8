from django import forms
from django.utils.translation import gettext_lazy as _

from diary.models import Symptom

from .models import Study


class StudyFilterForm(forms.Form):
    """Filters for the study list, read from the query string. A value that is not
    one of the choices is reported and ignored, never an error page."""

    group = forms.ChoiceField(
        label=_("Group"),
        required=False,
        choices=[("", _("All groups")), *Study.Group.choices],
    )
    level = forms.ChoiceField(
        label=_("Evidence level"),
        required=False,
        choices=[("", _("All levels")), *Study.Level.choices],
    )
    relevance = forms.ChoiceField(
        label=_("Relevance to ME/CFS"),
        required=False,
        choices=[("", _("Any relevance")), *Study.Relevance.choices],
    )
    symptom = forms.ModelChoiceField(
        label=_("Symptom measured"),
        required=False,
        queryset=Symptom.objects.builtin(),
        to_field_name="slug",
        empty_label=_("Any symptom"),
    )

    def filter(self, studies):
        """Apply every filter that has a valid value; call after is_valid()."""
        data = getattr(self, "cleaned_data", {})
        if data.get("group"):
            studies = studies.filter(group=data["group"])
        if data.get("level"):
            studies = studies.filter(evidence_level=data["level"])
        if data.get("relevance"):
            studies = studies.filter(relevance_to_mecfs=data["relevance"])
        if data.get("symptom"):
            studies = studies.for_symptoms([data["symptom"].pk])
        return studies

    @property
    def ignored_labels(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors]

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).values())
