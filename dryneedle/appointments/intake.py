"""Whether a booking made online asks the intake questions (issue 19: "a new patient's first booking sends the
intake; an existing patient's booking after 30 days asks what changed")."""

from datetime import timedelta

from dryneedle.appointments.models import Appointment
from dryneedle.portal.models import Intake
from dryneedle.visits.models import Visit

# The issue's own figure (a product rule, not a clinical threshold): after this long without a visit, the patient
# is asked what changed before the next one.
CHANGES_AFTER = timedelta(days=30)


def last_seen(patient, before):
    """When the patient was last seen at the clinic before ``before``: a signed visit or an attended appointment."""
    ids = patient.record_ids()
    visit = (
        Visit.objects.filter(clinic=patient.clinic_id, patient__in=ids, status=Visit.Status.SIGNED, started__lt=before)
        .order_by("-started")
        .values_list("started", flat=True)
        .first()
    )
    attended = (
        Appointment.objects.filter(
            clinic=patient.clinic_id, patient__in=ids, status=Appointment.Status.ATTENDED, start__lt=before
        )
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )
    return max((t for t in (visit, attended) if t is not None), default=None)


def ask(appt: Appointment) -> Intake | None:
    """The intake this booking asks, made now (or one already waiting for an earlier visit); None when the
    patient was seen within CHANGES_AFTER, or answered one that recently."""
    patient = appt.patient
    ids = patient.record_ids()
    mine = Intake.objects.filter(clinic=appt.clinic_id, patient__in=ids)
    waiting = mine.filter(answered_at__isnull=True, due__gte=appt.created).order_by("due").first()
    if waiting is not None:
        return waiting
    seen = last_seen(patient, appt.start)
    recent = mine.filter(answered_at__gt=appt.start - CHANGES_AFTER).exists()
    if recent or (seen is not None and appt.start - seen <= CHANGES_AFTER):
        return None
    ever_first = mine.filter(kind=Intake.Kind.FIRST, answered_at__isnull=False).exists()
    kind = Intake.Kind.CHANGES if seen is not None or ever_first else Intake.Kind.FIRST
    return Intake.objects.create(clinic=appt.clinic, patient=patient, kind=kind, due=appt.start)
