"""Staff curate studies in the admin; bad identifiers are refused with a message."""

import pytest
from django.test import Client
from django.urls import reverse

from diary.models import Symptom
from evidence.models import Study
from tests.accounts.conftest import verify_session
from tests.factories import UserFactory

from .factories import StudyFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:evidence_study_add")


@pytest.fixture
def staff_client():
    client = Client()
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    verify_session(client, staff)  # the admin needs staff's second factor
    return client


def form_data(**overrides) -> dict:
    data = {
        "key": "new-study",
        "label": "New et al. 2026",
        "headline": "A headline",
        "group": Study.Group.MECFS_CLINICAL,
        "evidence_level": Study.Level.L4,
        "evidence_level_note": "",
        "relevance_to_mecfs": Study.Relevance.DIRECT,
        "relevance_note": "",
        "authors": "New A",
        "year": "2026",
        "title": "A new study",
        "venue": "",
        "volume_pages": "",
        "doi": "10.1000/example.1",
        "pmid": "12345678",
        "registry_id": "NCT01234567",
        "status_checked": "",
        "other_ids": "[]",
        "design": "open-label pilot",
        "design_detail": "",
        "population": "",
        "n": "12",
        "dose": "",
        "duration": "",
        "on_treatment_weeks": "",
        "outcomes": "",
        "limitations": "No control group.",
        "measured_outcomes": '["fatigue"]',
        "unverified_fields": "[]",
        "sources": '[{"url": "https://example.org/", "supports": "all"}]',
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_staff_see_the_study_list(staff_client):
    StudyFactory(label="Listed et al. 2020")

    response = staff_client.get(reverse("admin:evidence_study_changelist"))

    assert response.status_code == 200
    assert "Listed et al. 2020" in response.content.decode()


def test_a_valid_study_is_saved(staff_client):
    fatigue = Symptom.objects.builtin().get(slug="fatigue")

    response = staff_client.post(ADD_URL, form_data(symptoms=[fatigue.pk]))

    assert response.status_code == 302
    study = Study.objects.get(key="new-study")
    assert study.doi == "10.1000/example.1"
    assert list(study.symptoms.all()) == [fatigue]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doi", "https://doi.org/10.1000/x", "is not a DOI"),
        ("registry_id", "NCT123", "is not a trial registration number"),
        ("pmid", "PMID 1", "is not a PubMed ID"),
        ("sources", '[{"url": "javascript:alert(1)"}]', "must start with http"),
        ("unverified_fields", '["colour"]', "Unknown field names"),
        ("key", "levels", "address of another page"),
        (
            "sources",
            '[{"url": "https://uat.anzctr.org.au/Trial/x", "supports": "all"}]',
            "a test or staging server",
        ),
        (
            "sources",
            '[{"url": "https://journal-example-com.ezproxy.example.edu/x"}]',
            "a library or campus proxy",
        ),
        ("status_checked", "autumn", "is not a date"),
        ("evidence_level", "R", "Say when the registry was checked"),
    ],
)
def test_bad_values_are_refused_with_a_message(staff_client, field, value, message):
    response = staff_client.post(ADD_URL, form_data(**{field: value}))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert not Study.objects.filter(key=form_data()["key"]).exists()


def test_editing_a_study_with_a_bad_doi_leaves_it_unchanged(staff_client):
    study = StudyFactory(key="kept", doi="10.1000/kept")
    url = reverse("admin:evidence_study_change", args=[study.pk])

    response = staff_client.post(url, form_data(key="kept", doi="10.1000 kept"))

    assert response.status_code == 200
    assert "is not a DOI" in response.content.decode()
    study.refresh_from_db()
    assert study.doi == "10.1000/kept"
    assert study.label != "New et al. 2026"


def test_a_patients_own_symptom_cannot_be_linked(staff_client, alice):
    own = Symptom.objects.create(name="Private", owner=alice)

    response = staff_client.post(ADD_URL, form_data(symptoms=[own.pk]))

    assert response.status_code == 200
    assert not Study.objects.filter(key="new-study").exists()


def test_patients_cannot_open_the_study_admin(alice_client):
    response = alice_client.get(reverse("admin:evidence_study_changelist"))

    assert response.status_code == 302
    assert not Study.objects.exists()


def test_a_registration_is_saved_with_the_date_its_status_was_checked(staff_client):
    response = staff_client.post(
        ADD_URL, form_data(evidence_level="R", status_checked="2026-11-20")
    )

    assert response.status_code == 302
    assert Study.objects.get(key="new-study").status_checked == "2026-11-20"
