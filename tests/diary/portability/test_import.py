"""Import: an export goes into an empty account without loss, or not at all, and
every problem in a bad file is named by its place."""

import copy
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from diary.comparison.loader import comparison_for_user
from diary.comparison.models import PrimaryOutcomeChoice
from diary.models import Entry, Symptom, SymptomScore, TrackedSymptom
from diary.portability import services
from diary.portability.exporting import account_export_data
from diary.portability.importing import ImportRejected
from tests.diary.portability.conftest import fill_account
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IDENTIFIERS = {"uuid", "email"}
TIMESTAMPS = {
    "exported_at",
    "created_at",
    "updated_at",
    "date_joined",
    "medical_notice_acknowledged_at",
    "medical_notice_version",
    "revoked_at",
}


def _strip(value, parent_key=""):
    """The export without identifiers and timestamps: what must survive."""
    if isinstance(value, dict):
        return {
            key: _strip(item, key)
            for key, item in value.items()
            if key not in IDENTIFIERS | TIMESTAMPS
        }
    if isinstance(value, list):
        return [_strip(item) for item in value]
    if isinstance(value, str) and value.startswith("own:"):
        return "own:"  # an own symptom's reference carries its identifier
    return value


def _own_names(data):
    """Own symptoms are named by uuid in references: compare through names."""
    names = {f"own:{s['uuid']}": s["name"] for s in data["symptoms"]["own"]}

    def rename(ref):
        return names.get(ref, ref)

    data = copy.deepcopy(data)
    for tracked in data["symptoms"]["tracked"]:
        tracked["symptom"] = rename(tracked["symptom"])
    for entry in data["entries"]:
        entry["scores"] = {rename(ref): score for ref, score in entry["scores"].items()}
    for choice in data.get("primary_outcomes", []):
        choice["symptom"] = rename(choice["symptom"])
    return data


def _file(data) -> bytes:
    return json.dumps(data).encode()


def _new_account(**kwargs):
    from diary.services import symptoms_track_defaults

    user = UserFactory(time_zone="UTC", **kwargs)
    symptoms_track_defaults(user=user)
    return user


def test_export_import_export_is_lossless(full_alice):
    first = account_export_data(user=full_alice)
    newcomer = _new_account(email="new@example.org")
    summary = services.account_import(user=newcomer, raw=_file(first))
    assert summary.entries == 30 and summary.courses == 1
    newcomer.refresh_from_db()
    second = account_export_data(user=newcomer)
    assert _strip(_own_names(second)) == _strip(_own_names(first))
    # Identifiers are new: nothing points at alice's rows.
    assert first["entries"][0]["uuid"] != second["entries"][0]["uuid"]
    assert first["symptoms"]["own"][0]["uuid"] != second["symptoms"]["own"][0]["uuid"]
    assert second["profile"]["email"] == "new@example.org"
    # Share links come back as history that cannot be opened.
    assert all(link["revoked_at"] for link in second["share_links"])
    assert second["share_links"][0]["accesses"] == first["share_links"][0]["accesses"]
    assert (
        second["share_links"][0]["created_at"] == first["share_links"][0]["created_at"]
    )
    # The primary-outcome history comes back whole, with its own times; the
    # newest choice (an own symptom) refers to the new account's copy.
    assert len(second["primary_outcomes"]) == 3
    assert second["primary_outcomes"][0]["symptom"] == (
        "own:" + second["symptoms"]["own"][0]["uuid"]
    )


@pytest.fixture
def fresh_cache():
    # comparison_for_user caches by user id and sync version, which another
    # test's imported account may have had too.
    cache.clear()
    yield
    cache.clear()


def test_the_comparison_uses_the_imported_newest_choice(full_alice, fresh_cache):
    first = account_export_data(user=full_alice)
    newcomer = _new_account(email="new@example.org")
    services.account_import(user=newcomer, raw=_file(first))
    own = Symptom.objects.own(newcomer).get()
    comparison = comparison_for_user(newcomer)
    assert comparison.primary is not None
    assert comparison.primary.key == f"symptom:{own.uuid}"
    newest = PrimaryOutcomeChoice.objects.for_user(newcomer).first()
    assert newest.chosen_at.isoformat() == first["primary_outcomes"][0]["chosen_at"]


