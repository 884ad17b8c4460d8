from django.contrib import admin
from django.urls import include, path

from config.bench import bare_page, bare_plain

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sw.js", views.service_worker, name="service-worker"),
    path("api/v1/", include("config.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("evidence/", include("evidence.urls")),
    path("", include("diary.portability.urls")),
    # 404 unless BENCHMARK_VIEWS is on (bench/load.py, bench/wger.py).
    path("__bench__/", bare_page, name="bench-bare-page"),
    path("__bench__/plain/", bare_plain, name="bench-bare-plain"),
    path("", include("diary.urls")),
]
