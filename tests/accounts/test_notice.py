import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

NOTICE_URL = reverse("accounts:notice")
HOME_URL = reverse("diary:home")


@pytest.fixture
def alice_with_old_notice(alice):
    alice.medical_notice_version = 0
    alice.medical_notice_acknowledged_at = timezone.now() - datetime.timedelta(days=30)
    alice.save()
    return alice


@pytest.mark.django_db
class TestNoticeMiddleware:
    def test_user_with_an_old_notice_version_is_sent_to_the_notice(
        self, alice_with_old_notice, alice_client
    ):
        response = alice_client.get(HOME_URL)

        assert response.status_code == 302
        assert response["Location"] == f"{NOTICE_URL}?next=%2F"

    def test_the_page_asked_for_is_kept_with_its_query_string(
        self, alice_with_old_notice, alice_client
    ):
        response = alice_client.get(reverse("diary:entry-list") + "?page=2")

        assert response["Location"] == f"{NOTICE_URL}?next=%2Fentries%2F%3Fpage%3D2"

    def test_the_service_worker_is_served_before_the_notice_is_acknowledged(
        self, alice_with_old_notice, alice_client
    ):
        """The notice page registers the service worker; a browser refuses a
        worker script behind a redirect."""
        response = alice_client.get(reverse("service-worker"))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        assert alice_client.get(HOME_URL)["Location"] == f"{NOTICE_URL}?next=%2F"

    def test_user_who_never_acknowledged_is_sent_to_the_notice(self, client):
        user = UserFactory(
            medical_notice_version=None, medical_notice_acknowledged_at=None
        )
        client.force_login(user)

        response = client.get(reverse("accounts:settings"))

        assert response.status_code == 302
        assert response["Location"].startswith(NOTICE_URL)

    def test_user_with_the_current_notice_is_not_redirected(self, alice_client):
        response = alice_client.get(reverse("accounts:settings"))

        assert response.status_code == 200

    def test_log_out_still_works_while_the_notice_is_pending(
        self, alice_with_old_notice, alice_client
    ):
        response = alice_client.post(reverse("accounts:logout"))

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:login")
        assert "_auth_user_id" not in alice_client.session


@pytest.mark.django_db
class TestNoticePage:
    def test_anonymous_is_redirected_to_log_in(self, anon_client):
        response = anon_client.get(NOTICE_URL)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_anonymous_post_is_redirected_and_stores_nothing(self, anon_client):
        response = anon_client.post(NOTICE_URL, {"acknowledge": "on"})

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_page_shows_the_notice_text_its_version_and_that_it_changed(
        self, alice_with_old_notice, alice_client
    ):
        response = alice_client.get(NOTICE_URL, {"next": HOME_URL})

        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="notice-text"' in html
        assert f"Notice version {settings.MEDICAL_NOTICE_VERSION}." in html
        assert "This notice has changed since you last read it." in html
        assert 'name="acknowledge"' in html
        assert f'<input type="hidden" name="next" value="{HOME_URL}">' in html

    def test_first_time_reader_is_not_told_the_notice_changed(self, client):
        user = UserFactory(
            medical_notice_version=None, medical_notice_acknowledged_at=None
        )
        client.force_login(user)

        response = client.get(NOTICE_URL)

        assert response.status_code == 200
        assert "This notice has changed" not in response.content.decode()

    def test_user_who_already_acknowledged_sees_when_without_a_form(self, alice_client):
        response = alice_client.get(NOTICE_URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert "You confirmed it on" in html
        assert 'name="acknowledge"' not in html

    def test_acknowledging_stores_the_new_version_and_time_and_returns_to_next(
        self, alice_with_old_notice, alice_client
    ):
        before = timezone.now()

        response = alice_client.post(
            NOTICE_URL, {"acknowledge": "on", "next": HOME_URL}
        )

        assert response.status_code == 302
        assert response["Location"] == HOME_URL
        alice_with_old_notice.refresh_from_db()
        assert alice_with_old_notice.medical_notice_version == (
            settings.MEDICAL_NOTICE_VERSION
        )
        assert before <= alice_with_old_notice.medical_notice_acknowledged_at
        assert alice_client.get(HOME_URL).status_code == 200

    def test_acknowledging_without_next_goes_home(
        self, alice_with_old_notice, alice_client
    ):
        response = alice_client.post(NOTICE_URL, {"acknowledge": "on"})

        assert response.status_code == 302
        assert response["Location"] == HOME_URL

    def test_unticked_box_is_an_error_and_stores_nothing(
        self, alice_with_old_notice, alice_client
    ):
        old_time = alice_with_old_notice.medical_notice_acknowledged_at

        response = alice_client.post(NOTICE_URL, {"next": HOME_URL})

        assert response.status_code == 200
        assert response.context["form"].errors["acknowledge"] == [
            "Please tick the box to confirm you have read the notice."
        ]
        assert f'name="next" value="{HOME_URL}"' in response.content.decode()
        alice_with_old_notice.refresh_from_db()
        assert alice_with_old_notice.medical_notice_version == 0
        assert alice_with_old_notice.medical_notice_acknowledged_at == old_time

    @pytest.mark.parametrize(
        "next_url",
        [
            "https://evil.example/phish",
            "//evil.example/phish",
            "/\\evil.example",
            "javascript:alert(1)",
            "http://testserver.evil.example/",
        ],
    )
    def test_external_next_is_not_followed(
        self, alice_with_old_notice, alice_client, next_url
    ):
        response = alice_client.post(
            NOTICE_URL, {"acknowledge": "on", "next": next_url}
        )

        assert response.status_code == 302
        assert response["Location"] == HOME_URL

    def test_external_next_is_not_carried_into_the_form(
        self, alice_with_old_notice, alice_client
    ):
        response = alice_client.get(NOTICE_URL, {"next": "https://evil.example/"})

        assert "evil.example" not in response.content.decode()

    def test_another_users_acknowledgement_does_not_change_alice(
        self, alice_with_old_notice, bob, bob_client
    ):
        bob.medical_notice_version = 0
        bob.save()

        bob_client.post(NOTICE_URL, {"acknowledge": "on"})

        alice_with_old_notice.refresh_from_db()
        bob.refresh_from_db()
        assert alice_with_old_notice.medical_notice_version == 0
        assert bob.medical_notice_version == settings.MEDICAL_NOTICE_VERSION

    def test_raising_the_notice_version_asks_everyone_again(
        self, alice_client, settings
    ):
        settings.MEDICAL_NOTICE_VERSION += 1

        response = alice_client.get(HOME_URL)

        assert response.status_code == 302
        assert response["Location"].startswith(NOTICE_URL)
        page = alice_client.get(NOTICE_URL)
        assert "This notice has changed since you last read it." in (
            page.content.decode()
        )
