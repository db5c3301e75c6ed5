"""Importing FHIR R4 resources (issue 20): patients, their conditions, pain ratings and questionnaire totals, and
their appointments, from another system or from our own export (``import_fhir``, the import page).

Read: a Bundle of any type (transaction, collection, a searchset such as ``$everything``), one resource, or NDJSON
(one resource per line; a bulk export's files together). Each resource is parsed by the R4B models of
``fhir.resources``, then mapped back onto our records through the services the pages use (patients.services,
outcomes.services, appointments.services): the same rules, the same audit rows.

Each resource ends as one of OUTCOMES, with its reason:

* **created**, **updated** (a patient's details, an episode discharged, an appointment's state) or **unchanged**;
* **skipped**: nothing wrong with it, but not something dryneedle keeps (an Organization, a blood pressure, a
  condition outside our catalogue, a rating with no episode of care to hold it, one entered in error);
* **refused**: wrong or clashing (not valid FHIR, a score out of range, a double booking): the reason says what to
  mend, and **nothing of that patient is written** — one transaction per patient, so no record is half-imported.

Idempotent: each resource imported is remembered (``fhir.Imported``) by its first identifier, else its id, so the
same file imported again updates or leaves what it made, never makes it twice. A patient not imported before is
the record here with the same name and date of birth, if one exists (linked, not duplicated); one that matches a
record only by email or phone is refused for a person to look at: two people may share an email, and their
clinical records must not be joined on a guess. ``dry_run`` does everything inside transactions rolled back: what
it reports is what the import would do.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as Invalid

from dryneedle.accounts.people import practitioners
from dryneedle.appointments import services as calendar
from dryneedle.appointments.models import Appointment
from dryneedle.audit.log import record
from dryneedle.fhir import mapping
from dryneedle.fhir.models import Imported
from dryneedle.outcomes import services as outcomes
from dryneedle.outcomes.models import Response
from dryneedle.patients import coding
from dryneedle.patients import services as patients
from dryneedle.patients.conditions import BY_CODE
from dryneedle.patients.forms import PatientForm
from dryneedle.patients.models import Episode, Patient, RecordStatus
from dryneedle.visits.models import Visit

OUTCOMES = ("created", "updated", "unchanged", "skipped", "refused")
# In the order a patient's are imported: a questionnaire's answers before the Observation of its total.
IMPORTED = ("Patient", "Condition", "QuestionnaireResponse", "Observation", "Appointment")
# One run. The resources imported are held in memory (about 9 KB each, as Python reads JSON: docs/fhir.md); the
# benchmark group's largest clinic exports about 45 per patient, half of them types not imported (not held).
MAX_RESOURCES = 300_000
INSTRUMENTS = {"nprs", "odi", "rmdq", "psfs", "startback"}  # our INSTRUMENT_SYSTEM codes
STATUS = {v: k for k, v in mapping.APPOINTMENT_STATUS.items()} | {"arrived": "booked", "checked-in": "booked"}
KINDS = {**{k: k for k, _ in Appointment.KINDS}, **{str(label).lower(): k for k, label in Appointment.KINDS}}
NO_REASON = "No reason was given in the imported record."  # a cancelled appointment needs one here
RESOLVED = ("resolved", "inactive", "remission")
DISCHARGE_NOTE = "Imported: resolved in the system it came from (no discharge reason given)."
OBSERVATION_KEPT = ("final", "amended", "corrected")


@dataclass
class Item:
    """One resource of the input and what became of it."""

    where: str  # "Patient.ndjson line 3", "bundle.json entry 4"
    resource: dict | None = None
    type: str = ""
    id: str = ""
    full_url: str = ""
    outcome: str = ""
    reason: str = ""
    record: object = None  # the record it became

    def done(self, outcome: str, reason: str = "", made=None) -> None:
        self.outcome, self.reason, self.record = outcome, reason, made if made is not None else self.record

    @property
    def label(self) -> str:
        return f"{self.type or 'resource'}/{self.id}" if self.id else f"{self.type or 'resource'} at {self.where}"


class Refused(Exception):
    """The resource is wrong or clashes: its patient's resources are not imported."""


class Skipped(Exception):
    """Nothing wrong, but not something dryneedle keeps."""


