import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.practitioners.models import Credential


class Listing(models.Model):
    """A practitioner's public profile in one clinic: opt-in, and nothing about patients ever."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="listings")
    slug = models.SlugField(max_length=80, unique=True)
    listed = models.BooleanField(default=False)
    profession = models.CharField(max_length=20, choices=Credential.Profession.choices)
    bio = models.TextField(blank=True, max_length=1500)
    languages = models.CharField(max_length=200, default="English", help_text=pgettext_lazy("staff", "Comma-separated"))
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "user"], name="one_listing_per_clinic")]
        indexes = [models.Index(fields=["listed", "city"])]

    def __str__(self) -> str:
        return f"{self.user.display_name()} at {self.clinic}"


class ConsultationRequest(models.Model):
    """A prospective patient asks for a first consultation from a public profile; reception handles it."""

    # What anonymising removes (lib/anonymity.py, docs/retention.md): with the patient it became, or on its own
    # once the clinic's period for enquiries has passed (retention app).
    identifying = {"name": CLEAR, "email": CLEAR, "phone": CLEAR, "message": CLEAR, "preferred_times": CLEAR}
    not_identifying = ("sender",)

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("staff", "New")
        CONVERTED = "converted", pgettext_lazy("staff", "Booked as a patient")
        CLOSED = "closed", pgettext_lazy("staff", "Closed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT)
    listing = models.ForeignKey(Listing, models.PROTECT, related_name="requests")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    message = models.TextField(max_length=1000)
    preferred_times = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # A keyed hash of the sender's address: enough to limit floods, useless to identify anyone.
    sender = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    patient = models.ForeignKey("patients.Patient", models.PROTECT, null=True, blank=True, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "status", "created"])]

    def __str__(self) -> str:
        return f"Consultation request from {self.name}"


class PatientReview(models.Model):
    """A review by a patient who completed an episode: once per episode, through the link sent at discharge.

    Kept apart from clinical outcomes. The clinic may reply; it cannot edit a review, and hides one only
    with a recorded moderation reason (audited).
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"text": CLEAR, "reply": CLEAR}
    anonymise_by = ("episode__patient",)

    class Moderation(models.TextChoices):
        ABUSE = "abuse", pgettext_lazy("staff", "Abusive or threatening")
        PERSONAL_DATA = "personal_data", pgettext_lazy("staff", "Contains personal or health data")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT)
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="reviews")
    episode = models.OneToOneField("patients.Episode", models.PROTECT, related_name="review")
    link = models.OneToOneField("portal.PatientLink", models.PROTECT, related_name="review")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=1000, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(max_length=1000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=20, choices=Moderation.choices, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5), name="review_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 review of {self.practitioner}"
