import datetime

from django.urls import path, register_converter

from . import dates
from .exports import views as export_views
from .reminders import views as reminder_views
from .sharing import views as share_views
from .views import analysis, checkin, crashes, home, symptoms, treatments, trends


class IsoDateConverter:
    """YYYY-MM-DD. A day that does not exist, or one outside the range the diary
    accepts (from 1900, ``diary.dates``), does not match: 404, never a 500 from
    date arithmetic near year 1."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None
        if not dates.in_range(day):
            raise ValueError(value)
        return day

    def to_url(self, value):
        return value.isoformat()


register_converter(IsoDateConverter, "isodate")

app_name = "diary"
urlpatterns = [
    path("", home.home, name="home"),
    # Daily check-in
    path("checkin/", checkin.checkin, name="checkin"),
    path("checkin/<isodate:day>/", checkin.checkin, name="checkin-date"),
    path("checkin/<isodate:day>/delete/", checkin.entry_delete, name="entry-delete"),
    path("entries/", checkin.entry_list, name="entry-list"),
    # Trends and the before/after analysis
    path("trends/", trends.trends, name="trends"),
    path("trends/data/", trends.trends_data, name="trends-data"),
    path("trends/table/", trends.trends_table, name="trends-table"),
    path("trends/preferences/", trends.trends_preferences, name="trends-preferences"),
    path("analysis/", analysis.analysis, name="analysis"),
    # Symptoms
    path("symptoms/", symptoms.symptom_list, name="symptom-list"),
    path("symptoms/add/", symptoms.symptom_add, name="symptom-add"),
    path(
        "symptoms/<uuid:symptom_uuid>/track/",
        symptoms.symptom_track,
        name="symptom-track",
    ),
    path(
        "symptoms/<uuid:symptom_uuid>/archive/",
        symptoms.symptom_archive,
        name="symptom-archive",
    ),
    path(
        "symptoms/<uuid:symptom_uuid>/move/", symptoms.symptom_move, name="symptom-move"
    ),
    # Crashes
    path("crashes/", crashes.crash_list, name="crash-list"),
    path("crashes/new/", crashes.crash_create, name="crash-create"),
    path("crashes/<uuid:crash_uuid>/", crashes.crash_edit, name="crash-edit"),
    path(
        "crashes/<uuid:crash_uuid>/delete/", crashes.crash_delete, name="crash-delete"
    ),
    # Treatments
    path("treatments/", treatments.treatment_list, name="treatment-list"),
    path("treatments/opioids/", treatments.opioid_answer, name="opioid-answer"),
    path("treatments/ldn/new/", treatments.course_create, name="course-create"),
    path(
        "treatments/ldn/<uuid:course_uuid>/",
        treatments.course_detail,
        name="course-detail",
    ),
    path(
        "treatments/ldn/<uuid:course_uuid>/edit/",
        treatments.course_edit,
        name="course-edit",
    ),
    path(
        "treatments/ldn/<uuid:course_uuid>/delete/",
        treatments.course_delete,
        name="course-delete",
    ),
    path(
        "treatments/ldn/<uuid:course_uuid>/doses/add/",
        treatments.dose_change_add,
        name="dose-change-add",
    ),
    path(
        "treatments/doses/<uuid:change_uuid>/",
        treatments.dose_change_edit,
        name="dose-change-edit",
    ),
    path(
        "treatments/doses/<uuid:change_uuid>/delete/",
        treatments.dose_change_delete,
        name="dose-change-delete",
    ),
    path(
        "treatments/ldn/<uuid:course_uuid>/missed/add/",
        treatments.missed_dose_add,
        name="missed-dose-add",
    ),
    path(
        "treatments/missed/<uuid:missed_uuid>/delete/",
        treatments.missed_dose_delete,
        name="missed-dose-delete",
    ),
    path(
        "treatments/ldn/<uuid:course_uuid>/side-effects/add/",
        treatments.side_effect_add,
        name="side-effect-add",
    ),
    path(
        "treatments/side-effects/<uuid:effect_uuid>/delete/",
        treatments.side_effect_delete,
        name="side-effect-delete",
    ),
    path(
        "treatments/medications/new/",
        treatments.medication_create,
        name="medication-create",
    ),
    path(
        "treatments/medications/<uuid:medication_uuid>/",
        treatments.medication_edit,
        name="medication-edit",
    ),
    path(
        "treatments/medications/<uuid:medication_uuid>/delete/",
        treatments.medication_delete,
        name="medication-delete",
    ),
    # Reminders
    path(
        "reminders/unsubscribe/<str:token>/",
        reminder_views.reminder_unsubscribe,
        name="reminder-unsubscribe",
    ),
    # Exports
    path("exports/", export_views.export_list, name="export-list"),
    path("exports/new/", export_views.export_create, name="export-create"),
    path(
        "exports/<uuid:job_uuid>/status/",
        export_views.export_status,
        name="export-status",
    ),
    path(
        "exports/<uuid:job_uuid>/download/",
        export_views.export_download,
        name="export-download",
    ),
    path(
        "exports/<uuid:job_uuid>/delete/",
        export_views.export_delete,
        name="export-delete",
    ),
    # Share links
    path("share/", share_views.share_list, name="share-list"),
    path("share/new/", share_views.share_create, name="share-create"),
    path(
        "share/<uuid:link_uuid>/revoke/",
        share_views.share_revoke,
        name="share-revoke",
    ),
    path(
        "share/<uuid:link_uuid>/delete/",
        share_views.share_delete,
        name="share-delete",
    ),
    path("s/<str:token>/", share_views.share_view, name="share-view"),
    path("s/<str:token>/pdf/", share_views.share_pdf, name="share-pdf"),
]