@dataclass
class Report:
    items: list[Item]
    dry_run: bool = False

    def count(self, outcome: str, type_: str | None = None) -> int:
        return sum(1 for i in self.items if i.outcome == outcome and (type_ is None or i.type == type_))

    def summary(self) -> dict[str, int]:
        return {o: self.count(o) for o in OUTCOMES}

    def by_type(self) -> list[tuple[str, dict[str, int]]]:
        types = sorted({i.type for i in self.items}, key=lambda t: (t not in IMPORTED, IMPORTED.index(t)
                                                                     if t in IMPORTED else 0, t))  # fmt: skip
        return [(t or "(unreadable)", {o: self.count(o, t) for o in OUTCOMES}) for t in types]

    def said(self) -> str:
        return ", ".join(f"{k} {n}" for k, n in self.summary().items())


# Reading -------------------------------------------------------------------------------------------------------


def _item(where: str, resource, full_url: str = "") -> Item:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return Item(where, outcome="refused", reason="Not a FHIR resource: a JSON object with a resourceType.")
    rid = resource.get("id")
    item = Item(where, resource, resource["resourceType"], rid if isinstance(rid, str) else "",
                full_url if isinstance(full_url, str) else "")  # fmt: skip
    if item.type not in (*IMPORTED, "Practitioner"):  # not kept in memory: half a bulk export is such
        item.resource = None
        item.done("skipped", f"dryneedle does not import {item.type} resources.")
    return item


def read(name: str, data: bytes) -> list[Item]:
    """The resources of one file, each an Item; what cannot be read is an Item refused with the reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [Item(name, outcome="refused", reason="The file is not UTF-8 text: FHIR JSON is UTF-8.")]
    if "\x00" in text:
        return [Item(name, outcome="refused", reason="The file holds NUL characters: it is not FHIR JSON.")]
    if not text.strip():
        return [Item(name, outcome="refused", reason="The file is empty.")]
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and whole.get("resourceType") == "Bundle":
        entries = whole.get("entry") or []
        if not isinstance(entries, list):
            return [Item(name, outcome="refused", reason="The Bundle's entry is not a list.")]
        out = []
        for n, e in enumerate(entries, 1):
            e = e if isinstance(e, dict) else {}
            out.append(_item(f"{name} entry {n}", e.get("resource"), e.get("fullUrl", "")))
        return out
    if whole is not None:
        return [_item(name, whole)]
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(_item(f"{name} line {n}", json.loads(line)))
        except json.JSONDecodeError as e:
            out.append(Item(f"{name} line {n}", outcome="refused", reason=f"Not JSON: {e.msg} (column {e.colno})."))
    return out


def valid(item: Item) -> bool:
    """Parsed by the R4B model of its type; a refusal with the first problem otherwise."""
    try:
        get_fhir_model_class(item.type).model_validate(item.resource)
    except Invalid as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        item.done("refused", f"Not valid FHIR R4: {where + ': ' if where else ''}{first.get('msg', '')}.")
        return False
    except (KeyError, ValueError) as e:  # a resource type FHIR does not have
        item.done("refused", f"Not valid FHIR R4: {e}.")
        return False
    return True


# Values ----------------------------------------------------------------------------------------------------------


def _date(value, what: str) -> date:
    if not isinstance(value, str) or len(value) < 10:
        raise Refused(f"{what} is not a full date (YYYY-MM-DD): {value!r}.")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Refused(f"{what} is not a date: {value!r}.") from None


def _when(value, what: str, zone: ZoneInfo) -> datetime:
    """A FHIR dateTime: with its time and zone as given; a date alone is taken as midday on that day at the clinic
    (the day is what the outcome reports count)."""
    if isinstance(value, str) and len(value) == 10:
        return datetime.combine(_date(value, what), time(12), tzinfo=zone)
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Refused(f"{what} is not a date and time with its zone: {value!r}.")
    return when


def _ref_id(ref, type_: str) -> str:
    """The id a reference names for ``type_`` ("Patient/12", "http://x/fhir/Patient/12"), or its urn:uuid."""
    value = ref.get("reference", "") if isinstance(ref, dict) else ""
    if value.startswith("urn:uuid:"):
        return value
    head, _, tail = value.rpartition("/")
    return tail if head.rpartition("/")[2] == type_ else ""


def _codes(concept) -> list[tuple[str, str]]:
    concept = concept if isinstance(concept, dict) else {}
    return [(c.get("system", ""), c.get("code", "")) for c in concept.get("coding") or [] if isinstance(c, dict)]


def key_of(item: Item) -> str:
    """What says "the same resource" from one import to the next: the first identifier with a system and a value,
    else the resource's id, else its Bundle fullUrl, else its content (the same resource, written the same way)."""
    resource = item.resource or {}
    ids = resource.get("identifier")
    for i in ids if isinstance(ids, list) else [ids] if isinstance(ids, dict) else []:
        if isinstance(i, dict) and i.get("system") and i.get("value"):
            return f"{i['system']}|{i['value']}"[:500]
    if item.id:
        return f"id|{item.id}"[:500]
    if item.full_url:
        return f"url|{item.full_url}"[:500]
    return "sha256|" + hashlib.sha256(json.dumps(resource, sort_keys=True).encode()).hexdigest()


