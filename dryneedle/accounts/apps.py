from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People who sign in, the clinics they belong to, and what each role may do.

    The ground floor of the house: it imports lib and audit only, never a
    clinical app (the import contract in pyproject.toml holds it so).
    """

    name = "dryneedle.accounts"
    label = "accounts"
    verbose_name = "Accounts and clinics"

    def ready(self) -> None:
        import time

        from dryneedle.accounts import alerts
        from dryneedle.audit.hooks import checkpoint_to_announce

        checkpoint_to_announce.connect(alerts.announce_checkpoint, dispatch_uid="dryneedle.announce_checkpoint")

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

            from dryneedle.accounts import throttle

            # Rows older than the cool-off no longer count towards a lockout.
            cutoff = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
            AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
            throttle.failed((kwargs.get("credentials") or {}).get("username") or "")

        from axes.signals import user_locked_out

        def email_unlock_link(sender, request, username, ip_address, **kwargs):
            from dryneedle.accounts.views import send_unlock_link

            send_unlock_link(request, username)

        user_locked_out.connect(email_unlock_link, weak=False, dispatch_uid="dryneedle.email_unlock_link")
        user_login_failed.connect(prune_failed_logins, weak=False, dispatch_uid="dryneedle.prune_failed_logins")
