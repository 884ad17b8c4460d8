"""The admin knows about accounts only. Diary data (entries, scores, crashes,
treatments, the opioid answer) is health data and is never registered here:
staff manage accounts, not what patients wrote."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .forms import UserAdminChangeForm, UserAdminCreationForm
from .models import User

# Staff must pass a second factor (an authenticator code or a backup code) to use
# the admin: the admin log-in asks for one, and a session logged in without one
# is treated as not staff. Turn it on in Settings > Security first.
admin.site.__class__ = OTPAdminSite


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm

    list_display = ("email", "display_name", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    readonly_fields = (
        "last_login",
        "date_joined",
        "medical_notice_version",
        "medical_notice_acknowledged_at",
    )

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "time_zone")}),
        (
            _("Not-medical-advice notice"),
            {"fields": ("medical_notice_version", "medical_notice_acknowledged_at")},
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    # Deleting a user here erases the account as the patient's own "Delete your
    # account" does: every row, the export files on disk at once, the sessions,
    # and the admin's own log about it; the deletion is logged by number only.
    def log_deletions(self, request, queryset):
        """Not the e-mail address: ``_log_erased`` logs the number afterwards."""

    def delete_model(self, request, obj):
        from diary.portability.services import account_delete

        pk = obj.pk
        account_delete(user=obj)
        self._log_erased(request, [pk])

    def delete_queryset(self, request, queryset):
        from diary.portability.services import account_delete

        pks = []
        for user in list(queryset):
            pks.append(user.pk)
            account_delete(user=user)
        self._log_erased(request, pks)

    def _log_erased(self, request, pks):
        from django.contrib.admin.models import DELETION, LogEntry
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(User)
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    user_id=request.user.pk,
                    content_type=content_type,
                    object_id=str(pk),
                    object_repr=f"erased account #{pk}",
                    action_flag=DELETION,
                )
                for pk in pks
            ]
        )