def _own_code(resource: dict):
    """Our own UUID, when the resource came from a dryneedle export: its identifier urn:uuid:…, else its id (a
    pain rating's Observation carries no identifier). Looked up only among this clinic's records."""
    values = [str(i.get("value", "")) for i in resource.get("identifier") or []
              if isinstance(i, dict) and i.get("system") == mapping.IDENTIFIER_SYSTEM]  # fmt: skip
    for value in [*values, str(resource.get("id", ""))]:
        try:
            return uuid.UUID(value.removeprefix("urn:uuid:"))
        except ValueError:
            continue
    return None


def patient_data(resource: dict) -> dict:
    """Our patient's fields from a Patient resource: only those it carries (an update leaves the rest)."""
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    data: dict = {}
    if name:
        given = " ".join(name.get("given") or [])
        family = name.get("family") or ""
        if not (given or family) and name.get("text"):
            given, _, family = name["text"].rpartition(" ")
        data["given_name"], data["family_name"] = given, family
    if resource.get("birthDate"):
        data["birth_date"] = _date(resource["birthDate"], "The birth date")
    if resource.get("gender"):
        data["sex"] = resource["gender"]
    telecom = [t for t in resource.get("telecom") or [] if isinstance(t, dict) and t.get("value")]
    for system, ours in (("phone", "phone"), ("email", "email")):
        if found := [t["value"] for t in telecom if t.get("system") == system]:
            data[ours] = found[0]
    addresses = [a for a in resource.get("address") or [] if isinstance(a, dict)]
    if addresses:
        a = addresses[0]
        data["address"] = a.get("text") or ", ".join(
            [*a.get("line", []), *(a[k] for k in ("city", "district", "state", "postalCode", "country") if a.get(k))]
        )
    for c in resource.get("communication") or []:
        lang = c.get("language") or {} if isinstance(c, dict) else {}
        text = lang.get("text") or next((code for _s, code in _codes(lang) if code), "")
        if text and (c.get("preferred") or "preferred_language" not in data):
            data["preferred_language"] = text
    contacts = [c for c in resource.get("contact") or [] if isinstance(c, dict)]
    if contacts:
        c, n = contacts[0], contacts[0].get("name") or {}
        data["emergency_contact_name"] = n.get("text") or " ".join([*(n.get("given") or []), n.get("family") or ""])
        if phones := [t["value"] for t in c.get("telecom") or [] if t.get("system") == "phone" and t.get("value")]:
            data["emergency_contact_phone"] = phones[0]
    return data


# Importing -------------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    clinic: Any
    user: Any
    request: Any
    dry_run: bool
    default_kind: str
    zone: ZoneInfo
    imported: dict = field(default_factory=dict)  # (type, key) -> Imported
    by_source: dict = field(default_factory=dict)  # ("Patient", source id) -> Imported
    duplicates: Any = None
    staff: dict = field(default_factory=dict)  # practitioner id or name (lower) -> user
    named: dict = field(default_factory=dict)  # a Practitioner resource's reference -> its name (lower)
    added: list = field(default_factory=list)  # the notes made in the current patient's transaction
    ours: dict = field(default_factory=dict)  # the derived ids of a matched patient's records -> the record
    answered: set = field(default_factory=set)  # the ids of QuestionnaireResponses imported (or found) this run
    coded: dict = field(default_factory=dict)  # the clinic's own codes: coding.key(system, code) -> {conditions}

    def note_ours(self, patient: Patient) -> None:
        """A resource our export wrote with a derived id (an episode's Condition, a visit's pain ratings) is that
        record again when it comes back to this clinic (mapping.derived)."""
        for e in Episode.objects.filter(clinic=self.clinic, patient=patient):
            self.ours[mapping.derived("condition", e.code)] = e
        for v in Visit.objects.filter(clinic=self.clinic, patient=patient).only("pk", "code"):
            for when in ("before", "after"):
                self.ours[mapping.derived("nprs", v.code, when)] = v

    def audit(self, action: str, obj, detail: str) -> None:
        if not self.dry_run:
            record(self.request, action, obj, clinic=self.clinic, user=self.user, detail=detail[:300])

    def remember(self, item: Item, patient: Patient, made) -> None:
        key = key_of(item)
        seen = self.imported.get((item.type, key))
        if seen is None:
            seen = Imported.objects.create(clinic=self.clinic, patient=patient, resource_type=item.type, key=key,
                                           source_id=item.id[:200] or None, record=made.code, created_by=self.user,
                                           updated_by=self.user)  # fmt: skip
            self.imported[(item.type, key)] = seen
            self.added.append((item.type, key))
        if item.type == "Patient" and item.id and ("Patient", item.id) not in self.by_source:
            self.by_source[("Patient", item.id)] = seen
            self.added.append(("Patient", item.id))

    def known(self, item: Item, model):
        """The record this resource became in an earlier import (or is, from our own export), else None."""
        seen = self.imported.get((item.type, key_of(item)))
        if seen is not None:
            return model.objects.filter(clinic=self.clinic, code=seen.record).first()
        code = _own_code(item.resource or {})
        return model.objects.filter(clinic=self.clinic, code=code).first() if code else None


