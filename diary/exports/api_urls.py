"""Export API routes, mounted at /api/v1/ in the "api" namespace
(``api:export-list``, ``api:export-detail``, ``api:export-download``)."""

from rest_framework.routers import SimpleRouter

from .api import ExportViewSet

router = SimpleRouter()
router.register("exports", ExportViewSet, basename="export")

urlpatterns = router.urls
