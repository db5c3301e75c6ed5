from django.apps import AppConfig


class MineConfig(AppConfig):
    name = "dryneedle.mine"
    label = "mine"
    verbose_name = "The patient's own pages (signed in by a code sent to their email)"