def _name(resource: dict) -> str:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    if not names:
        return ""
    n = names[0]
    return (n.get("text") or " ".join([*(n.get("given") or []), n.get("family") or ""])).strip().lower()


def _start(clinic, user, request=None, dry_run=False, default_kind="") -> _Run:
    run = _Run(clinic, user, request, dry_run, default_kind, ZoneInfo(clinic.timezone))
    for seen in Imported.objects.filter(clinic=clinic, key__isnull=False):
        run.imported[(seen.resource_type, seen.key)] = seen
        if seen.resource_type == "Patient" and seen.source_id:
            run.by_source[("Patient", seen.source_id)] = seen
    run.duplicates = patients.DuplicateIndex(clinic)
    for condition, rows in patients.condition_codes(clinic).items():
        for row in rows:
            run.coded.setdefault(coding.key(row.system, row.code), set()).add(condition)
    for u in practitioners(clinic):
        run.staff[mapping.practitioner_id(u)] = u
        run.staff.setdefault(u.display_name().strip().lower(), u)
        run.staff.setdefault(f"{u.first_name} {u.last_name}".strip().lower(), u)
    return run


def _patient(run: _Run, item: Item) -> Patient:
    r = item.resource or {}
    data = patient_data(r)
    found = run.known(item, Patient)
    how = "an earlier import" if found is not None else ""
    apart = ""  # a possible duplicate, created apart: said in the outcome for a person to look at
    if found is None:
        check = PatientForm({"preferred_language": "English", **data})
        if check.is_valid():
            match = run.duplicates.find(check.cleaned_data)
            if isinstance(match, int):
                p = Patient.objects.get(clinic=run.clinic, pk=match)
                same = (p.given_name.strip().lower(), p.family_name.strip().lower(), p.birth_date) == (
                    data["given_name"].strip().lower(),
                    data["family_name"].strip().lower(),
                    data["birth_date"],
                )
                if same:
                    found, how = p, "the same name and date of birth"
                else:  # families share a phone or an email: never joined on that alone
                    apart = f"{p.name}, born {p.birth_date:%d %b %Y}, here (the same email or phone)"
            elif match is not None:  # the system it came from keeps them apart: so do we, and says so
                apart = f"{match} of this import (the same name and date of birth, email or phone)"
    if found is not None:
        if found.merged_into_id:
            found = Patient.objects.get(clinic=run.clinic, pk=found.merged_into_id)
        if found.anonymised_at:
            raise Refused("That record was anonymised here: it is not filled in again.")
        if found.status == RecordStatus.ENTERED_IN_ERROR:
            raise Refused("That record was marked entered in error here.")
        run.note_ours(found)
        current = {n: getattr(found, n) for n in Patient.EDITABLE}
        form = PatientForm({**current, **data})
        if not form.is_valid():
            raise Refused(_form_errors(form))
        changed = patients.update_patient(found, run.user, {k: form.cleaned_data[k] for k in data})
        run.remember(item, found, found)
        if changed:
            run.audit("patient.update", found, f"imported from FHIR ({item.label}): {', '.join(changed)}")
            item.done("updated", f"Matched by {how}; changed: {', '.join(changed).replace('_', ' ')}.", found)
        else:
            item.done("unchanged", f"Matched by {how}.", found)
        return found
    missing = [n for n in ("given_name", "family_name", "birth_date", "sex") if not data.get(n)]
    if missing:
        raise Refused(f"A patient needs {', '.join(m.replace('_', ' ') for m in missing)}.")
    form = PatientForm({"preferred_language": "English", **data})
    if not form.is_valid():
        raise Refused(_form_errors(form))
    made = patients.create_patient(run.clinic, run.user, {k: v for k, v in form.cleaned_data.items() if k != "texts"})
    run.duplicates.add(item.label, form.cleaned_data)  # a repeat later in the file is this person
    run.remember(item, made, made)
    run.audit("patient.create", made, f"imported from FHIR ({item.label})")
    said = f"May be the same person as {apart}: created apart; merge them if so." if apart else ""
    item.done("created", said, made)
    return made


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[n].label or n.replace('_', ' ').capitalize()}: {' '.join(str(m) for m in msgs)}"
                    for n, msgs in form.errors.items())  # fmt: skip


