from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "dryneedle.practitioners"
    label = "practitioners"
    verbose_name = "Clinics and people"

    def ready(self) -> None:
        import time

        from django.contrib.auth.signals import user_logged_in

        def stamp_session(sender, request, user, **kwargs):
            # Every way of logging in (form, tests, future SSO) starts the idle
            # and absolute timers that web.middleware.session_timeout enforces.
            if request is not None and hasattr(request, "session"):
                request.session["login_time"] = request.session["last_activity"] = time.time()

        user_logged_in.connect(stamp_session, weak=False, dispatch_uid="dryneedle.stamp_session")
