"""Importing appointments from another system's CSV (issue 20), after its patients: the same steps as patients
(imports/services.py), each row read through the chosen columns, then checked, then all booked or none.

A row names its patient, found among the clinic's records by name and date of birth (or name alone where only one
record has it, or email); its practitioner, by login email or full name; when it starts (the clinic's local time)
and how long it lasts; its type; what happened. Each is booked by the calendar's own rule
(appointments/services.book: the practitioner's other appointments and the patient's may not overlap), the
practitioner's working hours set aside ("Imported from <file>" is the recorded reason). Nothing is guessed: a past
appointment must say whether it was attended, cancelled or missed; one in the future cannot have been attended.
"""

import bisect
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.accounts.people import practitioners
from dryneedle.appointments import services as calendar
from dryneedle.appointments.models import Appointment
from dryneedle.imports import columns
from dryneedle.imports.models import ImportFile
from dryneedle.imports.services import Report, Row, finish, table_of
from dryneedle.patients.models import Patient, RecordStatus

KINDS = {**{k: k for k, _ in Appointment.KINDS}, **{str(label).lower(): k for k, label in Appointment.KINDS}}


class _People:
    """The clinic's patients and practitioners, held once for every row."""

    def __init__(self, clinic):
        self.by_name_born: dict[tuple, list[int]] = {}
        self.by_name: dict[tuple, list[int]] = {}
        self.by_email: dict[str, list[int]] = {}
        self.patients: dict[int, Patient] = {}
        qs = Patient.objects.filter(clinic=clinic, merged_into__isnull=True)
        qs = qs.exclude(status=RecordStatus.ENTERED_IN_ERROR)
        for p in qs.only("pk", "code", "given_name", "family_name", "birth_date", "email", "clinic_id"):
            self.patients[p.pk] = p
            name = (p.given_name.strip().lower(), p.family_name.strip().lower())
            self.by_name.setdefault(name, []).append(p.pk)
            self.by_name_born.setdefault((*name, p.birth_date), []).append(p.pk)
            if p.email:
                self.by_email.setdefault(p.email.strip().lower(), []).append(p.pk)
        self.staff = {}
        for u in practitioners(clinic):
            self.staff[u.username.lower()] = u
            self.staff[u.display_name().strip().lower()] = u

    def patient(self, given: str, family: str, born, email: str) -> Patient:
        name = (given.strip().lower(), family.strip().lower())
        for found in (self.by_name_born.get((*name, born)) if born else None,
                      self.by_email.get(email.strip().lower()) if email else None,
                      None if born else self.by_name.get(name)):  # fmt: skip
            if found and len(found) == 1:
                return self.patients[found[0]]
            if found:
                raise ValueError(f"{len(found)} records are called {given} {family}: add their date of birth or email.")
        raise ValueError(f"No patient {given} {family}{f' born {born:%d %b %Y}' if born else ''} here: import the "
                         "patients first.")  # fmt: skip


def _when(values: dict, date_format: str, zone) -> datetime:
    day, clock = columns.split_date_time(values.get("date", ""))
    clock = values.get("time") or clock
    if not clock:
        raise ValueError("No start time: choose the column with the time, or one with date and time.")
    d = columns.parse_date(day, date_format)
    t = columns.parse_time(clock)
    return datetime.combine(d, t, tzinfo=zone)


def _end(values: dict, start: datetime, default_minutes: int | None) -> datetime:
    if values.get("end"):
        _day, clock = columns.split_date_time(values["end"])
        end = datetime.combine(start.date(), columns.parse_time(clock or values["end"]), tzinfo=start.tzinfo)
        if end <= start:
            raise ValueError(f"It ends ({values['end']}) before it starts.")
        return end
    if values.get("minutes"):
        try:
            minutes = int(float(values["minutes"]))
        except ValueError:
            raise ValueError(f"'{values['minutes']}' is not a number of minutes.") from None
        return start + timedelta(minutes=minutes)
    if default_minutes:
        return start + timedelta(minutes=default_minutes)
    raise ValueError("No length: choose the end or length column, or give one length for every row.")


