from django.urls import path

from dryneedle.analytics import views

app_name = "analytics"

urlpatterns = [
    path("effectiveness/", views.effectiveness, name="effectiveness"),
    path("effectiveness.pdf", views.report_pdf, name="pdf"),
    path("effectiveness.csv", views.report_csv, name="csv"),
    path("effectiveness/episodes/", views.episodes, name="episodes"),
    path("group/", views.group_report, name="group"),
]
