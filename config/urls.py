from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sw.js", views.service_worker, name="service-worker"),
    path("api/v1/", include("config.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("evidence/", include("evidence.urls")),
    path("", include("diary.portability.urls")),
    path("", include("diary.urls")),
]
