import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy


class ImportFile(models.Model):
    """A CSV file a clinic admin uploaded to import, kept only between its steps (look, map, check, import): its
    text is emptied once imported, and a day after upload if never imported (``services.forget_stale``); what
    happened to it stays (``report``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="import_files")

    class Kind(models.TextChoices):
        PATIENTS = "patients", pgettext_lazy("staff", "Patients")
        APPOINTMENTS = "appointments", pgettext_lazy("staff", "Appointments (after their patients)")
        FHIR = (
            "fhir",
            pgettext_lazy(
                "staff", "FHIR R4: patients with their conditions, pain ratings, questionnaire totals and appointments"
            ),
        )

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PATIENTS)
    name = models.CharField(max_length=200)  # the file's name, as uploaded
    text = models.TextField(blank=True)  # the file, decoded (FHIR: a JSON list of [name, text]); emptied once done
    rows = models.PositiveIntegerField()  # FHIR: resources
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded = models.DateTimeField(auto_now_add=True)
    imported = models.DateTimeField(null=True, blank=True)
    forgotten = models.DateTimeField(null=True, blank=True)  # text emptied unimported
    report = models.JSONField(default=dict, blank=True)  # {"created": n, "already": n, ...}

    def __str__(self) -> str:
        return self.name


class Mapping(models.Model):
    """A clinic's saved choice of columns for files of one shape (another system's export), offered again for the
    next file whose headers hold every column it names."""

    clinic = models.ForeignKey("accounts.Clinic", models.PROTECT, related_name="import_mappings")
    kind = models.CharField(max_length=12, default="patients")
    name = models.CharField(max_length=100)
    columns = models.JSONField()  # {field: header}
    date_format = models.CharField(max_length=4)
    defaults = models.JSONField(default=dict, blank=True)  # appointments: the type and length for rows without
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    saved = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "kind", "name"], name="one_mapping_per_name")]

    def __str__(self) -> str:
        return self.name
