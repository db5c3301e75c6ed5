from django.apps import AppConfig

from dryneedle.lib.pgroles import privileged


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
            from django.conf import settings

            guards.install_all(connections[using])
            if connections[using].vendor == "postgresql" and settings.DATABASE_APP_ROLE:
                from dryneedle.lib import pgroles

                pgroles.grant(connections[using], settings.DATABASE_APP_ROLE)

        from django.core import checks

        checks.register(database_role, checks.Tags.security, deploy=True)

        # Once per migrate run, not once per app.
        pre_migrate.connect(before, sender=self, weak=False, dispatch_uid="dryneedle.guards.before")
        post_migrate.connect(after, sender=self, weak=False, dispatch_uid="dryneedle.guards.after")


def database_role(app_configs=None, databases=None, **kwargs):
    """Deploy check: the server must not connect to PostgreSQL as a superuser or the tables' owner."""
    from django.core import checks
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    why = privileged(connection)
    if not why:
        return []
    return [
        checks.Error(
            f"DATABASE_URL connects as {why}: it could disable the triggers that keep notes and the audit log fixed.",
            hint="Connect as an application role and migrate with DATABASE_OWNER_URL (docs/operations.md).",
            id="dryneedle.E001",
        )
    ]
