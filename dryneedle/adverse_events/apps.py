from django.apps import AppConfig


class AdverseEventsConfig(AppConfig):
    name = "dryneedle.adverse_events"
    default_auto_field = "django.db.models.BigAutoField"
