"""Pages of "Your data is yours", mounted at the site root by ``config/urls.py``
in the "portability" namespace."""

from django.urls import path

from . import views

app_name = "portability"
urlpatterns = [
    path("your-data/", views.data, name="data"),
    path("your-data/export/", views.export_download, name="export"),
    path("your-data/import/", views.import_upload, name="import"),
    path("your-data/delete/", views.account_delete, name="delete"),
    path("your-data/deleted/", views.deleted, name="deleted"),
    path("privacy/", views.privacy, name="privacy"),
]
