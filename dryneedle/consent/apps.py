from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "dryneedle.consent"
    label = "consent"
    verbose_name = "Signed consent to dry needling"
    trigger_module = "dryneedle.consent.triggers"
