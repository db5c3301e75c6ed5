"""The patient's own copy of their record at one clinic (issue 19; ONC 170.315(e)(1) "view, download, transmit"):
the ZIP a clinic gives for a subject-access request, without the clinicians' notes (exports/subject_access.py), and
its two main parts on their own: the PDF to read and the FHIR JSON for another system. Made on request, audited."""

import json

from django.http import HttpResponse
from django.utils import timezone, translation

from dryneedle.accounts.access import allowed
from dryneedle.audit.log import record
from dryneedle.exports import record as readable
from dryneedle.exports import subject_access
from dryneedle.fhir import everything
from dryneedle.mine.theirs import ACTOR, record_for


def _download(content, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="my-record-{timezone.localdate():%Y-%m-%d}.{extension}"'
    return response


@allowed
def record_zip(request) -> HttpResponse:
    """Everything in one ZIP: the PDF, the FHIR Bundle and their rows of the clinic's tables as CSV, in the page's
    language."""
    patient = record_for(request, request.GET, "patient.record_download", "demographics")
    data, counts = subject_access.build(patient, notes=False, language=translation.get_language())
    record(request, "patient.record_download", patient, actor=ACTOR, category="demographics",
           detail=f"zip; {subject_access.summary(counts)}")  # fmt: skip
    return _download(data, "application/zip", "zip")


@allowed
def record_pdf(request) -> HttpResponse:
    patient = record_for(request, request.GET, "patient.record_download", "demographics")
    pdf = readable.pdf(patient, language=translation.get_language())
    record(request, "patient.record_download", patient, actor=ACTOR, category="demographics", detail="pdf")
    return _download(pdf, "application/pdf", "pdf")


@allowed
def record_fhir(request) -> HttpResponse:
    """The FHIR ``$everything`` Bundle (dryneedle/fhir), clinicians' notes left out as in the PDF."""
    patient = record_for(request, request.GET, "patient.record_download", "demographics")
    data = everything.bundle(patient, for_patient=True)
    record(request, "patient.record_download", patient, actor=ACTOR, category="demographics",
           detail=f"fhir; {data['total']} resources")  # fmt: skip
    return _download(json.dumps(data, indent=1), "application/fhir+json", "json")
