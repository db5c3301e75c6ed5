import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.accounts.models import Clinic, User
from dryneedle.lib.marks import gettext_noop


class Credential(models.Model):
    """A licence or dry-needling certification (minimal; extended by the practitioners issue)."""

    class Kind(models.TextChoices):
        LICENCE = "licence", pgettext_lazy("staff", "Professional licence")
        DN_CERTIFICATION = "dn_certification", pgettext_lazy("staff", "Dry-needling training / certification")
        AUTHORIZATION = "authorization", pgettext_lazy("staff", "Authorization to dry needle (e.g. Alberta, BC roster)")

    class Method(models.TextChoices):
        REGISTER = "register", pgettext_lazy("staff", "Checked on the issuing body's public register")
        DOCUMENT = "document", pgettext_lazy("staff", "Original certificate seen")
        ISSUER = "issuer", pgettext_lazy("staff", "Confirmed with the issuer")

    class Profession(models.TextChoices):
        # Marked for translation: the public directory shows them in the visitor's language.
        PHYSIOTHERAPIST = "physiotherapist", gettext_noop("Physiotherapist / physical therapist")
        CHIROPRACTOR = "chiropractor", gettext_noop("Chiropractor")
        PHYSICIAN = "physician", gettext_noop("Physician")
        ACUPUNCTURIST = "acupuncturist", gettext_noop("Acupuncturist")
        OTHER = "other", gettext_noop("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    profession = models.CharField(max_length=20, choices=Profession.choices)
    title = models.CharField(max_length=200)
    number = models.CharField(max_length=60, blank=True)
    issuer = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=10, blank=True)
    hours_in_person = models.PositiveIntegerField(null=True, blank=True)
    hours_online = models.PositiveIntegerField(null=True, blank=True)
    issued = models.DateField()
    expires = models.DateField(null=True, blank=True)
    # Verification is per clinic (CredentialVerification): a clinic's gate counts only its own admins'
    # verifications, so another clinic can neither withdraw nor forge it (security battery finding 1).
    # The certificate itself (PDF, PNG or JPEG, checked by content, at most 5 MB), kept in the database
    # so it is backed up and access-checked with everything else.
    certificate = models.BinaryField(null=True, blank=True, editable=False)
    certificate_type = models.CharField(max_length=40, blank=True)
    certificate_name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True, null=True)
    # The smallest warning window (60, then 14 days) already emailed for this expiry: each goes once.
    warned_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires__isnull=True) | models.Q(expires__gt=models.F("issued")),
                name="credential_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} ({self.issuer})"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.issued <= on and (self.expires is None or on <= self.expires)

    def verification_for(self, clinic) -> "CredentialVerification | None":
        return next((v for v in self.verifications.all() if v.clinic_id == clinic.pk), None)

    def days_left(self, on=None) -> int | None:
        return None if self.expires is None else (self.expires - (on or timezone.localdate())).days


class CredentialVerification(models.Model):
    """A clinic admin's verification of a credential, for that clinic only: who, when, how."""

    credential = models.ForeignKey(Credential, models.PROTECT, related_name="verifications")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="credential_verifications")
    method = models.CharField(max_length=10, choices=Credential.Method.choices)
    note = models.CharField(max_length=300, blank=True)
    verified_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["credential", "clinic"], name="one_verification_per_clinic")]

    def __str__(self) -> str:
        return f"{self.credential} verified for {self.clinic} on {self.verified_at:%d %b %Y}"


class JurisdictionRule(models.Model):
    """Whether and on what terms a profession may dry needle in a jurisdiction (practitioners/jurisdictions.py).

    Loaded from the cited defaults; kept current by a superuser (every edit is audited).
    """

    class Status(models.TextChoices):
        PERMITTED = "permitted", pgettext_lazy("staff", "Permitted")
        PROHIBITED = "prohibited", pgettext_lazy("staff", "Prohibited")
        SILENT = "silent", pgettext_lazy("staff", "Law silent")

    jurisdiction = models.CharField(max_length=10)
    profession = models.CharField(max_length=20, choices=Credential.Profession.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    min_hours_in_person = models.PositiveIntegerField(null=True, blank=True)
    min_hours_total = models.PositiveIntegerField(null=True, blank=True)
    prior_practice_years = models.PositiveIntegerField(null=True, blank=True)
    written_consent = models.BooleanField(default=False)
    separate_note = models.BooleanField(default=False)
    extra_authorization = models.BooleanField(default=False)
    source = models.CharField(max_length=400)
    note = models.CharField(max_length=500, blank=True)
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["jurisdiction", "profession"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "profession"], name="one_rule_per_jurisdiction_profession")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.get_profession_display()}: {self.get_status_display()}"


class LocalRuleAttestation(models.Model):
    """A clinic admin's record that someone checked the local rule for a profession where we hold none.

    The gate fails closed (safety review, docs/clinical-sources.md §14): with no cited rule, or a law silent
    on dry needling, nobody signs a needling visit there until this is recorded, and it is asked again after
    a year (laws change).
    """

    VALID_DAYS = 365

    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="rule_attestations")
    jurisdiction = models.CharField(max_length=10)
    profession = models.CharField(max_length=20, choices=Credential.Profession.choices)
    checked_by = models.CharField(max_length=200, help_text=pgettext_lazy("staff", "Who checked the local rule"))
    source = models.CharField(max_length=400, help_text=pgettext_lazy("staff", "The rule and where it was read"))
    checked_on = models.DateField()
    recorded_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "jurisdiction", "profession"])]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.profession}: checked by {self.checked_by} on {self.checked_on}"

    def current(self, on) -> bool:

        return self.checked_on <= on < self.checked_on + timedelta(days=self.VALID_DAYS)
