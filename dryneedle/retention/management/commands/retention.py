import uuid

from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.models import Clinic, Membership, Role
from dryneedle.retention import services


class Command(BaseCommand):
    help = """List the records past the clinic's retention periods and, when a clinic admin confirms, anonymise
    them (docs/retention.md).

    With --dry-run (the default way to start), it prints each record due (its UUID, birth year, last contact,
    the day its period ended, whether the person asked for erasure) and the enquiries past their period; nothing
    changes. Without it, --by names the clinic admin who confirms: every record due is anonymised, one person per
    transaction, each audited as theirs. Cron-safe: a record anonymised is never due again, a record no longer
    due is left alone, and two runs at once anonymise each person once. Periods the clinic has not set are never
    due: dryneedle sets none. Exit 0 when done (or nothing due), 2 on bad arguments."""

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="the clinic's UUID (every clinic with --dry-run when left out)")
        parser.add_argument("--dry-run", action="store_true", help="list what is due; change nothing")
        parser.add_argument("--by", metavar="USERNAME", help="the clinic admin confirming the anonymisation")

    def handle(self, **options):
        clinics = Clinic.objects.order_by("name")
        if options["clinic"]:
            clinics = clinics.filter(code=_uuid(options["clinic"]))
            if not clinics.exists():
                raise CommandError(f"No clinic {options['clinic']}.", returncode=2)
        elif not options["dry_run"]:
            raise CommandError("Name the clinic (--clinic UUID) to anonymise its records.", returncode=2)
        user = None
        if not options["dry_run"]:
            if not options["by"]:
                raise CommandError("Say which clinic admin confirms (--by USERNAME), or list first with --dry-run.",
                                   returncode=2)  # fmt: skip
            m = Membership.objects.filter(user__username=options["by"], clinic__in=clinics, role=Role.CLINIC_ADMIN,
                                          is_active=True).select_related("user").first()  # fmt: skip
            if m is None:
                raise CommandError(f"{options['by']} is not a clinic admin of this clinic.", returncode=2)
            user = m.user
        for clinic in clinics:
            due = services.due(clinic)
            enquiries = services.enquiries_due(clinic).count()
            self.stdout.write(f"{clinic.name} ({clinic.code}): {len(due)} records and {enquiries} enquiries past "
                              "their retention period")  # fmt: skip
            for d in due:
                asked = f"; erasure asked {d.erasure.received:%Y-%m-%d}" if d.erasure else ""
                self.stdout.write(f"  {d.patient.code}  born {d.patient.birth_date.year}  last contact "
                                  f"{d.last_contact:%Y-%m-%d}  period ended {d.ends.on:%Y-%m-%d}{asked}")  # fmt: skip
            if user is not None:
                done = services.anonymise_due(clinic, user, [d.patient for d in due])
                n = services.anonymise_enquiries(clinic, user) if enquiries else 0
                self.stdout.write(f"Anonymised {len(done)} records and {n} enquiries.")


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"--clinic must be a clinic's UUID, not {value!r}.", returncode=2) from None
