"""Share-link API routes, mounted at /api/v1/ in the "api" namespace
(``api:share-link-list``, ``api:share-link-detail``, ``api:share-link-revoke``)."""

from rest_framework.routers import SimpleRouter

from .api import ShareLinkViewSet

router = SimpleRouter()
router.register("share-links", ShareLinkViewSet, basename="share-link")

urlpatterns = router.urls
