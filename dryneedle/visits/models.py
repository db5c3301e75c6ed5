import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR, keep
from dryneedle.lib.models import ClinicalRecord, NeverDeletedQuerySet
from dryneedle.visits.depth import PROTECTIVE
from dryneedle.visits.muscles import BY_CODE, CHOICES


class NeedleLot(models.Model):
    """A lot of sterile single-use filiform needles in the clinic's stock."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="needle_lots")
    manufacturer = models.CharField(max_length=100)
    diameter_mm = models.DecimalField(
        max_digits=4, decimal_places=2, validators=[MinValueValidator(0.1), MaxValueValidator(0.5)]
    )
    length_mm = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(150)])
    lot_number = models.CharField(max_length=60)
    expires = models.DateField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "lot_number", "diameter_mm", "length_mm"], name="one_lot_per_size"
            )
        ]

    def __str__(self) -> str:
        return f"{self.diameter_mm} × {self.length_mm} mm, lot {self.lot_number} (expires {self.expires:%b %Y})"


class DepthLimit(models.Model):
    """A clinic's own depth limit for a muscle, replacing the cited default (visits/depth.py).

    Lowering takes effect at once. A raise above the cited default is "pending" until a second clinic admin
    approves it (safety review, docs/clinical-sources.md §14); the active limit stays until then.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("staff", "Active")
        PENDING = "pending", pgettext_lazy("staff", "Waiting for a second admin's approval")

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="depth_limits")
    muscle = models.CharField(max_length=40, choices=CHOICES)
    max_mm = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(150)])
    source = models.CharField(max_length=300, help_text=pgettext_lazy("staff", "Where the clinic's limit comes from"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "muscle", "status"], name="one_limit_per_muscle_and_status"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("proposed_by")),
                name="depth_limit_approved_by_another_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_muscle_display()} ≤ {self.max_mm} mm"


class VisitStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("staff", "Draft")
    SIGNED = "signed", pgettext_lazy("staff", "Signed")


