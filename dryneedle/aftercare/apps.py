from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "dryneedle.aftercare"
    default_auto_field = "django.db.models.BigAutoField"
