"""Rules about one study: identifier formats, links, what is unverified, ordering."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from diary.models import Symptom
from evidence.models import (
    Study,
    validate_doi,
    validate_pmid,
    validate_registry_id,
    validate_sources,
)
from evidence.services import studies_load

from .conftest import data_records
from .factories import StudyFactory

RECORDS = data_records()


@pytest.mark.parametrize(
    "doi",
    sorted({r["doi"] for r in RECORDS if r["doi"]}),
)
def test_every_doi_in_the_data_is_accepted(doi):
    validate_doi(doi)


@pytest.mark.parametrize(
    "bad",
    [
        "doi:10.1136/bcr-2019-232502",
        "https://doi.org/10.1136/bcr-2019-232502",
        "10.1136",
        "10.1136/",
        "11.1136/bcr-2019-232502",
        "10.1136/bcr 2019",
        "10.ab/cd",
        "",
    ],
)
def test_malformed_dois_are_rejected(bad):
    with pytest.raises(ValidationError):
        validate_doi(bad)


@pytest.mark.parametrize(
    "registry_id",
    sorted(
        {r["registry_id"] for r in RECORDS if r["registry_id"]}
        | {i for r in RECORDS for i in r.get("other_ids", []) if i.startswith("Eudra")}
    ),
)
def test_every_registration_in_the_data_is_accepted(registry_id):
    validate_registry_id(registry_id)


@pytest.mark.parametrize(
    "bad",
    [
        "NCT1234567",
        "NCT123456789",
        "nct06366724",
        "NCT06366724 ",
        "ACTRN1262400116250",
        "ACTRN126240011625055",
        "ISRCTN12345678",
        "EudraCT 2019-00070-30",
        "NCT07285473 (other IDs: 1UG3NS141843)",
        "<script>",
    ],
)
def test_malformed_registrations_are_rejected(bad):
    with pytest.raises(ValidationError):
        validate_registry_id(bad)


@pytest.mark.parametrize("pmid", sorted({r["pmid"] for r in RECORDS if r["pmid"]}))
def test_every_pubmed_id_in_the_data_is_accepted(pmid):
    validate_pmid(pmid)


@pytest.mark.parametrize("bad", ["PMID 31911410", "0123", "31911410a", "1234567890"])
def test_malformed_pubmed_ids_are_rejected(bad):
    with pytest.raises(ValidationError):
        validate_pmid(bad)


@pytest.mark.parametrize(
    "sources",
    [
        [{"url": "javascript:alert(1)", "supports": "x"}],
        [{"url": "https://example.org/a b", "supports": "x"}],
        [{"url": "https://example.org/", "supports": "x", "extra": 1}],
        [{"supports": "no address"}],
        ["https://example.org/"],
        {"url": "https://example.org/"},
    ],
)
def test_sources_must_be_web_addresses(sources):
    with pytest.raises(ValidationError):
        validate_sources(sources)


def test_sources_from_the_data_are_accepted():
    for record in RECORDS:
        validate_sources(record["sources"])


@pytest.mark.django_db
class TestStudy:
    def test_every_loaded_study_passes_full_validation(self, studies):
        for study in Study.objects.all():
            study.full_clean()

    def test_identifier_links(self):
        study = StudyFactory.build(
            doi="10.1136/bcr-2019-232502", pmid="31911410", registry_id="NCT06366724"
        )

        assert study.doi_url == "https://doi.org/10.1136/bcr-2019-232502"
        assert study.pubmed_url == "https://pubmed.ncbi.nlm.nih.gov/31911410/"
        assert study.registry_url == "https://clinicaltrials.gov/study/NCT06366724"

    def test_anzctr_and_eudract_links(self):
        anz = StudyFactory.build(registry_id="ACTRN12624001162505")
        eu = StudyFactory.build(registry_id="EudraCT 2019-000702-30")

        assert anz.registry_url == "https://www.anzctr.org.au/ACTRN12624001162505.aspx"
        assert eu.registry_url.endswith("search?query=2019-000702-30")

    def test_missing_identifiers_give_no_links(self):
        study = StudyFactory.build(doi="", pmid="", registry_id="")

        assert (study.doi_url, study.pubmed_url, study.registry_url) == ("", "", "")

    def test_full_clean_names_each_bad_identifier(self):
        study = StudyFactory.build(doi="not-a-doi", registry_id="NCT1", pmid="x1")

        with pytest.raises(ValidationError) as excinfo:
            study.full_clean()

        assert set(excinfo.value.message_dict) >= {"doi", "registry_id", "pmid"}

    def test_is_unverified_reports_listed_fields(self):
        study = StudyFactory.build(verified=False, unverified_fields=["year", "design"])

        assert study.is_unverified("year")
        assert study.is_unverified("design_detail")
        assert not study.is_unverified("title")
        assert study.unverified_labels == ["year", "design"]

    def test_relevance_detail_skips_what_the_label_already_says(self):
        same = StudyFactory.build(relevance_to_mecfs="direct", relevance_note="ME/CFS")
        more = StudyFactory.build(
            relevance_to_mecfs="indirect", relevance_note="fibromyalgia"
        )

        assert same.relevance_detail == ""
        assert more.relevance_detail == "fibromyalgia"

    def test_unknown_unverified_field_names_are_rejected(self):
        study = StudyFactory.build(verified=False, unverified_fields=["colour"])

        with pytest.raises(ValidationError) as excinfo:
            study.full_clean()

        assert "unverified_fields" in excinfo.value.message_dict

    def test_a_fully_verified_study_cannot_list_unverified_fields(self):
        study = StudyFactory.build(verified=True, unverified_fields=["pmid"])

        with pytest.raises(ValidationError) as excinfo:
            study.full_clean()

        assert "verified" in excinfo.value.message_dict

    def test_the_levels_page_address_cannot_be_a_study_key(self):
        study = StudyFactory.build(key="levels")

        with pytest.raises(ValidationError) as excinfo:
            study.full_clean()

        assert "key" in excinfo.value.message_dict

    def test_only_builtin_symptoms_are_offered_for_linking(self, alice):
        own = Symptom.objects.create(name="My own thing", owner=alice)
        form = modelform_factory(Study, fields=["symptoms"])()

        offered = set(form.fields["symptoms"].queryset)
        assert own not in offered
        assert offered == set(Symptom.objects.builtin())


def readme_sort_key(study):
    relevance = ["direct", "partly-direct", "indirect"].index(study.relevance_to_mecfs)
    level = ["L1", "L2", "L3", "L4", "L5", "R"].index(study.evidence_level)
    year = -(study.year or -10_000)  # unknown year after known years
    return (relevance, level, year)


@pytest.mark.django_db
class TestStudyQuerySet:
    def test_ordered_follows_relevance_then_level_then_newest_year(self, studies):
        ordered = list(Study.objects.ordered())

        assert [readme_sort_key(s) for s in ordered] == sorted(
            readme_sort_key(s) for s in ordered
        )
        assert ordered[0].relevance_to_mecfs == Study.Relevance.DIRECT
        assert ordered[-1].relevance_to_mecfs == Study.Relevance.INDIRECT

    def test_ordered_puts_registrations_after_every_result_of_the_same_relevance(
        self, studies
    ):
        direct = [
            s.evidence_level
            for s in Study.objects.ordered().filter(relevance_to_mecfs="direct")
        ]

        first_r = direct.index("R")
        assert set(direct[first_r:]) == {"R"}

    def test_fibromyalgia_trials_run_strongest_then_newest(self, studies):
        keys = list(
            Study.objects.ordered()
            .filter(group=Study.Group.FIBROMYALGIA)
            .values_list("key", flat=True)
        )

        assert keys == [
            "bruun2024_final",
            "bested2023",
            "younger2013",
            "parkitny2017",
            "younger2009",
        ]

    def test_for_symptoms_returns_each_linked_study_once(self, studies):
        fatigue = Symptom.objects.builtin().get(slug="fatigue")
        brain_fog = Symptom.objects.builtin().get(slug="brain-fog")

        found = list(Study.objects.for_symptoms([fatigue.pk, brain_fog.pk]).ordered())

        keys = [s.key for s in found]
        assert len(keys) == len(set(keys))
        assert "okelly2022" in keys  # linked to both
        assert "cabanas2019" not in keys  # a laboratory study
        assert set(keys) == set(
            Study.objects.filter(symptoms__in=[fatigue, brain_fog]).values_list(
                "key", flat=True
            )
        )

    def test_for_symptoms_with_no_ids_finds_nothing(self, studies):
        assert not Study.objects.for_symptoms([]).exists()

    def test_loading_keeps_studies_staff_added(self, db):
        StudyFactory(key="staff-added")

        result = studies_load()

        assert result.total == 37
        assert Study.objects.filter(key="staff-added").exists()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-11", "Registration status as checked in November 2026."),
        ("2026-11-20", "Registration status as checked on 20 November 2026."),
        ("", ""),
    ],
)
def test_status_checked_reads_as_a_month_or_a_day(value, text):
    study = Study(status_checked=value)
    assert study.status_checked_text.startswith(text)
    if not value:
        assert study.status_checked_text == ""


def test_a_registration_without_a_status_check_date_is_invalid(db):
    study = StudyFactory.build(evidence_level="R", status_checked="")
    with pytest.raises(ValidationError) as error:
        study.full_clean()
    assert "status_checked" in error.value.message_dict