def _row(values: dict, people: _People, zone, date_format: str, defaults: dict, now) -> dict:
    """The booking a row asks for, or ValueError with every reason."""
    errors: list[str] = []
    out: dict = {}
    born = None
    if values.get("birth_date"):
        try:
            born = columns.parse_date(values["birth_date"], date_format)
        except ValueError as e:
            errors.append(f"Date of birth: {e}")
    try:
        out["patient"] = people.patient(values.get("given_name", ""), values.get("family_name", ""), born,
                                        values.get("email", ""))  # fmt: skip
    except ValueError as e:
        errors.append(f"Patient: {e}")
    who = people.staff.get(values.get("practitioner", "").strip().lower())
    if who is None:
        errors.append(f"Practitioner: '{values.get('practitioner', '')}' is not a practitioner here (their login "
                      "email or full name).")  # fmt: skip
    out["practitioner"] = who
    try:
        out["start"] = _when(values, date_format, zone)
        out["end"] = _end(values, out["start"], defaults.get("minutes"))
    except ValueError as e:
        errors.append(f"When: {e}")
    kind = KINDS.get(values.get("kind", "").strip().lower()) if values.get("kind") else defaults.get("kind")
    if kind is None:
        ours = ", ".join(str(label) for _k, label in Appointment.KINDS)
        errors.append(f"Type: '{values.get('kind', '')}' is none of ours ({ours}).")
    out["kind"] = kind
    try:
        status = columns.parse_status(values["status"]) if values.get("status") else ""
    except ValueError as e:
        errors.append(f"What happened: {e}")
        status = "?"
    if "start" in out and status != "?":
        past = out["start"] < now
        if past and status in ("", "booked"):
            errors.append("What happened: it is in the past; say whether it was attended, cancelled or missed.")
        elif not past and status in ("attended", "no_show"):
            errors.append("What happened: it has not happened yet.")
    out["status"] = status or "booked"
    if len(values.get("note", "")) > 300:
        errors.append("Front-desk note: at most 300 characters.")
    out["note"] = values.get("note", "")
    if errors:
        raise ValueError("\n".join(errors))
    return out


class _Calendar:
    """The calendar the file's rows land in, read once: every appointment holding time, in the file's span, of
    its practitioners (in any clinic: one person is in one place at a time) and of the clinic's patients — what
    ``calendar.check_slot`` asks row by row, without a query per row."""

    def __init__(self, clinic, rows: list[dict]):
        self.by: dict[tuple, list[tuple]] = {}  # ("practitioner"|"patient", pk) -> sorted (start, end, pk)
        self.at: dict[tuple, Appointment] = {}  # (patient, practitioner, start) -> the clinic's appointment
        self.appointments: dict[int, Appointment] = {}
        if not rows:
            return
        first, last = min(r["start"] for r in rows), max(r["end"] for r in rows)
        staff = {r["practitioner"].pk for r in rows}
        theirs = Appointment.objects.filter(practitioner__in=staff, start__lt=last, end__gt=first)  # any clinic
        ours = Appointment.objects.filter(clinic=clinic, patient__in={r["patient"].pk for r in rows},
                                          start__lt=last, end__gt=first)  # fmt: skip
        for a in (theirs | ours).select_related("clinic").order_by("start", "id"):
            self.appointments[a.pk] = a
            if a.clinic_id == clinic.pk:
                self.at.setdefault((a.patient_id, a.practitioner_id, a.start), a)
            if a.status in Appointment.BUSY:
                self.by.setdefault(("practitioner", a.practitioner_id), []).append((a.start, a.end, a.pk))
                if a.clinic_id == clinic.pk:
                    self.by.setdefault(("patient", a.patient_id), []).append((a.start, a.end, a.pk))

    def clash(self, who: tuple, start, end):
        times = self.by.get(who, [])
        # Sorted by start, and none longer than the calendar allows: only those starting in this window can overlap.
        i = bisect.bisect_left(times, (start - timedelta(minutes=calendar.MAX_MINUTES),))
        while i < len(times) and times[i][0] < end:
            if start < times[i][1]:
                return self.appointments[times[i][2]]
            i += 1
        return None

    def problems(self, b: dict) -> list[str]:
        try:
            calendar.check_length(b["start"], b["end"])
        except ValidationError as e:
            return e.messages
        if clash := self.clash(("practitioner", b["practitioner"].pk), b["start"], b["end"]):
            return [calendar.practitioner_clash(b["practitioner"], clash)]
        if clash := self.clash(("patient", b["patient"].pk), b["start"], b["end"]):
            return [calendar.patient_clash(b["patient"], clash)]
        return []


