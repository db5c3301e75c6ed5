from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dryneedle.demo"
    label = "demo"
    verbose_name = "Demo clinic and synthetic data"
