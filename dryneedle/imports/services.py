"""Importing patients from another system's CSV (issue 20): upload, choose the columns, check every row (a dry run:
nothing is written), then import all the new patients in one transaction, or none.

Each row is read through the chosen columns, then checked by the patient form (patients/forms.PatientForm: the one
set of rules for a patient's details) and against the clinic's records and the file's earlier rows by the clinic's
duplicate rule (patients/services.DuplicateIndex): a row that matches is "already here" and is not imported twice.
A row with an error stops the whole import until the file or the choices are mended.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.fhir import importing
from dryneedle.imports import columns, reading
from dryneedle.imports.models import ImportFile, Mapping
from dryneedle.patients import services as patients
from dryneedle.patients.forms import PatientForm
from dryneedle.patients.models import Patient

KEEP_UNIMPORTED = timedelta(days=1)
FHIR_MAX_BYTES = 50 * 1024 * 1024
# The page imports while the browser waits, within the server's 30 s (docs/operations.md): about 4.5 ms a resource
# of the types imported (docs/fhir.md, measured) leaves room for 4,000. Larger files go through import_fhir.
FHIR_PAGE_RESOURCES = 4_000


@dataclass
class Row:
    number: int  # as a spreadsheet numbers it
    outcome: str  # "new", "already" (a record here, or an earlier row), "error"
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    match: str = ""  # what it duplicates: "row 4", or a patient's name and date of birth
    made: object = None  # the record made, once imported


@dataclass
class Report:
    rows: list[Row]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self) -> dict[str, int]:
        return {o: self.count(o) for o in ("new", "already", "error")}

    def said(self) -> str:
        """The counts in words, for the audit row."""
        return ", ".join(f"{k} {n}" for k, n in self.summary().items())


def upload(clinic, user, name: str, data: bytes, kind: str = "patients") -> ImportFile:
    """Keep the file for its next steps, once it reads as a table (``reading.Unreadable`` otherwise)."""
    table = reading.read(data)
    forget_stale(clinic)
    return ImportFile.objects.create(clinic=clinic, kind=kind, name=name[:200], text=table.text, rows=len(table.rows),
                                     uploaded_by=user)  # fmt: skip


def forget_stale(clinic) -> int:
    """Empty the text of the clinic's files uploaded over a day ago and never imported: patients' details are not
    kept in a file nobody finished with."""
    return ImportFile.objects.filter(clinic=clinic, imported__isnull=True, forgotten__isnull=True,
                                     uploaded__lt=timezone.now() - KEEP_UNIMPORTED).update(
        text="", forgotten=timezone.now())  # fmt: skip


def table_of(f: ImportFile) -> reading.Table:
    return reading.read(f.text.encode("utf-8"))


def saved_for(clinic, kind: str, headers: list[str]):
    """The clinic's saved mappings for this kind of file whose columns are all in this one, newest first."""
    return [m for m in Mapping.objects.filter(clinic=clinic, kind=kind).order_by("-saved")
            if set(m.columns.values()) <= set(headers)]  # fmt: skip


def _row_data(cells: dict[str, str], chosen: dict[str, str], date_format: str) -> tuple[dict, list[str]]:
    values = {f: cells[h] for f, h in chosen.items() if h}
    errors = []
    data = {name: values.get(name, "") for name in ("given_name", "family_name", "email", "phone",
                                                    "emergency_contact_name", "emergency_contact_phone")}  # fmt: skip
    data["preferred_language"] = values.get("preferred_language") or "English"
    data["address"] = columns.address(values)
    if values.get("birth_date"):
        try:
            data["birth_date"] = columns.parse_date(values["birth_date"], date_format).isoformat()
        except ValueError as e:
            errors.append(f"Date of birth: {e}")
    try:
        data["sex"] = columns.parse_sex(values.get("sex", ""))
    except ValueError as e:
        errors.append(f"Sex: {e}")
    return data, errors


def check(f: ImportFile, chosen: dict[str, str], date_format: str) -> Report:
    """Every row's outcome, writing nothing (the dry run)."""
    table = table_of(f)
    index = patients.DuplicateIndex(f.clinic)
    found: list[Row] = []
    for number, cells in table.rows:
        data, errors = _row_data(dict(zip(table.headers, cells, strict=True)), chosen, date_format)
        form = PatientForm(data)
        if not form.is_valid():
            unread = {"birth_date"} if any(e.startswith("Date of birth") for e in errors) else set()
            for name, msgs in form.errors.items():
                if name not in unread:
                    label = form.fields[name].label or name.replace("_", " ").capitalize()
                    errors.append(f"{label}: {' '.join(str(m) for m in msgs)}")
        if errors:
            found.append(Row(number, "error", data, errors))
            continue
        clean = {k: v for k, v in form.cleaned_data.items() if k != "texts"}
        match = index.find(clean)
        if match is not None:
            found.append(Row(number, "already", clean, match=str(match)))
            continue
        index.add(f"row {number}", clean)
        found.append(Row(number, "new", clean))
    _name_matches(f.clinic, found)
    return Report(found)


