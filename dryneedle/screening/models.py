from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR, keep
from dryneedle.lib.models import ERROR_REASON_MAX, ClinicalRecord, in_error_needs_reason
from dryneedle.screening.rules import LEVELS, SEVERITY


class ScreeningStatus(models.TextChoices):
    CURRENT = "current", pgettext_lazy("staff", "Current")
    SUPERSEDED = "superseded", pgettext_lazy("staff", "Superseded by a newer screening")
    INVALIDATED = "invalidated", pgettext_lazy("staff", "No longer valid (something changed)")
    ENTERED_IN_ERROR = "entered_in_error", pgettext_lazy("staff", "Entered in error")


class Screening(ClinicalRecord):
    """One screening of an episode: the answers, the computed decision, and what the clinician did with it.

    Answers and decision never change after saving; a change in the patient's
    situation means a new screening. Acknowledgments, an override and medical
    clearance are added to it, each with who and when.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    # The answers keep their codes (findings, regions, the clearance of which pathology when); medications are typed
    # by hand and a clearance names its physician. The result keeps its rules, not their sentences (they quote both).
    identifying = {
        "answers": keep("age", "sex", "consent", "findings", "pregnancy_weeks", "planned_regions",
                        "electrical_stimulation", "region_findings", "asked", "medical_clearance.suspected",
                        "medical_clearance.date", "medical_clearance.findings"),
        "result": keep("decision", "override_allowed", "suspected", "reasons.rule", "precautions.rule",
                       "excluded_regions", "no_electrical_stimulation", "lung_protective_technique", "not_asked"),
        "status_reason": CLEAR, "error_reason": CLEAR, "consent_witness": CLEAR, "clearance_by": CLEAR,
        "override_reason": CLEAR,
    }  # fmt: skip
    not_identifying = ("acknowledged",)  # rule codes, the staff login and the time
    audit_category = "screening"  # its rows' data category in the audit log (audit/log.py)
    audit_actions = "screening"  # the action prefix of rows about it that name no object

    Status = ScreeningStatus
    IN_ERROR = ("status", ScreeningStatus.ENTERED_IN_ERROR)

    class ConsentType(models.TextChoices):
        VERBAL = "verbal", pgettext_lazy("staff", "Verbal")
        WRITTEN = "written", pgettext_lazy("staff", "Written")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="screenings")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="screenings")
    answers = models.JSONField()
    decision = models.CharField(max_length=20, choices=[(x, x.replace("_", " ")) for x in LEVELS])
    result = models.JSONField()
    valid_until = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CURRENT)
    status_reason = models.CharField(max_length=300, blank=True)
    error_reason = models.CharField(max_length=ERROR_REASON_MAX, blank=True)  # why it was entered in error
    consent_type = models.CharField(max_length=10, choices=ConsentType.choices, blank=True)
    consent_witness = models.CharField(max_length=200, blank=True)
    # The signed consent form the written consent rests on (issue 19), linked when the screening is recorded.
    consent_document = models.ForeignKey("consent.SignedConsent", models.PROTECT, null=True, blank=True,
                                         related_name="screenings")  # fmt: skip
    clearance_by = models.CharField(max_length=200, blank=True)  # screenings before Dec 2026; now in answers
    acknowledged = models.JSONField(default=list)  # [{"rule", "by", "at"}]
    override_reason = models.CharField(max_length=1000, blank=True)
    override_written_consent = models.BooleanField(default=False)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "episode", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(override_reason="") | models.Q(override_written_consent=True),
                name="screening_override_needs_written_consent",
            ),
            models.CheckConstraint(
                condition=~models.Q(answers__consent="given") | ~models.Q(consent_type=""),
                name="screening_consent_type_recorded",
            ),
            in_error_needs_reason("screening", "status", ScreeningStatus.ENTERED_IN_ERROR),
        ]

    def __str__(self) -> str:
        return f"Screening {self.created:%d %b %Y}: {self.get_decision_display()}"

    @staticmethod
    def validity() -> timedelta:
        return timedelta(days=settings.SCREENING_VALID_DAYS)

    @property
    def severity(self) -> int:
        return SEVERITY[self.decision]

    def is_current(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.CURRENT and now < self.valid_until

    @property
    def acknowledged_rules(self) -> set[str]:
        return {a["rule"] for a in self.acknowledged}

    @property
    def unacknowledged(self) -> list[dict]:
        done = self.acknowledged_rules
        return [p for p in self.result["precautions"] if p["rule"] not in done]
