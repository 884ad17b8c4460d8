from django.contrib import admin

from .models import Study


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    """Staff curate the catalogue here. The model's validators check DOI, PubMed and
    registry formats and source addresses, and the form shows what is wrong."""

    list_display = [
        "label",
        "year",
        "group",
        "evidence_level",
        "relevance_to_mecfs",
        "verified",
    ]
    list_filter = ["group", "evidence_level", "relevance_to_mecfs", "verified"]
    search_fields = ["key", "label", "title", "authors", "doi", "pmid", "registry_id"]
    ordering = ["group", "label"]
    filter_horizontal = ["symptoms"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["key", "label", "headline", "group"]}),
        (
            "Evidence",
            {
                "fields": [
                    "evidence_level",
                    "evidence_level_note",
                    "relevance_to_mecfs",
                    "relevance_note",
                ]
            },
        ),
        (
            "Citation",
            {
                "fields": [
                    "authors",
                    "year",
                    "title",
                    "venue",
                    "volume_pages",
                    "doi",
                    "pmid",
                    "registry_id",
                    "status_checked",
                    "other_ids",
                ]
            },
        ),
        (
            "Study",
            {
                "fields": [
                    "design",
                    "design_detail",
                    "population",
                    "n",
                    "dose",
                    "duration",
                    "on_treatment_weeks",
                    "outcomes",
                    "limitations",
                ]
            },
        ),
        ("What it measured", {"fields": ["symptoms", "measured_outcomes"]}),
        (
            "Checking",
            {"fields": ["verified", "unverified_fields", "sources"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]
