"""Create and change patients and episodes: shared by the pages and the API.

Each function validates fully before writing and is meant to run inside the
caller's transaction, together with its audit row.
"""

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.lib.models import at_most
from dryneedle.patients import coding
from dryneedle.patients.models import ConditionCode, Episode, Patient, PatientVersion, RecordStatus

_USER = object()  # open_episode: "the user opening it"


def _json(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def create_patient(clinic, user, data: dict) -> Patient:
    patient = Patient(clinic=clinic, created_by=user, updated_by=user)
    for name in Patient.EDITABLE:
        if name in data:
            setattr(patient, name, data[name])
    patient.full_clean()
    patient.save()
    return patient


def update_patient(patient: Patient, user, data: dict) -> list[str]:
    """Apply ``data`` and keep the previous values; return the names of changed fields."""
    if patient.status == RecordStatus.ENTERED_IN_ERROR:
        raise ValidationError(pgettext("staff", "This record was marked entered in error and can no longer be edited."))
    previous = {name: _json(getattr(patient, name)) for name in Patient.EDITABLE}
    for name in Patient.EDITABLE:
        if name in data:
            setattr(patient, name, data[name])
    patient.full_clean()
    changed = [n for n in Patient.EDITABLE if _json(getattr(patient, n)) != previous[n]]
    if changed:
        PatientVersion.objects.create(
            clinic=patient.clinic, patient=patient, previous=previous, changed=changed, created_by=user, updated_by=user
        )
        patient.updated_by = user
        patient.save()
    return changed


def open_episode(patient: Patient, user, data: dict, clinician=_USER) -> Episode:
    """Open an episode; its clinician is the user opening it unless ``clinician`` says otherwise (an import names
    none: whoever runs it did not treat the patient)."""
    if patient.status == RecordStatus.ENTERED_IN_ERROR:
        raise ValidationError(
            pgettext("staff", "This patient record was entered in error; open the episode on the right record.")
        )
    episode = Episode(
        clinic=patient.clinic,
        patient=patient,
        condition=data.get("condition", ""),
        start_date=data.get("start_date") or timezone.localdate(),
        notes=data.get("notes", ""),
        clinician=user if clinician is _USER else clinician,
        created_by=user,
        updated_by=user,
    )
    if episode.start_date > timezone.localdate():
        raise ValidationError({"start_date": pgettext("staff", "An episode cannot start in the future.")})
    if episode.start_date < patient.birth_date:
        raise ValidationError({"start_date": pgettext("staff", "An episode cannot start before the patient was born.")})
    episode.full_clean()
    episode.save()
    return episode


def update_episode(episode: Episode, user, data: dict) -> list[str]:
    if episode.status != Episode.Status.OPEN:
        raise ValidationError(pgettext("staff", "Only an open episode can be changed."))
    changed = []
    for name in ("condition", "notes", "start_date"):
        if name in data and data[name] != getattr(episode, name):
            setattr(episode, name, data[name])
            changed.append(name)
    if episode.start_date > timezone.localdate():
        raise ValidationError({"start_date": pgettext("staff", "An episode cannot start in the future.")})
    episode.full_clean()
    if changed:
        episode.updated_by = user
        episode.save()
    return changed


def discharge_episode(episode: Episode, user, date, reason: str, note: str = "") -> None:
    if episode.status != Episode.Status.OPEN:
        raise ValidationError(pgettext("staff", "Only an open episode can be discharged."))
    if date is None:
        raise ValidationError({"discharge_date": pgettext("staff", "Give the discharge date.")})
    if date < episode.start_date:
        raise ValidationError({"discharge_date": pgettext("staff", "Discharge cannot be before the episode started.")})
    if date > timezone.localdate():
        raise ValidationError({"discharge_date": pgettext("staff", "Discharge cannot be in the future.")})
    if reason not in Episode.DischargeReason.values:
        raise ValidationError({"discharge_reason": pgettext("staff", "Choose a discharge reason.")})
    episode.status = Episode.Status.DISCHARGED
    episode.discharge_date = date
    episode.discharge_reason = reason
    episode.discharge_note = at_most("discharge_note", note, 1000)
    episode.updated_by = user
    episode.full_clean()
    episode.save()


def possible_duplicates(clinic, data: dict, limit: int = 5):
    """The clinic's patients a new record may duplicate: the same name and date of birth, the same email, or the
    same phone number (by its digits). Asked before adding one (issue 18); records entered in error are left out."""
    given, family = data.get("given_name", "").strip(), data.get("family_name", "").strip()
    same = Q(given_name__iexact=given, family_name__iexact=family, birth_date=data.get("birth_date"))
    email = (data.get("email") or "").strip()
    if email:
        same |= Q(email__iexact=email)
    qs = Patient.objects.filter(clinic=clinic, merged_into__isnull=True).exclude(status=RecordStatus.ENTERED_IN_ERROR)
    matches = list(qs.filter(same).order_by("family_name", "given_name")[:limit])
    digits = "".join(ch for ch in data.get("phone") or "" if ch.isdigit())
    if len(digits) >= 7:
        seen = {p.pk for p in matches}
        matches += [p for p in search(qs, phone=digits)[:limit] if p.pk not in seen]
    return matches[:limit]


class DuplicateIndex:
    """``possible_duplicates``'s rule held in memory, for many rows at once (an import): the same name and date of
    birth, the same email, or a phone whose last 7 digits appear in a record's phone digits (as ``search`` finds
    them). Rows added with ``add`` count too, so a file's own repeats are found."""

    def __init__(self, clinic):
        self.names: dict[tuple, int] = {}
        self.emails: dict[str, int] = {}
        self.phones: dict[str, int] = {}  # every run of 7 digits in a record's phone
        qs = Patient.objects.filter(clinic=clinic, merged_into__isnull=True)
        qs = qs.exclude(status=RecordStatus.ENTERED_IN_ERROR).order_by("id")
        for pk, given, family, born, email, phone in qs.values_list(
            "pk", "given_name", "family_name", "birth_date", "email", "phone"
        ):
            self.add(pk, {"given_name": given, "family_name": family, "birth_date": born, "email": email,
                          "phone": phone})  # fmt: skip

    def add(self, key, data: dict) -> None:
        self.names.setdefault((data["given_name"].strip().lower(), data["family_name"].strip().lower(),
                               data["birth_date"]), key)  # fmt: skip
        if email := (data.get("email") or "").strip().lower():
            self.emails.setdefault(email, key)
        digits = "".join(ch for ch in data.get("phone") or "" if ch.isdigit())
        for i in range(len(digits) - 6):
            self.phones.setdefault(digits[i : i + 7], key)

    def find(self, data: dict):
        """The key of a record (or row) ``data`` may duplicate, else None."""
        name = (data["given_name"].strip().lower(), data["family_name"].strip().lower(), data["birth_date"])
        if name in self.names:
            return self.names[name]
        if (email := (data.get("email") or "").strip().lower()) and email in self.emails:
            return self.emails[email]
        digits = "".join(ch for ch in data.get("phone") or "" if ch.isdigit())
        return self.phones.get(digits[-7:]) if len(digits) >= 7 else None


def search(qs, q: str = "", birth_date=None, phone: str = ""):
    """Patients of ``qs`` matching every part given: each word of ``q`` in a name or the phone, the exact date
    of birth, the phone's digits. The page and the API search the same way."""
    terms = Q()
    for word in q.split():
        terms &= Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(phone__icontains=word)
    if birth_date is not None:
        terms &= Q(birth_date=birth_date)
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits:
        # Phones are kept as typed ("+1 303 555-0142"): compare their digits, by the local number's last 7.
        bare: F | Replace = F("phone")
        for mark in (" ", "-", "(", ")", ".", "+", "/"):
            bare = Replace(bare, Value(mark), Value(""))
        qs = qs.alias(_phone_digits=bare)
        terms &= Q(_phone_digits__contains=digits[-7:])
    return qs.filter(terms)


def condition_codes(clinic) -> dict[str, list[ConditionCode]]:
    """The clinic's own SNOMED CT and ICD-10 codes by condition, SNOMED CT first (patients/coding.py)."""
    found: dict[str, list[ConditionCode]] = {}
    for row in ConditionCode.objects.filter(clinic=clinic).order_by("condition", "system"):
        found.setdefault(row.condition, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: r.system != coding.SNOMED)
    return found


def set_condition_codes(clinic, user, wanted: dict[tuple[str, str], tuple[str, str]], basis: str) -> list[str]:
    """Make the clinic's codes ``wanted``: (condition, system) -> (code, display); a pair not named is removed.
    Run inside the caller's transaction with its audit row; returns what changed, one line each."""
    have = {(r.condition, r.system): r for r in ConditionCode.objects.filter(clinic=clinic)}
    changed = []
    for key, row in have.items():
        if key not in wanted:
            ConditionCode.objects.filter(clinic=clinic, pk=row.pk).delete()
            changed.append(f"{key[0]} {coding.NAMES.get(key[1], key[1])} {row.code} removed")
    for key, (code, display) in wanted.items():
        row = have.get(key) or ConditionCode(clinic=clinic, condition=key[0], system=key[1])
        if row.pk and (row.code, row.display, row.basis) == (code, display, basis):
            continue
        was = row.code if row.pk else ""
        row.code, row.display, row.basis, row.set_by = code, display, basis, user
        row.full_clean()
        row.save()
        changed.append(f"{key[0]} {coding.NAMES[key[1]]} {was + '->' if was and was != code else ''}{code}")
    return changed
