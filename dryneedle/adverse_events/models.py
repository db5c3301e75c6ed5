from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.adverse_events import rules
from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ERROR_REASON_MAX, ClinicalRecord, in_error_needs_reason


class EventStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("staff", "Draft, to confirm")
    CONFIRMED = "confirmed", pgettext_lazy("staff", "Confirmed")
    CLOSED = "closed", pgettext_lazy("staff", "Closed")


class AdverseEvent(ClinicalRecord):
    """Something unintended after needling: typed, classified, followed to its outcome.

    "Adverse event" implies no causality; the causality is recorded apart (Carlesso 2010).
    A draft comes from a patient's check-in or a needle incident and waits for the
    practitioner; a confirmed event has a severity; a serious one is closed only with a
    review note.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"region": CLEAR, "duration": CLEAR, "description": CLEAR, "action_taken": CLEAR,
                   "review_note": CLEAR, "error_reason": CLEAR}  # fmt: skip

    Status = EventStatus
    IN_ERROR = ("entered_in_error", True)

    class Source(models.TextChoices):
        CLINICIAN = "clinician", pgettext_lazy("staff", "Clinician")
        CHECKIN = "checkin", pgettext_lazy("staff", "Patient check-in")
        INCIDENT = "needle_incident", pgettext_lazy("staff", "Needle incident")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="adverse_events")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="adverse_events")
    visit = models.ForeignKey("visits.Visit", models.PROTECT, null=True, blank=True, related_name="adverse_events")
    insertion = models.ForeignKey("visits.Insertion", models.PROTECT, null=True, blank=True, related_name="+")
    checkin = models.ForeignKey("aftercare.CheckIn", models.PROTECT, null=True, blank=True, related_name="events")
    region = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=20, choices=rules.TYPES)
    description = models.TextField(max_length=2000, blank=True)
    onset = models.CharField(max_length=20, choices=rules.ONSET, blank=True)
    duration = models.CharField(max_length=100, blank=True)
    action_taken = models.TextField(max_length=2000, blank=True)
    outcome = models.CharField(max_length=20, choices=rules.OUTCOMES, default="unknown")
    severity = models.CharField(max_length=12, choices=rules.SEVERITIES, blank=True)
    causality = models.CharField(max_length=10, choices=rules.CAUSALITY, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.CLINICIAN)
    occurred = models.DateTimeField(default=timezone.now)
    review_note = models.TextField(max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=ERROR_REASON_MAX, blank=True)  # why it was entered in error

    class Meta:
        indexes = [models.Index(fields=["clinic", "occurred"]), models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=EventStatus.DRAFT) | ~models.Q(severity=""), name="ae_confirmed_has_severity"
            ),
            models.CheckConstraint(
                condition=~(
                    models.Q(type__in=[t for t, s in rules.MIN_SEVERITY.items() if s == rules.SIGNIFICANT])
                    & models.Q(severity=rules.MILD)
                ),
                name="ae_severity_fits_type",
            ),
            models.CheckConstraint(
                condition=~(
                    models.Q(status=EventStatus.CLOSED) & models.Q(severity=rules.SERIOUS) & models.Q(review_note="")
                ),
                name="ae_serious_closed_with_review",
            ),
            in_error_needs_reason("adverseevent", "entered_in_error", True),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred:%d %b %Y}"
