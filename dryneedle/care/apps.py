from django.apps import AppConfig


class CareConfig(AppConfig):
    """The pages that compose many apps (top layer; see docs/architecture.md)."""

    name = "dryneedle.care"
    label = "care"
    verbose_name = "Care pages"
