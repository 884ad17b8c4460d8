"""Account forms. They validate what the browser sends; the views then call the
functions in ``accounts/services.py`` with the cleaned values."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    UserChangeForm,
)
from django.utils.translation import gettext_lazy as _

from diary.forms.fields import PlainErrorsMixin

from .models import User, time_zone_choices

DEFAULT_TIME_ZONE = "UTC"

TIME_ZONE_ERRORS = {
    "invalid_choice": _(
        "“%(value)s” is not a time zone we know. Choose one from the list."
    ),
    "required": _("Choose your time zone."),
}


def _time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Your days start and end at midnight in this time zone."),
        error_messages=TIME_ZONE_ERRORS,
    )


def _display_name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Display name (optional)"),
        max_length=80,
        required=False,
        help_text=_("Shown on reports you share with your doctor."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def email_is_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Email addresses are unique without regard to case."""
    users = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()


class SignUpForm(PlainErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text=_("You log in with this address. We never show it to anyone."),
        error_messages={"required": _("Enter your email address.")},
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password again, to catch typing mistakes."),
        error_messages={"required": _("Type the password a second time.")},
    )
    time_zone = _time_zone_field()
    display_name = _display_name_field()
    notice_acknowledged = forms.BooleanField(
        label=_(
            "I have read the notice above and understand that LDN Diary is not "
            "medical advice."
        ),
        error_messages={
            "required": _("Please tick the box to confirm you have read the notice.")
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("time_zone", DEFAULT_TIME_ZONE)
        super().__init__(*args, **kwargs)
        # The rules come from AUTH_PASSWORD_VALIDATORS, as plain text.
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )
        if not self.is_bound:
            # static/js/timezone-guess.js may preselect the browser's zone; it
            # never overrides what someone chose and sent back.
            self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = "true"

    def clean_email(self) -> str:
        # Whether the address already has an account is never said here: the
        # e-mail sent to it says so (accounts.services.signup_request).
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                forms.ValidationError(
                    _("The two passwords are different. Type them again."),
                    code="password_mismatch",
                ),
            )
        elif password1:
            # An unsaved user lets the similarity validator compare the password
            # with the email address and display name.
            candidate = User(
                email=cleaned.get("email") or self.data.get("email", ""),
                display_name=cleaned.get("display_name") or "",
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class OneTimeCodeForm(PlainErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        strip=True,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your "
            "backup codes."
        ),
        error_messages={"required": _("Enter the code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


class TwoFactorEnableForm(PlainErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=20,
        strip=True,
        error_messages={"required": _("Enter the 6-digit code the app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class CurrentPasswordForm(PlainErrorsMixin, forms.Form):
    """Asks for the password again before changing how the account is protected."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.user is None or not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your current password."), code="password_incorrect"
            )
        return password


class NoticeForm(PlainErrorsMixin, forms.Form):
    acknowledge = forms.BooleanField(
        label=_(
            "I have read the notice above and understand that LDN Diary is not "
            "medical advice."
        ),
        error_messages={
            "required": _("Please tick the box to confirm you have read the notice.")
        },
    )


class SettingsForm(PlainErrorsMixin, forms.Form):
    time_zone = _time_zone_field()
    display_name = _display_name_field()
    takes_opioids = forms.ChoiceField(
        label=_("Do you take opioid medicines?"),
        choices=User.OpioidAnswer.choices,
        required=False,
        help_text=_(
            "For example codeine, tramadol, morphine or oxycodone. LDN and opioids "
            "interact; your answer only decides which notices you see."
        ),
        error_messages={
            "invalid_choice": _("“%(value)s” is not one of the answers. Pick one.")
        },
    )

    reminder_enabled = forms.BooleanField(
        label=_("E-mail me a daily check-in reminder"),
        required=False,
        help_text=_(
            "Sent at the time below on days you have not logged yet, never more "
            "than once a day. Every reminder has a link to stop them."
        ),
    )
    reminder_time = forms.TimeField(
        label=_("Reminder time"),
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("In your own time zone, the one chosen above. For example 19:00."),
        error_messages={"invalid": _("Enter a time of day, for example 19:00.")},
    )

    def __init__(self, *args, current_time_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # A zone saved through the API may be a valid IANA name that the list
        # leaves out (e.g. "GMT"); keep it selectable so saving the other
        # settings never changes it silently.
        choices = time_zone_choices()
        if current_time_zone and current_time_zone not in dict(choices):
            field = self.fields["time_zone"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(current_time_zone, current_time_zone), *choices]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("reminder_enabled") and (
            cleaned.get("reminder_time") is None and "reminder_time" not in self.errors
        ):
            self.add_error(
                "reminder_time",
                forms.ValidationError(
                    _("Choose a time for the reminder, for example 19:00."),
                    code="required",
                ),
            )
        return cleaned


class EmailAuthenticationForm(PlainErrorsMixin, AuthenticationForm):
    """The log-in form, with the email address as the log-in name."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That email address and password do not match an account. Both are "
            "checked; the email address is not case-sensitive, the password is."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Email")
        username.widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "maxlength": 254}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


# --------------------------------------------------------------------------- admin


class UserAdminCreationForm(AdminUserCreationForm):
    """Django's admin creation form, with the email address instead of a
    username."""

    class Meta:
        model = User
        fields = ("email",)
        field_classes: dict = {}

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if email_is_taken(email):
            raise forms.ValidationError(
                _("A user with this email address already exists."),
                code="unique",
            )
        return email


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if email_is_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(
                _("A user with this email address already exists."),
                code="unique",
            )
        return email
