from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dryneedle.audit"
    label = "audit"
