import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services

SETTINGS_URL = reverse("accounts:settings")


def settings_data(**overrides):
    data = {
        "time_zone": "Pacific/Auckland",
        "display_name": "Alice A.",
        "takes_opioids": "no",
    }
    data.update(overrides)
    return data


def stored(user):
    user.refresh_from_db()
    return (user.time_zone, user.display_name, user.takes_opioids)


@pytest.mark.django_db
class TestSettingsPage:
    def test_owner_sees_current_values_and_links(self, alice_client, alice):
        response = alice_client.get(SETTINGS_URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert '<option value="Europe/London" selected>' in html
        assert f'href="{reverse("accounts:password-change")}"' in html
        assert f'href="{reverse("accounts:notice")}"' in html
        assert "alice@example.org" in html

    def test_owner_saves_settings(self, alice_client, alice):
        response = alice_client.post(SETTINGS_URL, settings_data())

        assert response.status_code == 302
        assert response["Location"] == SETTINGS_URL
        assert stored(alice) == ("Pacific/Auckland", "Alice A.", "no")
        page = alice_client.get(SETTINGS_URL)
        assert "Your settings have been saved." in page.content.decode()

    def test_new_time_zone_changes_the_users_today(self, alice_client, alice):
        alice_client.post(SETTINGS_URL, settings_data(time_zone="Pacific/Kiritimati"))

        alice.refresh_from_db()
        assert str(alice.zone) == "Pacific/Kiritimati"

    @pytest.mark.parametrize("answer", ["yes", "unsure"])
    def test_opioid_answer_shows_the_interaction_notice(self, alice_client, answer):
        alice_client.post(SETTINGS_URL, settings_data(takes_opioids=answer))

        response = alice_client.get(SETTINGS_URL)

        assert "LDN and opioid medicines interact" in response.content.decode()

    def test_a_valid_zone_missing_from_the_list_survives_saving(
        self, alice_client, alice
    ):
        alice.time_zone = "GMT"
        alice.save()

        page = alice_client.get(SETTINGS_URL)
        response = alice_client.post(SETTINGS_URL, settings_data(time_zone="GMT"))

        assert '<option value="GMT" selected>' in page.content.decode()
        assert response.status_code == 302
        assert stored(alice)[0] == "GMT"

    def test_opioid_question_can_be_left_unanswered(self, alice_client, alice):
        response = alice_client.post(SETTINGS_URL, settings_data(takes_opioids=""))

        assert response.status_code == 302
        assert stored(alice)[2] == ""
        page = alice_client.get(SETTINGS_URL).content.decode()
        assert "LDN and opioid medicines interact" not in page

    def test_anonymous_is_redirected_to_log_in(self, anon_client):
        response = anon_client.get(SETTINGS_URL)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_anonymous_post_changes_nobody(self, anon_client, alice):
        before = stored(alice)

        response = anon_client.post(SETTINGS_URL, settings_data())

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert stored(alice) == before

    def test_another_user_only_changes_their_own_settings(self, bob_client, bob, alice):
        alice_before = stored(alice)

        response = bob_client.post(SETTINGS_URL, settings_data())

        assert response.status_code == 302
        assert stored(bob) == ("Pacific/Auckland", "Alice A.", "no")
        assert stored(alice) == alice_before

    def test_another_user_sees_their_own_values(self, bob_client):
        response = bob_client.get(SETTINGS_URL)

        html = response.content.decode()
        assert '<option value="America/New_York" selected>' in html
        assert "alice@example.org" not in html


@pytest.mark.django_db
class TestSettingsBadInput:
    @pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "europe/london"])
    def test_invalid_time_zone_is_rejected_and_nothing_changes(
        self, alice_client, alice, zone
    ):
        before = stored(alice)

        response = alice_client.post(
            SETTINGS_URL, settings_data(time_zone=zone, display_name="Typed name")
        )

        assert response.status_code == 200
        assert response.context["form"].errors["time_zone"]
        html = response.content.decode()
        assert '<a href="#id_time_zone">Time zone</a>' in html
        assert 'value="Typed name"' in html
        assert stored(alice) == before

    def test_unknown_opioid_answer_is_rejected(self, alice_client, alice):
        before = stored(alice)

        response = alice_client.post(SETTINGS_URL, settings_data(takes_opioids="maybe"))

        assert response.status_code == 200
        assert response.context["form"].errors["takes_opioids"] == [
            "“maybe” is not one of the answers. Pick one."
        ]
        assert stored(alice) == before

    def test_display_name_over_80_characters_is_rejected(self, alice_client, alice):
        before = stored(alice)

        response = alice_client.post(SETTINGS_URL, settings_data(display_name="x" * 81))

        assert response.status_code == 200
        assert response.context["form"].errors["display_name"]
        assert stored(alice) == before

    def test_html_in_display_name_is_stored_as_text_and_escaped(
        self, alice_client, alice
    ):
        hostile = "<script>alert(1)</script>"

        alice_client.post(SETTINGS_URL, settings_data(display_name=hostile))
        response = alice_client.get(SETTINGS_URL)

        assert stored(alice)[1] == hostile
        html = response.content.decode()
        assert hostile not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_service_errors_are_shown_on_the_named_field(
        self, alice_client, alice, monkeypatch
    ):
        before = stored(alice)

        def reject(*, user, time_zone, display_name, takes_opioids):
            user.time_zone = time_zone
            raise ValidationError({"time_zone": ["Refused by the service."]})

        monkeypatch.setattr(services, "user_update_settings", reject)

        response = alice_client.post(SETTINGS_URL, settings_data())

        assert response.status_code == 200
        assert response.context["form"].errors["time_zone"] == [
            "Refused by the service."
        ]
        assert response.wsgi_request.user.time_zone == before[0]
        assert stored(alice) == before
