"""The questions a patient answers before a visit booked online (portal.Intake, issue 19): answering them, and
what of them the clinician's screening starts from. Whether a booking asks them is appointments/intake.py."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from dryneedle.patients import services as patients
from dryneedle.patients.models import Patient
from dryneedle.portal.forms import QUESTIONS, IntakeForm
from dryneedle.portal.models import Intake

# The details a first intake may fill in on the record, where the record has none yet: what the patient writes
# about themselves is theirs to give; a value the clinic already holds is never overwritten from here.
DETAILS = ("address", "emergency_contact_name", "emergency_contact_phone")


def answer(intake: Intake, answers: dict) -> list[str]:
    """Keep the answers (once) and fill the record's empty details from them; returns the details filled."""
    intake = Intake.objects.select_for_update().get(clinic=intake.clinic_id, pk=intake.pk)  # the caller's transaction
    if intake.answered_at is not None:
        raise ValidationError(
            gettext("These questions were already answered. If something has changed, tell your clinic.")
        )
    intake.answers = answers
    intake.answered_at = timezone.now()
    intake.save(update_fields=["answers", "answered_at", "updated"])
    patient = Patient.objects.get(clinic=intake.clinic_id, pk=intake.patient_id)
    blank = {k: answers[k] for k in DETAILS if answers.get(k) and not getattr(patient, k)}
    return patients.update_patient(patient, None, blank) if blank else []


def pending(patient_ids, clinic_ids=None):
    """Unanswered intakes of these records whose visit is still ahead, soonest first."""
    qs = Intake.objects.filter(patient__in=patient_ids, answered_at__isnull=True, due__gte=timezone.now())
    if clinic_ids is not None:
        qs = qs.filter(clinic__in=clinic_ids)
    return qs.select_related("clinic", "patient").order_by("due")


def latest_answered(patient, since=None) -> Intake | None:
    """The newest answered intake of the patient (and records merged into theirs), answered after ``since``."""
    qs = Intake.objects.filter(clinic=patient.clinic_id, patient__in=patient.record_ids(), answered_at__isnull=False)
    if since is not None:
        qs = qs.filter(answered_at__gt=since)
    return qs.order_by("-answered_at").first()


def readable(intake: Intake) -> dict:
    """The answers for the clinician's page: the questions as the patient read them, warning signs apart."""
    a = intake.answers or {}
    labels = {code: text for _title, items in QUESTIONS for code, text in items}
    warning = {code for code, _text in QUESTIONS[0][1]}
    fields = IntakeForm.base_fields
    rows = []
    for k in (*IntakeForm.FIRST, "changed"):
        if a.get(k):
            rows.append((fields[k].label, dict(IntakeForm.STARTED).get(a[k], a[k]) if k == "started" else a[k]))
    return {
        "intake": intake,
        "rows": rows,
        "warning_signs": [labels.get(c, c) for c in a.get("findings", []) if c in warning],
        "findings": [labels.get(c, c) for c in a.get("findings", []) if c not in warning],
        "pregnant": a.get("pregnant"),
        "pregnancy_weeks": a.get("pregnancy_weeks"),
        "medications": a.get("medications", []),
    }
