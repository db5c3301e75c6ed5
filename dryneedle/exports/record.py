"""A person's record at one clinic as a PDF to read: the patient's own copy (issue 19; ONC 170.315(e)(1) "view,
download, transmit") and the clinic's answer to a subject-access request (issue 20; GDPR art. 15, the HIPAA right of
access, 45 CFR 164.524), in the patient's language.

Both hold their details, appointments, episodes, the visits with what was done (sites, pain before and after),
questionnaire scores, signed consent forms and messages. The clinic's copy adds the clinicians' notes (episode and
discharge notes, visit notes with their amendments, care plan notes), which a subject-access request covers; the
copy a patient downloads themselves leaves them out (they are released by the clinic, on request)."""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dryneedle.appointments.models import Appointment
from dryneedle.consent import services as consent
from dryneedle.lib import languages
from dryneedle.messaging import services as messaging
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode
from dryneedle.plans.models import CarePlan
from dryneedle.visits.models import Amendment, Insertion, Visit
from dryneedle.visits.muscles import CHOICES as MUSCLE_CHOICES

MUSCLE_NAMES = dict(MUSCLE_CHOICES)


def _notes(clinic, ids) -> list[tuple]:
    """The clinicians' free text, oldest first: (when, who, what, text)."""
    out: list[tuple] = []
    for e in Episode.objects.filter(clinic=clinic, patient__in=ids).select_related("clinician").order_by("id"):
        who = e.clinician.display_name() if e.clinician else ""
        if e.notes:
            out.append((e.start_date, who, _("Episode: %(condition)s") % {"condition": e.condition_name}, e.notes))
        if e.discharge_note:
            out.append((e.discharge_date, who, _("Discharge: %(condition)s") % {"condition": e.condition_name},
                        e.discharge_note))  # fmt: skip
    visits = Visit.objects.filter(clinic=clinic, patient__in=ids, status=Visit.Status.SIGNED).select_related(
        "practitioner")  # fmt: skip
    for v in visits.order_by("started"):
        if v.notes:
            out.append((v.started.date(), v.practitioner.display_name(), _("Visit note"), v.notes))
    for a in Amendment.objects.filter(clinic=clinic, patient__in=ids).select_related("created_by").order_by("id"):
        who = a.created_by.display_name() if a.created_by else ""
        out.append((a.created.date(), who, _("Correction to a visit note (%(reason)s)") % {"reason": a.reason},
                    a.text))  # fmt: skip
    for p in CarePlan.objects.filter(clinic=clinic, patient__in=ids).exclude(notes="").order_by("id"):
        out.append((p.created.date(), "", _("Care plan"), p.notes))
    return sorted(out, key=lambda n: n[0])


def record_of(patient, notes: bool = False) -> dict:
    """What the copy holds, for one clinic; ``notes``: the clinicians' notes too (the clinic's copy)."""
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
        "with_notes": notes,
        "notes": _notes(clinic, ids) if notes else [],
        "made": timezone.localtime(),
    }  # fmt: skip


def pdf(patient, notes: bool = False, language: str = "") -> bytes:
    """The record as a PDF in ``language`` (else the patient's), made now (it changes with every visit: never
    stored)."""
    from weasyprint import HTML  # a heavy import, for this download only

    # Dated in the clinic's zone, whoever asks (a page, the command line).
    with translation.override(language or languages.of_patient(patient)), timezone.override(patient.clinic.timezone):
        html = render_to_string("exports/record_pdf.html", record_of(patient, notes))
    return HTML(string=html).write_pdf()