def test_a_file_without_primary_outcomes_imports(full_alice, fresh_cache):
    data = account_export_data(user=full_alice)
    del data["primary_outcomes"]
    newcomer = _new_account()
    summary = services.account_import(user=newcomer, raw=_file(data))
    assert summary.entries == 30
    assert not PrimaryOutcomeChoice.objects.for_user(newcomer).exists()
    assert comparison_for_user(newcomer).primary is None
    assert account_export_data(user=newcomer)["primary_outcomes"] == []


def test_import_twice_is_refused_and_changes_nothing(full_alice):
    raw = _file(account_export_data(user=full_alice))
    newcomer = _new_account()
    services.account_import(user=newcomer, raw=raw)
    before = Entry.objects.for_user(newcomer).count()
    with pytest.raises(services.AccountNotEmpty):
        services.account_import(user=newcomer, raw=raw)
    assert Entry.objects.for_user(newcomer).count() == before


def test_import_into_an_account_with_data_is_refused(full_alice, bob):
    fill_account(bob, days=1)
    raw = _file(account_export_data(user=full_alice))
    with pytest.raises(services.AccountNotEmpty):
        services.account_import(user=bob, raw=raw)
    assert Entry.objects.for_user(bob).count() == 1


def test_a_problem_late_in_the_file_leaves_nothing_written(full_alice):
    data = account_export_data(user=full_alice)
    data["share_links"][0]["accesses"][0]["outcome"] = "stolen"
    newcomer = _new_account()
    tracked_before = list(
        TrackedSymptom.objects.for_user(newcomer).values_list("uuid", flat=True)
    )
    with pytest.raises(ImportRejected) as caught:
        services.account_import(user=newcomer, raw=_file(data))
    assert caught.value.problems[0].place == "share_links[0].accesses[0].outcome"
    assert Entry.objects.for_user(newcomer).count() == 0
    assert not Symptom.objects.own(newcomer).exists()
    assert (
        list(TrackedSymptom.objects.for_user(newcomer).values_list("uuid", flat=True))
        == tracked_before
    )


def test_a_database_failure_mid_import_rolls_everything_back(full_alice, monkeypatch):
    from diary.portability import importing

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_write_share_history", broken)
    newcomer = _new_account()
    with pytest.raises(RuntimeError):
        services.account_import(
            user=newcomer, raw=_file(account_export_data(user=full_alice))
        )
    assert Entry.objects.for_user(newcomer).count() == 0
    assert SymptomScore.objects.filter(entry__user=newcomer).count() == 0
    newcomer.refresh_from_db()
    assert newcomer.display_name == ""


# ------------------------------------------------------------ hostile files


def _problems(raw: bytes, user=None) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        services.account_import(user=user or _new_account(), raw=raw)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def good(full_alice):
    return account_export_data(user=full_alice)


def test_huge_file_is_refused_before_parsing(settings):
    settings.PORTABILITY_IMPORT_MAX_BYTES = 1000
    (problem,) = _problems(b" " * 1001)
    assert "too large" in problem


def test_deeply_nested_file_is_refused():
    (problem,) = _problems(b"[" * 100_000 + b"]" * 100_000)
    assert "nested" in problem


def test_not_json_names_line_and_column():
    (problem,) = _problems(b'{"format": "ldn-diary-export",\n "version": 1,, }')
    assert "line 2" in problem and "column" in problem


def test_not_utf8_and_empty_and_duplicate_keys():
    assert "UTF-8" in _problems(b"\xff\xfe{}")[0]
    assert "empty" in _problems(b"  ")[0]
    assert "twice" in _problems(b'{"format": "x", "format": "y"}')[0]


def test_another_program_s_json_is_not_an_export():
    assert "not an LDN Diary export" in _problems(b'{"entries": []}')[0]
    assert "not an LDN Diary export" in _problems(b"[1, 2]")[0]


def test_wrong_version_says_so(good):
    good["version"] = 2
    assert "newer" in _problems(_file(good))[0]
    good["version"] = "1"
    assert "version" in _problems(_file(good))[0]


