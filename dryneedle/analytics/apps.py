from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Does needling work here? The clinic's own outcomes, aggregated (a top app: docs/architecture.md)."""

    name = "dryneedle.analytics"
    label = "analytics"
    verbose_name = "Effectiveness"
