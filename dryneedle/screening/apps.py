from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "dryneedle.screening"
    label = "screening"
