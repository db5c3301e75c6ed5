from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dryneedle.outcomes.followups import send_due


class Command(BaseCommand):
    help = """Send the questionnaires that are due, with one reminder, on each episode's schedule.

    Each time point (baseline, 4 and 12 weeks, discharge, 3, 6 and 12 months after discharge) is sent
    by email when its window opens, if it is not answered yet and the patient has not opted out;
    reminded once after the clinic's reminder days; closed as missed when its window ends. Patients
    without an email address are left to the clinic (the worklist shows them). Run it from cron or a
    systemd timer, e.g. hourly. Idempotent: each episode's time point is sent once (a unique row
    decides), so repeated or concurrent runs never send twice. Prints one line per message sent.
    """

    def handle(self, **options):
        if not settings.SITE_URL:
            raise CommandError("Set SITE_URL (docs/configuration.md) so the links in the messages work.")
        sent = send_due()
        for s in sent:
            f = s.follow_up
            what = "reminder" if s.reminder else "questionnaires"
            self.stdout.write(f"{what}: {f} for episode {f.episode.code} ({', '.join(f.instruments)})")
        self.stdout.write(f"{len(sent)} message{'s' if len(sent) != 1 else ''} sent.")
