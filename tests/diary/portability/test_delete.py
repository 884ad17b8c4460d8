"""Account deletion: confirmed with the password, it erases every row of the
user, the export files on disk at once, the sessions, the share links and the
apps' tokens, and ends on a neutral page."""

import datetime
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import access_token_for, device_sign_in
from diary.exports.models import ExportJob
from diary.models import Entry, ShareLink
from diary.portability import services
from diary.services import symptoms_track_defaults
from diary.sharing.services import share_link_create, share_link_resolve
from tests.diary.portability.conftest import fill_account
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


def _export_with_file(user, root) -> tuple[ExportJob, object]:
    folder = root / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.pdf"
    (folder / name).write_bytes(b"%PDF- a report")
    today = user.local_today()
    job = ExportJob.objects.create(
        user=user,
        format=ExportJob.Format.PDF,
        start_date=today,
        end_date=today,
        status=ExportJob.Status.DONE,
        file_name=f"exports/{name}",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return job, folder / name


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label != "sessions.Session"
    }


def _rows_naming(user_pk: int, email: str) -> dict[str, int]:
    """Every row of every model that points at the user by a foreign key, or
    holds their e-mail address in a text column."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        manager = model._default_manager
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                count = manager.filter(**{field.attname: user_pk}).count()
            elif field.get_internal_type() in ("CharField", "TextField", "EmailField"):
                count = manager.filter(**{f"{field.attname}__icontains": email}).count()
            else:
                continue
            if count:
                found[f"{model._meta.label}.{field.name}"] = count
    sessions = [
        s
        for s in Session.objects.all()
        if str(s.get_decoded().get("_auth_user_id")) == str(user_pk)
    ]
    if sessions:
        found["sessions.Session"] = len(sessions)
    return found


def _full_user(email: str, root):
    user = UserFactory(email=email)
    symptoms_track_defaults(user=user)
    fill_account(user, days=10)
    job, path = _export_with_file(user, root)
    device_sign_in(user=user, name="phone")
    client = Client()
    client.force_login(user)
    client.get(reverse("diary:home"))
    return user, client, path


def test_delete_leaves_no_row_of_the_user(
    bob, private_root, django_capture_on_commit_callbacks
):
    fill_account(bob, days=3)
    _bobs_job, bobs_file = _export_with_file(bob, private_root)
    baseline = _counts()
    user, _client, path = _full_user("carol@example.org", private_root)
    pk = user.pk
    assert _rows_naming(pk, user.email)  # the walk finds the user's rows
    with django_capture_on_commit_callbacks(execute=True):
        services.account_delete(user=user)
    assert _rows_naming(pk, "carol@example.org") == {}
    assert _counts() == baseline  # nothing of hers left anywhere, bob's all kept
    assert not path.exists()
    assert bobs_file.exists()
    assert Entry.objects.for_user(bob).count() == 3


def test_page_asks_for_the_password(alice_client):
    response = alice_client.get(reverse("portability:delete"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="password"' in html and "csrfmiddlewaretoken" in html


def test_wrong_password_deletes_nothing(alice, alice_client):
    response = alice_client.post(reverse("portability:delete"), {"password": "nope"})
    assert response.status_code == 200
    assert "not your password" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()


def test_delete_through_the_page(private_root, django_capture_on_commit_callbacks):
    user, client, path = _full_user("dora@example.org", private_root)
    link, token = share_link_create(
        user=user,
        start=user.local_today(),
        end=user.local_today(),
        sections=["summary"],
    )
    device, _refresh = device_sign_in(user=user, name="phone 2")
    access = access_token_for(device=device)
    other_browser = Client()
    other_browser.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portability:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portability:deleted")
    assert not User.objects.filter(email="dora@example.org").exists()
    assert not path.exists()
    assert share_link_resolve(token=token) is None
    assert client.get(reverse("diary:share-view", args=[token])).status_code == 404
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.get(reverse("api:account-export")).status_code == 401
    for browser in (client, other_browser):
        response = browser.get(reverse("portability:data"))
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_confirmation_is_neutral(alice_client):
    alice_client.post(reverse("portability:delete"), {"password": PASSWORD})
    response = alice_client.get(reverse("portability:deleted"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "has been deleted" in html and "alice" not in html


def test_deleted_page_is_public_and_says_nothing_personal(anon_client):
    response = anon_client.get(reverse("portability:deleted"))
    assert response.status_code == 200
    assert "@" not in response.content.decode().split("<main", 1)[1]


def test_bob_cannot_delete_alice(alice, bob_client):
    response = bob_client.post(reverse("portability:delete"), {"password": PASSWORD})
    # bob's own password deletes bob's own account, never alice's.
    assert response.status_code == 302
    assert User.objects.filter(pk=alice.pk).exists()
    assert not User.objects.filter(email="bob@example.org").exists()


def test_anonymous_cannot_delete(alice, anon_client):
    response = anon_client.post(reverse("portability:delete"), {"password": PASSWORD})
    assert response.status_code == 302 and "login" in response["Location"]
    assert User.objects.filter(pk=alice.pk).exists()


def test_delete_needs_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("portability:delete"), {"password": PASSWORD})
    assert response.status_code == 403
    assert User.objects.filter(pk=alice.pk).exists()


def test_api_delete(alice, bob):
    url = reverse("api:account-delete")
    client = APIClient()
    assert client.post(url, {"password": PASSWORD}, format="json").status_code == 401
    device, _refresh = device_sign_in(user=alice, name="phone")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(device=device)}")
    response = client.post(url, {"password": "wrong"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["password"]
    assert client.post(url, {"password": PASSWORD}, format="json").status_code == 204
    assert not User.objects.filter(pk=alice.pk).exists()
    assert User.objects.filter(pk=bob.pk).exists()
    # The token that did it no longer works.
    assert client.get(reverse("api:account-export")).status_code == 401


@pytest.mark.parametrize("bulk", [False, True])
def test_admin_deletion_erases_files_at_once(
    bulk, alice, bob, private_root, django_capture_on_commit_callbacks
):
    from django.contrib.admin.models import LogEntry

    operator = User.objects.create_superuser(email="op@example.org", password=PASSWORD)
    _job, path = _export_with_file(alice, private_root)
    _bobs, bobs_path = _export_with_file(bob, private_root)
    link, token = share_link_create(
        user=alice,
        start=alice.local_today(),
        end=alice.local_today(),
        sections=["summary"],
    )
    model_admin = admin.site._registry[User]
    request = RequestFactory().post("/admin/")
    request.user = operator
    with django_capture_on_commit_callbacks(execute=True):
        if bulk:
            queryset = User.objects.filter(pk=alice.pk)
            model_admin.log_deletions(request, queryset)
            model_admin.delete_queryset(request, queryset)
        else:
            model_admin.log_deletions(request, [alice])
            model_admin.delete_model(request, alice)
    assert not path.exists() and bobs_path.exists()
    assert not User.objects.filter(email="alice@example.org").exists()
    assert not ShareLink.objects.filter(token_hash=link.token_hash).exists()
    assert share_link_resolve(token=token) is None
    entry = LogEntry.objects.get()
    assert "alice" not in entry.object_repr and entry.object_repr.startswith("erased")


def test_settings_links_to_your_data(alice_client):
    html = alice_client.get(reverse("accounts:settings")).content.decode()
    assert reverse("portability:data") in html


def test_privacy_page_is_public_and_linked_from_the_footer(anon_client, alice_client):
    response = anon_client.get(reverse("portability:privacy"))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "What is stored",
        "Where it is kept",
        "Who can see it",
        "deleting it",
    ):
        assert heading in html
    assert (
        reverse("portability:privacy")
        in alice_client.get(reverse("diary:home")).content.decode()
    )
    assert settings.EXPORT_RETENTION_DAYS
