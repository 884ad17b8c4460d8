"""Forms of the "Your data" pages: import a file, delete the account."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .importing import max_import_bytes


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Your LDN Diary export file (.json)"),
        help_text=_(
            "The file made by “Download all your data”, on this site or another."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_import_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is too large (%(size)s MB); an LDN Diary export is at "
                    "most %(limit)s MB."
                ),
                params={
                    "size": f"{upload.size / 1e6:.1f}",
                    "limit": f"{limit / 1e6:.0f}",
                },
            )
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your password. Nothing was deleted."),
                code="wrong_password",
            )
        return password
