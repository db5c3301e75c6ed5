import hashlib
import uuid
import zoneinfo
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib import tokens


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(pgettext("staff", "Unknown time zone %(value)s.") % {"value": repr(value)})


class ClinicGroup(models.Model):
    """Several clinics with one owner. A member who is clinic admin at more than one of them sees reports
    across those clinics, by clinic (analytics); nothing clinical is shared between the clinics."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)

    class Meta:
        db_table = "accounts_clinicgroup"

    def __str__(self) -> str:
        return self.name


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
    # How soon the clinic answers a patient's message, shown above the patient's thread (issue 19). No default:
    # the promise is the clinic's to make.
    message_reply_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    # Up to how many hours before an appointment a patient cancels or changes it online (issue 19); later, they
    # call. 24 by default: the notice the running numbers count a late cancellation by (analytics/operations.py).
    online_notice_hours = models.PositiveSmallIntegerField(default=24)
    group = models.ForeignKey(ClinicGroup, models.PROTECT, null=True, blank=True, related_name="clinics")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "practitioners_clinic"  # kept from when these lived in practitioners (docs/architecture.md)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Users are deactivated, never deleted."""

    # Raised on logout, password change and deactivation; it is part of the
    # session hash, so every existing session of the user stops being valid.
    session_epoch = models.PositiveIntegerField(default=0)
    # Given to each request's user by django-otp's middleware: signed in with the second factor.
    is_verified: Callable[[], bool]

    class Meta:
        db_table = "practitioners_user"  # kept from when these lived in practitioners (docs/architecture.md)

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
    CLINIC_ADMIN = "clinic_admin", pgettext_lazy("staff", "Clinic admin")
    PRACTITIONER = "practitioner", pgettext_lazy("staff", "Practitioner")
    RECEPTION = "reception", pgettext_lazy("staff", "Reception")
    AUDITOR = "auditor", pgettext_lazy("staff", "Auditor")


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
        db_table = "practitioners_membership"
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.role})"


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

    class Meta:
        db_table = "practitioners_apitoken"  # kept from when these lived in practitioners (docs/architecture.md)

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
            raise ValidationError(
                pgettext("staff", "Unknown or no scopes: %(scopes)s.")
                % {"scopes": ", ".join(sorted(unknown)) or "none given"}
            )
        if days not in cls.LIFETIMES:
            raise ValidationError(
                pgettext("staff", "A token lives %(days)s days.") % {"days": ", ".join(map(str, cls.LIFETIMES))}
            )
        token, digest = tokens.mint(cls.PREFIX)
        obj = cls.objects.create(
            membership=membership,
            name=name,
            digest=digest,
            scopes=",".join(k for k in cls.SCOPES if k in scopes),
            expires=timezone.now() + timedelta(days=days),
        )
        return obj, token


class LoginThrottle(models.Model):
    """Consecutive failed sign-ins at one account name, from every address (accounts/throttle.py).

    Keyed by a keyed digest of the name typed, so that names that are not
    accounts (or a password typed in the wrong box) are not stored, and so that
    unknown names are slowed exactly like real ones. Cleared by a success or the
    owner's unlock link; rows idle for a day are pruned.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "practitioners_loginthrottle"  # kept from when these lived in practitioners (docs/architecture.md)

    def __str__(self) -> str:
        return f"{self.failures} failures, last {self.last_failure:%Y-%m-%d %H:%M}"
