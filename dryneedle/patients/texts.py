"""Whether a patient is texted (issue 19): they agreed for the phone number on their record, and have not stopped
since. Agreeing and stopping are rows of a trail (patients.TextConsent); the newest counts."""

from django.core import signing
from django.db.models import OuterRef, Subquery

from dryneedle.patients.models import Patient, TextConsent

SALT = "texts.stop"


def state(patient) -> TextConsent | None:
    return TextConsent.objects.filter(clinic=patient.clinic_id, patient=patient).order_by("-created", "-id").first()


def texted(patient) -> bool:
    s = state(patient)
    return bool(patient.phone) and s is not None and s.agreed and s.phone == patient.phone


def record(patient, agreed: bool, source: str, user=None) -> TextConsent | None:
    """Record a change (nothing when it is already so)."""
    if texted(patient) == agreed:
        return None
    return TextConsent.objects.create(clinic=patient.clinic, patient=patient, agreed=agreed, phone=patient.phone,
                                      source=source, created_by=user, updated_by=user)  # fmt: skip


def texted_ids(clinic_ids) -> set[int]:
    """Patients of these clinics who are texted now, in one query (for the reminder run)."""
    newest = TextConsent.objects.filter(patient=OuterRef("pk")).order_by("-created", "-id")
    rows = (
        Patient.objects.filter(clinic__in=clinic_ids)
        .exclude(phone="")
        .annotate(agreed=Subquery(newest.values("agreed")[:1]), agreed_phone=Subquery(newest.values("phone")[:1]))
        .filter(agreed=True)
        .values_list("pk", "phone", "agreed_phone")
    )
    return {pk for pk, phone, agreed_phone in rows if phone == agreed_phone}


def stop_token(patient) -> str:
    return signing.dumps(str(patient.code), salt=SALT, compress=True)


def from_stop_token(token: str) -> Patient | None:
    try:
        code = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Patient.objects.filter(code=code).select_related("clinic").first()


def stop_number(phone: str) -> int:
    """A reply of STOP from ``phone``: every record with that number stops being texted (whichever clinic)."""
    n = 0
    for p in Patient.objects.filter(phone=phone).select_related("clinic"):
        n += record(p, False, TextConsent.Source.REPLY) is not None
    return n
