from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "dryneedle.imports"
    label = "imports"
    verbose_name = "Imports (patients from another system's CSV)"
