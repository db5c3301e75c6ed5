from django.urls import path

from dryneedle.analytics import views

app_name = "analytics"

urlpatterns = [
    path("effectiveness/", views.effectiveness, name="effectiveness"),
    path("effectiveness.pdf", views.report_pdf, name="pdf"),
    path("effectiveness.csv", views.report_csv, name="csv"),
    path("effectiveness/episodes/", views.episodes, name="episodes"),
    path("group/", views.group_report, name="group"),
    path("operations/", views.operations_report, name="operations"),
    path("operations.csv", views.operations_csv, name="operations_csv"),
]
