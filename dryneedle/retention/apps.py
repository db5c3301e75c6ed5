from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "dryneedle.retention"
    label = "retention"
    verbose_name = "Retention (how long records are kept, anonymisation, erasure requests)"
