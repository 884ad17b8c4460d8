"""The public evidence pages: list, study page and levels."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from diary.models import Symptom
from evidence.links import source_problem
from evidence.managers import GROUP_ORDER
from evidence.models import Study

from .factories import StudyFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("evidence:study-list")
LEVELS_URL = reverse("evidence:levels")
HOSTILE = '<script>alert("x")</script>'


def detail_url(key: str) -> str:
    return reverse("evidence:study-detail", args=[key])


def listed_keys(response) -> list[str]:
    return re.findall(
        r'data-testid="study-item" data-key="([^"]+)"', response.content.decode()
    )


def list_items(response) -> dict[str, str]:
    """The HTML of each study in the list, by key."""
    html = response.content.decode()
    parts = re.split(r'(?=<li class="card study")', html)[1:]
    items = {}
    for part in parts:
        key = re.search(r'data-key="([^"]+)"', part).group(1)
        items[key] = part.split("</li>", 1)[0]
    return items


def fact(response, label: str) -> str:
    """The contents of the <dd> for one fact on a study page."""
    match = re.search(
        rf"<dt>{re.escape(label)}</dt>\s*<dd[^>]*>(.*?)</dd>",
        response.content.decode(),
        re.S,
    )
    assert match, f"no fact {label!r} on the page"
    return match.group(1)


# Who may read the pages ------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST_URL, LEVELS_URL, detail_url("polo2019")])
def test_pages_are_public_for_anonymous_visitors(client, studies, url):
    response = client.get(url)

    assert response.status_code == 200
    assert 'data-testid="not-medical-advice-prominent"' in response.content.decode()


@pytest.mark.parametrize("url", [LIST_URL, LEVELS_URL, detail_url("polo2019")])
def test_pages_show_the_signed_in_navigation(alice_client, studies, url):
    response = alice_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-nav"' in html
    assert 'data-testid="not-medical-advice-prominent"' in html


def test_anonymous_visitors_see_no_private_navigation(client, studies):
    html = client.get(LIST_URL).content.decode()

    assert reverse("diary:checkin") not in html
    assert reverse("diary:treatment-list") not in html
    assert reverse("accounts:login") in html  # the public menu only


def test_every_study_page_renders_for_anonymous_and_signed_in(
    client, alice_client, studies
):
    keys = list(Study.objects.values_list("key", flat=True))
    assert len(keys) == 36

    for key in keys:
        for who, http in [("anonymous", client), ("alice", alice_client)]:
            response = http.get(detail_url(key))
            assert response.status_code == 200, f"{key} for {who}"
            html = response.content.decode()
            assert 'data-testid="not-medical-advice-prominent"' in html, key
            assert escape(Study.objects.get(key=key).limitations) in html, key


@pytest.mark.parametrize("key", ["no-such-study", "POLO2019", "polo2019x"])
def test_unknown_study_is_404(client, alice_client, studies, key):
    assert client.get(detail_url(key)).status_code == 404
    assert alice_client.get(detail_url(key)).status_code == 404


@pytest.mark.parametrize("url", [LIST_URL, LEVELS_URL, detail_url("polo2019")])
def test_pages_only_answer_reads(client, studies, url):
    assert client.post(url).status_code == 405


def test_evidence_pages_link_back_to_the_list(client, studies):
    for url in [LEVELS_URL, detail_url("bruun2024_final")]:
        assert f'href="{LIST_URL}' in client.get(url).content.decode()


# The list --------------------------------------------------------------------------


def test_list_shows_every_study_with_its_limitations_and_level(client, studies):
    response = client.get(LIST_URL)

    items = list_items(response)
    assert len(items) == 36
    for study in Study.objects.all():
        item = items[study.key]
        assert escape(study.limitations) in item, study.key
        assert escape(study.headline) in item, study.key
        assert escape(study.title) in item, study.key
        assert escape(study.get_evidence_level_display()) in item, study.key
        assert escape(study.level_meaning) in item, study.key
        assert escape(study.get_relevance_to_mecfs_display()) in item, study.key


def test_list_groups_follow_the_group_order(client, studies):
    html = client.get(LIST_URL).content.decode()

    positions = [html.index(f'id="group-{group}"') for group in GROUP_ORDER]
    assert positions == sorted(positions)


def test_list_orders_each_group_as_the_readme_asks(client, studies):
    keys = listed_keys(client.get(LIST_URL))

    expected = []
    for group in GROUP_ORDER:
        expected += list(
            Study.objects.ordered().filter(group=group).values_list("key", flat=True)
        )
    assert keys == expected
    registered = [k for k in keys if k in {"lift_nct06366724", "nct07285473"}]
    assert registered == ["lift_nct06366724", "nct07285473"]  # 2024, then no year
    fibro = [
        k for k in keys if Study.objects.get(key=k).group == Study.Group.FIBROMYALGIA
    ]
    assert fibro == [
        "bruun2024_final",
        "bested2023",
        "younger2013",
        "parkitny2017",
        "younger2009",
    ]


def test_registrations_in_the_list_say_there_are_no_results(client, studies):
    items = list_items(client.get(LIST_URL))

    for study in Study.objects.all():
        has_notice = 'data-testid="no-results"' in items[study.key]
        assert has_notice is study.is_registration, study.key


def test_list_marks_studies_with_unconfirmed_details(client, studies):
    items = list_items(client.get(LIST_URL))

    assert "Some details not confirmed" in items["ologunowa2025"]
    assert "Some details not confirmed" not in items["bruun2024_final"]


@pytest.mark.parametrize(
    ("query", "expected_count", "check"),
    [
        ("group=fibromyalgia", 5, lambda s: s.group == "fibromyalgia"),
        ("level=R", 6, lambda s: s.evidence_level == "R"),
        ("level=L2", 3, lambda s: s.evidence_level == "L2"),
        (
            "relevance=partly-direct",
            8,
            lambda s: s.relevance_to_mecfs == "partly-direct",
        ),
        (
            "group=reviews&level=L1&relevance=indirect",
            5,
            lambda s: (
                (s.group, s.evidence_level, s.relevance_to_mecfs)
                == ("reviews", "L1", "indirect")
            ),
        ),
        (
            "symptom=post-exertional-malaise",
            2,
            lambda s: s.symptoms.filter(slug="post-exertional-malaise").exists(),
        ),
    ],
)
def test_filters_narrow_the_list(client, studies, query, expected_count, check):
    response = client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    keys = listed_keys(response)
    assert len(keys) == expected_count
    assert all(check(Study.objects.get(key=k)) for k in keys)
    assert 'data-testid="ignored-filters"' not in response.content.decode()


def test_a_filter_with_no_matches_says_so(client, studies):
    response = client.get(f"{LIST_URL}?group=laboratory&level=L1")

    assert listed_keys(response) == []
    assert "No studies match these filters." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "group=bogus",
        "level=L9",
        "level=r",
        "relevance=very",
        "symptom=no-such-symptom",
        f"group={HOSTILE}",
        "level=" + "L" * 5000,
        "group=&level=&relevance=&symptom=",
        "group[]=fibromyalgia",
        "unknown=1",
    ],
)
def test_bogus_filter_values_are_ignored_not_errors(client, studies, query):
    response = client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    assert len(listed_keys(response)) == 36
    assert "<script>alert" not in response.content.decode()


def test_an_ignored_filter_is_reported_and_valid_ones_still_apply(client, studies):
    response = client.get(f"{LIST_URL}?group=fibromyalgia&level=L9")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="ignored-filters"' in html
    assert "Evidence level" in html.split('data-testid="ignored-filters"')[1][:400]
    assert len(listed_keys(response)) == 5


def test_a_filter_on_an_owned_symptom_is_ignored(client, alice, studies):
    own = Symptom.objects.create(name="Own", slug="own", owner=alice)
    Study.objects.get(key="polo2019").symptoms.add(own)  # not possible in the admin

    response = client.get(f"{LIST_URL}?symptom=own")

    assert len(listed_keys(response)) == 36
    assert 'data-testid="ignored-filters"' in response.content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_studies(count: int) -> None:
    symptoms = list(Symptom.objects.builtin()[:3])
    for i in range(count):
        StudyFactory(
            key=f"extra-{i}", group=Study.Group.choices[i % 6][0]
        ).symptoms.set(symptoms)


@pytest.mark.parametrize("query", ["", "?symptom=fatigue&level=L4"])
def test_list_query_count_does_not_grow_with_the_number_of_studies(
    client, studies, django_assert_num_queries, query
):
    small = count_queries(client, LIST_URL + query)
    add_studies(30)

    with django_assert_num_queries(small):
        response = client.get(LIST_URL + query)
    assert response.status_code == 200
    assert small <= 4


def test_signed_in_list_query_count_does_not_grow(alice_client, studies):
    small = count_queries(alice_client, LIST_URL)
    add_studies(30)

    assert count_queries(alice_client, LIST_URL) == small


# The study page --------------------------------------------------------------------


def test_study_page_shows_design_population_dose_and_identifiers(client, studies):
    response = client.get(detail_url("bruun2024_final"))
    html = response.content.decode()

    study = Study.objects.get(key="bruun2024_final")
    assert fact(response, "Design") == escape(study.design)
    assert fact(response, "Number of participants") == escape(study.n)
    assert fact(response, "Dose") == escape(study.dose)
    assert fact(response, "Duration") == escape(study.duration)
    assert escape(study.outcomes) in html
    assert escape(study.limitations) in html
    assert escape(study.level_meaning) in html
    assert 'href="https://doi.org/10.1016/S2665-9913(23)00278-3"' in html
    assert 'href="https://clinicaltrials.gov/study/NCT04270877"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/38258677/"' in html
    assert "EudraCT 2019-000702-30" in html
    assert "Not confirmed" not in html
    assert "12 weeks" in html  # weeks of treatment measured
    assert "Muscle pain" in html  # the symptom it measured


def test_anzctr_registrations_link_to_the_registry(client, studies):
    html = client.get(detail_url("treatmelc_actrn12624001162505")).content.decode()

    assert 'href="https://www.anzctr.org.au/ACTRN12624001162505.aspx"' in html


def test_checking_notes_name_their_site_but_are_not_links(client, studies):
    html = client.get(detail_url("polo2019")).content.decode()

    for source in Study.objects.get(key="polo2019").sources:
        assert f'href="{escape(source["url"])}"' not in html
        assert escape(source["supports"]) in html
    assert "wames.org.uk" in html


def reading_link_kinds(html: str) -> list[str]:
    return re.findall(r'data-testid="link-([a-z]+)"', html)


def test_doi_pubmed_and_registry_come_first_and_no_secondary_beside_them(
    client, studies
):
    html = client.get(detail_url("bruun2024_final")).content.decode()
    assert reading_link_kinds(html) == ["doi", "pubmed", "registry"]
    html = client.get(detail_url("eckey2025")).content.decode()
    assert reading_link_kinds(html) == ["doi", "pubmed"]
    assert 'href="https://doi.org/10.1073/pnas.2426874122"' in html
    assert not [h for h in re.findall(r'href="([^"]+)"', html) if "cfsmeatlas" in h]
    assert "Secondary summary" not in html


def test_a_study_without_a_primary_source_shows_a_labelled_secondary_summary(
    client, studies
):
    html = client.get(detail_url("tamariz2024")).content.decode()

    # DOI and PubMed could not be confirmed: marked so, with nothing to follow.
    assert reading_link_kinds(html) == ["doi", "pubmed", "secondary"]
    section = html.split('id="ids-heading"')[1].split("</section>")[0]
    assert re.findall(r'href="([^"]+)"', section) == [
        "https://www.mecfsatlas.com/evidence/tamariz-2024-low-dose"
    ]
    assert section.count("Not confirmed") == 2
    assert "Secondary summary (not the study itself)" in html


def test_a_publishers_page_is_preferred_to_a_secondary_summary(client, studies):
    html = client.get(detail_url("ringerike2015")).content.decode()

    assert reading_link_kinds(html) == ["primary"]
    assert 'href="https://www.fhi.no/publ/2015/' in html
    assert 'href="https://ldnresearchtrust.org/' not in html
    assert "Secondary summary" not in html


def test_every_registration_shows_when_its_status_was_checked(client, studies):
    items = list_items(client.get(LIST_URL))
    for study in Study.objects.filter(evidence_level=Study.Level.R):
        expected = "Registration status as checked in November 2026"
        assert expected in items[study.key], study.key
        html = client.get(detail_url(study.key)).content.decode()
        assert html.count(expected) == 2, study.key  # status and registry link
    html = client.get(detail_url("polo2019")).content.decode()
    assert "Registration status as checked" not in html


def test_no_page_links_to_a_proxy_test_server_or_spam_host(client, studies):
    pages = [
        LIST_URL,
        *[detail_url(k) for k in Study.objects.values_list("key", flat=True)],
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for href in re.findall(r'href="(https?://[^"]+)"', html):
            assert source_problem(unescape(href)) is None, (url, href)
        for bad in (
            "ezproxy",
            "webvpn",
            "uat.anzctr",
            "dev.anzctr",
            "news-247",
            "fanyv88",
        ):
            assert bad not in html, (url, bad)


def test_an_unconfirmed_title_is_marked(client, studies):
    html = client.get(detail_url("tamariz2024")).content.decode()
    title = re.search(r'<p class="study-title">(.*?)</p>', html, re.S).group(1)
    assert "Not confirmed" in title
    items = list_items(client.get(LIST_URL))
    assert "Not confirmed" in items["tamariz2024"].split("study-title")[1][:200]
    assert "Not confirmed" not in items["polo2019"].split("study-title")[1][:200]


def test_every_study_page_shows_its_level_and_limitations(client, studies):
    for study in Study.objects.all():
        html = client.get(detail_url(study.key)).content.decode()
        assert escape(study.limitations) in html, study.key
        assert escape(study.get_evidence_level_display()) in html, study.key
        assert escape(study.level_meaning) in html, study.key


def test_unverified_fields_are_marked_not_confirmed_not_shown_as_fact(client, studies):
    # Ologunowa 2025: the year could only be inferred, not confirmed.
    study = Study.objects.get(key="ologunowa2025")
    assert study.year == 2025 and study.is_unverified("year")

    response = client.get(detail_url("ologunowa2025"))

    year = fact(response, "Year")
    assert year.startswith('<span class="badge badge-warn">Not confirmed</span>')
    assert "Not confirmed" in fact(response, "Volume and pages")
    assert "Not confirmed" in fact(response, "PubMed")
    assert "Not confirmed" not in fact(response, "Published in")
    assert "Not confirmed" not in fact(response, "Authors")
    assert 'data-testid="unverified-summary"' in response.content.decode()


def test_unverified_empty_fields_say_not_confirmed_rather_than_not_reported(
    client, studies
):
    response = client.get(detail_url("trpm3_validation_molmed"))

    assert (
        fact(response, "Authors")
        == '<span class="badge badge-warn">Not confirmed</span>'
    )
    assert (
        fact(response, "Year") == '<span class="badge badge-warn">Not confirmed</span>'
    )
    assert "Not confirmed" in fact(response, "Number of participants")
    assert 'data-testid="unverified-outcomes"' in response.content.decode()


def test_unverified_results_are_not_shown_as_fact(client, studies):
    html = client.get(detail_url("patten2018")).content.decode()

    outcomes = re.search(r'data-testid="unverified-outcomes">(.*?)</p>', html, re.S)
    assert outcomes and "Not confirmed" in outcomes.group(1)


def test_a_verified_field_is_shown_plainly(client, studies):
    response = client.get(detail_url("polo2019"))

    assert fact(response, "Year") == "2019"
    assert "Not confirmed" in fact(response, "Volume and pages")
    assert "Not confirmed" in fact(response, "PubMed")


def test_every_unverified_field_on_every_page_is_marked(client, studies):
    labels = {
        "authors": "Authors",
        "year": "Year",
        "volume_pages": "Volume and pages",
        "design": "Design",
        "n": "Number of participants",
        "dose": "Dose",
        "duration": "Duration",
        "pmid": "PubMed",
        "doi": "DOI",
        "registry_id": "Trial registration",
        "venue": "Published in",
    }
    for study in Study.objects.exclude(unverified_fields=[]):
        response = client.get(detail_url(study.key))
        for name in study.unverified_fields:
            if name in labels:
                assert "Not confirmed" in fact(response, labels[name]), (
                    study.key,
                    name,
                )


def test_registration_pages_say_there_are_no_results(client, studies):
    registrations = Study.objects.filter(evidence_level=Study.Level.R)
    assert registrations.count() == 6

    for study in registrations:
        html = client.get(detail_url(study.key)).content.decode()
        assert 'data-testid="no-results"' in html, study.key
        assert "not evidence that LDN helps" in html, study.key
        assert "What it found" not in html, study.key


def test_result_pages_do_not_carry_the_no_results_notice(client, studies):
    html = client.get(detail_url("younger2013")).content.decode()

    assert 'data-testid="no-results"' not in html
    assert "What it found" in html


def test_hostile_text_in_a_study_is_escaped(client, studies):
    StudyFactory(
        key="hostile",
        label=HOSTILE,
        title=HOSTILE,
        headline=HOSTILE,
        limitations=HOSTILE,
        outcomes=HOSTILE,
        n=HOSTILE,
        authors=HOSTILE,
        evidence_level_note=HOSTILE,
        relevance_note=HOSTILE,
        measured_outcomes=[HOSTILE],
        other_ids=[HOSTILE],
        sources=[{"url": "https://example.org/", "supports": HOSTILE}],
    )

    for url in [LIST_URL, detail_url("hostile")]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, url


# The levels page -------------------------------------------------------------------


def test_levels_page_explains_every_level_and_counts_studies(client, studies):
    html = client.get(LEVELS_URL).content.decode()

    for level in Study.Level:
        assert escape(str(level.label)) in html
        assert escape(str(Study.LEVEL_MEANINGS[level])) in html
    for relevance in Study.Relevance:
        assert escape(str(Study.RELEVANCE_MEANINGS[relevance])) in html
    assert "6 studies in the list at this level" in html
    assert f'href="{LIST_URL}?level=R"' in html


def test_levels_page_sums_up_what_the_evidence_shows(client, studies):
    html = client.get(LEVELS_URL).content.decode()

    assert "What the evidence adds up to" in html
    assert "NCT06366724" in html
    assert "218" in html and "73.9%" in html
    assert "TRPM3" in html
    assert f'href="{detail_url("lift_nct06366724")}"' in html


def test_levels_page_works_with_an_empty_catalogue(client):
    response = client.get(LEVELS_URL)

    assert response.status_code == 200
    assert "0 studies in the list at this level" in response.content.decode()


def test_list_works_with_an_empty_catalogue(client):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert "The study list has not been loaded yet." in response.content.decode()
