from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "dryneedle.practitioners"
    label = "practitioners"
    verbose_name = "Clinics and people"

    def ready(self) -> None:
        import time

        from django.contrib.auth.signals import user_logged_in, user_login_failed

        def stamp_session(sender, request, user, **kwargs):
            # Every way of logging in (form, tests, future SSO) starts the idle
            # and absolute timers that web.middleware.session_timeout enforces.
            if request is not None and hasattr(request, "session"):
                request.session["login_time"] = request.session["last_activity"] = time.time()

        user_logged_in.connect(stamp_session, weak=False, dispatch_uid="dryneedle.stamp_session")

        def prune_failed_logins(sender, **kwargs):
            from datetime import timedelta

            from axes.models import AccessAttempt
            from django.conf import settings
            from django.utils import timezone

            # Rows older than the cool-off no longer count towards a lockout.
            cutoff = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
            AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()

        user_login_failed.connect(prune_failed_logins, weak=False, dispatch_uid="dryneedle.prune_failed_logins")
