import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ClinicalRecord


class BulkExport(models.Model):
    """One asynchronous bulk export (FHIR Bulk Data Access, ``$export``): asked for, written to files under
    DATA_DIR/bulk/<code>/ by a worker thread, polled at its status URL, its files downloaded with the same
    credentials, deleted by the client or once expired (fhir/bulk.py)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("staff", "Accepted")
        RUNNING = "running", pgettext_lazy("staff", "Running")
        COMPLETE = "complete", pgettext_lazy("staff", "Complete")
        FAILED = "failed", pgettext_lazy("staff", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("staff", "Cancelled")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="bulk_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    token = models.ForeignKey("accounts.ApiToken", models.SET_NULL, null=True, blank=True, related_name="+")
    request_url = models.CharField(max_length=500)
    types = models.JSONField(default=list, blank=True)  # empty: every type
    since = models.DateTimeField(null=True, blank=True)  # _since: only what changed after it
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    progress = models.CharField(max_length=100, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # {type: resources}
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)  # the worker's last sign of life (fhir/bulk.py STALLED)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "created"])]

    def __str__(self) -> str:
        return f"bulk export {self.code} ({self.status})"


class Imported(ClinicalRecord):
    """One FHIR resource imported (``import_fhir``, the import page): which of our records it became, so that the
    same file imported again changes nothing twice (fhir/importing.py). ``key`` is the resource's first identifier
    (system|value), else its id in the file; ``source_id`` its id there, for the references of a later file."""

    db_guard = guards.NO_DELETE
    # What anonymising removes (lib/anonymity.py, docs/retention.md): another system's identifiers may be a
    # national number. Cleared to null, so the uniqueness below still holds and the link is gone.
    identifying = {"key": CLEAR, "source_id": CLEAR}
    not_identifying = ("resource_type",)
    audit_category = "demographics"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    resource_type = models.CharField(max_length=40)  # "QuestionnaireResponse" is 21
    key = models.CharField(max_length=500, null=True)
    source_id = models.CharField(max_length=200, null=True)
    record = models.UUIDField()  # the code of the record it became (Patient, Episode, Response, Appointment)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "resource_type", "key"], name="imported_once")]
        indexes = [models.Index(fields=["clinic", "resource_type", "source_id"])]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.key}"
