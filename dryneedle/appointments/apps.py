from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "dryneedle.appointments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dryneedle.appointments import services
        from dryneedle.plans import services as plans

        # Plans sit below appointments; they ask what was booked through these hooks.
        plans.booked_counts.provide(services.booked_counts)
        plans.booked_days.provide(services.booked_days)
        plans.appointments_of.provide(services.appointments_of)