def _condition(run: _Run, patient: Patient, item: Item) -> None:
    r = item.resource or {}
    if ("http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error") in _codes(
            r.get("verificationStatus")):  # fmt: skip
        raise Skipped("Entered in error where it came from.")
    codes = [c for s, c in _codes(r.get("code")) if s == mapping.CONDITION_SYSTEM and c in BY_CODE]
    if not codes:
        codes = _coded_as(run, r.get("code"))
    onset = r.get("onsetDateTime") or (r.get("onsetPeriod") or {}).get("start") or r.get("recordedDate")
    start = _date(onset, "The onset")
    status = next((c for _s, c in _codes(r.get("clinicalStatus"))), "active")
    ended = _date(r["abatementDateTime"], "The abatement") if r.get("abatementDateTime") else None
    if status in RESOLVED and ended is None:
        raise Refused(f"It is {status} but says not when (abatementDateTime): the episode's discharge needs a date.")
    episode = run.known(item, Episode) or run.ours.get(item.id)
    if episode is not None:
        if episode.patient_id != patient.pk:
            raise Refused("It was imported before for another patient.")
        if episode.status == Episode.Status.OPEN and status in RESOLVED:
            _discharge(run, episode, ended)
            item.done("updated", "Discharged.", episode)
        else:
            item.done("unchanged", "Imported before; the episode here is kept as it is.", episode)
        return
    episode = patients.open_episode(patient, run.user, {"condition": codes[0], "start_date": start}, clinician=None)
    run.audit("episode.create", episode, f"imported from FHIR ({item.label})")
    if status in RESOLVED:
        _discharge(run, episode, ended)
    run.remember(item, patient, episode)
    item.done("created", "", episode)


def _coded_as(run: _Run, concept) -> list[str]:
    """The condition of our catalogue a Condition from elsewhere names by the clinic's own SNOMED CT / ICD-10 codes
    (patients/coding.py): the one that every coding the clinic set agrees on."""
    shown = (concept or {}).get("text") if isinstance(concept, dict) else None
    shown = shown or ", ".join(f"{coding.NAMES.get(s, s)} {c}" for s, c in _codes(concept)) or "no code"
    found = [run.coded[k] for s, c in _codes(concept) if (k := coding.key(s, c)) in run.coded]
    if not found:
        raise Skipped(f"Not one of dryneedle's conditions ({shown}), nor of the codes the clinic set for them "
                      "(Conditions, Codes): an episode needs a condition of the catalogue.")  # fmt: skip
    agreed = set.intersection(*found)
    if len(agreed) != 1:
        names = ", ".join(BY_CODE[c].name for c in sorted(set.union(*found)))
        raise Skipped(f"Its codes ({shown}) are set here for more than one condition ({names}): which one cannot "
                      "be told. Open the episode by hand.")  # fmt: skip
    return sorted(agreed)


def _discharge(run: _Run, episode: Episode, day: date | None) -> None:
    patients.discharge_episode(episode, run.user, day, Episode.DischargeReason.OTHER, DISCHARGE_NOTE)
    run.audit("episode.discharge", episode, "imported from FHIR")


def _episode_on(run: _Run, patient: Patient, when: datetime) -> Episode:
    """The episode a rating or questionnaire of ``when`` belongs to: the latest started on or before its day,
    discharged or not — the follow-ups at 3, 6 and 12 months come after discharge and belong to the episode they
    follow. None: skipped."""
    day = timezone.localtime(when, run.zone).date()
    qs = Episode.objects.filter(clinic=patient.clinic_id, patient=patient, start_date__lte=day)
    qs = qs.exclude(status=Episode.Status.ENTERED_IN_ERROR).select_related("clinic", "patient")
    episode = qs.order_by("-start_date", "-id").first()
    if episode is None:
        raise Skipped(f"No episode of care of this patient started by {day:%d %b %Y}: import its Condition with it.")
    return episode


