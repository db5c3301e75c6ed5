from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "dryneedle.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 (data out)"
