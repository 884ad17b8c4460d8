"""Mounted under /api/v1/ by config/api/urls.py (namespace ``api``):
``api:study-list`` and ``api:study-detail``."""

from rest_framework.routers import SimpleRouter

from .views import StudyViewSet

router = SimpleRouter()
router.register("studies", StudyViewSet, basename="study")

urlpatterns = router.urls
