from django.core.management.base import BaseCommand

from dryneedle.appointments.services import send_reminders


class Command(BaseCommand):
    help = """Email appointment reminders (REMINDER_HOURS ahead, default 24) and maintenance recalls (a week
    before a discharged patient's next maintenance follow-up is due).

    Run it from cron or a systemd timer, e.g. every 15 minutes. Idempotent: each appointment is claimed
    before its reminder is sent, and each recall is recorded against its due date, so repeated or
    concurrent runs never send twice. The messages name the clinic, the practitioner and the time only.
    """

    def handle(self, **options):
        send_reminders(stdout=self.stdout)
