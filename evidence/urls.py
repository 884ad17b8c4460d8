from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("", views.study_list, name="study-list"),
    # Before the study pages, so "levels" is never read as a study key.
    path("levels/", views.levels, name="levels"),
    path("<slug:key>/", views.study_detail, name="study-detail"),
]
