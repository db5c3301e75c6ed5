from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ClinicalRecord


class Kind(models.TextChoices):
    # A patient's records share one period: their identity sits on the patient, so anonymising is per person.
    RECORD = "record", pgettext_lazy("staff", "A patient's record: years after the last contact")
    # The age until which a record of someone who was a child at the last contact is kept, whatever the years say.
    MINOR = "minor", pgettext_lazy("staff", "A child's record: kept at least until this birthday")
    # An enquiry through the public directory from someone who did not become a patient.
    ENQUIRY = "enquiry", pgettext_lazy("staff", "An enquiry that did not become a patient: years after it was sent")


class RetentionPeriod(models.Model):
    """How long the clinic keeps one kind of record, set by a clinic admin. No row, or no number: never anonymised
    by the retention run; dryneedle ships no default (docs/retention.md: the sources differ by jurisdiction and
    profession, and some apply to other organisations than a private practice)."""

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="retention_periods")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.PositiveSmallIntegerField(null=True, blank=True)  # years, or an age for MINOR
    basis = models.CharField(max_length=300, blank=True)  # the clinic's own source for the number
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "kind"], name="one_retention_period_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ErasureRequest(ClinicalRecord):
    """A person asked for their record to be erased. Before the retention period ends it cannot be honoured (the
    clinic must keep the record); the request is kept with that reason and the day it can be, and the record is
    anonymised first in line once the day comes."""

    db_guard = guards.NO_DELETE
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"not_yet_reason": CLEAR}
    audit_category = "demographics"

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("staff", "Waiting for the retention period to end")
        DONE = "done", pgettext_lazy("staff", "Anonymised")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="erasure_requests")
    received = models.DateField()
    not_yet_reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(not_yet_reason=""), name="erasure_needs_reason")]
