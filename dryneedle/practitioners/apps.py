from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    """Credentials, jurisdiction rules and the right to needle (accounts holds the people)."""

    name = "dryneedle.practitioners"
    label = "practitioners"
    verbose_name = "Practitioners' credentials"
