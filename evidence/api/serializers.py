"""Serializers of the public studies API (read-only reference data).

Each study carries what the README's rules ask to show beside a result: its
limitations, its evidence level (code, label and plain meaning), its relevance to
ME/CFS, whether it has results at all (registrations do not), and which fields
could not be confirmed (``unverified_fields``), which a client must not show as
fact.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diary.builtin_symptoms import BUILTIN_SYMPTOMS
from diary.models import Symptom

from ..models import Study


def not_medical_advice() -> str:
    return str(
        _(
            "Not medical advice. These are summaries of studies and trial "
            "registrations about low-dose naltrexone; each study's limitations say "
            "what it cannot show, and a registered trial (level R) has no results. "
            "Decisions about medicines are for you and your prescriber."
        )
    )


class ReadingLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["doi", "pubmed", "registry", "primary", "secondary"], read_only=True
    )
    # DRF's metaclass moves declared fields off the class, so a field may be
    # called "label" although Field has a "label" attribute; only mypy objects.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    url = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)


class StudySerializer(serializers.ModelSerializer):
    """One study, review or trial registration in the evidence catalogue."""

    url = serializers.SerializerMethodField(help_text=_("This study in the API."))
    page_url = serializers.SerializerMethodField(
        help_text=_("The study's page on the website.")
    )
    doi_url = serializers.CharField(read_only=True, help_text=_("Empty if no DOI."))
    pubmed_url = serializers.CharField(
        read_only=True, help_text=_("Empty if no PubMed ID.")
    )
    registry_url = serializers.CharField(
        read_only=True, help_text=_("The trial registry's page; empty if none.")
    )
    group_label = serializers.CharField(source="get_group_display", read_only=True)
    evidence_level_label = serializers.CharField(
        source="get_evidence_level_display", read_only=True
    )
    evidence_level_meaning = serializers.CharField(
        source="level_meaning",
        read_only=True,
        help_text=_("What this level of evidence can and cannot show, in plain words."),
    )
    relevance_to_mecfs_label = serializers.CharField(
        source="get_relevance_to_mecfs_display", read_only=True
    )
    relevance_to_mecfs_meaning = serializers.CharField(
        source="relevance_meaning", read_only=True
    )
    has_results = serializers.SerializerMethodField(
        help_text=_(
            "False for a trial registration (level R): it has no results and is not "
            "evidence that LDN helps."
        )
    )
    unverified_fields = serializers.SerializerMethodField(
        help_text=_(
            "Fields that could not be confirmed from the sources checked. Do not "
            "show them as fact: leave them out or mark them 'not confirmed'."
        )
    )
    reading_links = ReadingLinkSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The links to show a reader, best first: DOI, PubMed, trial registry; "
            "only when there is none of those, the publisher's page, and only "
            "then a secondary summary (kind 'secondary': label it as someone "
            "else's summary). 'sources' are checking notes, not reading links."
        ),
    )
    status_checked = serializers.CharField(
        read_only=True,
        help_text=_(
            "For a registered trial: when its registry status was checked "
            "(YYYY-MM or YYYY-MM-DD); show it beside the status. Empty otherwise."
        ),
    )
    measured_symptoms = serializers.SerializerMethodField(
        help_text=_(
            "Slugs of the built-in diary symptoms the study measured (for a "
            "registration: plans to measure). A link says what was measured, not "
            "that it improved."
        )
    )

    class Meta:
        model = Study
        fields = [
            "key",
            "url",
            "page_url",
            "label",
            "authors",
            "year",
            "title",
            "venue",
            "volume_pages",
            "doi",
            "doi_url",
            "pmid",
            "pubmed_url",
            "registry_id",
            "registry_url",
            "status_checked",
            "reading_links",
            "other_ids",
            "group",
            "group_label",
            "evidence_level",
            "evidence_level_label",
            "evidence_level_meaning",
            "evidence_level_note",
            "relevance_to_mecfs",
            "relevance_to_mecfs_label",
            "relevance_to_mecfs_meaning",
            "relevance_note",
            "has_results",
            "design",
            "design_detail",
            "population",
            "n",
            "dose",
            "duration",
            "on_treatment_weeks",
            "headline",
            "outcomes",
            "limitations",
            "measured_symptoms",
            "measured_outcomes",
            "sources",
            "verified",
            "unverified_fields",
            "updated_at",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, study: Study) -> str:
        return self._absolute(reverse("api:study-detail", args=[study.key]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, study: Study) -> str:
        return self._absolute(reverse("evidence:study-detail", args=[study.key]))

    def get_has_results(self, study: Study) -> bool:
        return not study.is_registration

    def get_unverified_fields(self, study: Study) -> list[str]:
        return [str(name) for name in study.unverified_fields or []]

    def get_measured_symptoms(self, study: Study) -> list[str]:
        # Built-in symptoms only (the admin offers no others); uses the prefetch.
        return [s.slug for s in study.symptoms.all() if s.owner_id is None]


class StudyDetailSerializer(StudySerializer):
    """A study on its own, with the not-medical-advice notice."""

    disclaimer = serializers.SerializerMethodField()

    class Meta(StudySerializer.Meta):
        fields = [*StudySerializer.Meta.fields, "disclaimer"]
        read_only_fields = fields

    def get_disclaimer(self, study: Study) -> str:
        return not_medical_advice()


@extend_schema_field(
    {
        "type": "string",
        # The catalogue ships with the app; blank means "any".
        "enum": [slug for slug, _name, _description, _default in BUILTIN_SYMPTOMS]
        + [""],
    }
)
class BuiltinSymptomSlugField(serializers.SlugRelatedField):
    """A built-in symptom by its slug; the schema lists the slugs."""


class StudyFilterSerializer(serializers.Serializer):
    """The list's query parameters. A value that is not one of the choices is a
    400 that names the parameter (unlike the web page, which ignores it)."""

    # Blank means "any" (as the web page's filter form sends it).
    group = serializers.ChoiceField(
        choices=Study.Group.choices,
        required=False,
        allow_blank=True,
        help_text=_("Only this group."),
    )
    level = serializers.ChoiceField(
        choices=Study.Level.choices,
        required=False,
        allow_blank=True,
        help_text=_("Only this evidence level."),
    )
    relevance = serializers.ChoiceField(
        choices=Study.Relevance.choices,
        required=False,
        allow_blank=True,
        help_text=_("Only this relevance to ME/CFS."),
    )
    symptom = BuiltinSymptomSlugField(
        slug_field="slug",
        queryset=Symptom.objects.builtin(),
        required=False,
        help_text=_(
            "Only studies that measured this built-in symptom (its slug, for "
            "example fatigue)."
        ),
        error_messages={
            "does_not_exist": _('There is no built-in symptom "{value}".'),
            "invalid": _("Enter the slug of a built-in symptom, such as fatigue."),
        },
    )

    def filter(self, studies):
        data = self.validated_data
        if "group" in data:
            studies = studies.filter(group=data["group"])
        if "level" in data:
            studies = studies.filter(evidence_level=data["level"])
        if "relevance" in data:
            studies = studies.filter(relevance_to_mecfs=data["relevance"])
        if "symptom" in data:
            studies = studies.for_symptoms([data["symptom"].pk])
        return studies
