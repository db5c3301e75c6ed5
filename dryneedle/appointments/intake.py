"""Whether a booking asks the intake questions (issue 19: "a new patient's first booking sends the intake; an
existing patient's booking after 30 days asks what changed"), online or at the desk, and the email that confirms
the booking with them."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from dryneedle.appointments import services
from dryneedle.appointments.models import Appointment
from dryneedle.lib import mail
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


def confirm_by_email(appt: Appointment, intake: Intake | None, language: str) -> None:
    """The booked time by email with its calendar file (a requested time: that it is held), and the questions to
    answer before the visit when the booking asks them (a link into the patient's pages, which ask them to sign
    in)."""
    context = {
        "a": appt,
        "patient": appt.patient,
        "intake": intake,
        "intake_url": f"{settings.SITE_URL}{reverse('mine:intake', args=[intake.code])}" if intake else "",
    }
    if appt.status == Appointment.Status.REQUESTED:
        mail.send("appointments/email/requested.txt", context, [appt.patient.email], appt.clinic, language=language)
        return
    mail.send("appointments/email/booked.txt", context, [appt.patient.email], appt.clinic,
              attachments=(("appointment.ics", services.ics_one(appt), "text/calendar"),),
              language=language)  # fmt: skip
