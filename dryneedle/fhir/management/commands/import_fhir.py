from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.models import Clinic, Membership, Role
from dryneedle.appointments.models import Appointment
from dryneedle.fhir import importing
from dryneedle.fhir.management.commands.export_fhir import _uuid


class Command(BaseCommand):
    help = """Import FHIR R4 JSON into a clinic (docs/fhir.md, "Importing").

    FILE: a Bundle (transaction, collection, or a searchset such as $everything), one resource, or NDJSON (one
    resource per line); a directory: its *.ndjson and *.json files (a bulk export). Patients, their Conditions
    (episodes), QuestionnaireResponses (scored here), Observations (pain ratings and questionnaire totals) and
    Appointments are imported; other types are skipped. One transaction per patient: a resource refused leaves none
    of its patient's written. Importing the same file again updates or leaves what it made. Prints each resource
    updated, skipped or refused, and each patient created apart from a possible duplicate, then the counts; exit 1
    when any was refused, 2 on bad arguments."""

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON or NDJSON files, or a directory of them")
        parser.add_argument("--clinic", required=True, help="The clinic's UUID")
        parser.add_argument("--by", required=True, metavar="USERNAME",
                            help="The clinic admin the records are made by (audited as theirs)")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="Check everything; write nothing")
        parser.add_argument(
            "--kind",
            default="",
            choices=["", *(k for k, _ in Appointment.KINDS)],
            metavar="KIND",
            help="The type of appointments whose own type is none of ours (default: refuse them): "
            + ", ".join(k for k, _ in Appointment.KINDS),
        )
        parser.add_argument("--quiet", action="store_true", help="Only the counts")

    def handle(self, files, clinic, by, dry_run=False, kind="", quiet=False, **options):
        c = Clinic.objects.filter(code=clinic).first() if _uuid(clinic) else None
        if c is None:
            raise CommandError(f"No clinic with code {clinic}.", returncode=2)
        admin = Membership.objects.filter(clinic=c, user__username=by, role=Role.CLINIC_ADMIN, is_active=True,
                                          user__is_active=True).select_related("user").first()  # fmt: skip
        if admin is None:
            raise CommandError(f"{by} is not an active clinic admin of {c.name}.", returncode=2)
        paths: list[Path] = []
        for name in files:
            p = Path(name)
            if p.is_dir():
                found = (x for x in p.iterdir() if x.suffix in (".ndjson", ".json") and x.name != "manifest.json")
                paths += sorted(found)
            elif p.is_file():
                paths.append(p)
            else:
                raise CommandError(f"{name}: no such file or directory.", returncode=2)
        items: list[importing.Item] = []
        for p in paths:
            items += importing.read(p.name, p.read_bytes())
            if len(items) > importing.MAX_RESOURCES:
                raise CommandError(f"More than {importing.MAX_RESOURCES:,} resources: import the files in parts.",
                                   returncode=2)  # fmt: skip
        report = importing.run(c, admin.user, items, dry_run=dry_run, default_kind=kind)
        if not quiet:
            for i in report.items:
                if i.outcome in ("updated", "skipped", "refused") or i.reason:
                    self.stdout.write(f"{i.outcome:9} {i.label} ({i.where}): {i.reason}")
        for t, counts in report.by_type():
            self.stdout.write(f"{t}: " + ", ".join(f"{o} {n}" for o, n in counts.items() if n))
        said = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{said} into {c.name}: {report.said()}." + (" Nothing was written." if dry_run else ""))
        if report.count("refused"):
            raise CommandError(f"{report.count('refused')} resources refused: their patients were not imported.",
                               returncode=1)  # fmt: skip
