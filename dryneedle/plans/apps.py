from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "dryneedle.plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dryneedle.patients import hooks as patients
        from dryneedle.plans import patient, services
        from dryneedle.portal import views as portal
        from dryneedle.portal.models import PatientLink

        portal.PAGES[PatientLink.Purpose.EXERCISES] = patient.exercises
        patients.discharge_criteria.provide(services.criteria)
