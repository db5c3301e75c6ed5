from django.core.management.base import BaseCommand, CommandError

from dryneedle.patients.models import Anonymising
from dryneedle.visits.services import verify_signed


class Command(BaseCommand):
    help = """Recompute the SHA-256 of every signed visit and report any that no longer match.

    A signed visit stores the SHA-256 of its canonical JSON (the note and its
    needles) when it is signed; the database refuses changes afterwards. This
    finds a change made around those guards (a restored backup, a hand edit
    with the triggers dropped). Exits 0 when all match, 1 and lists the visits
    otherwise. Reads in batches; 50,000 visits take well under a minute.

    An anonymised patient's notes were sealed again when they were scrubbed
    (docs/retention.md). A permit to scrub (patients_anonymising) lives only
    inside the anonymiser's transaction: one found here is reported too.
    """

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="Only this clinic (its UUID)")

    def handle(self, **options):
        checked, bad = verify_signed(clinic_code=options["clinic"])
        for v in bad:
            self.stderr.write(f"MISMATCH visit {v.code} (clinic {v.clinic.code}, signed {v.signed_at.isoformat()})")
        permits = list(Anonymising.objects.values_list("patient__code", flat=True))
        for code in permits:
            self.stderr.write(f"PERMIT left behind for patient {code}: their signed rows can be changed")
        if bad:
            raise CommandError(f"{len(bad)} of {checked} signed visits do not match their SHA-256.")
        if permits:
            raise CommandError(f"{len(permits)} anonymisation permits outlived their transaction.")
        self.stdout.write(f"Signed records intact: {checked} visits verified.")
