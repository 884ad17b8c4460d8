import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.conftest import verify_session
from tests.factories import PASSWORD


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="admin@example.org", password=PASSWORD)


@pytest.fixture
def admin_client_(superuser):
    client = Client()
    client.force_login(superuser)
    verify_session(client, superuser)
    return client


@pytest.mark.django_db
class TestUserAdmin:
    def test_changelist_lists_users_by_email(self, admin_client_, alice, bob):
        response = admin_client_.get(reverse("admin:accounts_user_changelist"))

        assert response.status_code == 200
        html = response.content.decode()
        assert "alice@example.org" in html
        assert "bob@example.org" in html
        assert "username" not in html.lower()

    def test_search_by_email(self, admin_client_, alice, bob):
        response = admin_client_.get(
            reverse("admin:accounts_user_changelist"), {"q": "alice"}
        )

        html = response.content.decode()
        assert "alice@example.org" in html
        assert "bob@example.org" not in html

    def test_change_form_renders_without_health_answers(self, admin_client_, alice):
        response = admin_client_.get(
            reverse("admin:accounts_user_change", args=[alice.pk])
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="email"' in html
        assert 'name="takes_opioids"' not in html

    def test_change_form_saves_an_email_change(self, admin_client_, alice):
        url = reverse("admin:accounts_user_change", args=[alice.pk])
        form = admin_client_.get(url).context["adminform"].form
        data = {
            name: value
            for name, value in form.initial.items()
            if name in form.fields and value is not None and name != "password"
        }
        data.update(
            {
                "email": "Alice.New@Example.org",
                "groups": [],
                "user_permissions": [],
                "is_active": "on",
            }
        )

        response = admin_client_.post(url, data)

        assert response.status_code == 302
        alice.refresh_from_db()
        assert alice.email == "alice.new@example.org"

    def test_add_user_with_email_and_password(self, admin_client_):
        response = admin_client_.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "New.Person@Example.org",
                "usable_password": "true",
                "password1": "pebble orchard violin 58",
                "password2": "pebble orchard violin 58",
            },
        )

        assert response.status_code == 302
        user = User.objects.get(email="new.person@example.org")
        assert user.check_password("pebble orchard violin 58")

    def test_add_user_with_an_email_taken_in_another_case_is_rejected(
        self, admin_client_, alice
    ):
        response = admin_client_.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "ALICE@example.org",
                "usable_password": "true",
                "password1": "pebble orchard violin 58",
                "password2": "pebble orchard violin 58",
            },
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["email"] == [
            "A user with this email address already exists."
        ]
        assert User.objects.filter(email__iexact="alice@example.org").count() == 1

    def test_add_form_renders(self, admin_client_):
        response = admin_client_.get(reverse("admin:accounts_user_add"))

        assert response.status_code == 200
        assert 'name="email"' in response.content.decode()

    def test_patient_cannot_open_the_admin(self, alice_client):
        response = alice_client.get(reverse("admin:accounts_user_changelist"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_anonymous_cannot_open_the_admin(self, anon_client):
        response = anon_client.get(reverse("admin:index"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
class TestNoDiaryDataInAdmin:
    def test_admin_index_lists_no_diary_models(self, admin_client_):
        response = admin_client_.get(reverse("admin:index"))

        assert response.status_code == 200
        app_labels = {app["app_label"] for app in response.context["app_list"]}
        assert "accounts" in app_labels
        assert "diary" not in app_labels
        assert "/admin/diary/" not in response.content.decode()

    def test_no_diary_model_is_registered(self):
        registered = {model._meta.app_label for model in admin.site._registry}

        assert "diary" not in registered
