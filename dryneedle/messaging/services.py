"""Writing a message, the one way for the patient's account and the clinic's page; reading marks the other
side's messages read. Emails only say a message is waiting: no clinical word leaves the system by email."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from dryneedle.lib import languages, mail
from dryneedle.lib.models import at_most
from dryneedle.messaging import rules
from dryneedle.messaging.models import BODY_MAX, Message
from dryneedle.patients.models import Episode


def thread(patient):
    """The messages of this person's records in their clinic, oldest first."""
    return Message.objects.filter(clinic=patient.clinic_id, patient__in=patient.record_ids()).select_related(
        "created_by").order_by("created", "id")  # fmt: skip


def send(patient, body: str, *, from_patient: bool, user=None) -> Message:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": gettext("Write a message first.")})
    if "\x00" in body:
        raise ValidationError({"body": gettext("The message contains a character that cannot be stored.")})
    at_most("body", body, BODY_MAX)
    m = Message.objects.create(clinic=patient.clinic, patient=patient, from_patient=from_patient, body=body,
                               urgent=from_patient and bool(rules.urgent(body)), created_by=user,
                               updated_by=user)  # fmt: skip
    if from_patient:
        # The clinicians leading their open episodes hear that a message waits; the front desk sees the inbox.
        leads = Episode.objects.filter(
            clinic=patient.clinic_id, patient__in=patient.record_ids(), status=Episode.Status.OPEN
        ).values_list("clinician__email", flat=True)
        mail.send("messaging/email/to_clinic.txt", {"clinic": patient.clinic, "urgent": m.urgent}, list(leads),
                  patient.clinic)  # fmt: skip
    else:
        mail.send("messaging/email/to_patient.txt", {"clinic": patient.clinic, "patient": patient}, [patient.email],
                  patient.clinic, language=languages.of_record(patient.preferred_language))  # fmt: skip
    return m


def mark_read(patient, by_patient: bool) -> int:
    """The other side's unread messages in the thread, now read."""
    return thread(patient).filter(from_patient=not by_patient, read_at=None).update(read_at=timezone.now())


def unread_for_clinic(clinic):
    return Message.objects.filter(clinic=clinic, from_patient=True, read_at=None)