def test_dates_out_of_range_name_their_place(good):
    good["entries"][3]["date"] = "0001-01-01"
    good["crashes"][0]["start_date"] = "2999-01-01"
    good["courses"][0]["dose_changes"][1]["date"] = "2024-02-30"
    good["medications"][0]["start_date"] = "1-1-2020"
    problems = _problems(_file(good))
    # The schema pass stops first: the form of the date.
    assert problems == [
        'medications[0].start_date: must be a date written YYYY-MM-DD, not "1-1-2020".'
    ]
    good["medications"][0]["start_date"] = None
    problems = _problems(_file(good))
    assert any(p.startswith("entries[3].date: is before 1900-01-01") for p in problems)
    assert any(
        p.startswith("crashes[0].start_date: is in the future") for p in problems
    )
    assert any(
        p.startswith("courses[0].dose_changes[1].date: is not a real date")
        for p in problems
    )


def test_wrong_types_ranges_and_unknown_fields_are_named(good):
    good["entries"][0]["sleep_quality"] = 11
    good["entries"][1]["hours_upright"] = "seven"
    good["entries"][2]["function_score"] = 35
    good["entries"][3]["surprise"] = 1
    del good["entries"][4]["notes"]
    good["profile"]["display_name"] = "x" * 81
    problems = _problems(_file(good))
    assert "entries[0].sleep_quality: must be at most 10." in problems
    assert "entries[1].hours_upright: must be a number or null." in problems
    assert any(
        p.startswith("entries[2].function_score: must be one of") for p in problems
    )
    assert any(
        p.startswith("entries[3]: has a field this format does not have")
        for p in problems
    )
    assert "entries[4]: is missing “notes”." in problems
    assert len(problems) == len(set(problems))
    assert "profile.display_name: is too long: at most 80 characters." in problems


def test_meaning_errors_are_named(good):
    good["entries"][1]["date"] = good["entries"][0]["date"]
    good["entries"][2]["hours_upright"] = 7.25
    good["crashes"][0]["end_date"] = "1950-01-01"
    good["courses"][0]["dose_changes"][2]["dose_mg"] = 3
    good["profile"]["time_zone"] = "Mars/Olympus"
    problems = _problems(_file(good))
    assert problems == ["profile.time_zone: is not a known time zone: Mars/Olympus."]
    good["profile"]["time_zone"] = "Europe/London"
    problems = _problems(_file(good))
    assert any(
        p.startswith("entries[1].date:") and "two entries" in p for p in problems
    )
    assert "entries[2].hours_upright: may have at most one decimal place." in problems
    assert "crashes[0].end_date: is before the crash's start date." in problems
    assert (
        "courses[0].dose_changes[2].dose_mg: must be null for a pause or a stop."
        in problems
    )


def test_another_users_ids_reach_nothing(good, bob):
    fill_account(bob, days=2)
    bobs_symptom = Symptom.objects.own(bob).get()
    bobs_entry = Entry.objects.for_user(bob).first()
    # A score naming bob's own symptom, which is not in this file.
    good["entries"][0]["scores"][f"own:{bobs_symptom.uuid}"] = 3
    problems = _problems(_file(good))
    assert problems == [
        f'entries[0].scores["own:{bobs_symptom.uuid}"]: refers to a symptom that '
        f"is not in symptoms.own: own:{bobs_symptom.uuid}."
    ]
    # bob's identifiers used as the file's own: imported as new rows, bob untouched.
    del good["entries"][0]["scores"][f"own:{bobs_symptom.uuid}"]
    old_ref = "own:" + good["symptoms"]["own"][0]["uuid"]
    new_ref = f"own:{bobs_symptom.uuid}"
    good["symptoms"]["own"][0]["uuid"] = str(bobs_symptom.uuid)
    for tracked in good["symptoms"]["tracked"]:
        if tracked["symptom"] == old_ref:
            tracked["symptom"] = new_ref
    for entry in good["entries"]:
        if old_ref in entry["scores"]:
            entry["scores"][new_ref] = entry["scores"].pop(old_ref)
    for choice in good["primary_outcomes"]:
        if choice["symptom"] == old_ref:
            choice["symptom"] = new_ref
    good["entries"][0]["uuid"] = str(bobs_entry.uuid)
    newcomer = _new_account()
    services.account_import(user=newcomer, raw=_file(good))
    bobs_symptom.refresh_from_db()
    assert bobs_symptom.owner_id == bob.pk
    assert Symptom.objects.own(newcomer).get().uuid != bobs_symptom.uuid
    assert Entry.objects.for_user(bob).count() == 2
    assert not Entry.objects.for_user(newcomer).filter(uuid=bobs_entry.uuid).exists()
    assert not SymptomScore.objects.filter(
        entry__user=newcomer, symptom=bobs_symptom
    ).exists()
    assert not PrimaryOutcomeChoice.objects.filter(
        user=newcomer, symptom=bobs_symptom
    ).exists()
    assert PrimaryOutcomeChoice.objects.for_user(newcomer).first().symptom.owner == (
        newcomer
    )


