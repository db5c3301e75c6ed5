from django.core.management.base import BaseCommand

from dryneedle.practitioners.gate import send_expiry_warnings


class Command(BaseCommand):
    help = """Email practitioners and their clinic admins when a licence, certification or authorization
    is 60 days from expiry, and again at 14 days. Run it daily from cron; each warning goes once."""

    def handle(self, **options):
        send_expiry_warnings(stdout=self.stdout)
