"""The full export: everything the account holds, in the published format, and
nothing of anyone else's or any secret."""

import json

import jsonschema
import pytest
from django.urls import reverse

from accounts.services import access_token_for, device_sign_in
from diary.comparison.models import PrimaryOutcomeChoice
from diary.portability.exporting import account_export_data
from diary.portability.validation import export_schema
from tests.diary.portability.conftest import fill_account
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_export_holds_every_kind_of_row(full_alice):
    data = account_export_data(user=full_alice)
    assert data["format"] == "ldn-diary-export" and data["version"] == 1
    assert len(data["entries"]) == 30
    assert data["entries"][0]["date"] < data["entries"][-1]["date"]
    assert any(entry["scores"] for entry in data["entries"])
    assert data["symptoms"]["own"][0]["name"] == "Tinnitus <b>loud</b>"
    own_ref = "own:" + data["symptoms"]["own"][0]["uuid"]
    assert own_ref in {t["symptom"] for t in data["symptoms"]["tracked"]}
    assert any(t["archived_at"] for t in data["symptoms"]["tracked"])
    assert any(not t["shown_on_trends"] for t in data["symptoms"]["tracked"])
    assert any(own_ref in entry["scores"] for entry in data["entries"])
    assert len(data["crashes"]) == 2 and data["crashes"][1]["end_date"] is None
    (course,) = data["courses"]
    assert [d["reason"] for d in course["dose_changes"]] == [
        "start",
        "planned_step",
        "pause",
    ]
    assert course["dose_changes"][0]["dose_mg"] == 0.5
    assert course["dose_changes"][2]["dose_mg"] is None
    assert len(course["missed_doses"]) == 1 and len(course["side_effects"]) == 2
    assert len(data["medications"]) == 2
    assert data["reminders"]["enabled"] is True
    assert data["reminders"]["time"] == "08:30:00"
    assert len(data["reminders"]["sent_on"]) == 1
    assert data["profile"]["email"] == "alice@example.org"
    assert data["profile"]["takes_opioids"] == "no"
    links = data["share_links"]
    assert [link["has_access_code"] for link in links] == [True, False]
    assert links[0]["accesses"][0]["client"] == "Firefox on Linux"
    assert links[1]["revoked_at"] is not None
    # Primary-outcome choices, newest first, symptoms referenced like scores.
    assert [c["outcome"] for c in data["primary_outcomes"]] == [
        "symptom",
        "function",
        "hours_upright",
    ]
    assert data["primary_outcomes"][0]["symptom"] == own_ref
    assert [c["symptom"] for c in data["primary_outcomes"][1:]] == [None, None]
    chosen = [c["chosen_at"] for c in data["primary_outcomes"]]
    assert chosen == sorted(chosen, reverse=True)
    assert all(c.endswith("+00:00") for c in chosen)


def test_a_missing_score_is_absent_not_zero(full_alice):
    data = account_export_data(user=full_alice)
    tracked = {t["symptom"] for t in data["symptoms"]["tracked"]}
    assert any(set(entry["scores"]) < tracked for entry in data["entries"])
    assert all(entry["cognitive_exertion"] is None for entry in data["entries"])


def test_export_matches_the_published_schema(full_alice):
    data = json.loads(json.dumps(account_export_data(user=full_alice)))
    jsonschema.Draft202012Validator(export_schema()).validate(data)


def test_export_holds_no_secrets(full_alice):
    tokens: list[str] = []
    fill_account(UserFactory(email="carol@example.org"), days=2, token_sink=tokens)
    alice_tokens: list[str] = []
    # alice's own link tokens: make one more so we know a raw token.
    from diary.sharing.services import share_link_create

    link, token = share_link_create(
        user=full_alice,
        start=full_alice.local_today(),
        end=full_alice.local_today(),
        sections=["summary"],
    )
    alice_tokens.append(token)
    text = json.dumps(account_export_data(user=full_alice))
    for secret in (
        token,
        link.token_hash,
        full_alice.password,
        "token_hash",
        "access_code_hash",
        "password",
        *tokens,
    ):
        assert secret not in text
    assert "carol" not in text


def test_export_has_only_the_owners_data(full_alice, bob):
    fill_account(bob, days=3)
    data = account_export_data(user=bob)
    assert len(data["entries"]) == 3
    assert "alice" not in json.dumps(data)


@pytest.mark.parametrize("days", [5, 60])
def test_export_query_count_does_not_grow(alice, days, django_assert_num_queries):
    fill_account(alice, days=days)
    # More primary-outcome choices with more data: still one query for them all.
    PrimaryOutcomeChoice.objects.bulk_create(
        [PrimaryOutcomeChoice(user=alice, outcome="function") for _ in range(days)]
    )
    with django_assert_num_queries(14):
        account_export_data(user=alice)


# ---------------------------------------------------------------- web and API


def test_owner_downloads_the_file(full_alice, alice_client):
    response = alice_client.get(reverse("portability:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert ".json" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert len(data["entries"]) == 30


def test_bob_downloads_only_his_own(full_alice, bob_client):
    response = bob_client.get(reverse("portability:export"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["entries"] == [] and data["profile"]["email"] == "bob@example.org"


def test_anonymous_is_sent_to_log_in(anon_client):
    for name in ("portability:export", "portability:data", "portability:delete"):
        response = anon_client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_data_page_links_the_download(full_alice, alice_client):
    response = alice_client.get(reverse("portability:data"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("portability:export") in html
    assert reverse("portability:delete") in html
    assert reverse("portability:privacy") in html
    assert "no-store" in response.get(
        "Cache-Control", ""
    ) or "max-age=0" in response.get("Cache-Control", "")


def test_api_export_with_a_device_token(full_alice):
    from rest_framework.test import APIClient

    device, _refresh = device_sign_in(user=full_alice, name="phone")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(device=device)}")
    response = client.get(reverse("api:account-export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert len(json.loads(response.content)["entries"]) == 30


def test_api_export_bob_and_anonymous(full_alice, bob):
    from rest_framework.test import APIClient

    client = APIClient()
    assert client.get(reverse("api:account-export")).status_code == 401
    client.force_authenticate(bob)
    data = json.loads(client.get(reverse("api:account-export")).content)
    assert data["entries"] == [] and "alice" not in json.dumps(data)


def test_data_page_and_download_query_counts_do_not_grow(alice, client):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CrashFactory, EntryFactory, MedicationFactory

    fill_account(alice, days=3)
    client.force_login(alice)
    client.get(reverse("portability:data"))  # the session's first request settles

    def counts():
        result = []
        for name in ("portability:data", "portability:export"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(name)).status_code == 200
            result.append(len(captured))
        return result

    small = counts()
    start = alice.local_today() - datetime.timedelta(days=400)
    for offset in range(60):
        EntryFactory(user=alice, date=start + datetime.timedelta(days=offset))
        CrashFactory(user=alice, start_date=start + datetime.timedelta(days=offset))
    MedicationFactory.create_batch(5, user=alice)
    assert counts() == small


def test_bob_sees_his_own_counts_on_the_data_page(full_alice, bob_client):
    html = bob_client.get(reverse("portability:data")).content.decode()
    assert "alice" not in html
    # bob holds nothing yet, so he may import; alice's 30 days are not his.
    assert 'enctype="multipart/form-data"' in html
    assert "<dd>30</dd>" not in html
