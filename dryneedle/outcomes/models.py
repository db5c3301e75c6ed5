from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.accounts.middleware import clinic_zone
from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR, drop
from dryneedle.lib.models import ERROR_REASON_MAX, ClinicalRecord, NeverDeletedQuerySet, in_error_needs_reason
from dryneedle.outcomes import schedule, scoring

INSTRUMENT_CHOICES = [
    ("nprs", "Pain (NPRS 0-10)"),
    ("odi", "Oswestry Disability Index 2.1a"),
    ("rmdq", "Roland-Morris Disability Questionnaire"),
    ("startback", "Keele STarT Back"),
    ("psfs", "Patient-Specific Functional Scale"),
]
NAMES = dict(INSTRUMENT_CHOICES)


class ResponseQuerySet(NeverDeletedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # collected_on is set in save(); a bulk insert skips save(), so it is set here too.
        objs = list(objs)
        for r in objs:
            r.set_collected_on()
        return super().bulk_create(objs, *args, **kwargs)


class Response(ClinicalRecord):
    """One completed questionnaire: the answers as given and their score (outcomes/scoring.py).

    The answers are kept, so a score can always be recomputed and checked. A
    wrong response is marked entered in error, never changed or deleted.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"answers": drop("activities.name"), "reason": CLEAR, "error_reason": CLEAR}  # PSFS: activities
    not_identifying = ("details",)  # subscores and bands
    IN_ERROR = ("entered_in_error", True)
    objects = ResponseQuerySet.as_manager()  # type: ignore[misc]  # a subclass of the base manager

    class Source(models.TextChoices):
        CLINICIAN = "clinician", pgettext_lazy("staff", "Entered by the clinician")
        PATIENT = "patient", pgettext_lazy("staff", "Filled in by the patient")
        # From another system (fhir/importing.py): its answers, scored here, or a total alone (answers empty: it
        # cannot be scored again; the episode's page says so).
        IMPORTED = "imported", pgettext_lazy("staff", "Imported from another system")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="responses")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="responses")
    visit = models.ForeignKey("visits.Visit", models.PROTECT, null=True, blank=True, related_name="responses")
    link = models.ForeignKey("portal.PatientLink", models.PROTECT, null=True, blank=True, related_name="responses")
    instrument = models.CharField(max_length=12, choices=INSTRUMENT_CHOICES)
    answers = models.JSONField()
    collected = models.DateTimeField(default=timezone.now)
    # The day it was answered on the clinic's calendar: time points are days after the episode's start
    # or discharge, counted in SQL by the effectiveness report and the worklist (outcomes/timepoints.py).
    collected_on = models.DateField(editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CLINICIAN)
    scorable = models.BooleanField()
    score = models.FloatField(null=True, blank=True)  # unrounded; ODI percent, STarT Back total
    details = models.JSONField(default=dict, blank=True)  # raw, answered, band / psychosocial, risk
    reason = models.CharField(max_length=200, blank=True)  # why not scorable
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=ERROR_REASON_MAX, blank=True)  # why it was entered in error

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "episode", "instrument", "collected"]),
            models.Index(fields=["episode", "instrument", "collected_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scorable=False) | models.Q(score__isnull=False), name="scorable_has_score"
            ),
            in_error_needs_reason("response", "entered_in_error", True),
        ]

    def __str__(self) -> str:
        return f"{NAMES[self.instrument]} {self.collected:%d %b %Y}"

    def set_collected_on(self) -> None:
        self.collected_on = timezone.localtime(self.collected, clinic_zone(self.clinic)).date()

    def save(self, *args, **kwargs):
        self.set_collected_on()
        super().save(*args, **kwargs)

    @property
    def display(self) -> str:
        if not self.scorable:
            return "not scorable"
        if self.instrument == "odi":
            return f"{self.score:.1f}% ({self.details.get('band', '').replace('_', '-')})"
        if self.instrument == "startback":
            return f"{self.score:g} ({self.details.get('risk')} risk, psychosocial {self.details.get('psychosocial')})"
        if self.instrument == "psfs":
            return f"{self.score:.1f} / 10"
        return f"{self.score:g}"


class Threshold(models.Model):
    """A clinic's own minimal important change for a measure, replacing the cited default."""

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="thresholds")
    measure = models.CharField(max_length=12, choices=[(m, NAMES[m]) for m in scoring.MEASURES])
    points = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0.1), MaxValueValidator(100)]
    )
    source = models.CharField(max_length=300)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "measure"], name="one_threshold_per_measure")]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.points} points"


class TextPack(models.Model):
    """A clinic's licensed or published wording of the questionnaires, per language, loaded from JSON (docs/cli.md).

    English (``en-gb``): the ODI's licensed statements and the RMDQ's published ones; the rest is ours. Another
    language: the whole wording of each instrument it holds, screen by screen, from a licensed validated
    translation; an instrument it does not hold is asked in English, and the patient is told (issue 19:
    validated instruments are never machine-translated)."""

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="text_packs")
    language = models.CharField(max_length=10, default="en-gb")  # settings.LANGUAGES
    pack = models.JSONField()  # en-gb: {"odi": {section: [6]}, "rmdq": [24]}; others: {"screens": {...}}
    source = models.CharField(max_length=300)
    loaded = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "language"], name="one_text_pack_per_language")]

    def __str__(self) -> str:
        return f"Text pack, {self.language} ({self.source})"


