"""Your-data API routes, mounted at /api/v1/ in the "api" namespace
(``api:account-export``, ``api:account-import``, ``api:account-delete``)."""

from django.urls import path

from .views import AccountDeleteView, AccountExportView, AccountImportView

urlpatterns = [
    path("account/export/", AccountExportView.as_view(), name="account-export"),
    path("account/import/", AccountImportView.as_view(), name="account-import"),
    path("account/delete/", AccountDeleteView.as_view(), name="account-delete"),
]
