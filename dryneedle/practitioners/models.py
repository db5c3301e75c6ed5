import hashlib
import uuid
import zoneinfo
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from dryneedle.lib import tokens


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}.")


class Clinic(models.Model):
    """The tenant. Every clinical row carries its clinic."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # ISO 3166-2 style code, e.g. "US-CO", "CA-AB", "GB-ENG"; jurisdiction rules
    # (practitioners issue) are looked up by it.
    jurisdiction = models.CharField(max_length=10)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # Practitioners' iCalendar feeds show "Appointment" only, unless the clinic allows patient names.
    calendar_feed_names = models.BooleanField(default=False)
    # Where an urgent check-in answer goes tonight: check-ins are not sent until it is set (safety review).
    on_call_email = models.EmailField(blank=True)
    on_call_phone = models.CharField(max_length=40, blank=True)
    # No published window after spinal surgery or a spinal injection is held (docs/clinical-sources.md §14):
    # the clinic sets its own, with no default; the screening form shows it beside the finding.
    spinal_surgery_defer_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    # Emergency (break-glass) openings one person may make per hour (issue 15, finding 7). No
    # published number exists; 5 is our stated choice: enough for a bad night on call, far
    # below a sweep of the records. The clinic may set 1-20.
    emergency_access_per_hour = models.PositiveSmallIntegerField(default=5)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Users are deactivated, never deleted."""

    # Raised on logout, password change and deactivation; it is part of the
    # session hash, so every existing session of the user stops being valid.
    session_epoch = models.PositiveIntegerField(default=0)

    def get_session_auth_hash(self) -> str:
        base = super().get_session_auth_hash()
        return hashlib.sha256(f"{base}:{self.session_epoch}".encode()).hexdigest()

    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        # A new password ends every session opened with the old one.
        self.session_epoch += 1

    def end_all_sessions(self) -> None:
        User.objects.filter(pk=self.pk).update(session_epoch=models.F("session_epoch") + 1)
        self.refresh_from_db(fields=["session_epoch"])

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    PRACTITIONER = "practitioner", "Practitioner"
    RECEPTION = "reception", "Reception"
    AUDITOR = "auditor", "Auditor"


class Membership(models.Model):
    user = models.ForeignKey(User, models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    # The right to needle in this clinic, given by a clinic admin after the jurisdiction check
    # (practitioners/gate.py); checked again at every signing, since credentials expire.
    needling = models.BooleanField(default=False)
    needling_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.role})"


class Credential(models.Model):
    """A licence or dry-needling certification (minimal; extended by the practitioners issue)."""

    class Kind(models.TextChoices):
        LICENCE = "licence", "Professional licence"
        DN_CERTIFICATION = "dn_certification", "Dry-needling training / certification"
        AUTHORIZATION = "authorization", "Authorization to dry needle (e.g. Alberta, BC roster)"

    class Method(models.TextChoices):
        REGISTER = "register", "Checked on the issuing body's public register"
        DOCUMENT = "document", "Original certificate seen"
        ISSUER = "issuer", "Confirmed with the issuer"

    class Profession(models.TextChoices):
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist / physical therapist"
        CHIROPRACTOR = "chiropractor", "Chiropractor"
        PHYSICIAN = "physician", "Physician"
        ACUPUNCTURIST = "acupuncturist", "Acupuncturist"
        OTHER = "other", "Other"

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
        PERMITTED = "permitted", "Permitted"
        PROHIBITED = "prohibited", "Prohibited"
        SILENT = "silent", "Law silent"

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


class ApiToken(models.Model):
    """A bearer token for the JSON API, bound to one user in one clinic.

    Only a SHA-256 of the token is stored; the token is shown once. A token
    carries scopes (what kinds of call it may make, on top of its owner's role)
    and always expires (issue 15, finding 9).
    """

    SCOPES = {
        "read": "Read (GET)",
        "write": "Write (create and change records)",
        "export": "Export (bulk exports of the clinic's data)",
    }
    # Our choice, stated: a token is a long-lived password; a year at most, 90 days unless chosen.
    LIFETIMES = (7, 30, 90, 365)
    DEFAULT_DAYS = 90

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    membership = models.ForeignKey(Membership, models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=40, default="read")
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    PREFIX = "dn_"

    def __str__(self) -> str:
        return f"API token {self.name!r} of {self.membership}"

    def scope_set(self) -> set[str]:
        return set(self.scopes.split(",")) & set(self.SCOPES)

    def scope_labels(self) -> list[str]:
        return [label for key, label in self.SCOPES.items() if key in self.scope_set()]

    def status(self) -> str:
        if self.revoked:
            return "revoked"
        if self.expires is None or self.expires <= timezone.now():
            return "expired"
        return "active"

    digest_of = staticmethod(tokens.digest)

    @classmethod
    def issue(
        cls, membership: Membership, name: str, scopes=("read", "write"), days: int = DEFAULT_DAYS
    ) -> tuple["ApiToken", str]:
        unknown = set(scopes) - set(cls.SCOPES)
        if unknown or not scopes:
            raise ValidationError(f"Unknown or no scopes: {', '.join(sorted(unknown)) or 'none given'}.")
        if days not in cls.LIFETIMES:
            raise ValidationError(f"A token lives {', '.join(map(str, cls.LIFETIMES))} days.")
        token, digest = tokens.mint(cls.PREFIX)
        obj = cls.objects.create(
            membership=membership,
            name=name,
            digest=digest,
            scopes=",".join(k for k in cls.SCOPES if k in scopes),
            expires=timezone.now() + timedelta(days=days),
        )
        return obj, token


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
    checked_by = models.CharField(max_length=200, help_text="Who checked the local rule")
    source = models.CharField(max_length=400, help_text="The rule and where it was read")
    checked_on = models.DateField()
    recorded_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "jurisdiction", "profession"])]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.profession}: checked by {self.checked_by} on {self.checked_on}"

    def current(self, on) -> bool:
        from datetime import timedelta

        return self.checked_on <= on < self.checked_on + timedelta(days=self.VALID_DAYS)


class LoginThrottle(models.Model):
    """Consecutive failed sign-ins at one account name, from every address (practitioners/throttle.py).

    Keyed by a keyed digest of the name typed, so that names that are not
    accounts (or a password typed in the wrong box) are not stored, and so that
    unknown names are slowed exactly like real ones. Cleared by a success or the
    owner's unlock link; rows idle for a day are pruned.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.failures} failures, last {self.last_failure:%Y-%m-%d %H:%M}"
