"""The public studies API: /api/v1/studies/ and /api/v1/studies/<key>/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.models import Symptom
from evidence.models import Study
from evidence.services import studies_load
from tests.evidence.factories import StudyFactory

LIST_URL = reverse("api:study-list")


@pytest.fixture
def studies(db):
    """The real catalogue, loaded as ``manage.py load_studies`` loads it."""
    return studies_load()


def detail_url(key: str) -> str:
    return reverse("api:study-detail", args=[key])


def keys(response) -> list[str]:
    return [item["key"] for item in response.json()["results"]]


def expected_order(queryset=None) -> list[str]:
    if queryset is None:
        queryset = Study.objects.all()
    return list(queryset.ordered().values_list("key", flat=True))


# Public read access -----------------------------------------------------------------


def test_anonymous_visitor_gets_the_whole_catalogue_in_the_readme_order(
    anon_api, studies
):
    response = anon_api.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 36
    assert keys(response) == expected_order()
    assert body["next"] is None
    assert "not medical advice" in body["disclaimer"].lower()
    assert list(body)[0] == "disclaimer"


def test_order_is_relevance_then_level_then_newest_first(anon_api, studies):
    results = anon_api.get(LIST_URL).json()["results"]
    relevance_rank = {"direct": 0, "partly-direct": 1, "indirect": 2}
    level_rank = {code: i for i, code in enumerate(["L1", "L2", "L3", "L4", "L5", "R"])}
    sort_keys = [
        (
            relevance_rank[s["relevance_to_mecfs"]],
            level_rank[s["evidence_level"]],
            -(s["year"] or 0),
        )
        for s in results
    ]
    assert sort_keys == sorted(sort_keys)
    assert results[0]["relevance_to_mecfs"] == "direct"
    assert results[-1]["relevance_to_mecfs"] == "indirect"


def test_signed_in_users_read_the_same_list(alice_api, alice_client, studies):
    by_token = alice_api.get(LIST_URL)
    by_session = alice_client.get(LIST_URL)

    assert by_token.status_code == by_session.status_code == 200
    assert keys(by_token) == keys(by_session) == expected_order()


def test_a_bad_token_is_still_rejected_on_a_public_endpoint(anon_api, studies):
    anon_api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = anon_api.get(LIST_URL)

    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "errors"}


def test_detail_carries_limitations_level_relevance_ids_links_and_symptoms(
    anon_api, studies
):
    response = anon_api.get(detail_url("younger2013"))

    assert response.status_code == 200
    body = response.json()
    study = Study.objects.get(key="younger2013")
    assert body["key"] == "younger2013"
    assert body["label"] == study.label
    assert body["limitations"] == study.limitations
    assert body["headline"] == study.headline
    assert body["evidence_level"] == "L2"
    assert body["evidence_level_label"] == str(Study.Level.L2.label)
    assert body["evidence_level_meaning"] == str(Study.LEVEL_MEANINGS["L2"])
    assert body["relevance_to_mecfs"] == "indirect"
    assert body["relevance_to_mecfs_meaning"] == str(
        Study.RELEVANCE_MEANINGS["indirect"]
    )
    assert body["has_results"] is True
    assert body["on_treatment_weeks"] == 12
    assert body["unverified_fields"] == ["pmid"]
    assert body["doi"] == study.doi
    assert body["doi_url"] == f"https://doi.org/{study.doi}"
    assert set(body["measured_symptoms"]) == {
        "muscle-pain",
        "fatigue",
        "unrefreshing-sleep",
        "low-mood",
    }
    assert body["url"] == "http://testserver" + detail_url("younger2013")
    assert body["page_url"] == "http://testserver" + reverse(
        "evidence:study-detail", args=["younger2013"]
    )
    assert "not medical advice" in body["disclaimer"].lower()


def test_a_registration_says_it_has_no_results_and_links_its_registry(
    anon_api, studies
):
    body = anon_api.get(detail_url("lift_nct06366724")).json()

    assert body["evidence_level"] == "R"
    assert body["has_results"] is False
    assert body["registry_id"] == "NCT06366724"
    assert body["registry_url"] == "https://clinicaltrials.gov/study/NCT06366724"
    assert "doi" in body["unverified_fields"]


def test_every_study_in_the_list_has_its_limitations_and_level_meaning(
    anon_api, studies
):
    for item in anon_api.get(LIST_URL).json()["results"]:
        assert item["limitations"].strip(), item["key"]
        assert item["evidence_level_meaning"].strip(), item["key"]
        assert isinstance(item["unverified_fields"], list)
        assert isinstance(item["measured_symptoms"], list)


def test_unknown_key_is_404_with_the_error_shape(anon_api, studies):
    response = anon_api.get(detail_url("no-such-study"))

    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "not_found"


def test_hostile_text_in_a_study_comes_back_as_plain_json_text(anon_api, db):
    StudyFactory(key="hostile", label="<script>alert(1)</script>")

    response = anon_api.get(detail_url("hostile"))

    assert response["Content-Type"].startswith("application/json")
    assert response.json()["label"] == "<script>alert(1)</script>"


# Filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "queryset"),
    [
        ("group=fibromyalgia", lambda: Study.objects.filter(group="fibromyalgia")),
        ("level=R", lambda: Study.objects.filter(evidence_level="R")),
        (
            "relevance=partly-direct",
            lambda: Study.objects.filter(relevance_to_mecfs="partly-direct"),
        ),
        ("symptom=fatigue", lambda: Study.objects.filter(symptoms__slug="fatigue")),
        (
            "symptom=muscle-pain&level=L2",
            lambda: Study.objects.filter(
                symptoms__slug="muscle-pain", evidence_level="L2"
            ),
        ),
    ],
)
def test_filters_narrow_the_list_and_keep_the_order(anon_api, studies, query, queryset):
    response = anon_api.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    expected = expected_order(queryset())
    assert expected  # each filter matches something in the real catalogue
    assert keys(response) == expected
    assert response.json()["count"] == len(expected)


def test_fatigue_filter_brings_the_fatigue_studies_and_no_laboratory_work(
    anon_api, studies
):
    found = keys(anon_api.get(f"{LIST_URL}?symptom=fatigue"))

    assert {"polo2019", "younger2013", "isman2024"} <= set(found)
    assert "cabanas2018" not in found


def test_an_empty_filter_value_means_no_filter(anon_api, studies):
    response = anon_api.get(f"{LIST_URL}?level=&symptom=")

    assert response.status_code == 200
    assert response.json()["count"] == 36


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("level=L9", "level"),
        ("group=astrology", "group"),
        ("relevance=very", "relevance"),
        ("symptom=not-a-symptom", "symptom"),
        ("symptom=%3Cscript%3E", "symptom"),
    ],
)
def test_a_bad_filter_is_400_naming_the_parameter(anon_api, studies, query, field):
    response = anon_api.get(f"{LIST_URL}?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert field in body["message"]


def test_a_patients_own_symptom_is_not_a_filter(anon_api, alice, studies):
    own = Symptom.objects.create(name="Own", slug="own", owner=alice)
    Study.objects.get(key="polo2019").symptoms.add(own)  # not possible in the admin

    response = anon_api.get(f"{LIST_URL}?symptom=own")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["symptom"]


def test_filters_do_not_hide_a_study_on_its_own_address(anon_api, studies):
    response = anon_api.get(f"{detail_url('polo2019')}?level=L1")

    assert response.status_code == 200
    assert response.json()["key"] == "polo2019"


def test_limit_and_offset_page_through_the_same_order(anon_api, studies):
    first = anon_api.get(f"{LIST_URL}?limit=10").json()
    second = anon_api.get(f"{LIST_URL}?limit=10&offset=10").json()

    assert [s["key"] for s in first["results"] + second["results"]] == (
        expected_order()[:20]
    )
    assert first["next"] and first["previous"] is None
    assert "disclaimer" in second


# Query counts ---------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_studies(count: int) -> None:
    symptoms = list(Symptom.objects.builtin()[:3])
    for i in range(count):
        StudyFactory(key=f"extra-{i}").symptoms.set(symptoms)


@pytest.mark.parametrize(
    "url",
    [
        LIST_URL,
        f"{LIST_URL}?symptom=fatigue&level=L4",
        detail_url("polo2019"),
    ],
)
def test_query_count_does_not_grow_with_the_number_of_studies(
    anon_api, studies, django_assert_num_queries, url
):
    small = count_queries(anon_api, url)
    add_studies(40)

    with django_assert_num_queries(small):
        response = anon_api.get(url)
    assert response.status_code == 200
    assert small <= 4


# Read-only ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_list_cannot_be_written(anon_api, alice_api, studies, method):
    for client in (anon_api, alice_api):
        response = getattr(client, method)(LIST_URL, {"key": "new"}, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"
    assert Study.objects.count() == 36


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_study_cannot_be_written(anon_api, alice_api, studies, method):
    before = Study.objects.get(key="polo2019")
    for client in (anon_api, alice_api):
        response = getattr(client, method)(
            detail_url("polo2019"), {"headline": "Cures everything"}, format="json"
        )
        assert response.status_code == 405
    after = Study.objects.get(key="polo2019")
    assert after.headline == before.headline
    assert after.updated_at == before.updated_at


def test_a_study_carries_its_reading_links_and_status_check_date(client, studies):
    tamariz = client.get(reverse("api:study-detail", args=["tamariz2024"])).json()
    assert [(link["kind"], link["url"]) for link in tamariz["reading_links"]] == [
        ("secondary", "https://www.mecfsatlas.com/evidence/tamariz-2024-low-dose")
    ]
    lift = client.get(reverse("api:study-detail", args=["lift_nct06366724"])).json()
    assert lift["status_checked"] == "2026-11"
    assert [link["kind"] for link in lift["reading_links"]] == ["registry"]
    assert lift["reading_links"][0]["url"] == lift["registry_url"]
