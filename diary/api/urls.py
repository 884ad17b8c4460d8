"""The diary's API routes, mounted at /api/v1/ in the "api" namespace
(``api:entry-list``, ``api:entry-detail``, ``api:dose-change-list``...)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import entries, sync_view, treatments, views

COURSE = r"treatments/(?P<course_uuid>[^/.]+)"

router = SimpleRouter()
router.register("symptoms", views.SymptomViewSet, basename="symptom")
router.register("entries", entries.EntryViewSet, basename="entry")
router.register("crashes", views.CrashViewSet, basename="crash")
router.register("treatments", treatments.CourseViewSet, basename="treatment")
router.register(
    f"{COURSE}/dose-changes", treatments.DoseChangeViewSet, basename="dose-change"
)
router.register(
    f"{COURSE}/side-effects", treatments.SideEffectViewSet, basename="side-effect"
)
router.register(
    f"{COURSE}/missed-doses", treatments.MissedDoseViewSet, basename="missed-dose"
)
router.register("medications", views.MedicationViewSet, basename="medication")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("trends/", views.trends, name="trends"),
    path("analysis/", views.analysis, name="analysis"),
    path(
        "analysis/primary-outcome/",
        views.primary_outcome,
        name="analysis-primary-outcome",
    ),
    path("sync/", sync_view.sync, name="sync"),
    *router.urls,
]
