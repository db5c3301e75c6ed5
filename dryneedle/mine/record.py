"""The patient's own copy of their record at one clinic, as a PDF and as FHIR JSON (issue 19; ONC 170.315(e)(1)
"view, download, transmit")."""

import json

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from dryneedle.accounts.access import allowed
from dryneedle.appointments.models import Appointment
from dryneedle.audit.log import record
from dryneedle.consent import services as consent
from dryneedle.fhir import everything
from dryneedle.messaging import services as messaging
from dryneedle.mine.theirs import ACTOR, record_for
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode
from dryneedle.visits.models import Insertion, Visit
from dryneedle.visits.muscles import CHOICES as MUSCLE_CHOICES

MUSCLE_NAMES = dict(MUSCLE_CHOICES)


def record_of(patient) -> dict:
    """What the patient's own copy holds, for one clinic (the ONC "view, download" anchor, 170.315(e)(1)): their
    details, appointments, episodes, the visits with what was done (sites, pain before and after), questionnaire
    scores, signed consent forms and messages. Clinicians' free-text notes are not in it: the clinic gives those
    on request (a subject-access request)."""
    ids, clinic = patient.record_ids(), patient.clinic_id
    insertions = Insertion.objects.filter(clinic=clinic, visit__patient__in=ids,
                                          visit__status=Visit.Status.SIGNED)  # fmt: skip
    sites: dict[int, set[str]] = {}
    for visit_id, muscle, side in insertions.values_list("visit_id", "muscle", "side"):
        sites.setdefault(visit_id, set()).add(f"{MUSCLE_NAMES.get(muscle, muscle)} ({side})")
    return {
        "patient": patient,
        "clinic": patient.clinic,
        "appointments": Appointment.objects.filter(clinic=clinic, patient__in=ids).select_related("practitioner")
        .order_by("-start"),
        "episodes": Episode.objects.filter(clinic=clinic, patient__in=ids).exclude(
            status=Episode.Status.ENTERED_IN_ERROR).order_by("-start_date"),
        "visits": [(v, sorted(sites.get(v.pk, ()))) for v in Visit.objects.filter(
            clinic=clinic, patient__in=ids, status=Visit.Status.SIGNED).select_related("practitioner", "episode")
            .order_by("-started")],
        "scores": Response.objects.filter(clinic=clinic, patient__in=ids, entered_in_error=False, scorable=True)
        .order_by("-collected"),
        "consents": consent.of(patient),
        "thread": messaging.thread(patient),
        "made": timezone.localtime(),
    }  # fmt: skip


@allowed
def record_pdf(request) -> HttpResponse:
    """Their record at one clinic as a PDF, made now (it changes with every visit: never stored)."""
    from weasyprint import HTML  # a heavy import, for this download only

    patient = record_for(request, request.GET, "patient.record_download", "demographics")
    html = render_to_string("mine/record_pdf.html", record_of(patient), request=request)
    pdf = HTML(string=html).write_pdf()
    record(request, "patient.record_download", patient, actor=ACTOR, category="demographics", detail="pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="my-record-{timezone.localdate():%Y-%m-%d}.pdf"'
    return response


@allowed
def record_fhir(request) -> HttpResponse:
    """Their record at one clinic, machine-readable: the FHIR ``$everything`` Bundle (dryneedle/fhir), clinicians'
    notes left out as in the PDF; made on request, audited."""
    patient = record_for(request, request.GET, "patient.record_download", "demographics")
    data = everything.bundle(patient, for_patient=True)
    record(request, "patient.record_download", patient, actor=ACTOR, category="demographics",
           detail=f"fhir; {data['total']} resources")  # fmt: skip
    response = HttpResponse(json.dumps(data, indent=1), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="my-record-{timezone.localdate():%Y-%m-%d}.json"'
    return response