class Visit(ClinicalRecord):
    """One dry-needling visit, documented in the five steps; a draft until signed, then never changed."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"skin_prep_agent": CLEAR, "immediate_events": CLEAR, "notes": CLEAR,
                   "pain_chart": keep("region", "intensity", "quality")}  # fmt: skip
    not_identifying = ("sha256",)  # sealed again over what anonymising leaves (retention/anonymise.py)
    audit_category = "procedure"  # its rows' data category in the audit log (audit/log.py)

    Status = VisitStatus

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="visits")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="visits")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="visits")
    started = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # 1. Assessment: the pain drawing, canonical form of visits/bodymap.validate (sorted by region)
    pain_chart = models.JSONField(default=list, blank=True)
    pre_nprs = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    # 2. Sterilisation: clean needle technique (CCAOM Clean Needle Technique manual, 7th ed. — §8)
    hand_hygiene = models.BooleanField(default=False)
    clean_field = models.BooleanField(default=False)
    skin_prep_agent = models.CharField(max_length=60, blank=True)
    sterile_single_use = models.BooleanField(default=False)
    # 5. Removal and after
    post_massage_stretch = models.BooleanField(default=False)
    immediate_events = models.TextField(
        blank=True, max_length=2000, help_text=pgettext_lazy("staff", "Anything that happened during or right after")
    )
    post_nprs = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    notes = models.TextField(blank=True, max_length=5000)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        # (clinic, status): the clinic's signed visits, counted by the adverse-event rates and every handout
        # (PostgreSQL scanned all of a group's visits without it, issue 21).
        indexes = [models.Index(fields=["clinic", "episode", "started"]), models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pre_nprs__lte=10) | models.Q(pre_nprs__isnull=True), name="visit_pre_nprs_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(post_nprs__lte=10) | models.Q(post_nprs__isnull=True), name="visit_post_nprs_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(status=VisitStatus.DRAFT)
                | (models.Q(signed_at__isnull=False) & ~models.Q(sha256="")),
                name="visit_signed_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.started:%d %b %Y}"


class Side(models.TextChoices):
    LEFT = "left", pgettext_lazy("staff", "Left")
    RIGHT = "right", pgettext_lazy("staff", "Right")
    MIDLINE = "midline", pgettext_lazy("staff", "Midline")


class Technique(models.TextChoices):
    STATIC = "static", pgettext_lazy("staff", "Static (left in place)")
    PISTONING = "pistoning", pgettext_lazy("staff", "Pistoning / fast-in fast-out")
    ROTATION = "rotation", pgettext_lazy("staff", "Rotation")
    ELECTRICAL = "electrical", pgettext_lazy("staff", "Electrical stimulation")


class Position(models.TextChoices):
    PRONE = "prone", pgettext_lazy("staff", "Prone")
    SIDE_LYING = "side_lying", pgettext_lazy("staff", "Side-lying")
    SUPINE = "supine", pgettext_lazy("staff", "Supine")
    SITTING = "sitting", pgettext_lazy("staff", "Sitting")


class Guidance(models.TextChoices):
    PALPATION = "palpation", pgettext_lazy("staff", "Palpation")
    ULTRASOUND = "ultrasound", pgettext_lazy("staff", "Ultrasound")


class Bleeding(models.TextChoices):
    NONE = "none", pgettext_lazy("staff", "None")
    SPOT = "spot", pgettext_lazy("staff", "A spot")
    MORE = "more", pgettext_lazy("staff", "More than a spot")


# What the patient felt during needling (the seed's sensations; docs/clinical-sources.md §7, §8).
SENSATIONS = (
    ("twitch", "Twitch"),
    ("dull_ache", "Dull ache"),
    ("pressure", "Pressure"),
    ("referral", "Referred sensation"),
    ("none", "Nothing"),
)


class Angle(models.TextChoices):
    PERPENDICULAR = "perpendicular", pgettext_lazy("staff", "Perpendicular")
    MEDIAL = "medial", pgettext_lazy("staff", "Angled medially")
    LATERAL = "lateral", pgettext_lazy("staff", "Angled laterally")
    CRANIAL = "cranial", pgettext_lazy("staff", "Angled cranially")
    CAUDAL = "caudal", pgettext_lazy("staff", "Angled caudally")
    TANGENTIAL = "tangential", pgettext_lazy("staff", "Tangential")


class InsertionQuerySet(NeverDeletedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # Bulk inserts would skip the needling gate in save(); each needle goes through it.
        raise ValidationError(
            pgettext("staff", "Insertions are saved one by one so that each passes the needling gate.")
        )


class Insertion(ClinicalRecord):
    """One needle: where it went, how deep, what was done, and when it came out."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"estim_intensity": CLEAR, "depth_reason": CLEAR, "warnings": CLEAR}
    not_identifying = ("region", "sensations")  # the muscle's region; sensation codes
    audit_category = "procedure"  # its rows' data category in the audit log (audit/log.py)

    visit = models.ForeignKey(Visit, models.PROTECT, related_name="insertions")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    trigger_point = models.ForeignKey("TriggerPoint", models.PROTECT, null=True, blank=True, related_name="insertions")
    muscle = models.CharField(max_length=40, choices=CHOICES)
    region = models.CharField(max_length=20)
    side = models.CharField(max_length=10, choices=Side.choices)
    lot = models.ForeignKey(NeedleLot, models.PROTECT, related_name="insertions")
    depth_mm = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    technique = models.CharField(max_length=20, choices=Technique.choices, default=Technique.PISTONING)
    time_in = models.DateTimeField(default=timezone.now)
    time_out = models.DateTimeField(null=True, blank=True)
    local_twitch_responses = models.PositiveSmallIntegerField(default=0)
    angle = models.CharField(max_length=20, choices=Angle.choices, default=Angle.PERPENDICULAR)
    position = models.CharField(max_length=20, choices=Position.choices, default=Position.PRONE)
    guidance = models.CharField(max_length=20, choices=Guidance.choices, default=Guidance.PALPATION)
    # 4. Manipulation
    duration_s = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(7200)])
    estim_frequency_hz = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(1000)])
    estim_intensity = models.CharField(max_length=60, blank=True)
    recognition = models.BooleanField(
        default=False, help_text=pgettext_lazy("staff", "The patient recognised their pain")
    )
    sensations = models.JSONField(default=list, blank=True)
    # 5. Removal
    pressure_applied = models.BooleanField(default=False)
    bleeding = models.CharField(max_length=10, choices=Bleeding.choices, blank=True)
    # Depth guard: going past the limit needs a protective technique and a reason (visits/depth.py).
    protective_technique = models.CharField(max_length=20, choices=PROTECTIVE, blank=True)
    depth_reason = models.CharField(max_length=300, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    objects = InsertionQuerySet.as_manager()  # type: ignore[misc]  # the base's manager, with needle queries

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(time_out__isnull=True) | models.Q(time_out__gte=models.F("time_in")),
                name="insertion_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{BY_CODE[self.muscle].name} ({self.side}), {self.depth_mm} mm"

    def save(self, *args, **kwargs):
        # The gate applies to every path that adds a needle: page, API, admin, ORM.
        if self._state.adding:
            from dryneedle.visits.services import check_insertion

            check_insertion(self)
        super().save(*args, **kwargs)


class Amendment(ClinicalRecord):
    """A correction appended to a signed visit: who, when, why. The signed note itself never changes."""

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"text": CLEAR, "reason": CLEAR}

    visit = models.ForeignKey(Visit, models.PROTECT, related_name="amendments")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    text = models.TextField(max_length=5000)
    reason = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"Amendment {self.created:%d %b %Y %H:%M}"


