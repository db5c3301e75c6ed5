import io

from django.core.management import call_command
from django.core.management.base import BaseCommand

from dryneedle.accounts.models import Clinic, Membership
from dryneedle.demo.seed import DEMO_PASSWORD


class Command(BaseCommand):
    help = """Run the demo clinic: migrate the embedded database, seed it if empty,
    print the address and the demo logins, and serve it (gunicorn)."""

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
        parser.add_argument(
            "--patients", type=int, default=400, help="patients to seed into an empty database (default: %(default)s)"
        )

    def handle(self, **options):
        call_command("migrate", verbosity=0, interactive=False)
        if not Clinic.objects.exists():
            self.stdout.write("Seeding the demo clinics...")
            out = io.StringIO()
            call_command("seed", patients=options["patients"], clinics=3, seed=1, stdout=out)
            self.stdout.write(out.getvalue().splitlines()[0])
            # Anchor the new audit chains outside the database, as a clinic's cron would.
            call_command("checkpoint_audit", stdout=io.StringIO())
        first = Clinic.objects.order_by("id").first()
        self.stdout.write("")
        self.stdout.write(f"dryneedle demo: http://{options['host']}:{options['port']}/")
        self.stdout.write(f"Demo logins for {first.name} (password {DEMO_PASSWORD}):")
        for m in Membership.objects.filter(clinic=first).select_related("user").order_by("role", "user__username"):
            self.stdout.write(f"  {m.get_role_display():<13} {m.user.username}")
        self.stdout.write("")
        call_command("serve", host=options["host"], port=options["port"])
