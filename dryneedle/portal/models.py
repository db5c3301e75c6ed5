from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards, tokens
from dryneedle.lib.anonymity import CLEAR, keep
from dryneedle.lib.marks import gettext_noop
from dryneedle.lib.models import ClinicalRecord


class PatientLink(ClinicalRecord):
    """A link a patient opens without an account: one patient, one purpose, expiring, used once.

    The token is 256 random bits shown once; only its SHA-256 is stored, so a
    database reader cannot use a link. A submitted link cannot be replayed.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"answers": CLEAR, "progress": CLEAR}
    not_identifying = ("digest", "bundle")  # a hash of the token; instrument codes
    audit_category = "screening"  # its rows' data category in the audit log (audit/log.py)

    class Purpose(models.TextChoices):
        SCREENING = "screening", pgettext_lazy("staff", "Screening questions before needling")
        OUTCOMES = "outcomes", pgettext_lazy("staff", "Questionnaires about pain and function")
        HANDOUT = "handout", pgettext_lazy("staff", "Aftercare handout")
        CHECKIN = "checkin", pgettext_lazy("staff", "Check-in after needling")
        EXERCISES = "exercises", pgettext_lazy("staff", "Home exercise programme")
        REVIEW = "review", pgettext_lazy("staff", "Review of your care")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="links")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(null=True, blank=True)  # what the patient submitted
    bundle = models.JSONField(default=list, blank=True)  # the instruments asked, for an outcomes link
    progress = models.JSONField(default=dict, blank=True)  # answers so far, screen by screen

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link, expires {self.expires:%d %b %Y}"

    digest_of = staticmethod(tokens.digest)

    @classmethod
    def issue(cls, episode, purpose: str, user, bundle=(), days=None) -> tuple["PatientLink", str]:
        token, digest = tokens.mint()
        link = cls.objects.create(
            bundle=list(bundle),
            clinic=episode.clinic,
            patient=episode.patient,
            episode=episode,
            purpose=purpose,
            digest=digest,
            expires=timezone.now() + timedelta(days=days or settings.PATIENT_LINK_DAYS),
            created_by=user,
            updated_by=user,
        )
        return link, token

    def problem(self, now=None) -> str:
        """Why this link cannot be used now, in words for the patient (empty when it can)."""
        now = now or timezone.now()
        if self.used_at is not None:
            return gettext_noop(
                "These answers were already sent. Thank you. If something has changed, tell your clinic."
            )
        if now >= self.expires:
            return gettext_noop("This link has expired. Ask your clinic for a new one.")
        return ""


class Intake(ClinicalRecord):
    """What a patient tells the clinic before a visit booked online (issue 19): before a first visit, their
    details, their back pain, their health and medicines and the warning signs and conditions of the screening's
    pre-fill (portal/forms.py); before a visit after a break (appointments/intake.py), what changed since. The
    clinician's screening starts from the answers; the decision is made only there."""

    db_guard = guards.NO_DELETE
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    # The pre-screen's codes stay; the person's own words, medicines, address and contacts go.
    identifying = {"answers": keep("findings", "pregnant", "pregnancy_weeks", "started")}
    audit_category = "screening"

    class Kind(models.TextChoices):
        FIRST = "first", pgettext_lazy("staff", "Before the first visit")
        CHANGES = "changes", pgettext_lazy("staff", "What changed since the last visit")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="intakes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due = models.DateTimeField()  # the start of the visit it was asked for
    answered_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due:%d %b %Y})"
