from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup-sent"),
    path(
        "signup/confirm/<uidb64>/<token>/",
        views.signup_confirm,
        name="signup-confirm",
    ),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_verify, name="login-verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notice/", views.notice, name="notice"),
    path("settings/", views.account_settings, name="settings"),
    path("security/", views.security, name="security"),
    path("security/events/", views.security_events, name="security-events"),
    path(
        "security/browsers/<uuid:session_uuid>/sign-out/",
        views.browser_sign_out,
        name="browser-sign-out",
    ),
    path(
        "security/apps/<uuid:device_uuid>/sign-out/",
        views.device_sign_out,
        name="device-sign-out",
    ),
    path("security/sign-out-others/", views.sign_out_others, name="sign-out-others"),
    path("security/two-step/", views.two_factor_setup, name="two-factor-setup"),
    path(
        "security/two-step/backup-codes/",
        views.two_factor_backup_codes,
        name="two-factor-backup-codes",
    ),
    path("security/two-step/off/", views.two_factor_disable, name="two-factor-disable"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(
            template_name="registration/password_change_form.html",
            success_url=reverse_lazy("accounts:password-change-done"),
        ),
        name="password-change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            template_name="registration/password_reset_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
