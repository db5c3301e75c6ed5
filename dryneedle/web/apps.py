from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dryneedle.web"
    label = "web"
    verbose_name = "Web shell (middleware, base pages, server command)"

    def ready(self) -> None:
        from django.db import connections
        from django.db.models.signals import post_migrate, pre_migrate

        from dryneedle.lib import guards

        def before(sender, using="default", **kwargs):
            guards.uninstall_cross_table(connections[using])

        def after(sender, using="default", **kwargs):
            guards.install_all(connections[using])

        # Once per migrate run, not once per app.
        pre_migrate.connect(before, sender=self, weak=False, dispatch_uid="dryneedle.guards.before")
        post_migrate.connect(after, sender=self, weak=False, dispatch_uid="dryneedle.guards.after")
