from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ClinicalRecord


class SignedConsent(ClinicalRecord):
    """A patient's signed informed consent to dry needling (issue 19): the form exactly as they read it, their
    typed name and drawn signature, and the PDF made at that moment with its SHA-256. Nothing of it changes after
    signing; a withdrawal is added to it (when, why, recorded by whom) and closes the needling gate.

    Colorado requires written informed consent for each dry-needling patient (4 CCR 732-1 Rule 11,
    docs/clinical-sources.md §9): the signing check reads these documents."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"text": CLEAR, "typed_name": CLEAR, "signature": CLEAR, "pdf": CLEAR, "sha256": CLEAR,
                   "withdrawn_reason": CLEAR}  # fmt: skip
    not_identifying = ("form_version",)
    audit_category = "consent"  # its rows' data category in the audit log (audit/log.py)
    audit_actions = "consent"

    class Via(models.TextChoices):
        ACCOUNT = "account", pgettext_lazy("staff", "In their own account")
        CLINIC = "clinic", pgettext_lazy("staff", "On the clinic's device")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="consents", editable=False)
    form_version = models.CharField(max_length=20, editable=False)
    text = models.TextField(editable=False)  # the form as shown (HTML made by our template), frozen
    typed_name = models.CharField(max_length=200, editable=False)
    signature = models.TextField(blank=True, editable=False)  # SVG path data of the drawn signature
    typed_only = models.BooleanField(default=False, editable=False)  # could not draw: the typed name signs
    signed_at = models.DateTimeField(editable=False)
    via = models.CharField(max_length=10, choices=Via.choices, editable=False)
    witness = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                editable=False)  # fmt: skip
    pdf = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)  # of the PDF's bytes
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+")  # fmt: skip  # None with a date: the patient, online

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "signed_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(sha256=""), name="consent_has_pdf_hash"),
            models.CheckConstraint(condition=~models.Q(typed_name=""), name="consent_has_typed_name"),
            models.CheckConstraint(
                condition=~models.Q(signature="") | models.Q(typed_only=True), name="consent_signed_or_typed_only"
            ),
        ]

    def __str__(self) -> str:
        return f"Consent to dry needling signed {self.signed_at:%d %b %Y}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
