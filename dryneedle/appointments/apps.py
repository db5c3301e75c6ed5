from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "dryneedle.appointments"
    default_auto_field = "django.db.models.BigAutoField"
