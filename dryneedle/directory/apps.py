from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "dryneedle.directory"
    default_auto_field = "django.db.models.BigAutoField"
