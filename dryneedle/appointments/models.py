import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards, tokens
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ClinicalRecord
from dryneedle.plans.rules import MODALITIES

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class Calendar(models.Model):
    """A practitioner's calendar in one clinic: the secret of its iCalendar feed."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="calendars")
    feed_digest = models.CharField(max_length=64, blank=True)  # SHA-256 of the feed token; empty: no feed

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "user"], name="one_calendar_per_practitioner")]

    def __str__(self) -> str:
        return f"Calendar of {self.user} at {self.clinic}"

    digest_of = staticmethod(tokens.digest)

    def new_feed_token(self) -> str:
        token, self.feed_digest = tokens.mint()
        self.save(update_fields=["feed_digest"])
        return token


class Availability(models.Model):
    """Weekly working hours, in the clinic's time zone."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="availability_end_after_start"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="availability_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AvailabilityException(models.Model):
    """A day off (no times, or times off) or extra hours on one date."""

    class Kind(models.TextChoices):
        OFF = "off", pgettext_lazy("staff", "Not available")
        EXTRA = "extra", pgettext_lazy("staff", "Extra hours")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="availability_exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=5, choices=Kind.choices)
    start = models.TimeField(null=True, blank=True)  # empty: the whole day
    end = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(start__isnull=True) & models.Q(end__isnull=True))
                | (models.Q(start__isnull=False) & models.Q(end__gt=models.F("start"))),
                name="exception_end_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="extra") | models.Q(start__isnull=False), name="exception_extra_has_hours"
            ),
        ]

    def __str__(self) -> str:
        hours = f" {self.start:%H:%M}–{self.end:%H:%M}" if self.start else " (all day)"
        return f"{self.get_kind_display()} {self.date:%d %b %Y}{hours}"


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("staff", "Requested online, to confirm")
    BOOKED = "booked", pgettext_lazy("staff", "Booked")
    ATTENDED = "attended", pgettext_lazy("staff", "Attended")
    CANCELLED = "cancelled", pgettext_lazy("staff", "Cancelled")
    NO_SHOW = "no_show", pgettext_lazy("staff", "Did not attend")


class Appointment(ClinicalRecord):
    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"outside_hours_reason": CLEAR, "cancel_reason": CLEAR, "note": CLEAR, "reminder_error": CLEAR}

    Status = AppointmentStatus

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="appointments")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, null=True, blank=True, related_name="appointments")
    component = models.ForeignKey("plans.Component", models.PROTECT, null=True, blank=True, related_name="appointments")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="appointments")
    KINDS = [*MODALITIES, ("consultation", "Consultation"), ("maintenance", "Maintenance follow-up")]
    kind = models.CharField(max_length=20, choices=KINDS)
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    outside_hours_reason = models.CharField(max_length=200, blank=True)  # the explicit override
    cancel_reason = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)  # for the front desk: no clinical detail
    reminder_sent = models.DateTimeField(null=True, blank=True)
    # Why the last reminder could not go (the mail server refused it); cleared when one goes.
    reminder_error = models.CharField(max_length=200, blank=True)
    # The front desk's "arrived": the patient is in the waiting room (the status stays booked until the visit).
    arrived_at = models.DateTimeField(null=True, blank=True)
    # The needling visit started from this appointment ("Start visit"); one visit per appointment.
    visit = models.OneToOneField(
        "visits.Visit", models.PROTECT, null=True, blank=True, related_name="appointment", editable=False
    )

    # Times that occupy the practitioner (a cancelled slot is free again; a patient's online request holds its
    # time until the front desk confirms or declines it).
    BUSY = (Status.REQUESTED, Status.BOOKED, Status.ATTENDED, Status.NO_SHOW)

    class Meta:
        indexes = [models.Index(fields=["clinic", "practitioner", "start"]), models.Index(fields=["clinic", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(
                condition=~models.Q(status=AppointmentStatus.CANCELLED) | ~models.Q(cancel_reason=""),
                name="cancelled_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        # On the clinic's clock (the request's zone is the clinic's), as every page shows times.
        return f"{self.get_kind_display()} {timezone.localtime(self.start):%d %b %Y %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class WaitlistEntry(ClinicalRecord):
    """A patient who wants an earlier time: offered one when a cancellation or a move frees it (issue 18)."""

    db_guard = guards.NO_DELETE
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"note": CLEAR, "removed_reason": CLEAR}

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("staff", "Waiting")
        BOOKED = "booked", pgettext_lazy("staff", "Booked from the waitlist")
        REMOVED = "removed", pgettext_lazy("staff", "Taken off the list")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="waitlist")
    # Empty: any practitioner of the clinic will do.
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="waitlist"
    )
    kind = models.CharField(max_length=20, choices=Appointment.KINDS, default="dry_needling")
    minutes = models.PositiveSmallIntegerField(default=30)
    earliest = models.DateField()
    latest = models.DateField(null=True, blank=True)  # empty: any time after earliest
    note = models.CharField(max_length=300, blank=True)  # for the front desk ("mornings only")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    appointment = models.OneToOneField(
        Appointment, models.PROTECT, null=True, blank=True, related_name="waitlist_entry", editable=False
    )
    removed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "status", "earliest"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest__isnull=True) | models.Q(latest__gte=models.F("earliest")),
                name="waitlist_latest_after_earliest",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="removed") | ~models.Q(removed_reason=""), name="waitlist_removed_reason"
            ),
            models.CheckConstraint(condition=models.Q(minutes__gte=5, minutes__lte=480), name="waitlist_minutes"),
        ]

    def __str__(self) -> str:
        return f"Waitlist: {self.patient} from {self.earliest:%d %b %Y}"


