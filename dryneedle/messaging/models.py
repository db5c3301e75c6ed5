from django.db import models

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ClinicalRecord

BODY_MAX = 4000


class Message(ClinicalRecord):
    """One message in the thread between a patient and their clinic (issue 19). Part of the patient's record:
    never deleted or edited; only the moment the other side read it is added."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"body": CLEAR}
    audit_category = "messages"  # its rows' data category in the audit log (audit/log.py)
    audit_actions = "message"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="messages", editable=False)
    from_patient = models.BooleanField(editable=False)
    body = models.TextField(editable=False)
    urgent = models.BooleanField(default=False, editable=False)  # its words called for the emergency instructions
    read_at = models.DateTimeField(null=True, blank=True)  # by the other side: the clinic, or the patient

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "created"]),
                   models.Index(fields=["clinic", "from_patient", "read_at"])]  # fmt: skip
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="message_not_empty")]

    def __str__(self) -> str:
        return f"Message {'from' if self.from_patient else 'to'} the patient, {self.created:%d %b %Y %H:%M}"
