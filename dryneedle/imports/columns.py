"""How another system's CSV columns become our patient fields (issue 20): the fields a file can fill, a first guess
from the column headers, and the reading of dates and sexes. Pure: no database.

The guess is only a start: the clinic admin sees the first rows and chooses each column before anything is checked
or imported. Header words were gathered from common practice-system exports and from the field names of Cliniko's
published API (first_name, last_name, date_of_birth, ...); neither Jane's nor Cliniko's CSV headers could be
confirmed from their published help pages (docs/imports.md).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    words: tuple[str, ...] = ()  # headers that usually mean this field, normalised (see ``_norm``)


PATIENT_FIELDS = (
    Field("given_name", "Given name", True, ("given name", "first name", "firstname", "forename", "given")),
    Field("family_name", "Family name", True, ("family name", "last name", "lastname", "surname", "family")),
    Field("birth_date", "Date of birth", True, ("date of birth", "birth date", "birthdate", "dob", "birthday")),
    Field("sex", "Sex", False, ("sex", "gender", "sex at birth", "gender identity")),
    Field("email", "Email", False, ("email", "email address", "e mail")),
    Field("phone", "Phone", False, ("mobile", "mobile phone", "cell", "cell phone", "phone", "phone number",
                                    "home phone", "telephone")),
    Field("address", "Address (street)", False, ("address", "address 1", "address line 1", "street", "street address")),
    Field("address_2", "Address, second line", False, ("address 2", "address line 2")),
    Field("city", "Town or city", False, ("city", "town", "suburb", "town city")),
    Field("region", "State, province or county", False, ("state", "province", "county", "region")),
    Field("postcode", "Postcode or ZIP", False, ("postcode", "post code", "postal code", "zip", "zip code")),
    Field("preferred_language", "Preferred language", False, ("language", "preferred language")),
    Field("emergency_contact_name", "Emergency contact", False, ("emergency contact", "emergency contact name")),
    Field("emergency_contact_phone", "Emergency contact phone", False, ("emergency contact phone",
                                                                         "emergency phone")),
)  # fmt: skip
ADDRESS_PARTS = ("address", "address_2", "city", "region", "postcode")  # joined, in this order, into the address

# An appointment names its patient (found among the clinic's records: import the patients first) and its
# practitioner (by email or name), when it starts and how long it lasts, and what happened.
APPOINTMENT_FIELDS = (
    Field("given_name", "Patient's given name", True, ("given name", "first name", "firstname", "patient first name",
                                                       "forename")),
    Field("family_name", "Patient's family name", True, ("family name", "last name", "lastname", "surname",
                                                         "patient last name")),
    Field("birth_date", "Patient's date of birth", False, ("date of birth", "birth date", "dob", "birthdate")),
    Field("email", "Patient's email", False, ("email", "email address", "patient email")),
    Field("practitioner", "Practitioner (name or email)", True, ("practitioner", "staff member", "provider",
                                                                 "clinician", "practitioner name", "therapist")),
    Field("date", "Date (or date and time)", True, ("date", "start date", "appointment date", "start",
                                                    "start time date", "appointment start")),
    Field("time", "Start time", False, ("time", "start time", "appointment time")),
    Field("end", "End time", False, ("end", "end time", "finish", "finish time")),
    Field("minutes", "Length in minutes", False, ("duration", "length", "minutes", "duration minutes")),
    Field("kind", "Type of appointment", False, ("type", "appointment type", "treatment", "service")),
    Field("status", "What happened", False, ("status", "appointment status", "state", "outcome")),
    Field("note", "Front-desk note", False, ("note", "notes", "comment", "comments")),
)  # fmt: skip
FIELDS = {"patients": PATIENT_FIELDS, "appointments": APPOINTMENT_FIELDS}

# How other systems say what happened to an appointment, lower-cased; anything else is an error for the row.
STATUSES = {
    "booked": "booked", "confirmed": "booked", "scheduled": "booked", "unconfirmed": "booked", "pending": "booked",
    "attended": "attended", "arrived": "attended", "completed": "attended", "checked out": "attended",
    "checked in": "attended",
    "cancelled": "cancelled", "canceled": "cancelled",
    "no show": "no_show", "no-show": "no_show", "noshow": "no_show", "dna": "no_show", "did not attend": "no_show",
    "missed": "no_show",
}  # fmt: skip

DATE_FORMATS = {
    "iso": ("YYYY-MM-DD", "%Y-%m-%d"),
    "dmy": ("DD/MM/YYYY (day first, as in the UK, Australia, most of Canada)", "%d/%m/%Y"),
    "mdy": ("MM/DD/YYYY (month first, as in the US)", "%m/%d/%Y"),
}

# How other systems write sex or gender, lower-cased; anything else is an error for the row, never a guess.
SEXES = {
    "female": "female", "f": "female", "woman": "female",
    "male": "male", "m": "male", "man": "male",
    "other": "other", "x": "other", "non-binary": "other", "nonbinary": "other", "intersex": "other",
    "unknown": "unknown", "u": "unknown", "": "unknown", "not stated": "unknown", "prefer not to say": "unknown",
}  # fmt: skip


def _norm(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def guess(headers: list[str], fields=PATIENT_FIELDS) -> dict[str, str]:
    """{field: header} for each field whose usual words name exactly one column; a header is used once."""
    by_norm = {_norm(h): h for h in headers}
    out: dict[str, str] = {}
    for f in fields:
        for w in f.words:
            h = by_norm.get(w)
            if h is not None and h not in out.values():
                out[f.name] = h
                break
    return out


def guess_date_format(values: list[str]) -> str:
    """The format the file's dates are in, where its values show it: ISO, or a first part over 12 (day first) or a
    second part over 12 (month first). Empty when the values cannot tell: the admin chooses."""
    seen = [v.strip() for v in values if v.strip()]
    if seen and all(re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", v) for v in seen):
        return "iso"
    parts = [re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", v) for v in seen]
    if not seen or not all(parts):
        return ""
    if any(int(m[1]) > 12 for m in parts if m):
        return "dmy"
    if any(int(m[2]) > 12 for m in parts if m):
        return "mdy"
    return ""


def parse_date(value: str, fmt: str) -> date:
    """The date ``value`` in the chosen format (``/``, ``.`` or ``-`` between parts), or ValueError with a message."""
    text = value.strip()
    if fmt != "iso":
        text = re.sub(r"[.-]", "/", text)
    try:
        return datetime.strptime(text, DATE_FORMATS[fmt][1]).date()
    except ValueError:
        raise ValueError(f"'{value}' is not a date written {DATE_FORMATS[fmt][0].split(' ')[0]}.") from None


def parse_sex(value: str) -> str:
    found = SEXES.get(value.strip().lower())
    if found is None:
        raise ValueError(f"'{value}' is not a sex we can read (female, male, other or unknown).")
    return found


def address(parts: dict[str, str]) -> str:
    return ", ".join(p.strip() for name in ADDRESS_PARTS if (p := parts.get(name, "")).strip())


def parse_time(value: str):
    """A time of day as clocks and exports write it: 09:30, 9:30, 09:30:00, 9:30 am, 2:15 PM."""
    text = value.strip().lower().replace(".", "")
    for fmt in ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I:%M:%S %p", "%I %p"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a time of day (09:30, or 9:30 am).")


def split_date_time(value: str) -> tuple[str, str]:
    """'23/04/2026 09:30' or '2026-04-23T09:30' as its date and its time ('' when the cell holds a date only)."""
    text = value.strip()
    for sep in ("T", " "):
        if sep in text:
            day, _, rest = text.partition(sep)
            return day, rest.strip()
    return text, ""


def parse_status(value: str) -> str:
    found = STATUSES.get(" ".join(value.strip().lower().split()))
    if found is None:
        raise ValueError(f"'{value}' does not say what happened (booked, attended, cancelled or no-show).")
    return found