def test_bad_primary_outcomes_are_refused_with_their_place(good):
    own_ref = "own:" + good["symptoms"]["own"][0]["uuid"]
    data = copy.deepcopy(good)
    data["primary_outcomes"] = [
        {"outcome": "symptom", "symptom": None, "chosen_at": "2020-01-01T00:00:00Z"},
        {
            "outcome": "symptom",
            "symptom": "own:00000000-0000-4000-8000-000000000000",
            "chosen_at": "2020-01-01T00:00:00+00:00",
        },
        {"outcome": "function", "symptom": own_ref, "chosen_at": "2020-01-01T00:00Z"},
        {"outcome": "function", "symptom": None, "chosen_at": "2099-01-01T00:00Z"},
        {"outcome": "function", "symptom": None, "chosen_at": "2021-02-30T00:00Z"},
        {
            "outcome": "symptom",
            "symptom": "builtin:no-such-thing",
            "chosen_at": "2020-01-01T00:00Z",
        },
    ]
    newcomer = _new_account()
    problems = _problems(_file(data), user=newcomer)
    assert problems[0].startswith("primary_outcomes[0].symptom: is missing")
    assert problems[1].startswith(
        "primary_outcomes[1].symptom: refers to a symptom that is not in"
    )
    assert problems[2].startswith("primary_outcomes[2].symptom: must be null")
    assert problems[3].startswith("primary_outcomes[3].chosen_at: is in the future")
    assert problems[4].startswith("primary_outcomes[4].chosen_at: is not a real")
    assert problems[5].startswith("primary_outcomes[5].symptom: names a built-in")
    assert len(problems) == 6
    # All or nothing: none of the file's good parts were written either.
    assert Entry.objects.for_user(newcomer).count() == 0
    assert not PrimaryOutcomeChoice.objects.for_user(newcomer).exists()


@pytest.mark.parametrize(
    ("choice", "place"),
    [
        (
            {"outcome": "mood", "symptom": None, "chosen_at": "2020-01-01T00:00Z"},
            "primary_outcomes[0].outcome: must be one of",
        ),
        (
            {"outcome": "function", "symptom": None, "chosen_at": "yesterday"},
            "primary_outcomes[0].chosen_at: must be a date and time",
        ),
        (
            {"outcome": "function", "symptom": None, "chosen_at": "2020-01-01T00:00"},
            "primary_outcomes[0].chosen_at: must be a date and time",
        ),
        (
            {"outcome": "function", "chosen_at": "2020-01-01T00:00Z"},
            "primary_outcomes[0]: is missing “symptom”",
        ),
        (
            {"outcome": "function", "symptom": "<b>x</b>", "chosen_at": "2020-01-01Z"},
            "primary_outcomes[0].symptom: must be a symptom reference",
        ),
        ("function", "primary_outcomes[0]: must be an object"),
    ],
)
def test_malformed_primary_outcomes_are_named(good, choice, place):
    data = copy.deepcopy(good)
    data["primary_outcomes"] = [choice]
    problems = _problems(_file(data))
    assert any(problem.startswith(place) for problem in problems), problems


def test_unknown_builtin_symptom_is_named(good):
    good["symptoms"]["tracked"][0]["symptom"] = "builtin:made-up"
    problems = _problems(_file(good))
    assert problems == [
        "symptoms.tracked[0].symptom: names a built-in symptom this site does not "
        "have: builtin:made-up."
    ]


