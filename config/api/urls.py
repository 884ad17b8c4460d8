"""Everything under /api/v1/. Each app's API lives in its own ``api`` package."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.bench import BareApiView

from .views import meta, not_found

app_name = "api"
urlpatterns = [
    path("meta/", meta, name="meta"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL: no inline <script>.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema"),
        name="docs",
    ),
    path("", include("accounts.api.urls")),
    path("", include("diary.api.urls")),
    path("", include("evidence.api.urls")),
    path("", include("diary.sharing.api_urls")),
    path("", include("diary.exports.api_urls")),
    path("", include("diary.portability.api.urls")),
    # 404 unless BENCHMARK_VIEWS is on (bench/load.py).
    path("__bench__/", BareApiView.as_view(), name="bench-bare"),
    # Last: any other address under /api/v1/ is a 404 in the API's JSON shape,
    # not Django's HTML page.
    re_path(r"^[\s\S]*$", not_found),
]
