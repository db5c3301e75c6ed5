from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib import guards
from dryneedle.lib.anonymity import CLEAR, EMPTY, YEAR_ONLY
from dryneedle.lib.models import ClinicalRecord, in_error_needs_reason
from dryneedle.patients import coding
from dryneedle.patients.conditions import BY_CODE, CHOICES


def validate_past_date(value) -> None:
    if value > timezone.localdate():
        raise ValidationError(pgettext("staff", "Date of birth cannot be in the future."))


def validate_condition(value: str) -> None:
    if value not in BY_CODE:
        raise ValidationError(pgettext("staff", "Unknown condition code %(value)s.") % {"value": repr(value)})


class Sex(models.TextChoices):
    # FHIR AdministrativeGender, so the export needs no mapping.
    FEMALE = "female", pgettext_lazy("staff", "Female")
    MALE = "male", pgettext_lazy("staff", "Male")
    OTHER = "other", pgettext_lazy("staff", "Other")
    UNKNOWN = "unknown", pgettext_lazy("staff", "Unknown")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("staff", "Active")
    ENTERED_IN_ERROR = "entered_in_error", pgettext_lazy("staff", "Entered in error")


class EpisodeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("staff", "Open")
    DISCHARGED = "discharged", pgettext_lazy("staff", "Discharged")
    ENTERED_IN_ERROR = "entered_in_error", pgettext_lazy("staff", "Entered in error")


class Patient(ClinicalRecord):
    IN_ERROR = ("status", RecordStatus.ENTERED_IN_ERROR)
    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"given_name": EMPTY, "family_name": EMPTY, "birth_date": YEAR_ONLY, "email": CLEAR, "phone": CLEAR,
                   "address": CLEAR, "emergency_contact_name": CLEAR, "emergency_contact_phone": CLEAR,
                   "error_reason": CLEAR}  # fmt: skip
    not_identifying = ("preferred_language",)
    audit_category = "demographics"  # its rows' data category in the audit log (audit/log.py)
    audit_actions = "patient"  # the action prefix of rows about it that name no object
    audit_is_patient = True  # an audit row about it is about this patient

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField(validators=[validate_past_date])
    sex = models.CharField(max_length=10, choices=Sex.choices)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    preferred_language = models.CharField(max_length=40, default="English")
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    error_reason = models.CharField(max_length=500, blank=True)
    # A duplicate record of the same person, merged by a clinic admin into the record kept (issue 18). Nothing
    # moves: its episodes, visits and bookings stay its own and show on the kept record's page; separating the
    # two again clears this. The trail is PatientMerge.
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged", editable=False
    )
    # Set when the clinic's retention period ended and a clinic admin had the record anonymised (retention app):
    # names, contacts and free text are gone, the birth date is its year; codes, scores and counts stay.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Fields a person edits; the history keeps their previous values.
    EDITABLE = (
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "email",
        "phone",
        "address",
        "preferred_language",
        "emergency_contact_name",
        "emergency_contact_phone",
    )

    class Meta:
        indexes = [models.Index(fields=["clinic", "family_name", "given_name"])]
        constraints = [
            in_error_needs_reason("patient", "status", RecordStatus.ENTERED_IN_ERROR),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        # Names are required while a record is in use; only anonymising empties them (and reading anonymised_at
        # here would cost a query wherever a list loads a few fields).
        if not (self.given_name or self.family_name):
            return "Anonymised record"
        return f"{self.given_name} {self.family_name}"

    def record_ids(self) -> list[int]:
        """This person's records: the one kept and any merged into it (two queries at most)."""
        kept = self.merged_into_id or self.pk
        merged = Patient.objects.filter(clinic=self.clinic_id, merged_into=kept).values_list("pk", flat=True)
        return [kept, *merged]

    def age(self, on=None) -> int:
        on = on or timezone.localdate()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


class Anonymising(models.Model):
    """The one exception to the database's refusals: while a row here names a patient, the triggers let that
    patient's signed and append-only rows be scrubbed (lib/guards.py, visits/triggers.py, consent/triggers.py).

    The anonymiser (retention/anonymise.py) adds the row and removes it in the same transaction, so no other
    connection ever sees it; a row that outlives its transaction is a fault ``dryneedle verify_records`` reports.
    """

    patient = models.OneToOneField(Patient, models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"anonymising {self.patient_id}"


class PatientMerge(ClinicalRecord):
    """The trail of merging a duplicate record into the one kept, and of separating them again: who, when, why."""

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"reason": CLEAR}
    anonymise_by = ("kept", "duplicate")  # a trail belongs to both records
    audit_category = "demographics"

    class Action(models.TextChoices):
        MERGE = "merge", pgettext_lazy("staff", "Merged")
        SEPARATE = "separate", pgettext_lazy("staff", "Separated again")

    kept = models.ForeignKey(Patient, models.PROTECT, related_name="merge_trail")
    duplicate = models.ForeignKey(Patient, models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(max_length=500)

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="merge_needs_reason")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.duplicate} into {self.kept}"


class PatientVersion(ClinicalRecord):
    """The values a patient record had before an edit: nothing is silently overwritten."""

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"previous": CLEAR}
    not_identifying = ("changed",)  # field names

    patient = models.ForeignKey(Patient, models.PROTECT, related_name="versions")
    previous = models.JSONField()
    changed = models.JSONField()  # names of the fields that changed


