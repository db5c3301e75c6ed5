from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR
from dryneedle.lib.models import ClinicalRecord
from dryneedle.plans import exercises, rules

PRIMARY_MEASURES = [("nprs", "Pain (NPRS)"), ("odi", "Oswestry (ODI)"), ("rmdq", "Roland-Morris"), ("psfs", "PSFS")]
RISK_GROUPS = [("", "No STarT Back result"), ("low", "Low"), ("medium", "Medium"), ("high", "High")]


class CarePlan(ClinicalRecord):
    """One plan per episode: goals, components by modality, exercises, reviews and maintenance."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"notes": CLEAR}
    not_identifying = ("template", "expected_basis")  # a template code; a cited default

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="plans")
    episode = models.OneToOneField("patients.Episode", models.PROTECT, related_name="plan")
    risk_group = models.CharField(max_length=10, choices=RISK_GROUPS, blank=True)  # at the time the plan was made
    template = models.CharField(max_length=10, blank=True)
    primary_measure = models.CharField(max_length=10, choices=PRIMARY_MEASURES, default="odi")
    expected_dn_visits = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    expected_basis = models.CharField(max_length=400, blank=True)  # the cited default, or "set by the clinician"
    notes = models.TextField(blank=True, max_length=3000)
    # Maintenance after discharge: no published interval in our reference, so the clinician sets it.
    maintenance_every_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    maintenance_until = models.DateField(null=True, blank=True)
    recall_sent_for = models.DateField(null=True, blank=True)  # the maintenance date a recall was sent for

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_dn_visits__isnull=True) | models.Q(expected_dn_visits__gte=1),
                name="plan_expected_visits_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(maintenance_every_weeks__isnull=True) | models.Q(maintenance_every_weeks__gte=1),
                name="plan_maintenance_interval_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Care plan for {self.episode}"


class Goal(ClinicalRecord):
    """A goal in the patient's words, usually a PSFS activity: 0 = unable, 10 = as before (Stratford 1995)."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"activity": CLEAR}

    plan = models.ForeignKey(CarePlan, models.PROTECT, related_name="goals")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    activity = models.CharField(max_length=200)
    baseline = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    target = models.DecimalField(
        max_digits=3, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    target_date = models.DateField(null=True, blank=True)
    achieved_on = models.DateField(null=True, blank=True)
    dropped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__gte=0) & models.Q(target__lte=10), name="goal_target_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline__isnull=True) | models.Q(target__gt=models.F("baseline")),
                name="goal_target_above_baseline",
            ),
        ]

    def __str__(self) -> str:
        return self.activity


class Component(ClinicalRecord):
    """A planned part of care: who does what, how often and how many times."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"outside_provider": CLEAR, "notes": CLEAR}

    plan = models.ForeignKey(CarePlan, models.PROTECT, related_name="components")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    modality = models.CharField(max_length=20, choices=rules.MODALITIES)
    sequence = models.CharField(max_length=10, choices=rules.SEQUENCES, default="separate")
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    outside_provider = models.CharField(max_length=200, blank=True)  # someone outside the clinic, by name
    times = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(14)])
    every_weeks = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(52)])
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    notes = models.CharField(max_length=500, blank=True)
    stopped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(times__gte=1), name="component_frequency_positive"),
            models.CheckConstraint(condition=models.Q(every_weeks__gte=1), name="component_period_positive"),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="component_count_positive"),
            models.CheckConstraint(
                condition=models.Q(provider__isnull=True) | models.Q(outside_provider=""),
                name="component_one_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.get_modality_display()

    @property
    def frequency(self) -> str:
        per = "week" if self.every_weeks == 1 else f"{self.every_weeks} weeks"
        return f"{self.times}× every {per}" if self.every_weeks > 1 else f"{self.times}× a week"

    @property
    def provider_name(self) -> str:
        return self.provider.display_name() if self.provider else (self.outside_provider or "—")


class Assignment(ClinicalRecord):
    """An exercise from the library given to the patient, with the dose for them."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"dose": CLEAR, "notes": CLEAR}

    plan = models.ForeignKey(CarePlan, models.PROTECT, related_name="assignments")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    exercise = models.CharField(max_length=30, choices=exercises.CHOICES)
    dose = models.CharField(max_length=200)
    notes = models.CharField(max_length=300, blank=True)
    start = models.DateField(default=timezone.localdate)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.info.name

    @property
    def info(self) -> exercises.Exercise:
        return exercises.BY_CODE[self.exercise]


class ExerciseLog(ClinicalRecord):
    """The patient did this exercise on this day (one tick per exercise per day)."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)

    assignment = models.ForeignKey(Assignment, models.PROTECT, related_name="logs")
    plan = models.ForeignKey(CarePlan, models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    day = models.DateField()
    done = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "day"], name="one_tick_per_exercise_day")]


class Review(ClinicalRecord):
    """A plan review at a reassessment milestone (half or all of the planned needling visits) or any time."""

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"note": CLEAR}

    class Milestone(models.TextChoices):
        HALF = "half", pgettext_lazy("staff", "Half of the planned needling visits")
        ALL = "all", pgettext_lazy("staff", "All planned needling visits")
        OTHER = "other", pgettext_lazy("staff", "Other review")

    class Decision(models.TextChoices):
        CONTINUE = "continue", pgettext_lazy("staff", "Continue the plan")
        CHANGE = "change", pgettext_lazy("staff", "Change the plan")
        DISCHARGE = "discharge", pgettext_lazy("staff", "Discharge")

    plan = models.ForeignKey(CarePlan, models.PROTECT, related_name="reviews")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    milestone = models.CharField(max_length=10, choices=Milestone.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    visits_signed = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=1000, blank=True)

    def __str__(self) -> str:
        return f"{self.get_milestone_display()}: {self.get_decision_display()}"