class ObjectiveMeasure(ClinicalRecord):
    """A measure the clinician takes: lumbar range of motion or pressure pain threshold.

    The method, device, unit and site are part of the value: PPT readings are only
    comparable within a patient, device and site (Suzuki 2022, docs/clinical-sources.md §6.6),
    and range of motion differs by method.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"method": CLEAR, "site": CLEAR, "error_reason": CLEAR}
    not_identifying = ("trials",)
    IN_ERROR = ("entered_in_error", True)

    class Kind(models.TextChoices):
        FLEXION = "rom_flexion", pgettext_lazy("staff", "Lumbar flexion")
        EXTENSION = "rom_extension", pgettext_lazy("staff", "Lumbar extension")
        SIDE_LEFT = "rom_side_left", pgettext_lazy("staff", "Side bending, left")
        SIDE_RIGHT = "rom_side_right", pgettext_lazy("staff", "Side bending, right")
        PPT = "ppt", pgettext_lazy("staff", "Pressure pain threshold")

    class Unit(models.TextChoices):
        DEGREES = "deg", pgettext_lazy("staff", "degrees")
        CM = "cm", pgettext_lazy("staff", "cm")
        KG_CM2 = "kg/cm2", pgettext_lazy("staff", "kg/cm²")
        KPA = "kPa", pgettext_lazy("staff", "kPa")
        N_CM2 = "N/cm2", pgettext_lazy("staff", "N/cm²")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="objective_measures")
    visit = models.ForeignKey("visits.Visit", models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    trials = models.JSONField()  # the readings; the value is their mean
    value = models.FloatField()
    unit = models.CharField(max_length=8, choices=Unit.choices)
    method = models.CharField(
        max_length=120,
        help_text=pgettext_lazy("staff", "Inclinometer, fingertip-to-floor, modified Schober, algometer model…"),
    )
    site = models.CharField(
        max_length=120, blank=True, help_text=pgettext_lazy("staff", "PPT: where (e.g. L4 multifidus, left)")
    )
    measured = models.DateTimeField(default=timezone.now)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=ERROR_REASON_MAX, blank=True)  # why it was entered in error

    class Meta:
        constraints = [in_error_needs_reason("objectivemeasure", "entered_in_error", True)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value:g} {self.get_unit_display()}"


ROM_UNITS = ("deg", "cm")
PPT_UNITS = ("kg/cm2", "kPa", "N/cm2")


class OutcomeSettings(models.Model):
    """How a clinic follows its patients up: which disability measure, when to remind, what to publish."""

    clinic = models.OneToOneField("accounts.Clinic", models.PROTECT, related_name="outcome_settings")
    # One disability measure per clinic, as the core outcome set asks (outcomes/schedule.py).
    disability = models.CharField(max_length=4, choices=schedule.Disability.choices, default=schedule.Disability.ODI)
    # Days after sending before the one reminder. An operational choice, not a clinical number:
    # 3 days leaves the reminder inside every time point's window (the shortest stays open 7 days).
    reminder_days = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(7)])
    # The public directory shows a practitioner's follow-up and responder rates only when the clinic
    # opts in (issue 17) and enough episodes stand behind them (analytics.report.DIRECTORY_MIN_EPISODES).
    publish_outcomes = models.BooleanField(default=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "outcome settings"

    def __str__(self) -> str:
        return f"Outcome settings of {self.clinic}"

    @classmethod
    def of(cls, clinic) -> "OutcomeSettings":
        """The clinic's settings; the defaults (unsaved) until an admin saves its own."""
        return cls.objects.filter(clinic=clinic).first() or cls(clinic=clinic)


class FollowUp(ClinicalRecord):
    """One time point's questionnaires sent to a patient: sent once, reminded once, answered or not.

    One row per episode and time point: the unique pair decides who sends, so repeated or concurrent runs
    of ``send_questionnaires`` never send twice (as the check-ins).
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    not_identifying = ("instruments",)
    audit_category = "outcomes"  # its rows' data category in the audit log (audit/log.py)

    class Channel(models.TextChoices):
        EMAIL = "email", pgettext_lazy("staff", "Email")
        BY_HAND = "by_hand", pgettext_lazy("staff", "Link given in person (QR code or copied)")
        ACCOUNT = "account", pgettext_lazy("staff", "Opened by the patient in their account")

    class State(models.TextChoices):
        SENT = "sent", pgettext_lazy("staff", "Sent")
        ANSWERED = "answered", pgettext_lazy("staff", "Answered")
        CLOSED = "closed", pgettext_lazy("staff", "Window closed unanswered")
        STOPPED = "stopped", pgettext_lazy("staff", "Stopped: the patient opted out")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="follow_ups")
    point = models.CharField(max_length=10, choices=schedule.TimePoint.choices)
    due = models.DateField()
    closes = models.DateField()  # the last day of the window; the link expires then
    instruments = models.JSONField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    link = models.ForeignKey("portal.PatientLink", models.PROTECT, related_name="follow_ups")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT)
    sent_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "point"], name="one_follow_up_per_point")]
        indexes = [models.Index(fields=["clinic", "state", "closes"])]

    def __str__(self) -> str:
        return f"{schedule.TimePoint(self.point).label} questionnaires"


class OptOut(ClinicalRecord):
    """The patient asked to receive no more questionnaires for an episode (or the clinician recorded it).

    Honoured by the sending command at once; shown on the episode. A patient who changes their mind is
    resumed by the clinician (``resumed_at``), and the row stays.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"note": CLEAR}
    audit_category = "outcomes"

    class Source(models.TextChoices):
        PATIENT = "patient", pgettext_lazy("staff", "The patient, from the questionnaire link")
        CLINICIAN = "clinician", pgettext_lazy("staff", "Recorded by the clinician")

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="opt_outs")
    source = models.CharField(max_length=10, choices=Source.choices)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"No more questionnaires ({self.get_source_display().lower()})"
