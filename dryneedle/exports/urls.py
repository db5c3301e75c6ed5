from django.urls import path

from dryneedle.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.exports, name="tables"),
    path("<slug:name>.csv", views.table_csv, name="table_csv"),
    path("subject-access/<uuid:code>/", views.record_copy, name="subject_access"),
    path("subject-access/<uuid:code>.zip", views.record_copy_zip, name="subject_access_zip"),
]
