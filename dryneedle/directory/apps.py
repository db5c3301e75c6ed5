from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "dryneedle.directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dryneedle.directory import reviews
        from dryneedle.patients import hooks as patients
        from dryneedle.portal import views as portal
        from dryneedle.portal.models import PatientLink

        portal.PAGES[PatientLink.Purpose.REVIEW] = lambda request, link, token: reviews.patient_review(request, link)

        def review_after_discharge(sender, request, episode, **kwargs):
            reviews.on_discharge(request, episode)

        patients.episode_discharged.connect(
            review_after_discharge, weak=False, dispatch_uid="dryneedle.directory.review"
        )
