"""Account pages: sign-up, log-in, the not-medical-advice notice and settings.

Password change and reset use Django's own views (see ``accounts/urls.py``) with
the templates in ``templates/registration/``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.forms import Form
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from diary.reminders.services import reminder_settings_update

from . import services
from .forms import EmailAuthenticationForm, NoticeForm, SettingsForm, SignUpForm

# The only backend today; named so that adding another (e.g. django-axes) does
# not break logging in a freshly created account.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# What the settings page edits, so a rejected save can restore all of it.
SETTINGS_FIELDS = [
    "time_zone",
    "display_name",
    "takes_opioids",
    "reminder_enabled",
    "reminder_time",
]


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def attach_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the named field when the
    form has one, otherwise at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, field_errors)


def safe_next_url(request, url: str | None) -> str:
    """``url`` if it stays on this site, else an empty string."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)

    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_sign_up(
                    email=data["email"],
                    password=data["password1"],
                    time_zone=data["time_zone"],
                    display_name=data["display_name"],
                    notice_acknowledged=data["notice_acknowledged"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            except IntegrityError:
                # Someone signed up with the same address a moment ago.
                form.add_error(
                    "email", _("An account with this email address already exists.")
                )
            else:
                login(request, user, backend=MODEL_BACKEND)
                messages.success(
                    request, _("Welcome to LDN Diary. Your account is ready.")
                )
                return redirect(settings.LOGIN_REDIRECT_URL)
    else:
        form = SignUpForm()
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notice(request):
    user = request.user
    next_url = safe_next_url(
        request, request.POST.get("next") or request.GET.get("next")
    )
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if form.is_valid():
            services.user_acknowledge_notice(user=user)
            messages.success(request, _("Thank you. Your answer has been saved."))
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    else:
        form = NoticeForm()

    current_version = settings.MEDICAL_NOTICE_VERSION
    acknowledged_version = user.medical_notice_version
    context = {
        "form": form,
        "next": next_url,
        "notice_version": current_version,
        "is_acknowledged": acknowledged_version == current_version,
        "has_changed": (
            acknowledged_version is not None and acknowledged_version != current_version
        ),
        "acknowledged_at": user.medical_notice_acknowledged_at,
    }
    return render(request, "registration/notice.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_settings(request):
    user = request.user
    if request.method == "POST":
        form = SettingsForm(request.POST, current_time_zone=user.time_zone)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.user_update_settings(
                        user=user,
                        time_zone=data["time_zone"],
                        display_name=data["display_name"],
                        takes_opioids=data["takes_opioids"],
                    )
                    # Left empty with reminders off: keep the time for later.
                    reminder_time = data["reminder_time"]
                    reminder_settings_update(
                        user=user,
                        enabled=data["reminder_enabled"],
                        time=user.reminder_time
                        if reminder_time is None
                        else reminder_time,
                    )
            except ValidationError as error:
                # The services changed the in-memory user before validating.
                user.refresh_from_db(fields=SETTINGS_FIELDS)
                attach_errors(form, error)
            else:
                messages.success(request, _("Your settings have been saved."))
                return redirect("accounts:settings")
    else:
        form = SettingsForm(
            current_time_zone=user.time_zone,
            initial={
                "time_zone": user.time_zone,
                "display_name": user.display_name,
                "takes_opioids": user.takes_opioids,
                "reminder_enabled": user.reminder_enabled,
                "reminder_time": user.reminder_time,
            },
        )
    return render(request, "registration/settings.html", {"form": form})
