from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "dryneedle.outcomes"
    default_auto_field = "django.db.models.BigAutoField"
