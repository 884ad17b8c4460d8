import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from diary.builtin_symptoms import BUILTIN_SYMPTOMS
from diary.models import TrackedSymptom

SIGNUP_URL = reverse("accounts:signup")
GOOD_PASSWORD = "lilac kettle harbour 42"


def signup_data(**overrides):
    data = {
        "email": "Carol@Example.ORG",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "time_zone": "Europe/Berlin",
        "display_name": "Carol",
        "notice_acknowledged": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def confirm_link(body):
    match = re.search(r"https?://\S+(/accounts/signup/confirm/\S+/)", body)
    return match.group(1) if match else None


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


@pytest.mark.django_db
class TestSignUpPage:
    def test_anonymous_sees_the_form_with_the_full_notice_above_the_checkbox(
        self, anon_client
    ):
        response = anon_client.get(SIGNUP_URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="notice-text"' in html
        assert "LDN Diary is not medical advice" in html
        assert html.index('data-testid="notice-text"') < html.index(
            'name="notice_acknowledged"'
        )
        assert '<option value="UTC" selected>' in html
        assert "data-guess-time-zone" in html
        assert "js/timezone-guess.js" in html
        assert "<script>" not in html

    def test_signed_in_user_is_redirected_home(self, alice_client):
        response = alice_client.get(SIGNUP_URL)

        assert response.status_code == 302
        assert response["Location"] == reverse("diary:home")

    def test_signed_in_user_cannot_create_a_second_account(self, alice_client):
        response = alice_client.post(SIGNUP_URL, signup_data())

        assert response.status_code == 302
        assert not User.objects.filter(email="carol@example.org").exists()


@pytest.mark.django_db
class TestSignUpSuccess:
    def test_creates_user_with_notice_acknowledgement_and_mails_a_link(
        self, anon_client, mailoutbox
    ):
        before = timezone.now()

        response = anon_client.post(SIGNUP_URL, signup_data())

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:signup-sent")
        user = User.objects.get(email="carol@example.org")
        assert user.check_password(GOOD_PASSWORD)
        assert user.time_zone == "Europe/Berlin"
        assert user.display_name == "Carol"
        assert user.medical_notice_version == settings.MEDICAL_NOTICE_VERSION
        assert before <= user.medical_notice_acknowledged_at <= timezone.now()
        assert not user.email_confirmed
        assert "_auth_user_id" not in anon_client.session
        assert [mail.to for mail in mailoutbox] == [["carol@example.org"]]
        assert confirm_link(mailoutbox[0].body)

    def test_the_link_confirms_the_address_and_logs_in_once(
        self, anon_client, mailoutbox
    ):
        anon_client.post(SIGNUP_URL, signup_data())
        link = confirm_link(mailoutbox[0].body)

        assert anon_client.get(link).status_code == 200  # a button, not a log-in
        assert "_auth_user_id" not in anon_client.session
        response = anon_client.post(link)

        assert response.status_code == 302
        assert response["Location"] == reverse("diary:home")
        user = User.objects.get(email="carol@example.org")
        assert user.email_confirmed
        assert anon_client.session["_auth_user_id"] == str(user.pk)
        again = Client().post(link)
        assert again.status_code == 200
        assert "no longer works" in again.content.decode()

    def test_unconfirmed_account_cannot_log_in(self, anon_client, mailoutbox):
        anon_client.post(SIGNUP_URL, signup_data())

        response = Client().post(
            reverse("accounts:login"),
            {"username": "carol@example.org", "password": GOOD_PASSWORD},
        )

        assert response.status_code == 200
        assert "_auth_user_id" not in response.wsgi_request.session

    def test_a_password_reset_also_confirms_the_address(self, anon_client, mailoutbox):
        anon_client.post(SIGNUP_URL, signup_data())
        anon_client.post(
            reverse("accounts:password-reset"), {"email": "carol@example.org"}
        )
        reset_link = re.search(r"https?://\S+/password/reset/\S+/", mailoutbox[-1].body)
        assert reset_link
        page = anon_client.get(reset_link.group(0), follow=True)
        new = "violet anchor meadow 17"
        anon_client.post(
            page.redirect_chain[-1][0],
            {"new_password1": new, "new_password2": new},
        )

        assert User.objects.get(email="carol@example.org").email_confirmed
        assert Client().login(username="carol@example.org", password=new)

    def test_new_account_tracks_the_default_symptoms(self, anon_client):
        anon_client.post(SIGNUP_URL, signup_data())

        user = User.objects.get(email="carol@example.org")
        tracked = list(
            TrackedSymptom.objects.filter(user=user).values_list(
                "symptom__slug", flat=True
            )
        )
        expected = [slug for slug, _n, _d, default in BUILTIN_SYMPTOMS if default]
        assert tracked == expected

    def test_display_name_is_optional(self, anon_client):
        response = anon_client.post(SIGNUP_URL, signup_data(display_name=""))

        assert response.status_code == 302
        assert User.objects.get(email="carol@example.org").display_name == ""

    def test_new_user_can_reach_home_without_seeing_the_notice_again(
        self, anon_client, mailoutbox
    ):
        anon_client.post(SIGNUP_URL, signup_data())
        anon_client.post(confirm_link(mailoutbox[0].body))

        response = anon_client.get(reverse("diary:home"))

        assert response.status_code == 200


@pytest.mark.django_db
class TestSignUpBadInput:
    def test_missing_acknowledgement_is_an_error_and_keeps_what_was_typed(
        self, anon_client
    ):
        response = anon_client.post(SIGNUP_URL, signup_data(notice_acknowledged=None))

        assert response.status_code == 200
        assert field_errors(response, "notice_acknowledged") == [
            "Please tick the box to confirm you have read the notice."
        ]
        html = response.content.decode()
        assert 'value="Carol@Example.ORG"' in html
        assert '<option value="Europe/Berlin" selected>' in html
        assert "data-guess-time-zone" not in html
        assert "Please tick the box to confirm you have read the notice." in html
        assert not User.objects.filter(email__iexact="carol@example.org").exists()

    def test_an_address_with_an_account_gets_the_same_answer_and_an_email(
        self, anon_client, alice, mailoutbox
    ):
        users_before = User.objects.count()
        password_before = alice.password

        taken = anon_client.post(SIGNUP_URL, signup_data(email="Alice@Example.org"))
        fresh = Client().post(SIGNUP_URL, signup_data(email="erin@example.org"))

        # Nothing on the page tells the two apart.
        assert (taken.status_code, taken["Location"]) == (
            fresh.status_code,
            fresh["Location"],
        )
        assert (
            anon_client.get(taken["Location"]).content
            == Client().get(fresh["Location"]).content
        )
        assert User.objects.count() == users_before + 1  # only erin
        alice.refresh_from_db()
        assert alice.time_zone == "Europe/London"
        assert alice.password == password_before
        to_alice = [mail for mail in mailoutbox if mail.to == ["alice@example.org"]]
        assert len(to_alice) == 1
        assert "already has one" in to_alice[0].body
        assert "/password/reset/" in to_alice[0].body

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short1", "This password is too short"),
            ("password123", "This password is too common."),
            ("48291638502", "This password is too short"),
            ("aaaaaaaaaaaa", "easy to guess"),
            ("ldndiary2026", "easy to guess"),
            ("abcabcabcabc", "easy to guess"),
            ("qwertyuiop12", "easy to guess"),
            ("passwordpassword", "easy to guess"),
            ("carol@example.org", "The password is too similar to the email"),
        ],
    )
    def test_weak_password_is_rejected(self, anon_client, password, message):
        response = anon_client.post(
            SIGNUP_URL, signup_data(password1=password, password2=password)
        )

        assert response.status_code == 200
        errors = " ".join(field_errors(response, "password1"))
        assert message in errors
        assert 'value="Carol@Example.ORG"' in response.content.decode()
        assert not User.objects.filter(email="carol@example.org").exists()

    def test_passwords_that_differ_are_rejected(self, anon_client):
        response = anon_client.post(
            SIGNUP_URL, signup_data(password2=GOOD_PASSWORD + "x")
        )

        assert response.status_code == 200
        assert field_errors(response, "password2") == [
            "The two passwords are different. Type them again."
        ]
        assert not User.objects.filter(email="carol@example.org").exists()

    def test_passwords_are_never_sent_back_to_the_browser(self, anon_client):
        response = anon_client.post(SIGNUP_URL, signup_data(notice_acknowledged=None))

        assert GOOD_PASSWORD not in response.content.decode()

    @pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "Europe/London; DROP"])
    def test_unknown_time_zone_is_rejected_with_an_error_naming_the_field(
        self, anon_client, zone
    ):
        response = anon_client.post(SIGNUP_URL, signup_data(time_zone=zone))

        assert response.status_code == 200
        assert field_errors(response, "time_zone")
        html = response.content.decode()
        assert '<a href="#id_time_zone">Time zone</a>' in html
        assert 'value="Carol@Example.ORG"' in html
        assert not User.objects.filter(email="carol@example.org").exists()

    def test_invalid_email_is_rejected(self, anon_client):
        response = anon_client.post(SIGNUP_URL, signup_data(email="not-an-email"))

        assert response.status_code == 200
        assert field_errors(response, "email") == [
            "Email: enter an email address, like name@example.org."
        ]
        assert User.objects.count() == 0

    def test_display_name_over_80_characters_is_rejected(self, anon_client):
        response = anon_client.post(SIGNUP_URL, signup_data(display_name="x" * 81))

        assert response.status_code == 200
        assert field_errors(response, "display_name")
        assert not User.objects.filter(email="carol@example.org").exists()

    def test_html_in_typed_values_is_escaped_when_the_form_comes_back(
        self, anon_client
    ):
        response = anon_client.post(
            SIGNUP_URL,
            signup_data(
                display_name="<script>alert(1)</script>",
                time_zone="<script>alert(2)</script>",
                notice_acknowledged=None,
            ),
        )

        html = response.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html

    def test_signup_accepts_only_get_and_post(self, anon_client):
        response = anon_client.put(SIGNUP_URL)

        assert response.status_code == 405


