"""Loading the evidence catalogue: upserts by key, links symptoms, all or nothing."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from evidence.links import source_problem
from evidence.models import Study
from evidence.services import (
    SYMPTOM_LINKS_PATH,
    studies_load,
    unverified_field_names,
)

from .conftest import DATA_DIR, data_records

pytestmark = pytest.mark.django_db


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_first_load_creates_all_36_studies():
    result = studies_load()

    assert (result.created, result.updated, result.unchanged, result.total) == (
        36,
        0,
        0,
        36,
    )
    assert Study.objects.count() == 36
    assert {"eckey2025", "tamariz2024"} <= set(
        Study.objects.values_list("key", flat=True)
    )


def test_loading_twice_changes_nothing_and_never_duplicates():
    studies_load()
    first = dict(Study.objects.values_list("key", "pk"))
    stamps = dict(Study.objects.values_list("key", "updated_at"))

    result = studies_load()

    assert (result.created, result.updated, result.unchanged, result.total) == (
        0,
        0,
        36,
        36,
    )
    assert dict(Study.objects.values_list("key", "pk")) == first
    assert dict(Study.objects.values_list("key", "updated_at")) == stamps


def test_an_edited_record_updates_its_study_on_reload(tmp_path):
    studies_load()
    records = data_records()
    polo = next(r for r in records if r["key"] == "polo2019")
    polo["title"] = "An edited title"
    polo["n"] = "219"

    result = studies_load(path=write_json(tmp_path / "studies.json", records))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 35)
    assert Study.objects.count() == 36
    study = Study.objects.get(key="polo2019")
    assert study.title == "An edited title"
    assert study.n == "219"


def test_symptom_links_follow_the_mapping_file(tmp_path):
    studies_load()
    assert set(
        Study.objects.get(key="bonilla2023").symptoms.values_list("slug", flat=True)
    ) == {"fatigue", "post-exertional-malaise", "unrefreshing-sleep"}
    links = json.loads(SYMPTOM_LINKS_PATH.read_text(encoding="utf-8"))
    links["bonilla2023"] = {"symptoms": ["fatigue"], "outcomes": ["fatigue"]}

    studies_load(symptom_links_path=write_json(tmp_path / "links.json", links))

    study = Study.objects.get(key="bonilla2023")
    assert list(study.symptoms.values_list("slug", flat=True)) == ["fatigue"]
    assert study.measured_outcomes == ["fatigue"]


def test_only_builtin_symptoms_are_linked():
    studies_load()

    linked = Study.symptoms.through.objects.select_related("symptom")
    assert linked.exists()
    assert all(row.symptom.owner_id is None for row in linked)


def test_laboratory_studies_are_linked_to_no_patient_symptom():
    studies_load()

    lab = Study.objects.filter(group=Study.Group.LABORATORY)
    assert lab.count() == 8
    assert not Study.symptoms.through.objects.filter(study__in=lab).exists()
    assert all(study.measured_outcomes for study in lab)


def test_every_study_in_the_data_has_a_symptom_mapping_entry():
    links = json.loads(SYMPTOM_LINKS_PATH.read_text(encoding="utf-8"))

    assert set(links) == {record["key"] for record in data_records()}


def test_an_invalid_record_stops_the_whole_load_and_names_the_study(tmp_path):
    records = data_records()
    records[3]["doi"] = "doi:not-a-doi"
    key = records[3]["key"]

    with pytest.raises(ValidationError) as excinfo:
        studies_load(path=write_json(tmp_path / "studies.json", records))

    assert Study.objects.count() == 0
    assert any(message.startswith(f"{key}:") for message in excinfo.value.messages)
    assert "DOI" in " ".join(excinfo.value.messages)


def test_an_unknown_symptom_slug_is_rejected(tmp_path):
    links = json.loads(SYMPTOM_LINKS_PATH.read_text(encoding="utf-8"))
    links["polo2019"]["symptoms"] = ["fatigue", "no-such-symptom"]

    with pytest.raises(ValidationError, match="no-such-symptom"):
        studies_load(symptom_links_path=write_json(tmp_path / "links.json", links))
    assert Study.objects.count() == 0


def test_a_study_without_a_mapping_entry_is_rejected(tmp_path):
    links = json.loads(SYMPTOM_LINKS_PATH.read_text(encoding="utf-8"))
    del links["polo2019"]

    with pytest.raises(ValidationError, match="polo2019"):
        studies_load(symptom_links_path=write_json(tmp_path / "links.json", links))


def test_a_duplicate_key_in_the_data_is_rejected(tmp_path):
    records = data_records()
    records.append(dict(records[0]))

    with pytest.raises(ValidationError, match="more than once"):
        studies_load(path=write_json(tmp_path / "studies.json", records))
    assert Study.objects.count() == 0


def test_an_evidence_level_without_a_code_is_rejected(tmp_path):
    records = data_records()
    records[0]["evidence_level"] = "review (level unconfirmed)"

    with pytest.raises(ValidationError, match="evidence_level"):
        studies_load(path=write_json(tmp_path / "studies.json", records))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="cannot read"):
        studies_load(path=tmp_path / "missing.json")


def test_levels_relevance_and_groups_are_parsed_from_the_data():
    studies_load()

    bruun = Study.objects.get(key="bruun2024_final")
    assert bruun.evidence_level == Study.Level.L2
    assert bruun.evidence_level_note == "RCT (largest completed LDN RCT found)"
    assert bruun.relevance_to_mecfs == Study.Relevance.INDIRECT
    assert bruun.relevance_note == "fibromyalgia"
    assert bruun.group == Study.Group.FIBROMYALGIA
    assert bruun.registry_id == "NCT04270877"
    assert bruun.other_ids == ["EudraCT 2019-000702-30"]
    lift = Study.objects.get(key="lift_nct06366724")
    assert lift.evidence_level == Study.Level.R
    assert lift.on_treatment_weeks == 13
    assert Study.objects.filter(evidence_level=Study.Level.R).count() == 6


def test_unverified_descriptions_become_field_names():
    assert unverified_field_names(
        [
            "n (the patient count was cut off)",
            "co-authors",
            "naltrexone concentration",
            "registry_id link (matched by sponsor)",
            "volume number (9)",
            "current recruitment status",
            "pmid",
        ]
    ) == ["n", "authors", "dose", "registry_id", "volume_pages", "status", "pmid"]


def test_an_unrecognised_unverified_description_is_rejected():
    with pytest.raises(ValidationError, match="UNVERIFIED_ALIASES"):
        unverified_field_names(["the colour of the cover"])


def test_verified_flags_match_the_data():
    studies_load()

    for record in data_records():
        study = Study.objects.get(key=record["key"])
        assert study.verified is record["verified"]["value"]
        assert len(study.unverified_fields) <= len(
            record["verified"]["unverified_fields"]
        )
        assert bool(study.unverified_fields) == bool(
            record["verified"]["unverified_fields"]
        )


def test_command_prints_counts_and_is_idempotent():
    out = StringIO()
    call_command("load_studies", stdout=out)
    call_command("load_studies", stdout=out)

    assert "36 created, 0 updated, 0 unchanged, 36 in the catalogue" in out.getvalue()
    assert "0 created, 0 updated, 36 unchanged, 36 in the catalogue" in out.getvalue()
    assert Study.objects.count() == 36


def test_command_reports_bad_data_without_loading_anything(tmp_path):
    records = data_records()
    records[0]["registry_id"] = "ISRCTN-bogus"

    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("load_studies", path=str(write_json(tmp_path / "s.json", records)))
    assert Study.objects.count() == 0


def test_the_data_lives_inside_the_app():
    assert DATA_DIR.parent.name == "evidence"
    assert (DATA_DIR / "studies.json").is_file()
    assert len(data_records()) == 36


# The December 2026 refresh: links replaced by key, refused addresses ------------------


def test_a_reload_replaces_changed_and_removed_links_of_existing_studies():
    """The rows as the November file left them (a test-server registry link, a
    proxy, a spam link) are corrected in place by the current file."""
    studies_load()
    Study.objects.filter(key="treatmelc_actrn12624001162505").update(
        sources=[
            {
                "url": "https://uat.anzctr.org.au/Trial/Registration/"
                "TrialReview.aspx?id=387311",
                "supports": "registration number",
            }
        ]
    )
    Study.objects.filter(key="naik2024_nct05430152").update(
        sources=[
            {"url": "https://bmjopen-bmj-com.ezproxy.u-pec.fr/x", "supports": "t"},
            {"url": "https://news-247.top/n/2022510", "supports": "funding"},
        ]
    )
    pks = dict(Study.objects.values_list("key", "pk"))

    result = studies_load()

    assert (result.created, result.updated) == (0, 2)
    assert dict(Study.objects.values_list("key", "pk")) == pks
    treatmelc = Study.objects.get(key="treatmelc_actrn12624001162505")
    assert treatmelc.sources[0]["url"].startswith("https://www.anzctr.org.au/")
    naik = json.dumps(Study.objects.get(key="naik2024_nct05430152").sources)
    assert "ezproxy" not in naik and "news-247" not in naik
    assert "https://bmjopen.bmj.com/content/14/5/e085272" in naik


def test_no_stored_source_is_a_proxy_test_server_or_spam():
    studies_load()
    for study in Study.objects.all():
        for source in study.sources:
            assert source_problem(source["url"]) is None, (study.key, source)


@pytest.mark.parametrize(
    "url",
    [
        "https://uat.anzctr.org.au/Trial/Registration/TrialReview.aspx?id=387311",
        "https://dev.anzctr.org.au/Trial/Registration/TrialReview.aspx?id=386522",
        "https://sdu-qa.qa.elsevierpure.com/da/publications/x",
        "https://bmjopen-bmj-com.ezproxy.u-pec.fr/content/14/5/e085272",
        "https://bmjopen-bmj-com.bibliotheek.ehb.be/content/14/5/e085272",
        "https://0-molmed-biomedcentral-com.brum.beds.ac.uk/articles/x",
        "https://onlinelibrary-wiley-com-443.webvpn.zafu.edu.cn/doi/epdf/x",
        "https://fanyv88.com:443/https/www.scribd.com/document/809839444/fimmu-10-02545",
        "https://news-247.top/n/2022510",
        "https://https.ncbi.nlm.nih.gov/pubmed/32845365",
        "https://issuu.com./ldnim/docs/x",
    ],
)
def test_proxy_test_server_and_spam_links_are_refused_naming_the_study(tmp_path, url):
    records = data_records()
    polo = next(r for r in records if r["key"] == "polo2019")
    polo["sources"].append({"url": url, "supports": "title"})

    with pytest.raises(ValidationError) as error:
        studies_load(path=write_json(tmp_path / "studies.json", records))
    assert any(m.startswith("polo2019:") for m in error.value.messages)
    assert Study.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?id=387311",
        "https://pubmed.ncbi.nlm.nih.gov/38740499/",
        "https://molmed.biomedcentral.com/articles/10.1186/s10020-019-0083-4",
        "https://doi.org/10.3389/fimmu.2019.02545",
        "https://research.bond.edu.au/en/publications/x",
        "https://www.fhi.no/publ/2015/x",
    ],
)
def test_canonical_addresses_are_accepted(url):
    assert source_problem(url) is None


def test_a_registration_needs_the_date_its_status_was_checked(tmp_path):
    records = data_records()
    lift = next(r for r in records if r["key"] == "lift_nct06366724")
    del lift["status_checked"]

    with pytest.raises(ValidationError, match="lift_nct06366724: status_checked"):
        studies_load(path=write_json(tmp_path / "studies.json", records))


@pytest.mark.parametrize("value", ["November 2026", "2026-13", "2026-11-32", 202611])
def test_a_malformed_status_date_is_refused(tmp_path, value):
    records = data_records()
    lift = next(r for r in records if r["key"] == "lift_nct06366724")
    lift["status_checked"] = value

    with pytest.raises(ValidationError, match="lift_nct06366724"):
        studies_load(path=write_json(tmp_path / "studies.json", records))


def test_every_registration_carries_its_status_check_date():
    studies_load()
    registrations = Study.objects.filter(evidence_level=Study.Level.R)
    assert registrations.count() == 6
    assert set(registrations.values_list("status_checked", flat=True)) == {"2026-11"}


def test_the_new_records_keep_their_unconfirmed_fields():
    studies_load()
    tamariz = Study.objects.get(key="tamariz2024")
    assert tamariz.doi == "" and tamariz.pmid == ""
    assert {"title", "doi", "pmid", "dose"} <= set(tamariz.unverified_fields)
    eckey = Study.objects.get(key="eckey2025")
    assert eckey.doi == "10.1073/pnas.2426874122"
    # The survey's own figures were seen; figures for LDN were not.
    assert "ldn_results" in eckey.unverified_fields
    assert "outcomes" not in eckey.unverified_fields
    assert eckey.evidence_level == "L4" and tamariz.evidence_level == "L4"
