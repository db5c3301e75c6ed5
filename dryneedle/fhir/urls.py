from django.urls import path

from dryneedle.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<uuid:code>", views.patient_read, name="patient"),
    path("Patient/<uuid:code>/$everything", views.patient_everything, name="everything"),
    path("<str:resource_type>", views.search, name="search"),
    path("<str:resource_type>/<uuid:code>", views.read, name="read"),
]
