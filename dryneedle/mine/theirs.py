"""What every patient page shares: the signed-in address's own records (another patient's are simply not
found), and the audit actor (dates in the page's language: lib/dates.py)."""

from django.http import Http404

from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.audit.log import record
from dryneedle.mine import signin
from dryneedle.patients.models import Patient

ACTOR = "patient"


def their_records(request) -> tuple[set[int], list[int]]:
    """(clinic ids, patient ids) of the signed-in address: its records and any merged into them."""
    theirs = list(signin.patients_for(signin.email_of(request)))
    return {p.clinic_id for p in theirs}, [i for p in theirs for i in p.record_ids()]


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def theirs(email: str, code) -> Patient | None:
    """One of the signed-in address's records, by its code (another patient's is simply not found)."""
    return next((p for p in signin.patients_for(email) if str(p.code) == str(code)), None)


def record_for(request, data, action: str, category: str) -> Patient:
    """The signed-in address's record named by ``?patient=`` (the first when not named), on its clinic's clock;
    another's is not found, and the refusal audited as ``action``."""
    email = signin.email_of(request)
    records = list(signin.patients_for(email))
    patient = theirs(email, data.get("patient", "")) if data.get("patient") else (records[0] if records else None)
    if patient is None:
        record(request, action, outcome="denied", actor=ACTOR, category=category, detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(patient.clinic)
    return patient
