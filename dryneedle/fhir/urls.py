from django.urls import path

from dryneedle.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("$export", views.export, name="export"),
    path("Group/<uuid:code>/$export", views.group_export, name="group_export"),
    path("bulk/<uuid:code>", views.export_status, name="export_status"),
    path("bulk/<uuid:code>/<str:resource_type>.ndjson", views.export_file, name="export_file"),
    path("Patient/<uuid:code>", views.patient_read, name="patient"),
    path("Patient/<uuid:code>/$everything", views.patient_everything, name="everything"),
    path("<str:resource_type>", views.search, name="search"),
    path("<str:resource_type>/<uuid:code>", views.read, name="read"),
]
