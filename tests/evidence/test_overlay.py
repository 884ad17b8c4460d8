"""The evidence overlay beside the trends chart: which studies, in what order, the
treatment-length brackets, and the partial that shows them."""

import datetime
import json
import re

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from diary.models import Symptom
from evidence.models import Study
from evidence.overlay import (
    LIMITATION_SHORT_CHARS,
    main_limitation,
    overlay_brackets,
    overlay_context,
    overlay_studies,
)

from .conftest import DATA_DIR
from .factories import StudyFactory

LDN_START = datetime.date(2026, 1, 5)
TODAY = datetime.date(2026, 11, 1)
PREDICTIVE = re.compile(
    r"expect|will improve|should feel|will feel|you will|likely to improve|"
    r"by week|response curve",
    re.IGNORECASE,
)


def symptom(slug: str) -> Symptom:
    return Symptom.objects.builtin().get(slug=slug)


def ids(*slugs: str) -> list[int]:
    return [symptom(slug).pk for slug in slugs]


def all_builtin_ids() -> list[int]:
    return list(Symptom.objects.builtin().values_list("pk", flat=True))


def linked_keys(slug: str) -> set[str]:
    """What evidence/data/study_symptoms.json links to ``slug``."""
    with (DATA_DIR / "study_symptoms.json").open(encoding="utf-8") as fh:
        links = json.load(fh)
    return {key for key, entry in links.items() if slug in entry.get("symptoms", [])}


def keys(studies) -> list[str]:
    return [s.key if isinstance(s, Study) else s["key"] for s in studies]


def render(context: dict) -> str:
    return render_to_string("evidence/_overlay.html", {"overlay": context})


def context_for(alice, slugs=("fatigue",), ldn_start=LDN_START, today=TODAY):
    return overlay_context(
        user=alice, symptom_ids=ids(*slugs), ldn_start=ldn_start, today=today
    )


# Which studies -----------------------------------------------------------------------


def test_fatigue_brings_exactly_the_studies_that_measured_fatigue(studies):
    found = keys(overlay_studies(symptom_ids=ids("fatigue")))

    assert set(found) == linked_keys("fatigue")
    assert {"polo2019", "younger2013", "isman2024", "okelly2022"} <= set(found)
    assert len(found) == len(set(found))


def test_several_symptoms_bring_each_study_once(studies):
    found = keys(
        overlay_studies(symptom_ids=ids("fatigue", "brain-fog", "muscle-pain"))
    )

    expected = linked_keys("fatigue") | linked_keys("brain-fog")
    expected |= linked_keys("muscle-pain")
    assert set(found) == expected
    assert len(found) == len(set(found))


def test_laboratory_studies_never_appear_whatever_the_symptoms(studies):
    found = set(keys(overlay_studies(symptom_ids=all_builtin_ids())))
    laboratory = set(
        Study.objects.filter(group=Study.Group.LABORATORY).values_list("key", flat=True)
    )

    assert laboratory  # the catalogue has laboratory work
    assert "cabanas2018" in laboratory
    assert not found & laboratory


def test_a_symptom_no_study_measured_brings_nothing(studies):
    assert overlay_studies(symptom_ids=ids("sore-throat")) == []


