from django.urls import path

from dryneedle.adverse_events import views

app_name = "adverse_events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("export.csv", views.export_csv, name="export"),
    path("visits/<uuid:code>/new/", views.new_event, name="new"),
    path("<uuid:code>/", views.event_detail, name="detail"),
    path("<uuid:code>/in-error/", views.mark_in_error, name="mark_in_error"),
]