def _observation(run: _Run, patient: Patient, item: Item) -> None:
    r = item.resource or {}
    codes = _codes(r.get("code"))
    if (mapping.LOINC, mapping.NPRS_LOINC) in codes:
        instrument = "nprs"
    else:
        instrument = next((c for s, c in codes if s == mapping.INSTRUMENT_SYSTEM and c in INSTRUMENTS), "")
    if not instrument:
        shown = (r.get("code") or {}).get("text") or ", ".join(f"{s}|{c}" for s, c in codes) or "no code"
        raise Skipped(f"Not a measure dryneedle keeps ({shown}): pain (LOINC {mapping.NPRS_LOINC}) and our "
                      "questionnaires' totals are.")  # fmt: skip
    if r.get("status") not in OBSERVATION_KEPT:
        raise Skipped(f"Its status is {r.get('status')}: only final results are kept.")
    if instrument == "startback":
        raise Skipped("A STarT Back total alone: its risk group needs the psychosocial subscore (the answers).")
    if "valueInteger" in r:
        value = r["valueInteger"]
    elif isinstance(r.get("valueQuantity"), dict) and "value" in r["valueQuantity"]:
        value = r["valueQuantity"]["value"]
    elif r.get("dataAbsentReason"):
        raise Skipped("It has no value (dataAbsentReason).")
    else:
        raise Refused("It has no value: valueInteger or valueQuantity.")
    found = run.known(item, Response) or run.ours.get(item.id)
    if found is not None:
        item.done("unchanged", "Imported before; kept as it is here.", found)
        return
    if item.id and item.id in run.answered:  # our export: a response's total and its answers share the id
        raise Skipped(f"Its questionnaire's answers came as QuestionnaireResponse/{item.id}: scored from them.")
    raw = r.get("effectiveDateTime") or r.get("effectiveInstant") or (r.get("effectivePeriod") or {}).get("start")
    if not raw:
        raise Refused("It says not when it was measured (effectiveDateTime).")
    when = _when(raw, "When it was measured", run.zone)
    episode = _episode_on(run, patient, when)
    if instrument == "nprs":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        made = outcomes.record_response(episode, "nprs", {"score": value}, run.user,
                                        source=Response.Source.IMPORTED, collected=when)  # fmt: skip
    else:
        made = outcomes.record_total(episode, instrument, value, when, run.user)
        made.patient = patient  # the audit row names them without a query
    run.remember(item, patient, made)
    run.audit("response.create", made, f"imported from FHIR ({item.label})")
    item.done("created", "", made)


def _practitioner(run: _Run, r: dict):
    for p in r.get("participant") or []:
        actor = p.get("actor") if isinstance(p, dict) else None
        pid = _ref_id(actor, "Practitioner")
        if not pid and not (actor or {}).get("reference", "").startswith("Practitioner"):
            continue
        who = run.staff.get(pid) or run.staff.get(run.named.get(pid, "")) or run.staff.get(
            str((actor or {}).get("display", "")).strip().lower())  # fmt: skip
        if who is None:
            name = run.named.get(pid) or (actor or {}).get("display") or (actor or {}).get("reference")
            raise Refused(f"Its practitioner ({name}) is not a practitioner here: add them with the same name, then "
                          "import again.")  # fmt: skip
        return who
    raise Refused("It names no practitioner.")


def _appointment(run: _Run, patient: Patient, item: Item) -> None:
    r = item.resource or {}
    status = STATUS.get(r.get("status", ""))
    if status is None:
        raise Skipped(f"Its status is {r.get('status')}: not an appointment dryneedle keeps.")
    if not r.get("start") or not r.get("end"):
        raise Refused("It has no start or end.")
    start, end = _when(r["start"], "Its start", run.zone), _when(r["end"], "Its end", run.zone)
    if end <= start:
        raise Refused("It ends before it starts.")
    who = _practitioner(run, r)
    found = run.known(item, Appointment)
    if found is not None:
        if found.status == status or found.status == Appointment.Status.CANCELLED:
            item.done("unchanged", "" if found.status == status else "Cancelled here; kept.", found)
            return
        try:
            calendar.set_status(found, run.user, status, _cancel_reason(r))
        except ValidationError as e:
            item.done("unchanged", f"Kept as it is here ({' '.join(e.messages)})", found)
            return
        run.audit("appointment.status", found, f"imported from FHIR ({item.label}): {status}")
        item.done("updated", f"Now {found.get_status_display().lower()}.", found)
        return
    texts = [t.get("text", "") for t in r.get("serviceType") or [] if isinstance(t, dict)]
    texts += [c for t in r.get("serviceType") or [] for _s, c in _codes(t)]
    kind = next((KINDS[t.strip().lower()] for t in texts if t and t.strip().lower() in KINDS), run.default_kind)
    if not kind:
        ours = ", ".join(str(label) for _k, label in Appointment.KINDS)
        raise Refused(f"Its type ({', '.join(t for t in texts if t) or 'none'}) is none of ours ({ours}): choose one "
                      "for such appointments.")  # fmt: skip
    if start < timezone.now() and status in ("booked", "requested"):
        raise Refused("It is in the past and still booked: say in the source whether it was attended, cancelled or "
                      "missed.")  # fmt: skip
    if start > timezone.now() and status in ("attended", "no_show"):
        raise Refused("It has not happened yet, yet it is marked attended or missed.")
    made = calendar.book(run.clinic, run.user, patient=patient, practitioner=who, start=start, end=end, kind=kind,
                         status=status, cancel_reason=_cancel_reason(r),
                         override="Imported (FHIR)")  # fmt: skip
    run.remember(item, patient, made)
    run.audit("appointment.book", made, f"imported from FHIR ({item.label})")
    item.done("created", "", made)