def test_html_is_kept_as_text_and_shown_escaped(good, client):
    good["entries"][-1]["notes"] = '<img src=x onerror="alert(1)">'
    good["symptoms"]["own"][0]["name"] = "<script>alert('x')</script>"
    newcomer = _new_account()
    services.account_import(user=newcomer, raw=_file(good))
    entry = Entry.objects.for_user(newcomer).order_by("-date").first()
    assert entry.notes == '<img src=x onerror="alert(1)">'
    client.force_login(newcomer)
    html = client.get(reverse("diary:entry-list")).content.decode()
    html += client.get(reverse("diary:checkin")).content.decode()
    assert "<script>alert('x')</script>" not in html
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;script&gt;" in html


def _upload(raw: bytes, name="export.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, raw, content_type="application/json")


# ------------------------------------------------------------- web and API


def test_owner_imports_through_the_page(good, client):
    newcomer = _new_account()
    client.force_login(newcomer)
    page = client.get(reverse("portability:data")).content.decode()
    assert 'enctype="multipart/form-data"' in page
    response = client.post(
        reverse("portability:import"), {"file": _upload(_file(good))}
    )
    assert response.status_code == 302
    assert Entry.objects.for_user(newcomer).count() == 30
    page = client.get(reverse("portability:data")).content.decode()
    assert "imported" in page and 'data-testid="import-not-empty"' in page


def test_page_shows_every_problem_with_its_place_escaped(client):
    newcomer = _new_account()
    client.force_login(newcomer)
    raw = b'{"format": "ldn-diary-export", "version": 1, "<b>x</b>": 1}'
    response = client.post(reverse("portability:import"), {"file": _upload(raw)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "The file is missing" in html and "“profile”" in html
    assert "has a field this format does not have" in html


def test_page_refuses_import_for_an_account_with_data(full_alice, alice_client):
    raw = _file(account_export_data(user=full_alice))
    response = alice_client.post(reverse("portability:import"), {"file": _upload(raw)})
    assert response.status_code == 200
    assert "already holds diary data" in response.content.decode()


def test_import_form_needs_csrf(good):
    from django.test import Client

    newcomer = _new_account()
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer)
    response = client.post(
        reverse("portability:import"), {"file": _upload(_file(good))}
    )
    assert response.status_code == 403
    assert Entry.objects.for_user(newcomer).count() == 0


def test_anonymous_cannot_import(good, anon_client):
    response = anon_client.post(
        reverse("portability:import"), {"file": _upload(_file(good))}
    )
    assert response.status_code == 302
    assert Entry.objects.count() == 30  # only alice's


def test_import_page_refuses_get(alice_client):
    assert alice_client.get(reverse("portability:import")).status_code == 405


def test_api_import_owner_bob_anonymous(good, bob):
    from rest_framework.test import APIClient

    url = reverse("api:account-import")
    raw = _file(good)
    client = APIClient()
    assert client.post(url, raw, content_type="application/json").status_code == 401
    client.force_authenticate(bob)  # bob has data of his own? not yet: only defaults
    fill_account(bob, days=1)
    response = client.post(url, raw, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "account_not_empty"
    newcomer = _new_account()
    client.force_authenticate(newcomer)
    bad = copy.deepcopy(good)
    bad["entries"][0]["sleep_quality"] = -1
    response = client.post(url, _file(bad), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_import"
    assert body["errors"] == {"entries[0].sleep_quality": ["must be at least 0."]}
    response = client.post(url, raw, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["entries"] == 30
    assert Entry.objects.for_user(newcomer).count() == 30


def test_api_import_deep_nesting_is_a_400(bob):
    from rest_framework.test import APIClient

    client = APIClient()
    newcomer = _new_account()
    client.force_authenticate(newcomer)
    response = client.post(
        reverse("api:account-import"),
        b"[" * 50_000 + b"]" * 50_000,
        content_type="application/json",
    )
    assert response.status_code in (400, 413)


def test_page_refuses_a_file_over_the_limit_before_reading_it(settings, client):
    settings.PORTABILITY_IMPORT_MAX_BYTES = 100
    newcomer = _new_account()
    client.force_login(newcomer)
    response = client.post(reverse("portability:import"), {"file": _upload(b" " * 200)})
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert Entry.objects.for_user(newcomer).count() == 0
