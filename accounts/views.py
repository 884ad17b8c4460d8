"""Account pages: sign-up, log-in, the not-medical-advice notice and settings.

Password change and reset use Django's own views (see ``accounts/urls.py``) with
the templates in ``templates/registration/``.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import Form
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from diary.reminders.services import reminder_settings_update

from . import services, two_factor
from .forms import (
    CurrentPasswordForm,
    EmailAuthenticationForm,
    NoticeForm,
    OneTimeCodeForm,
    SettingsForm,
    SignUpForm,
    TwoFactorEnableForm,
)
from .models import BrowserSession, Device, SecurityEvent
from .net import client_ip
from .useragents import describe

# The backend that checks passwords, named for log-ins that did not go through
# authenticate() (a confirmed sign-up link).
MODEL_BACKEND = "accounts.backends.EmailConfirmedBackend"

# A password accepted, the code not yet: kept in the (anonymous) session.
PENDING_KEY = "_two_factor_pending"
PENDING_SECONDS = 5 * 60
PENDING_TRIES = 5

# What the settings page edits, so a rejected save can restore all of it.
SETTINGS_FIELDS = [
    "time_zone",
    "display_name",
    "takes_opioids",
    "reminder_enabled",
    "reminder_time",
]


class LoginView(auth_views.LoginView):
    """Step one: email and password (django-axes counts failures per account and
    address). With two-step log-in on, step two asks for a code before the
    session is logged in."""

    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.two_factor_enabled(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "tries": 0,
            "next": self.get_redirect_url(),
        }
        return redirect("accounts:login-verify")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_verify(request):
    """Step two of log-in: a code from the authenticator app or a backup code."""
    pending = request.session.get(PENDING_KEY)
    expired = (
        not isinstance(pending, dict)
        or time.time() - pending.get("at", 0) > PENDING_SECONDS
        or pending.get("tries", 0) >= PENDING_TRIES
    )
    if expired:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Please log in again."))
        return redirect("accounts:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("accounts:login")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.two_factor_verify(
            user=user, code=form.cleaned_data["code"], request=request
        )
        if device is not None:
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(
                safe_next_url(request, pending.get("next"))
                or settings.LOGIN_REDIRECT_URL
            )
        pending["tries"] = pending.get("tries", 0) + 1
        request.session[PENDING_KEY] = pending
        services.security_event_record(
            user=user, kind=SecurityEvent.Kind.LOGIN_FAILED, request=request
        )
        form.add_error(
            "code",
            _(
                "That code is not right, or was already used. Codes from the app "
                "change every 30 seconds; type the one shown now."
            ),
        )
    return render(request, "registration/login_verify.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view (the same page whether or not the address has an account),
    limited per address like sign-up, and noted in the account's events."""

    def form_valid(self, form):
        if not _per_address_allowed(
            self.request, "password-reset", settings.SIGNUP_PER_ADDRESS_PER_HOUR
        ):
            form.add_error(
                None,
                _(
                    "Too many reset requests from your network in the last hour. "
                    "Please try again later."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        for user in form.get_users(form.cleaned_data["email"]):
            services.security_event_record(
                user=user,
                kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED,
                request=self.request,
            )
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; then every app and every other browser is signed out."""

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this browser signed in
        services.password_changed(user=form.user, request=self.request)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view; then every app and every browser is signed out."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request, by_reset=True)
        return response


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


def _per_address_allowed(request, scope: str, limit: int) -> bool:
    """Count one more ``scope`` request from this address; False past ``limit``
    in the hour (in the shared cache, so every web process counts together)."""
    key = f"{scope}-per-address:{client_ip(request)}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    return count <= limit


def _signup_allowed(request) -> bool:
    """At most SIGNUP_PER_ADDRESS_PER_HOUR sign-ups from one address an hour."""
    return _per_address_allowed(request, "signup", settings.SIGNUP_PER_ADDRESS_PER_HOUR)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)

    status = 200
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if not _signup_allowed(request):
            form.is_valid()  # show what was typed, with this error on top
            form.add_error(
                None,
                _(
                    "Too many sign-ups from your network in the last hour. Please "
                    "try again later."
                ),
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            services.signup_request(
                email=data["email"],
                password=data["password1"],
                time_zone=data["time_zone"],
                display_name=data["display_name"],
                notice_acknowledged=data["notice_acknowledged"],
                request=request,
            )
            return redirect("accounts:signup-sent")
    else:
        form = SignUpForm()
    return render(request, "registration/signup.html", {"form": form}, status=status)


def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request, uidb64, token):
    """The link in the welcome e-mail. GET shows a button (mail scanners follow
    links); POST confirms the address and logs in."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = get_user_model().objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        user = None
    valid = user is not None and services.email_confirm_tokens.check_token(user, token)
    if user is None or not valid:
        return render(request, "registration/signup_confirm.html", {"valid": False})
    if request.method == "POST":
        services.signup_confirm(user=user, request=request)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, _("Welcome to LDN Diary. Your account is ready."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup_confirm.html", {"valid": True})


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


# ------------------------------------------------------------------ security


def _browser_rows(request):
    rows = list(
        BrowserSession.objects.for_user(request.user).live().order_by("-last_used_at")
    )
    current = request.session.session_key
    for row in rows:
        row.client = describe(row.user_agent)
        row.is_current = row.session_key == current
    rows.sort(key=lambda row: not row.is_current)
    return rows


def _device_rows(request):
    rows = list(Device.objects.for_user(request.user).active())
    for row in rows:
        row.client = row.name or describe(row.user_agent)
    return rows


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def security(request):
    """Settings > Security: password, two-step log-in, signed-in browsers and
    apps, and the latest security events."""
    user = request.user
    context = {
        "browsers": _browser_rows(request),
        "devices": _device_rows(request),
        "two_factor_on": two_factor.two_factor_enabled(user),
        "backup_codes_left": two_factor.backup_codes_left(user),
        "staff_must_enrol": two_factor.staff_must_enrol(user),
        "events": SecurityEvent.objects.for_user(user)[:5],
        "idle_hours": round(settings.SESSION_IDLE_MINUTES / 60, 1),
    }
    return render(request, "accounts/security.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def security_events(request):
    events = SecurityEvent.objects.for_user(request.user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.client = describe(event.user_agent) if event.user_agent else ""
    return render(request, "accounts/security_events.html", {"page": page})


@login_required
@require_POST
def browser_sign_out(request, session_uuid):
    row = get_object_or_404(
        BrowserSession.objects.for_user(request.user), uuid=session_uuid
    )
    if row.session_key == request.session.session_key:
        raise Http404  # "Log out" signs this browser out; this list is for others
    services.browser_session_revoke(session=row, request=request)
    messages.success(request, _("That browser is signed out."))
    return redirect("accounts:security")


@login_required
@require_POST
def device_sign_out(request, device_uuid):
    device = get_object_or_404(Device.objects.for_user(request.user), uuid=device_uuid)
    services.device_revoke(device=device, request=request)
    messages.success(request, _("That app is signed out."))
    return redirect("accounts:security")


@login_required
@require_POST
def sign_out_others(request):
    count = services.sign_out_everywhere_else(request=request)
    messages.success(
        request,
        _("Signed out everywhere else (%(count)d browsers and apps).")
        % {"count": count},
    )
    return redirect("accounts:security")


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_setup(request):
    user = request.user
    if two_factor.two_factor_enabled(user):
        return redirect("accounts:security")
    device = two_factor.pending_device(user)
    if request.method == "POST" and device is not None:
        form = TwoFactorEnableForm(request.POST)
        if form.is_valid():
            codes = two_factor.two_factor_confirm(
                user=user, code=form.cleaned_data["code"], request=request
            )
            if codes is not None:
                confirmed = user.totpdevice_set.get(confirmed=True)
                otp_login(request, confirmed)
                return render(
                    request,
                    "accounts/backup_codes.html",
                    {"codes": codes, "just_enabled": True},
                )
            form.add_error(
                "code",
                _(
                    "That code does not match. Check the app shows “LDN Diary” "
                    "and type the code it shows now."
                ),
            )
    else:
        # A reload shows the same key, so an app that already scanned it still fits.
        device = device or two_factor.two_factor_begin(user=user)
        form = TwoFactorEnableForm()
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_for_typing(device),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_backup_codes(request):
    user = request.user
    if not two_factor.two_factor_enabled(user):
        return redirect("accounts:security")
    form = CurrentPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.backup_codes_renew(user=user, request=request)
        return render(
            request,
            "accounts/backup_codes.html",
            {"codes": codes, "just_enabled": False},
        )
    return render(
        request,
        "accounts/password_confirm.html",
        {
            "form": form,
            "title": _("New backup codes"),
            "explanation": _(
                "Your old backup codes stop working and ten new ones are shown once."
            ),
            "button": _("Make new backup codes"),
        },
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_disable(request):
    user = request.user
    if not two_factor.two_factor_enabled(user):
        return redirect("accounts:security")
    form = CurrentPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        two_factor.two_factor_disable(user=user, request=request)
        messages.success(request, _("Two-step log-in is off."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/password_confirm.html",
        {
            "form": form,
            "title": _("Turn off two-step log-in"),
            "explanation": _(
                "Anyone who learns your password could then log in. "
                "Staff accounts cannot use the admin without it."
            ),
            "button": _("Turn off two-step log-in"),
            "danger": True,
        },
    )
