"""The clinic's exports (clinic admins): each CSV table of the clinic's records, streamed, and one person's copy of
their record for a subject-access request. Every download is audited with what it held."""

import itertools

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.exports import subject_access, tables
from dryneedle.lib import csvout, languages
from dryneedle.patients.models import Patient


@allowed
def exports(request: ClinicRequest) -> HttpResponse:
    """The tables a clinic admin can take away, with how many rows each holds now."""
    clinic = request.membership.clinic
    rows = [(t, t.count(clinic)) for t in tables.TABLES.values()]
    return render(request, "exports/exports.html", {"rows": rows, "clinic": clinic})


@allowed
def table_csv(request: ClinicRequest, name: str) -> StreamingHttpResponse:
    """One table, every row of the clinic, streamed a chunk at a time: UTF-8 with a byte order mark (so Excel reads
    accented names), spreadsheet formulas neutralised (lib/csvout)."""
    table = tables.TABLES.get(name)
    if table is None:
        raise Http404("No such table")
    clinic = request.membership.clinic
    record(request, "export.csv", category="export", detail=f"{name}; {table.count(clinic)} rows")
    lines = csvout.lines(itertools.chain([table.headers()], table.rows(clinic)), bom=True)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


class Anonymised(Exception):
    pass


def _person(request: ClinicRequest, code) -> Patient:
    """The record asked for; a record merged into another answers for the person, so the record kept."""
    patient = get_for_clinic(request, Patient.objects.select_related("merged_into"), code=code)
    patient = patient.merged_into or patient
    if patient.anonymised_at is not None:
        raise Anonymised
    return patient


def _anonymised(request) -> HttpResponse:
    return render(request, "portal/message.html", {"message": "This record was anonymised: nothing in it identifies "
                                                   "a person any more, so there is no one to send a copy to."},
                  status=409)  # fmt: skip


@allowed
def record_copy(request: ClinicRequest, code) -> HttpResponse:
    """What a copy of this person's record holds, and the button that makes it."""
    try:
        patient = _person(request, code)
    except Anonymised:
        return _anonymised(request)
    ids, clinic = patient.record_ids(), request.membership.clinic
    rows = [(t, t.count(clinic, ids)) for t in tables.TABLES.values()]
    spoken = languages.of_record(patient.preferred_language)  # empty: a language the product does not write
    language = dict(settings.LANGUAGES)[languages.of_patient(patient)]
    return render(request, "exports/subject_access.html", {"patient": patient, "rows": rows, "language": language,
                                                            "spoken": spoken})  # fmt: skip


@allowed
def record_copy_zip(request: ClinicRequest, code) -> HttpResponse:
    """The copy of the record, with the clinicians' notes (exports/subject_access.py), in the patient's language."""
    try:
        patient = _person(request, code)
    except Anonymised:
        return _anonymised(request)
    data, counts = subject_access.build(patient, notes=True)
    record(request, "patient.subject_access", patient, category="export", detail=subject_access.summary(counts))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{subject_access.filename(patient)}"'
    return response
