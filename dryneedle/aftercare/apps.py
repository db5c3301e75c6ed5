from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "dryneedle.aftercare"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dryneedle.aftercare import services, views
        from dryneedle.portal import views as portal
        from dryneedle.portal.models import PatientLink
        from dryneedle.visits import hooks as visits

        def handout_after_signing(sender, visit, base_url, **kwargs):
            services.on_sign(visit, base_url)

        visits.visit_signed.connect(handout_after_signing, weak=False, dispatch_uid="dryneedle.aftercare.on_sign")
        # The patient's side of aftercare opens from portal links.
        portal.PAGES[PatientLink.Purpose.HANDOUT] = lambda request, link, token: views.patient_handout(request, link)
        portal.PAGES[PatientLink.Purpose.CHECKIN] = lambda request, link, token: views.patient_checkin(request, link)
