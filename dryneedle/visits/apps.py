from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "dryneedle.visits"
    label = "visits"
    # Triggers that keep a signed visit and its needles unchanged (lib/guards.py installs them).
    trigger_module = "dryneedle.visits.triggers"

    def ready(self) -> None:
        from dryneedle.practitioners import gate
        from dryneedle.visits import services, signing
        from dryneedle.web import hooks as web

        gate.records_of.provide(signing.records_of)
        web.verify_signed.provide(services.verify_signed)