@pytest.mark.django_db
def test_two_accounts_that_differ_only_in_case_cannot_both_exist(anon_client):
    anon_client.post(SIGNUP_URL, signup_data(email="dana@example.org"))
    second = Client()

    response = second.post(SIGNUP_URL, signup_data(email="DANA@example.org"))

    assert response.status_code == 302
    assert User.objects.filter(email__iexact="dana@example.org").count() == 1


@pytest.mark.django_db
def test_long_passphrases_without_symbols_are_accepted(anon_client):
    passphrase = "my cat sleeps on the warm radiator"
    response = anon_client.post(
        SIGNUP_URL, signup_data(password1=passphrase, password2=passphrase)
    )

    assert response.status_code == 302


@pytest.mark.django_db
def test_password_fields_allow_pasting(anon_client):
    html = anon_client.get(SIGNUP_URL).content.decode()

    assert "onpaste" not in html
    assert 'autocomplete="new-password"' in html


@pytest.mark.django_db
def test_signups_are_limited_per_address(anon_client, settings, mailoutbox):
    settings.SIGNUP_PER_ADDRESS_PER_HOUR = 2
    for index in range(2):
        data = signup_data(email=f"user{index}@example.org")
        assert Client(REMOTE_ADDR="192.0.2.5").post(SIGNUP_URL, data).status_code == 302

    blocked = Client(REMOTE_ADDR="192.0.2.5").post(
        SIGNUP_URL, signup_data(email="user9@example.org")
    )
    spoofed = Client(
        REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="198.51.100.77"
    ).post(SIGNUP_URL, signup_data(email="user8@example.org"))
    elsewhere = Client(REMOTE_ADDR="192.0.2.6").post(
        SIGNUP_URL, signup_data(email="user7@example.org")
    )

    assert blocked.status_code == 429
    assert "Too many sign-ups" in blocked.content.decode()
    assert 'value="user9@example.org"' in blocked.content.decode()
    assert spoofed.status_code == 429
    assert elsewhere.status_code == 302
    assert not User.objects.filter(email__in=["user9@example.org", "user8@example.org"])


@pytest.mark.django_db
def test_password_hashes_are_argon2id(settings):
    settings.PASSWORD_HASHERS = [
        "accounts.passwords.Argon2idHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user(email="f@example.org", password=GOOD_PASSWORD)

    assert user.password.startswith("argon2$argon2id$v=19$m=47104,t=3,p=1$")


@pytest.mark.django_db
def test_an_old_pbkdf2_hash_is_upgraded_at_log_in(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user(email="g@example.org", password=GOOD_PASSWORD)
    assert user.password.startswith("pbkdf2_sha256$")
    settings.PASSWORD_HASHERS = [
        "accounts.passwords.Argon2idHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

    response = Client().post(
        reverse("accounts:login"),
        {"username": "g@example.org", "password": GOOD_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
