from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "dryneedle.visits"
    label = "visits"
