"""One person's copy of their record at one clinic, as a ZIP (issue 20): the clinic's answer to a subject-access
request (GDPR art. 15, the HIPAA right of access) and what the patient downloads from their own pages (issue 19).

Inside: ``record.pdf`` to read (exports/record.py), ``record.fhir.json`` for another system (the FHIR ``$everything``
Bundle, dryneedle/fhir), ``csv/<table>.csv`` for a spreadsheet (exports/tables.py, this person's rows), and
``README.txt`` saying what each is. ``notes``: the clinicians' notes in all three (the clinic's copy); the copy a
patient takes themselves leaves them out."""

import io
import json
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from dryneedle.exports import record, tables
from dryneedle.fhir import everything
from dryneedle.lib import csvout, languages


def build(patient, notes: bool, language: str = "") -> tuple[bytes, dict[str, int]]:
    """The ZIP's bytes, and how many rows or resources each part holds (for the audit row)."""
    ids, clinic = patient.record_ids(), patient.clinic
    counts: dict[str, int] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("record.pdf", record.pdf(patient, notes, language))
        bundle = everything.bundle(patient, for_patient=not notes)
        z.writestr("record.fhir.json", json.dumps(bundle, indent=1, ensure_ascii=False))
        counts["fhir"] = bundle["total"]
        for t in tables.TABLES.values():
            rows = list(t.rows(clinic, ids, notes))
            counts[t.name] = len(rows)
            z.writestr(f"csv/{t.name}.csv", "".join(csvout.lines([t.headers(notes), *rows], bom=True)))
        with translation.override(language or languages.of_patient(patient)), timezone.override(clinic.timezone):
            readme = render_to_string("exports/subject_access_readme.txt", {
                "patient": patient, "clinic": clinic, "notes": notes, "made": timezone.localtime(),
                "counts": counts, "parts": [(t, counts[t.name]) for t in tables.TABLES.values()],
            })  # fmt: skip
        z.writestr("README.txt", readme)
    return buffer.getvalue(), counts


def filename(patient) -> str:
    return f"record-{slugify(patient.family_name) or 'patient'}-{timezone.localdate():%Y-%m-%d}.zip"


def summary(counts: dict[str, int]) -> str:
    """What went out, for the audit row's detail."""
    return ", ".join(f"{k} {n}" for k, n in counts.items())