def test_no_symptoms_on_screen_means_no_studies_and_no_queries(
    studies, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert overlay_studies(symptom_ids=[]) == []


def test_a_patients_own_symptom_brings_nothing(studies, alice):
    own = Symptom.objects.create(name="Tinnitus", owner=alice)

    assert overlay_studies(symptom_ids=[own.pk]) == []


def test_studies_are_in_the_readme_order(studies):
    found = keys(overlay_studies(symptom_ids=ids("fatigue")))

    assert found == [
        "polo2019",  # direct, L4
        "byambasuren2025",  # partly direct, L1
        "isman2024",  # partly direct, L4, 2024
        "tamariz2024",  # partly direct, L4, 2024 (by label)
        "bonilla2023",  # partly direct, L4, 2023
        "okelly2022",  # partly direct, L4, 2022
        "naik2024_nct05430152",  # partly direct, registration
        "younger2013",  # indirect, L2
    ]


def test_order_matches_the_catalogue_order_for_every_symptom(studies):
    found = keys(overlay_studies(symptom_ids=all_builtin_ids()))
    catalogue = list(Study.objects.ordered().values_list("key", flat=True))

    assert found == [key for key in catalogue if key in set(found)]


# Brackets ------------------------------------------------------------------------------


def test_no_brackets_without_an_ldn_start(studies):
    found = overlay_studies(symptom_ids=all_builtin_ids())

    assert overlay_brackets(studies=found, ldn_start=None, today=TODAY) == []


def test_no_brackets_before_the_ldn_course_has_begun(studies):
    found = overlay_studies(symptom_ids=ids("fatigue"))

    assert (
        overlay_brackets(
            studies=found, ldn_start=TODAY + datetime.timedelta(days=1), today=TODAY
        )
        == []
    )
    assert overlay_brackets(studies=found, ldn_start=TODAY, today=TODAY)


def test_fatigue_brackets_have_exact_dates_from_the_ldn_start(studies):
    found = overlay_studies(symptom_ids=ids("fatigue"))

    brackets = overlay_brackets(studies=found, ldn_start=LDN_START, today=TODAY)

    assert brackets == [
        {
            "label": "O'Kelly et al. 2022: 8 weeks of treatment",
            "start": "2026-01-05",
            "end": "2026-03-02",  # 56 days later
            "weeks": 8,
            "studies": ["okelly2022"],
        },
        {
            "label": "Isman et al. 2024; Younger et al. 2013: 12 weeks of treatment",
            "start": "2026-01-05",
            "end": "2026-03-30",  # 84 days later
            "weeks": 12,
            "studies": ["isman2024", "younger2013"],
        },
    ]


def test_each_bracket_is_weeks_times_seven_days_long(studies):
    found = overlay_studies(symptom_ids=all_builtin_ids())

    for bracket in overlay_brackets(studies=found, ldn_start=LDN_START, today=TODAY):
        start = datetime.date.fromisoformat(bracket["start"])
        end = datetime.date.fromisoformat(bracket["end"])
        assert start == LDN_START
        assert (end - start).days == bracket["weeks"] * 7
        assert f"{bracket['weeks']} weeks of treatment" in bracket["label"]


def test_only_studies_with_results_and_a_treatment_length_get_a_bracket(studies):
    found = overlay_studies(symptom_ids=all_builtin_ids())
    drawn = {
        key
        for bracket in overlay_brackets(studies=found, ldn_start=LDN_START, today=TODAY)
        for key in bracket["studies"]
    }

    for study in found:
        should_draw = bool(study.on_treatment_weeks) and not study.is_registration
        assert (study.key in drawn) == should_draw, study.key
    # Registrations that state a planned length still get none.
    assert "naik2024_nct05430152" in keys(found)
    assert Study.objects.get(key="naik2024_nct05430152").on_treatment_weeks == 16
    assert "lift_nct06366724" not in drawn


def test_a_registration_with_a_planned_length_gets_no_bracket(db):
    registration = StudyFactory(
        evidence_level=Study.Level.R, on_treatment_weeks=13, label="Trial X"
    )
    trial = StudyFactory(
        evidence_level=Study.Level.L2, on_treatment_weeks=1, label="Trial Y"
    )
    untimed = StudyFactory(evidence_level=Study.Level.L4, on_treatment_weeks=None)

    brackets = overlay_brackets(
        studies=[registration, trial, untimed], ldn_start=LDN_START, today=TODAY
    )

    assert brackets == [
        {
            "label": "Trial Y: 1 week of treatment",
            "start": "2026-01-05",
            "end": "2026-01-12",
            "weeks": 1,
            "studies": [trial.key],
        }
    ]


def test_a_study_whose_duration_is_not_confirmed_gets_no_bracket(db):
    study = StudyFactory(
        on_treatment_weeks=12, verified=False, unverified_fields=["duration"]
    )

    assert overlay_brackets(studies=[study], ldn_start=LDN_START, today=TODAY) == []


# The context ---------------------------------------------------------------------------


def test_every_study_in_the_context_has_its_main_limitation(studies, alice):
    context = overlay_context(
        user=alice, symptom_ids=all_builtin_ids(), ldn_start=LDN_START, today=TODAY
    )

    assert context["studies"]
    for card in context["studies"]:
        study = Study.objects.get(key=card["key"])
        assert card["limitation"].strip(), card["key"]
        whole = " ".join(study.limitations.split())
        assert whole.startswith(card["limitation"])
        rest = card["limitation_rest"]
        assert f"{card['limitation']} {rest}".strip() == whole


def test_context_carries_level_relevance_headline_and_link(studies, alice):
    context = context_for(alice)
    card = next(c for c in context["studies"] if c["key"] == "younger2013")

    assert card["label"] == "Younger et al. 2013"
    assert card["evidence_level"] == "L2"
    assert card["evidence_level_meaning"] == str(Study.LEVEL_MEANINGS["L2"])
    assert card["relevance"] == "indirect"
    assert card["relevance_meaning"] == str(Study.RELEVANCE_MEANINGS["indirect"])
    assert card["headline"] == Study.objects.get(key="younger2013").headline
    assert card["url"] == reverse("evidence:study-detail", args=["younger2013"])
    assert card["on_treatment_weeks"] == 12
    assert card["on_chart"] is True
    assert card["is_registration"] is False
    assert card["symptoms"] == ["Fatigue"]  # only the symptoms on screen
    assert context["list_url"] == reverse("evidence:study-list")
    assert context["levels_url"] == reverse("evidence:levels")
    json.dumps(context)  # plain data


def test_a_registration_is_marked_and_never_drawn(studies, alice):
    card = next(
        c for c in context_for(alice)["studies"] if c["key"] == "naik2024_nct05430152"
    )

    assert card["is_registration"] is True
    assert card["on_chart"] is False
    assert card["status_checked_text"].startswith(
        "Registration status as checked in November 2026."
    )


def test_the_overlay_says_when_a_registrations_status_was_checked(studies, alice):
    html = render(context_for(alice))
    cards = re.split(r'data-testid="overlay-study"', html)[1:]
    checked = [c for c in cards if 'data-testid="status-checked"' in c]
    assert len(checked) == 1  # naik2024, the one registration that measures fatigue
    assert 'data-key="naik2024_nct05430152"' in checked[0]
    assert "Registration status as checked in November 2026" in checked[0]


def test_without_an_ldn_start_a_note_links_to_adding_the_course(studies, alice):
    context = context_for(alice, ldn_start=None)

    assert context["brackets"] == []
    assert context["note"]["url"] == reverse("diary:course-create")
    assert "LDN start date" in context["note"]["text"]
    assert context["studies"]  # the studies are still listed
    html = render(context)
    assert 'data-testid="overlay-no-ldn-start"' in html
    assert f'href="{reverse("diary:course-create")}"' in html


def test_with_an_ldn_start_there_is_no_note(studies, alice):
    context = context_for(alice)

    assert context["note"] is None
    assert context["brackets"]
    assert 'data-testid="overlay-no-ldn-start"' not in render(context)


def test_by_default_the_users_tracked_symptoms_are_used(studies, alice):
    context = overlay_context(
        user=alice, symptom_ids=None, ldn_start=LDN_START, today=TODAY
    )

    # A new account tracks fatigue among others, so the fatigue studies are in.
    assert linked_keys("fatigue") <= set(keys(context["studies"]))


def test_query_count_does_not_grow_with_the_number_of_studies(
    studies, alice, django_assert_num_queries
):
    symptom_ids = ids("fatigue")
    with django_assert_num_queries(2):
        small = overlay_context(
            user=alice, symptom_ids=symptom_ids, ldn_start=LDN_START, today=TODAY
        )
    fatigue = symptom("fatigue")
    for i in range(30):
        StudyFactory(key=f"extra-{i}", on_treatment_weeks=4 + i % 3).symptoms.add(
            fatigue
        )

    with django_assert_num_queries(2):
        large = overlay_context(
            user=alice, symptom_ids=symptom_ids, ldn_start=LDN_START, today=TODAY
        )
    assert len(large["studies"]) == len(small["studies"]) + 30


# The main limitation -----------------------------------------------------------------


def test_a_short_limitation_is_kept_whole():
    text = "Small. Short. Fibromyalgia, not ME/CFS."

    assert main_limitation(text) == (text, "")


def test_a_long_limitation_is_cut_after_its_first_sentence():
    first = "There was no comparison group, so natural ups and downs count as effect."
    rest = "x " * LIMITATION_SHORT_CHARS
    text = f"{first} Also {rest}"

    main, remainder = main_limitation(text)

    assert main == first
    assert remainder.startswith("Also")


def test_a_limitation_is_not_cut_after_et_al():
    first = (
        "It disagrees with Smith et al. 2020 and others, " + "and more " * 30 + "too."
    )
    text = f"{first} Second sentence here."

    assert main_limitation(text)[0] == first


def test_an_empty_limitation_still_says_something(db, alice):
    study = StudyFactory(limitations="")
    study.symptoms.add(symptom("fatigue"))

    card = context_for(alice)["studies"][0]

    assert card["limitation"]


# The partial ---------------------------------------------------------------------------


def test_partial_shows_each_study_with_badge_finding_limitation_and_link(
    studies, alice
):
    context = context_for(alice, slugs=("fatigue", "post-exertional-malaise"))
    html = render(context)

    assert html.count('data-testid="overlay-study"') == len(context["studies"])
    assert html.count('data-testid="overlay-limitation"') == len(context["studies"])
    for card in context["studies"]:
        assert f'href="{card["url"]}"' in html
        assert escape(card["limitation"]) in html
        assert f"level-badge level-{card['evidence_level'].lower()}" in html
    assert context["framing"] in html
    assert f'href="{reverse("evidence:study-list")}"' in html
    assert f'href="{reverse("evidence:levels")}"' in html
    # A registration says it has no results.
    assert 'data-testid="no-results"' in html


def test_partial_makes_no_prediction(studies, alice):
    """The partial's own words (everything but the studies' texts) promise nothing."""
    for ldn_start in (LDN_START, None):
        context = overlay_context(
            user=alice,
            symptom_ids=all_builtin_ids(),
            ldn_start=ldn_start,
            today=TODAY,
        )
        html = render(context)
        for card in context["studies"]:
            for text in (
                card["label"],
                card["title"],
                card["headline"],
                card["limitation"],
                card["limitation_rest"],
                card["evidence_level_meaning"],
                card["relevance_meaning"],
            ):
                if text:
                    html = html.replace(escape(text), "")
        assert not PREDICTIVE.search(html), PREDICTIVE.search(html)
        own_words = [context["heading"], context["framing"]]
        own_words += [b["label"] for b in context["brackets"]]
        own_words += [context["note"]["text"]] if context["note"] else []
        for text in own_words:
            assert not PREDICTIVE.search(text), text
    assert "not a prediction" in context["framing"]


def test_partial_escapes_html_in_study_fields(db, alice):
    hostile = "<script>alert(1)</script>"
    study = StudyFactory(
        key="hostile",
        label=f"Evil {hostile}",
        title=hostile,
        headline=f"Finding {hostile}",
        limitations=f"Limit {hostile}",
        on_treatment_weeks=4,
    )
    study.symptoms.add(symptom("fatigue"))

    html = render(context_for(alice))

    assert "<script>" not in html
    assert escape(f"Evil {hostile}") in html
    assert escape(f"Finding {hostile}") in html
    assert escape(f"Limit {hostile}") in html


def test_partial_says_when_no_study_matches(db, alice):
    html = render(context_for(alice, slugs=("sore-throat",)))

    assert 'data-testid="overlay-empty"' in html
    assert 'data-testid="overlay-study"' not in html


def test_partial_marks_an_unconfirmed_finding(db, alice):
    study = StudyFactory(
        verified=False, unverified_fields=["outcomes"], headline="Maybe helped"
    )
    study.symptoms.add(symptom("fatigue"))

    html = render(context_for(alice))

    assert 'Not confirmed</span> <span class="unconfirmed">Maybe helped</span>' in html
