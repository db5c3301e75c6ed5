from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.models import Clinic
from dryneedle.demo.seed import DEMO_PASSWORD, seed
from dryneedle.lib.sql import analyze


class Command(BaseCommand):
    help = """Generate a realistic, reproducible synthetic dataset: clinics, staff with
    credentials, patients and their episodes of back-pain care. The same --seed
    gives the same data. Refuses to run on a database that already has clinics."""

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=400, help="number of patients (default 400)")
        parser.add_argument("--clinics", type=int, default=3, help="number of clinics (default 3)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--visits-per-patient",
            type=float,
            default=None,
            help="aim for about this many signed visits per patient (e.g. 10, a clinic group's volume) by giving "
            "patients more returning episodes over a longer history (default: one to three episodes, about 4 visits)",
        )

    def handle(self, **options):
        if options["patients"] < 0 or options["patients"] > 1_000_000:
            raise CommandError("--patients must be between 0 and 1,000,000.", returncode=2)
        if not 1 <= options["clinics"] <= 500:
            raise CommandError("--clinics must be between 1 and 500.", returncode=2)
        vpp = options["visits_per_patient"]
        if vpp is not None and not 1 <= vpp <= 100:
            raise CommandError("--visits-per-patient must be between 1 and 100.", returncode=2)
        if Clinic.objects.exists():
            raise CommandError("The database already has clinics; seed only an empty database.", returncode=2)
        out = seed(
            options["patients"], options["clinics"], options["seed"], quiet=options["verbosity"] == 0,
            visits_per_patient=vpp,
        )  # fmt: skip
        analyze()  # a bulk load: the planner's statistics, or the first pages plan for an empty clinic
        per = out["visits"] / out["patients"] if out["patients"] else 0
        self.stdout.write(
            f"Seeded {len(out['clinics'])} clinics, {out['patients']} patients, {out['episodes']} episodes, "
            f"{out['visits']} signed visits ({per:.1f} per patient), and {out['newcomers']} new patients who booked "
            "a first visit online this week."
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, username in out["logins"]:
            self.stdout.write(f"  {role:<13} {username}")
