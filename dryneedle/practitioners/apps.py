from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "dryneedle.practitioners"
    label = "practitioners"
    verbose_name = "Clinics and people"
