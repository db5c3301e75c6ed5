from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dryneedle.aftercare.services import send_due


class Command(BaseCommand):
    help = """Send the check-ins that are due: 24 hours after a signed visit with needles, and a second at 48 hours
    when the first was not answered or reported a problem (CHECKIN_HOURS, CHECKIN_SECOND_HOURS).

    Run it from cron or a systemd timer, every few minutes. Idempotent: each visit's check-in is
    created once (a unique row decides), so repeated or concurrent runs never send twice. Prints one
    line per check-in sent; patients without an email address are listed with their link to pass on.
    """

    def handle(self, **options):
        if not settings.SITE_URL:
            raise CommandError("Set SITE_URL (docs/configuration.md) so the links in the messages work.")
        sent = send_due()
        for c in sent:
            how = "emailed" if c.emailed else f"no email address, give the patient: {c.url}"
            self.stdout.write(
                f"check-in {c.attempt} for the visit of {c.visit.started:%Y-%m-%d} ({c.visit.code}): {how}"
            )
        self.stdout.write(f"{len(sent)} check-in{'s' if len(sent) != 1 else ''} sent.")