class WaitlistOffer(ClinicalRecord):
    """A freed time offered to one waiting patient by email, with a one-time link (only its SHA-256 is stored).
    Several patients may be offered the same time: the first to accept gets it (booked under the booking lock),
    the others are told it has gone."""

    db_guard = guards.NO_DELETE
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    anonymise_by = ("entry__patient",)
    not_identifying = ("digest",)

    class Status(models.TextChoices):
        SENT = "sent", pgettext_lazy("staff", "Offered")
        ACCEPTED = "accepted", pgettext_lazy("staff", "Accepted")
        TAKEN = "taken", pgettext_lazy("staff", "Taken by someone else")
        EXPIRED = "expired", pgettext_lazy("staff", "Expired")

    entry = models.ForeignKey(WaitlistEntry, models.PROTECT, related_name="offers")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENT)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "practitioner", "start"])]

    def __str__(self) -> str:
        return f"Offer of {self.start:%d %b %Y %H:%M}"

    digest_of = staticmethod(tokens.digest)


class OnlineBooking(models.Model):
    """Whether patients signed in to their own pages (dryneedle/mine) may book a type of appointment themselves,
    and how long it is. Off unless the clinic turns it on (issue 19); "instant" books at once in a free time of
    the practitioner's real hours, under the same lock and checks as the front desk's booking."""

    class Mode(models.TextChoices):
        OFF = "off", pgettext_lazy("staff", "Not online")
        REQUEST = "request", pgettext_lazy("staff", "Patients ask for a free time; the front desk confirms")
        INSTANT = "instant", pgettext_lazy("staff", "Patients book a free time themselves")

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="online_booking")
    kind = models.CharField(max_length=20, choices=Appointment.KINDS)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.OFF)
    minutes = models.PositiveSmallIntegerField(default=30)
    # Whether someone the clinic does not know yet may book this type (a first visit), from the clinic's booking
    # page: they give their details, prove their email address with a code, and the record is made with the
    # booking (mine/newcomer.py). Off: existing patients only.
    new_patients = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind"], name="one_online_rule_per_kind"),
            models.CheckConstraint(condition=models.Q(minutes__gte=15, minutes__lte=120), name="online_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_mode_display()}"