class Episode(ClinicalRecord):
    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"notes": CLEAR, "discharge_note": CLEAR, "error_reason": CLEAR}
    audit_category = "condition"  # its rows' data category in the audit log (audit/log.py)
    audit_actions = "episode"  # the action prefix of rows about it that name no object

    Status = EpisodeStatus
    IN_ERROR = ("status", EpisodeStatus.ENTERED_IN_ERROR)

    class DischargeReason(models.TextChoices):
        GOALS_MET = "goals_met", pgettext_lazy("staff", "Goals met")
        RESPONDER = "responder", pgettext_lazy("staff", "Meaningful improvement on the primary measure")
        PLATEAU = "plateau", pgettext_lazy("staff", "Plateau: no further improvement expected")
        PATIENT_CHOICE = "patient_choice", pgettext_lazy("staff", "Patient's choice")
        REFERRED = "referred", pgettext_lazy("staff", "Referred elsewhere")
        LOST = "lost_to_follow_up", pgettext_lazy("staff", "Lost to follow-up")
        OTHER = "other", pgettext_lazy("staff", "Other")

    patient = models.ForeignKey(Patient, models.PROTECT, related_name="episodes")
    condition = models.CharField(max_length=40, choices=CHOICES, validators=[validate_condition])
    start_date = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(5000)])
    discharge_date = models.DateField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=20, choices=DischargeReason.choices, blank=True)
    discharge_note = models.CharField(max_length=1000, blank=True)
    error_reason = models.CharField(max_length=500, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="episodes"
    )
    # A recurrence opens a new episode linked to the old one, so long-term results stay together.
    recurrence_of = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="recurrences")

    class Meta:
        indexes = [models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharge_date__isnull=True) | models.Q(discharge_date__gte=models.F("start_date")),
                name="episode_discharge_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=EpisodeStatus.DISCHARGED)
                | (models.Q(discharge_date__isnull=False) & ~models.Q(discharge_reason="")),
                name="episode_discharge_complete",
            ),
            in_error_needs_reason("episode", "status", EpisodeStatus.ENTERED_IN_ERROR),
        ]

    def __str__(self) -> str:
        return f"{self.condition_name} from {self.start_date:%d %b %Y}"

    @property
    def condition_info(self):
        return BY_CODE[self.condition]

    @property
    def condition_name(self) -> str:
        return self.get_condition_display()


class EmergencyAccess(ClinicalRecord):
    """Break-glass: a practitioner reads a patient outside their care team, for a limited time.

    HIPAA 164.312(a)(2)(ii) emergency access procedure; ONC 170.315(d)(6). Every
    action during the window is flagged in the audit log, clinic admins are
    told, and the grant ends by itself.
    """

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"reason": CLEAR}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="emergency_accesses")
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="emergency_accesses")
    reason = models.CharField(max_length=500)
    expires = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "patient", "expires"])]


class TextConsent(ClinicalRecord):
    """Whether a patient agrees to text messages (reminders), as a trail: each agreement or refusal is a row, the
    newest in force (issue 19). Only the number agreed for is texted: a new phone number asks again."""

    db_guard = guards.NO_DELETE
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"phone": CLEAR}
    audit_category = "demographics"
    audit_actions = "texts"

    class Source(models.TextChoices):
        CLINIC = "clinic", pgettext_lazy("staff", "Recorded by the clinic")
        ACCOUNT = "account", pgettext_lazy("staff", "By the patient in their account")
        LINK = "link", pgettext_lazy("staff", "By the patient, from the link in a text")
        REPLY = "reply", pgettext_lazy("staff", "By the patient, replying STOP")

    patient = models.ForeignKey(Patient, models.PROTECT, related_name="text_consents", editable=False)
    agreed = models.BooleanField(editable=False)
    phone = models.CharField(max_length=40, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, editable=False)

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "created"])]

    def __str__(self) -> str:
        return f"Texts {'agreed' if self.agreed else 'stopped'} {self.created:%d %b %Y}"


class ConditionCode(models.Model):
    """A clinic's own SNOMED CT or ICD-10 code for a condition of the catalogue, set by a clinic admin with its
    source (patients/coding.py: dryneedle ships none). At most one per terminology: the FHIR export writes it
    beside dryneedle's code, the FHIR import recognises it."""

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="condition_codes")
    condition = models.CharField(max_length=40, choices=CHOICES, validators=[validate_condition])
    system = models.CharField(max_length=60, choices=list(coding.NAMES.items()))  # FHIR system URIs
    code = models.CharField(max_length=20)
    display = models.CharField(max_length=200, blank=True)  # the terminology's own term, as the clinic copied it
    basis = models.CharField(max_length=300)  # the release or edition the clinic took the code from
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "condition", "system"], name="one_code_per_condition_system"),
            models.CheckConstraint(condition=~models.Q(basis=""), name="condition_code_needs_basis"),
        ]

    def __str__(self) -> str:
        return f"{self.condition}: {self.system}|{self.code}"

    @property
    def system_name(self) -> str:
        return coding.NAMES.get(self.system, self.system)
