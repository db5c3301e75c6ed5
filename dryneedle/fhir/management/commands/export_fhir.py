import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dryneedle.accounts.models import Clinic
from dryneedle.audit.log import record
from dryneedle.fhir import bulk, everything
from dryneedle.patients.models import Patient, RecordStatus


class Command(BaseCommand):
    help = """Export a clinic's records as FHIR R4 JSON (docs/fhir.md).

    Without --patient: DIR/<ResourceType>.ndjson, one resource per line, each patient's resources as
    $everything gives them (the clinic and practitioners once), and DIR/manifest.json in the shape of the Bulk
    Data Access manifest. With --patient CODE: that patient's $everything Bundle in DIR/bundle.json. Records
    entered in error and records merged into another are not exported as patients of their own. Audited."""

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="The clinic's UUID")
        parser.add_argument("--out", required=True, help="The directory to write (created; must be empty)")
        parser.add_argument("--patient", help="One patient's UUID: their $everything Bundle only")
        parser.add_argument("--since", metavar="INSTANT",
                            help="Only the patients' resources changed since then (Bulk Data's _since), e.g. the "
                            "transactionTime of the last export's manifest; the clinic and its people are always "
                            "written")  # fmt: skip

    def handle(self, clinic, out, patient=None, since=None, **options):
        c = Clinic.objects.filter(code=clinic).first() if _uuid(clinic) else None
        if c is None:
            raise CommandError(f"No clinic with code {clinic}.", returncode=2)
        when = None
        if since is not None:
            try:
                when = bulk.since_of(since)
            except ValueError as e:
                raise CommandError(f"--since {since}: {e}.", returncode=2) from None
            if patient is not None:
                raise CommandError("--since is for the whole clinic's export, not --patient.", returncode=2)
        folder = Path(out)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise CommandError(f"{out} exists and is not an empty directory.", returncode=2)
        if patient is not None:
            patients = Patient.objects.filter(clinic=c, merged_into__isnull=True).exclude(
                status=RecordStatus.ENTERED_IN_ERROR).select_related("clinic")  # fmt: skip
            one = patients.filter(code=patient).first() if _uuid(patient) else None
            if one is None:
                raise CommandError(f"No patient {patient} at {c.name}.", returncode=2)
            folder.mkdir(parents=True, exist_ok=True)
            data = everything.bundle(one)
            (folder / "bundle.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
            record(None, "fhir.export", one, clinic=c, detail=f"bundle; {data['total']} resources")
            self.stdout.write(f"Wrote {data['total']} resources of {one.name} to {folder / 'bundle.json'}.")
            return
        started = timezone.now()
        counts = bulk.write(c, folder, since=when)
        asked = f"dryneedle export_fhir --clinic {c.code}" + (f" --since {since}" if since else "")
        manifest = {
            "transactionTime": started.isoformat(), "request": asked,
            "requiresAccessToken": False, "error": [],
            "output": [{"type": t, "url": f"{t}.ndjson", "count": n} for t, n in sorted(counts.items())],
        }  # fmt: skip
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        record(None, "fhir.export", clinic=c, category="export",
               detail=everything.summary(counts))  # fmt: skip
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Wrote {sum(counts.values())} resources of {c.name} to {folder} in {seconds:.1f} s.")


def _uuid(value: str) -> bool:

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
