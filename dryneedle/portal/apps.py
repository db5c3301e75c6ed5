from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dryneedle.portal"
    label = "portal"
    verbose_name = "Patient links (no account needed)"
