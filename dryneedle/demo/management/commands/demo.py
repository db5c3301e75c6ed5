import io
import subprocess  # nosec B404 - a fixed argument list: the watcher that says when the server answers
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from dryneedle.accounts.models import Clinic, Membership
from dryneedle.demo.seed import DEMO_PASSWORD

# Run beside the server (which replaces this process): wait until it answers, then say so. Without it the
# address was printed half a minute before anything answered there (issue 18).
WATCH = """
import sys, time, urllib.request
url = sys.argv[1]
for _ in range(600):
    try:
        urllib.request.urlopen(url + "healthz/", timeout=2)
    except OSError:
        time.sleep(0.2)
        continue
    print(f"\\nReady: open {url} in your browser (Ctrl+C stops the demo).\\n", flush=True)
    break
"""


class Command(BaseCommand):
    help = """Run the demo clinic: migrate the embedded database, seed it if empty,
    print the demo logins of each clinic, serve it (gunicorn) and say when it answers."""

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
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every one has the password {DEMO_PASSWORD}); each works in its own clinic:")
        members = Membership.objects.select_related("user", "clinic").order_by("clinic_id", "role", "user__username")
        clinic = None
        for m in members:
            if m.clinic_id != clinic:
                clinic = m.clinic_id
                self.stdout.write(f"  {m.clinic.name} ({m.clinic.timezone}):")
            self.stdout.write(f"    {m.get_role_display():<13} {m.user.username}")
        self.stdout.write("  A clinic admin sets up a second factor at first login (any authenticator app).")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"Starting the server at {url} ... (it says Ready when it answers)")
        self.stdout.flush()
        subprocess.Popen([sys.executable, "-c", WATCH, url])  # noqa: S603  # nosec B603
        call_command("serve", host=options["host"], port=options["port"])