def _cancel_reason(r: dict) -> str:
    return ((r.get("cancelationReason") or {}).get("text") or NO_REASON)[:200]


def _value(item):
    """The first answer of a QuestionnaireResponse item: a Coding's code; a whole decimal as an integer."""
    answer = (item.get("answer") or [{}])[0] if isinstance(item, dict) else {}
    answer = answer if isinstance(answer, dict) else {}
    value = next((v for k, v in answer.items() if k.startswith("value")), None)
    if isinstance(value, dict):
        value = value.get("code")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def answers_of(instrument: str, items) -> dict:
    """Our stored answers from a QuestionnaireResponse's items (mapping._answer_items, read back)."""
    items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    if not items:
        return {}
    got = {i.get("linkId"): _value(i) for i in items}
    if instrument == "nprs":
        return {"score": got["score"]} if "score" in got else {}
    if instrument == "odi":
        return {"sections": got}
    if instrument == "rmdq":
        return {"ticked": [int(k) for k, v in got.items() if v is True and str(k).isdigit()]}
    if instrument == "startback":
        return {"items": got}
    activities = []
    for group in items:
        if group.get("linkId") == "activities":
            inner = {x.get("linkId"): _value(x) for x in group.get("item") or [] if isinstance(x, dict)}
            activities.append({"name": inner.get("activities.name"), "score": inner.get("activities.score")})
    return {"activities": activities} if activities else {}


def _answered(run: _Run, patient: Patient, item: Item) -> None:
    r = item.resource or {}
    canonical = str(r.get("questionnaire", "")).split("|")[0]
    instrument = canonical.removeprefix("urn:dryneedle:questionnaire:")
    if canonical != mapping.questionnaire_url(instrument) or instrument not in INSTRUMENTS:
        raise Skipped(f"Not one of dryneedle's questionnaires ({canonical or 'none named'}).")
    if r.get("status") not in ("completed", "amended"):
        raise Skipped(f"Its status is {r.get('status')}: only completed answers are kept.")
    found = run.known(item, Response)
    if found is not None:
        run.answered.add(item.id)
        item.done("unchanged", "Imported before; kept as it is here.", found)
        return
    when = _when(r.get("authored"), "When it was answered (authored)", run.zone)
    episode = _episode_on(run, patient, when)
    made = outcomes.record_response(episode, instrument, answers_of(instrument, r.get("item")), run.user,
                                    source=Response.Source.IMPORTED, collected=when)  # fmt: skip
    run.remember(item, patient, made)
    run.answered.add(item.id)
    run.audit("response.create", made, f"imported from FHIR ({item.label})")
    item.done("created", "", made)


HANDLERS = {"Condition": _condition, "QuestionnaireResponse": _answered, "Observation": _observation,
            "Appointment": _appointment}  # fmt: skip


def _patient_of(item: Item) -> str:
    """The reference naming the item's patient (its own for a Patient)."""
    r = item.resource or {}
    if item.type == "Patient":
        return ""
    if item.type == "Appointment":
        for p in r.get("participant") or []:
            if isinstance(p, dict) and (pid := _ref_id(p.get("actor"), "Patient")):
                return pid
        return ""
    return _ref_id(r.get("subject") or r.get("patient"), "Patient")


