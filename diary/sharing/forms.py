"""The share-link form (range, sections, expiry, optional access code, label) and
the doctor's access-code form.

The range presets and sections are those of the export page: ``ShareLinkForm``
is the export form without the format, so both pages resolve "last 30 days" or
"since LDN start" the same way. ``services.share_link_create`` checks the rules.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.exports.forms import ExportForm
from diary.forms.fields import PlainErrorsMixin

from . import services


class ShareLinkForm(ExportForm):
    # A share link is the report page, not a file.
    format = None  # type: ignore[assignment]

    expires_in_days = forms.IntegerField(
        label=_("The link works for (days)"),
        min_value=1,
        max_value=services.EXPIRY_DAYS_MAX,
        initial=services.EXPIRY_DAYS_DEFAULT,
        help_text=_(
            "From 1 to %(max)d days. After that the link stops working by itself; "
            "you can also stop it earlier."
        )
        % {"max": services.EXPIRY_DAYS_MAX},
        error_messages={
            "required": _("Choose how many days the link works: from 1 to 90."),
            "invalid": _("Enter a whole number of days, from 1 to 90."),
            "min_value": _("Choose how many days the link works: from 1 to 90."),
            "max_value": _("Choose how many days the link works: from 1 to 90."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    access_code = forms.CharField(
        label=_("Access code (optional)"),
        required=False,
        min_length=services.ACCESS_CODE_MIN_LENGTH,
        max_length=services.ACCESS_CODE_MAX_LENGTH,
        strip=True,
        help_text=_(
            "If you set one, your doctor also needs this code to open the link. Tell "
            "it to them separately (not in the same message as the link). We store "
            "it scrambled, so we cannot show it to you again."
        ),
        error_messages={
            "min_length": _(
                "An access code has %(limit_value)d to 64 characters, or leave it "
                "empty."
            ),
            "max_length": _(
                "An access code has 4 to %(limit_value)d characters, or leave it empty."
            ),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    label = forms.CharField(
        label=_("Label (optional, only you see it)"),
        required=False,
        max_length=services.LABEL_MAX_LENGTH,
        help_text=_("For example “Dr Patel, March appointment”."),
        error_messages={
            "max_length": _("The label can be at most %(limit_value)d characters.")
        },
    )

    field_order = [
        "preset",
        "start",
        "end",
        "sections",
        "display_name",
        "expires_in_days",
        "access_code",
        "label",
    ]

    def service_kwargs(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "start": cleaned["start"],
            "end": cleaned["end"],
            "sections": cleaned["sections"],
            "display_name": cleaned["display_name"],
            "expires_in_days": cleaned["expires_in_days"],
            "access_code": cleaned["access_code"],
            "label": cleaned["label"],
        }


class AccessCodeForm(PlainErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Access code"),
        max_length=services.ACCESS_CODE_MAX_LENGTH,
        strip=True,
        error_messages={
            "required": _("Enter the access code you were given."),
            "max_length": _("This is not the access code."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "autofocus": True}
        ),
    )
