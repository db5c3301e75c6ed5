from django.apps import AppConfig


class AdverseEventsConfig(AppConfig):
    name = "dryneedle.adverse_events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dryneedle.adverse_events import services
        from dryneedle.visits import hooks as visits

        def event_from_incident(sender, incident, user, **kwargs):
            services.from_incident(incident, user)

        visits.needle_incident_recorded.connect(
            event_from_incident, weak=False, dispatch_uid="dryneedle.adverse_events.from_incident"
        )
