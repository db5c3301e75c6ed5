from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dryneedle.web"
    label = "web"
    verbose_name = "Web shell (middleware, base pages, server command)"
