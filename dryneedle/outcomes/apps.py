from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "dryneedle.outcomes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dryneedle.outcomes import patient, services
        from dryneedle.portal import views as portal
        from dryneedle.portal.models import PatientLink
        from dryneedle.visits import hooks as visits

        visits.pain_rating_today.provide(services.pain_rating_today)
        portal.PAGES[PatientLink.Purpose.OUTCOMES] = patient.open_questionnaires