def check(f: ImportFile, chosen: dict[str, str], date_format: str, defaults: dict) -> Report:
    """Every row's outcome, writing nothing: the booking's own checks, against the calendar and the file's rows."""
    table = table_of(f)
    zone, now = ZoneInfo(f.clinic.timezone), timezone.now()
    people = _People(f.clinic)
    read: list[tuple[int, dict, dict | None, str]] = []
    for number, cells in table.rows:
        values = {k: cells[table.headers.index(h)] for k, h in chosen.items() if h}
        try:
            read.append((number, values, _row(values, people, zone, date_format, defaults, now), ""))
        except ValueError as e:
            read.append((number, values, None, str(e)))
    here = _Calendar(f.clinic, [b for _n, _v, b, _e in read if b is not None])
    busy: dict[tuple, list[tuple]] = {}  # ("practitioner"|"patient", pk) -> sorted (start, end, row) of the file
    seen: dict[tuple, int] = {}
    found: list[Row] = []
    for number, values, b, said in read:
        if b is None:
            found.append(Row(number, "error", values, said.split("\n")))
            continue
        key = (b["patient"].pk, b["practitioner"].pk, b["start"])
        shown = {"given_name": b["patient"].given_name, "family_name": b["patient"].family_name}
        if key in seen:
            found.append(Row(number, "already", shown, match=f"row {seen[key]}"))
            continue
        if (same := here.at.get(key)) is not None:
            found.append(Row(number, "already", shown, match=f"the appointment of {same.start:%d %b %Y %H:%M}"))
            continue
        errors = here.problems(b) if b["status"] in Appointment.BUSY else []
        # As the calendar counts them when the rows are booked in order: against the file's earlier rows that
        # hold a time (booked, attended, missed), whatever this row's state.
        clashes: dict[int, list[str]] = {}
        for who in (("practitioner", b["practitioner"].pk), ("patient", b["patient"].pk)):
            times = busy.setdefault(who, [])
            i = bisect.bisect(times, (b["start"],))
            for t in times[max(0, i - 1) : i + 1]:
                if t[0] < b["end"] and b["start"] < t[1]:
                    clashes.setdefault(t[2], []).append(who[0])
        errors += [f"Overlaps row {n} of this file (the same {' and '.join(whom)})." for n, whom in clashes.items()]
        if errors:
            found.append(Row(number, "error", shown, errors))
            continue
        for who in (("practitioner", b["practitioner"].pk), ("patient", b["patient"].pk)):
            if b["status"] in Appointment.BUSY:
                bisect.insort(busy.setdefault(who, []), (b["start"], b["end"], number))
        seen[key] = number
        found.append(Row(number, "new", {**shown, "booking": b}))
    return Report(found)


def run(f: ImportFile, user, chosen: dict[str, str], date_format: str, defaults: dict, save_as: str = "") -> Report:
    """Check again, then book every new appointment; a row in error books nothing. Inside the caller's transaction,
    with its audit rows."""
    with transaction.atomic():
        f = ImportFile.objects.select_for_update().get(clinic=f.clinic_id, pk=f.pk)
        if f.imported or not f.text:
            raise ValidationError(
                pgettext("staff", "This file was already imported, or was forgotten: upload it again.")
            )
        report = check(f, chosen, date_format, defaults)
        if report.count("error"):
            raise ValidationError(
                pgettext("staff", "%(count)s rows have errors: nothing was imported.")
                % {"count": report.count("error")}
            )
        for r in report.rows:
            if r.outcome == "new":
                b = r.data.pop("booking")
                r.made = calendar.book(f.clinic, user, patient=b["patient"], practitioner=b["practitioner"],
                                       start=b["start"], end=b["end"], kind=b["kind"], note=b["note"],
                                       status=b["status"], override=f"Imported from {f.name}"[:200])  # fmt: skip
        finish(f, user, chosen, date_format, report, save_as, defaults)
    return report
