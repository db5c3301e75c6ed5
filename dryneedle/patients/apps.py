from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "dryneedle.patients"
    label = "patients"