def _name_matches(clinic, rows: list[Row]) -> None:
    """Say which record a row is already here as: its name and when they were born (the index holds ids)."""
    ids = {int(r.match) for r in rows if r.outcome == "already" and r.match.isdigit()}
    people = {p.pk: p for p in Patient.objects.filter(clinic=clinic, pk__in=ids)}
    for r in rows:
        if r.outcome == "already" and r.match.isdigit():
            p = people[int(r.match)]
            r.match = f"{p.name}, born {p.birth_date:%d %b %Y}"


def run(f: ImportFile, user, chosen: dict[str, str], date_format: str, save_as: str = "") -> Report:
    """Check again, then make every new patient; a row in error imports nothing. Inside the caller's transaction,
    with its audit rows."""
    with transaction.atomic():  # the caller's, on the pages; one here for any other caller
        f = ImportFile.objects.select_for_update().get(clinic=f.clinic_id, pk=f.pk)
        if f.imported or not f.text:
            raise ValidationError(
                pgettext("staff", "This file was already imported, or was forgotten: upload it again.")
            )
        report = check(f, chosen, date_format)
        if report.count("error"):
            raise ValidationError(
                pgettext("staff", "%(count)s rows have errors: nothing was imported.")
                % {"count": report.count("error")}
            )
        for r in report.rows:
            if r.outcome == "new":
                r.made = patients.create_patient(f.clinic, user, r.data)
        finish(f, user, chosen, date_format, report, save_as)
    return report


def finish(f: ImportFile, user, chosen: dict, date_format: str, report: Report, save_as: str, defaults=None) -> None:
    """The end of an import: the choices saved under a name if one was given, the file's text emptied, what
    happened kept."""
    if save_as.strip():
        Mapping.objects.update_or_create(clinic=f.clinic, kind=f.kind, name=save_as.strip()[:100],
                                         defaults={"columns": chosen, "date_format": date_format,
                                                   "defaults": defaults or {}, "saved_by": user})  # fmt: skip
    ImportFile.objects.filter(clinic=f.clinic_id, pk=f.pk).update(imported=timezone.now(), text="",
                                                                  report=report.summary())  # fmt: skip


def upload_fhir(clinic, user, files: list[tuple[str, bytes]]) -> ImportFile:
    """Keep FHIR files for their next steps (check, import), once something in them reads as FHIR resources
    (``reading.Unreadable`` otherwise, with the first reason)."""
    if sum(len(data) for _n, data in files) > FHIR_MAX_BYTES:
        raise reading.Unreadable(f"The files are larger than {FHIR_MAX_BYTES // (1024 * 1024)} MB together: import "
                                 "them in parts, or with the import_fhir command.")  # fmt: skip
    items = []
    for name, data in files:
        read = importing.read(name, data)
        if len(read) == 1 and read[0].outcome == "refused" and read[0].where == name:  # the whole file, not a line
            raise reading.Unreadable(f"{name}: {read[0].reason}")
        items += read
    if (n := sum(1 for i in items if i.resource is not None)) > FHIR_PAGE_RESOURCES:
        raise reading.Unreadable(f"{n:,} resources to import: the page takes {FHIR_PAGE_RESOURCES:,} at a time. Import "
                                 "the files in parts, or with the import_fhir command (docs/fhir.md).")  # fmt: skip
    text = json.dumps([[name[:200], data.decode("utf-8-sig")] for name, data in files])
    forget_stale(clinic)
    name = files[0][0] if len(files) == 1 else f"{files[0][0]} and {len(files) - 1} more"
    return ImportFile.objects.create(clinic=clinic, kind=ImportFile.Kind.FHIR, name=name[:200], text=text,
                                     rows=len(items), uploaded_by=user)  # fmt: skip


def fhir_items(f: ImportFile) -> list[importing.Item]:
    return [i for name, text in json.loads(f.text) for i in importing.read(name, text.encode("utf-8"))]


def run_fhir(f: ImportFile, user, default_kind: str, request=None) -> importing.Report:
    """Import a kept FHIR upload, once: the file is claimed first (two clicks import it once), then each patient's
    resources in their own transaction (fhir/importing.py); what happened is kept, the text emptied."""
    claimed = ImportFile.objects.filter(clinic=f.clinic_id, pk=f.pk, imported__isnull=True, forgotten__isnull=True)
    if not claimed.exclude(text="").update(imported=timezone.now()):
        raise ValidationError(pgettext("staff", "This file was already imported, or was forgotten: upload it again."))
    report = importing.run(f.clinic, user, fhir_items(f), default_kind=default_kind, request=request)
    ImportFile.objects.filter(clinic=f.clinic_id, pk=f.pk).update(text="", report=report.summary())
    return report