def run(clinic, user, items: list[Item], *, dry_run: bool = False, default_kind: str = "", request=None) -> Report:
    """Import ``items`` (from ``read``) into ``clinic`` as ``user``: one transaction per patient. Every item ends
    with an outcome and, where useful, its reason."""
    ctx = _start(clinic, user, request, dry_run, default_kind)
    patients_here: dict[str, Item] = {}  # a Patient's id and fullUrl -> its item
    unreadable: dict[str, Item] = {}  # the same, of a Patient that is not valid FHIR
    for item in items:
        if item.outcome:
            continue
        if not valid(item):
            if item.type == "Patient":
                unreadable.update({name: item for name in (item.id, item.full_url) if name})
        else:
            if item.type == "Patient":
                for name in (item.id, item.full_url):
                    if name:
                        patients_here[name] = item
            elif item.type == "Practitioner":
                ctx.named[item.id] = ctx.named[item.full_url] = _name(item.resource or {})
                item.done("skipped", "Read for the names of appointments' practitioners; staff are added by hand.")
    groups: dict[str, list[Item]] = {}
    for item in items:
        if item.outcome:
            continue
        if item.type == "Patient":
            groups.setdefault(f"file:{item.where}", []).insert(0, item)
            continue
        ref = _patient_of(item)
        if not ref:
            item.done("refused", "It names no patient.")
        elif ref in patients_here:
            groups.setdefault(f"file:{patients_here[ref].where}", []).append(item)
        elif ref in unreadable:
            item.done("refused", f"Not imported: its patient, {unreadable[ref].label}, was refused.")
        else:
            groups.setdefault(f"ref:{ref}", []).append(item)
    for name, group in groups.items():
        _group(ctx, name.removeprefix("ref:") if name.startswith("ref:") else "", group)
    if not dry_run:
        record(request, "fhir.import", clinic=clinic, user=user, category="import",
               detail=f"{len(items)} resources; " + Report(items).said())  # fmt: skip
    return Report(items, dry_run)


class _Rollback(Exception):
    pass


def _group(ctx: _Run, ref: str, group: list[Item]) -> None:
    """One patient's resources, in one transaction: all of them, or (one refused, or a dry run) none."""
    group.sort(key=lambda i: IMPORTED.index(i.type))
    try:
        with transaction.atomic():
            patient = None
            if group[0].type == "Patient":
                patient = _one(ctx, group[0], lambda: _patient(ctx, group[0]))
            else:
                patient = _existing(ctx, ref)
                if patient is None:
                    for item in group:
                        item.done("refused", "Its patient is neither in the file nor imported before.")
            if patient is not None:
                for item in group[1:] if group[0].type == "Patient" else group:
                    _one(ctx, item, lambda item=item: HANDLERS[item.type](ctx, patient, item))
            refused = next((i for i in group if i.outcome == "refused"), None)
            if refused is not None:
                for item in group:
                    if item.outcome in ("created", "updated"):
                        item.done("refused", f"Not imported: {refused.label} of the same patient was refused.")
                    elif item.outcome == "" and patient is None and item is not refused:
                        item.done("refused", f"Not imported: {refused.label} of the same patient was refused.")
                raise _Rollback
            if ctx.dry_run:
                raise _Rollback
    except _Rollback:
        # What the rolled-back transaction made is gone: so are the run's notes of it.
        for k in ctx.added:
            ctx.imported.pop(k, None)
            ctx.by_source.pop(k, None)
    finally:
        ctx.added.clear()


def _one(ctx: _Run, item: Item, do):
    """Run one item's import in a savepoint: a refusal (or the database's) is this item's, and the rest of its
    patient's items are still checked, so a dry run names every problem at once."""
    try:
        with transaction.atomic():
            return do()
    except Refused as e:
        item.done("refused", str(e))
    except Skipped as e:
        item.done("skipped", str(e))
    except ValidationError as e:
        item.done("refused", " ".join(e.messages))
    except (DatabaseError, ObjectDoesNotExist, ValueError, TypeError, AttributeError, KeyError) as e:
        item.done("refused", f"Could not be read: {e}.")
    return None


def _existing(ctx: _Run, ref: str):
    """The patient a reference names, imported before (by its id there) or ours (a dryneedle export's UUID)."""
    seen = ctx.by_source.get(("Patient", ref))
    if seen is not None:
        return Patient.objects.filter(clinic=ctx.clinic, code=seen.record).first()
    try:
        code = uuid.UUID(ref.removeprefix("urn:uuid:"))
    except ValueError:
        return None
    found = Patient.objects.filter(clinic=ctx.clinic, code=code, anonymised_at__isnull=True).first()
    if found is not None and found.merged_into_id:
        found = Patient.objects.filter(clinic=ctx.clinic, pk=found.merged_into_id).first()
    return found
