import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN_URL = reverse("accounts:login")
LOGOUT_URL = reverse("accounts:logout")
HOME_URL = reverse("diary:home")
NEW_PASSWORD = "quiet meadow lantern 73"


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
class TestLogIn:
    def test_page_has_an_email_field_and_links_to_sign_up_and_reset(self, anon_client):
        response = anon_client.get(LOGIN_URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert '<label for="id_username">Email</label>' in html
        assert 'type="email"' in html
        assert f'href="{reverse("accounts:signup")}"' in html
        assert f'href="{reverse("accounts:password-reset")}"' in html

    @pytest.mark.parametrize(
        "typed", ["alice@example.org", "Alice@Example.ORG", " alice@example.org "]
    )
    def test_log_in_with_email_in_any_case(self, anon_client, alice, typed):
        response = anon_client.post(
            LOGIN_URL, {"username": typed, "password": PASSWORD}
        )

        assert response.status_code == 302
        assert response["Location"] == HOME_URL
        assert logged_in_user_id(anon_client) == str(alice.pk)

    def test_wrong_password_keeps_the_email_and_says_what_failed(
        self, anon_client, alice
    ):
        response = anon_client.post(
            LOGIN_URL, {"username": "alice@example.org", "password": "wrong"}
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "do not match an account" in html
        assert 'value="alice@example.org"' in html
        assert logged_in_user_id(anon_client) is None

    def test_safe_next_is_followed_after_log_in(self, anon_client, alice):
        target = reverse("accounts:settings")

        response = anon_client.post(
            f"{LOGIN_URL}?next={target}",
            {"username": "alice@example.org", "password": PASSWORD},
        )

        assert response["Location"] == target

    def test_external_next_is_ignored_after_log_in(self, anon_client, alice):
        response = anon_client.post(
            LOGIN_URL,
            {
                "username": "alice@example.org",
                "password": PASSWORD,
                "next": "https://evil.example/",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == HOME_URL

    def test_signed_in_user_is_sent_home(self, alice_client):
        response = alice_client.get(LOGIN_URL)

        assert response.status_code == 302
        assert response["Location"] == HOME_URL

    def test_inactive_user_cannot_log_in(self, anon_client, alice):
        alice.is_active = False
        alice.save()

        response = anon_client.post(
            LOGIN_URL, {"username": "alice@example.org", "password": PASSWORD}
        )

        assert response.status_code == 200
        assert logged_in_user_id(anon_client) is None

    def test_html_typed_as_email_is_escaped(self, anon_client):
        response = anon_client.post(
            LOGIN_URL, {"username": "<script>alert(1)</script>", "password": "x"}
        )

        html = response.content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
class TestLogOut:
    def test_get_does_not_log_out(self, alice_client, alice):
        response = alice_client.get(LOGOUT_URL)

        assert response.status_code == 405
        assert logged_in_user_id(alice_client) == str(alice.pk)

    def test_post_logs_out_and_goes_to_log_in(self, alice_client):
        response = alice_client.post(LOGOUT_URL)

        assert response.status_code == 302
        assert response["Location"] == LOGIN_URL
        assert logged_in_user_id(alice_client) is None

    def test_post_without_csrf_token_is_refused(self, alice):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)

        response = client.post(LOGOUT_URL)

        assert response.status_code == 403
        assert logged_in_user_id(client) == str(alice.pk)


def reset_link_from(message):
    match = re.search(r"https?://\S+/password/reset/\S+/", message.body)
    assert match, message.body
    return match.group(0)


@pytest.mark.django_db
class TestPasswordReset:
    def test_reset_email_contains_a_link_that_sets_a_new_password(
        self, anon_client, alice, mailoutbox
    ):
        response = anon_client.post(
            reverse("accounts:password-reset"), {"email": "Alice@Example.org"}
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password-reset-done")
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["alice@example.org"]
        assert message.subject == "Reset your LDN Diary password"
        link = reset_link_from(message)
        assert link.startswith("http://testserver/accounts/password/reset/")

        # The link redirects to a token-free URL that shows the form.
        path = link.removeprefix("http://testserver")
        response = anon_client.get(path)
        assert response.status_code == 302
        form_url = response["Location"]
        response = anon_client.get(form_url)
        assert response.status_code == 200
        assert 'name="new_password1"' in response.content.decode()

        response = anon_client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password-reset-complete")
        assert anon_client.get(response["Location"]).status_code == 200

        alice.refresh_from_db()
        assert alice.check_password(NEW_PASSWORD)
        fresh = Client()
        response = fresh.post(
            LOGIN_URL, {"username": "alice@example.org", "password": NEW_PASSWORD}
        )
        assert response["Location"] == HOME_URL
        assert logged_in_user_id(fresh) == str(alice.pk)

    def test_reset_link_works_only_once(self, anon_client, alice, mailoutbox):
        anon_client.post(
            reverse("accounts:password-reset"), {"email": "alice@example.org"}
        )
        path = reset_link_from(mailoutbox[0]).removeprefix("http://testserver")
        form_url = anon_client.get(path)["Location"]
        anon_client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

        response = Client().get(path)

        assert response.status_code == 200
        assert "This link no longer works" in response.content.decode()

    def test_weak_new_password_is_rejected(self, anon_client, alice, mailoutbox):
        anon_client.post(
            reverse("accounts:password-reset"), {"email": "alice@example.org"}
        )
        path = reset_link_from(mailoutbox[0]).removeprefix("http://testserver")
        form_url = anon_client.get(path)["Location"]

        response = anon_client.post(
            form_url, {"new_password1": "short", "new_password2": "short"}
        )

        assert response.status_code == 200
        assert "too short" in response.content.decode()
        alice.refresh_from_db()
        assert alice.check_password(PASSWORD)

    def test_unknown_address_shows_the_same_page_and_sends_nothing(
        self, anon_client, mailoutbox
    ):
        response = anon_client.post(
            reverse("accounts:password-reset"), {"email": "nobody@example.org"}
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password-reset-done")
        assert mailoutbox == []

    def test_reset_pages_render(self, anon_client):
        for name in (
            "password-reset",
            "password-reset-done",
            "password-reset-complete",
        ):
            assert anon_client.get(reverse(f"accounts:{name}")).status_code == 200


@pytest.mark.django_db
class TestPasswordChange:
    def test_owner_changes_password_and_stays_logged_in(self, alice_client, alice):
        response = alice_client.post(
            reverse("accounts:password-change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password-change-done")
        alice.refresh_from_db()
        assert alice.check_password(NEW_PASSWORD)
        done = alice_client.get(response["Location"])
        assert done.status_code == 200
        assert "Password changed" in done.content.decode()

    def test_wrong_old_password_is_rejected(self, alice_client, alice):
        response = alice_client.post(
            reverse("accounts:password-change"),
            {
                "old_password": "not my password",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]
        alice.refresh_from_db()
        assert alice.check_password(PASSWORD)

    def test_page_shows_the_three_fields(self, alice_client):
        response = alice_client.get(reverse("accounts:password-change"))

        assert response.status_code == 200
        html = response.content.decode()
        for name in ("old_password", "new_password1", "new_password2"):
            assert f'name="{name}"' in html

    @pytest.mark.parametrize("name", ["password-change", "password-change-done"])
    def test_anonymous_is_redirected_to_log_in(self, anon_client, name):
        response = anon_client.get(reverse(f"accounts:{name}"))

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)

    def test_anonymous_post_changes_nothing(self, anon_client, alice):
        response = anon_client.post(
            reverse("accounts:password-change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        alice.refresh_from_db()
        assert alice.check_password(PASSWORD)
