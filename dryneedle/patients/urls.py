from django.urls import path

from dryneedle.patients import views

app_name = "patients"

# The chart and the episode page join these from care (care/chart.py; dryneedle/urls.py).

urlpatterns = [
    path("", views.list_patients, name="list"),
    path("add/", views.add_patient, name="add"),
    path("conditions/", views.conditions, name="conditions"),
    path("conditions/codes/", views.condition_codes, name="condition_codes"),
    path("emergency-access/", views.emergency_report, name="emergency_report"),
    path("<uuid:code>/edit/", views.edit_patient, name="edit"),
    path("<uuid:code>/merge/", views.merge_patient, name="merge"),
    path("<uuid:code>/separate/", views.separate_patient, name="separate"),
    path("<uuid:code>/entered-in-error/", views.mark_patient_in_error, name="mark_in_error"),
    path("<uuid:code>/episodes/new/", views.open_episode, name="open_episode"),
    path("<uuid:code>/emergency-access/", views.emergency_access, name="emergency_access"),
    path("episodes/<uuid:code>/discharge/", views.discharge_episode, name="discharge_episode"),
    path("episodes/<uuid:code>/entered-in-error/", views.mark_episode_in_error, name="episode_in_error"),
]
