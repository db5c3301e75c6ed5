from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "dryneedle.exports"
    label = "exports"
    verbose_name = "Exports (CSV, the subject-access copy)"