class NeedleIncident(ClinicalRecord):
    """A needle that could not be counted out: the search, whether it was found, and the patient told.

    Forgotten or lost needles were the commonest significant administrative event in
    White 2001 (5 in 31,822 consultations; docs/clinical-sources.md §2.1, §8). The
    incident accounts for the needle so the visit can be signed; it becomes an
    adverse-event record when the adverse-events app exists.
    """

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"notes": CLEAR}

    insertion = models.OneToOneField(Insertion, models.PROTECT, related_name="incident")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    search_done = models.BooleanField()
    found = models.BooleanField()
    patient_informed = models.BooleanField()
    notes = models.TextField(max_length=2000)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(search_done=True) & models.Q(patient_informed=True), name="incident_search_and_tell"
            )
        ]

    def __str__(self) -> str:
        return f"Needle incident: {'found' if self.found else 'not found'}"


class TriggerPoint(ClinicalRecord):
    """A trigger point followed across visits: a muscle, a side and a place, examined again each time.

    The findings, not a claim that a trigger point 'exists', are recorded: manual
    identification is not reliable between examiners (Dunning 2014). Delphi
    consensus (Fernández-de-las-Peñas & Dommerholt 2018): taut band, hypersensitive
    spot and referred pain make the essential cluster; recognition of the patient's
    own pain makes it active, otherwise latent (docs/clinical-sources.md §7).
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"location": CLEAR}
    audit_category = "procedure"  # its rows' data category in the audit log (audit/log.py)

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="trigger_points")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="trigger_points")
    muscle = models.CharField(max_length=40, choices=CHOICES)
    side = models.CharField(max_length=10, choices=Side.choices)
    location = models.CharField(
        max_length=120, blank=True, help_text=pgettext_lazy("staff", "Where in the muscle, in words")
    )

    def __str__(self) -> str:
        return f"{BY_CODE[self.muscle].name} ({self.side}){' — ' + self.location if self.location else ''}"


class TriggerPointExam(ClinicalRecord):
    """What was found at one trigger point on one visit."""

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("staff", "Active")
        LATENT = "latent", pgettext_lazy("staff", "Latent")
        NOT_MET = "not_met", pgettext_lazy("staff", "Delphi criteria not met")
        RESOLVED = "resolved", pgettext_lazy("staff", "Resolved")

    trigger_point = models.ForeignKey(TriggerPoint, models.PROTECT, related_name="exams")
    visit = models.ForeignKey(Visit, models.PROTECT, related_name="trigger_point_exams")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    taut_band = models.BooleanField(default=False)
    hypersensitive_spot = models.BooleanField(default=False)
    referred_pain = models.BooleanField(default=False)
    recognition = models.BooleanField(
        default=False, help_text=pgettext_lazy("staff", "The patient recognises the pain as their own")
    )
    tenderness = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    resolved = models.BooleanField(default=False, help_text=pgettext_lazy("staff", "No longer found"))
    status = models.CharField(max_length=10, choices=Status.choices, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trigger_point", "visit"], name="one_exam_per_visit")]

    def __str__(self) -> str:
        return f"{self.trigger_point}: {self.get_status_display()}"

    def classify(self) -> str:
        if self.resolved:
            return self.Status.RESOLVED
        if not (self.taut_band and self.hypersensitive_spot and self.referred_pain):
            return self.Status.NOT_MET
        return self.Status.ACTIVE if self.recognition else self.Status.LATENT

    def save(self, *args, **kwargs):
        self.status = self.classify()
        if kwargs.get("update_fields") is not None:
            # update_or_create saves only the fields it was given; the status follows them.
            kwargs["update_fields"] = {*kwargs["update_fields"], "status"}
        super().save(*args, **kwargs)
