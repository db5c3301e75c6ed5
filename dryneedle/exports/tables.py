"""The clinic's records as CSV tables (issue 20): patients, episodes, appointments, visits, needles, outcome scores,
care plans and their goals.

One definition per table serves the clinic's export (every row of the clinic) and the subject-access copy (the rows
of one person: their record and the records merged into it). Each row starts with its record's UUID and names the
patient by theirs, so the tables join in a spreadsheet; records entered in error are kept, with their state, as the
database keeps them. Times are the clinic's local time (the exports page and the copy's README name the zone).
Columns holding a clinician's free text are marked ``note``: the patient's own copy leaves them out, as their PDF
does (exports/record.py).
lib/csvout writes the cells (no spreadsheet formulas).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dryneedle.appointments.models import Appointment
from dryneedle.lib.sql import stream
from dryneedle.outcomes.models import Response
from dryneedle.patients import coding
from dryneedle.patients.models import ConditionCode, Episode, Patient
from dryneedle.plans.models import CarePlan, Goal
from dryneedle.visits.models import Insertion, Visit


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable
    note: bool = False  # a clinician's free text: not in the patient's own copy


@dataclass(frozen=True)
class Table:
    name: str  # the file name, without .csv
    title: str | Promise
    about: str | Promise
    columns: tuple[Column, ...]
    query: Callable[[object, list[int] | None], QuerySet]  # (clinic, patient ids or None for all) -> rows

    def headers(self, notes: bool = True) -> list[str]:
        return [c.header for c in self.columns if notes or not c.note]

    def rows(self, clinic, patient_ids: list[int] | None = None, notes: bool = True) -> Iterator[list]:
        """The table's rows, read a chunk at a time (lib/sql.stream): memory stays flat in the clinic's size."""
        zone = ZoneInfo(clinic.timezone)
        columns = [c for c in self.columns if notes or not c.note]
        for obj in stream(self.query(clinic, patient_ids)):
            yield [c.value(obj, zone) for c in columns]

    def count(self, clinic, patient_ids: list[int] | None = None) -> int:
        return self.query(clinic, patient_ids).count()


def _local(dt, zone) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M") if dt else ""


def _day(d) -> str:
    return d.isoformat() if d else ""


def _code(obj) -> str:
    return str(obj.code) if obj else ""


def _person(user) -> str:
    return user.display_name() if user else ""


def _of(model, *related: str, patient_field: str = "patient"):
    def query(clinic, ids):
        qs = model.objects.filter(clinic=clinic).select_related(*related).order_by("id")
        return qs if ids is None else qs.filter(**{f"{patient_field}__in": ids})

    return query


def _col(header: str, value: Callable, note: bool = False) -> Column:
    return Column(header, value, note)


PATIENTS = Table(
    "patients",
    _("Patients"),
    _(
        "One row per patient record, with contact details and the record's state (a record merged "
        "into another names the record kept; an anonymised one has no name or contact, and its birth year only)."
    ),
    (
        _col("code", lambda p, z: str(p.code)),
        _col("given_name", lambda p, z: p.given_name),
        _col("family_name", lambda p, z: p.family_name),
        _col("birth_date", lambda p, z: str(p.birth_date.year) if p.anonymised_at else _day(p.birth_date)),
        _col("sex", lambda p, z: p.sex),
        _col("email", lambda p, z: p.email),
        _col("phone", lambda p, z: p.phone),
        _col("address", lambda p, z: p.address),
        _col("preferred_language", lambda p, z: p.preferred_language),
        _col("emergency_contact_name", lambda p, z: p.emergency_contact_name),
        _col("emergency_contact_phone", lambda p, z: p.emergency_contact_phone),
        _col("status", lambda p, z: p.status),
        _col("error_reason", lambda p, z: p.error_reason),
        _col("merged_into", lambda p, z: _code(p.merged_into)),
        _col("created", lambda p, z: _local(p.created, z)),
        _col("anonymised_at", lambda p, z: _local(p.anonymised_at, z)),
    ),
    _of(Patient, "merged_into", patient_field="pk"),
)


def _episodes(clinic, ids):
    """The episodes, each with the clinic's own SNOMED CT and ICD-10 code of its condition, as set today (none
    unless the clinic set them: patients/coding.py)."""
    codes = ConditionCode.objects.filter(clinic=OuterRef("clinic"), condition=OuterRef("condition"))
    icd10 = codes.filter(system__in=coding.ICD10_EDITIONS)
    return _of(Episode, "patient", "clinician", "recurrence_of")(clinic, ids).annotate(
        snomed_ct=Subquery(codes.filter(system=coding.SNOMED).values("code")[:1]),
        icd10=Subquery(icd10.values("code")[:1]), icd10_system=Subquery(icd10.values("system")[:1]))  # fmt: skip


EPISODES = Table(
    "episodes",
    _("Episodes of care"),
    _(
        "One row per episode: the condition (with the clinic's own SNOMED CT and ICD-10 codes for it, where the clinic "
        "set them), the clinician, the dates and how it ended."
    ),
    (
        _col("code", lambda e, z: str(e.code)),
        _col("patient_code", lambda e, z: str(e.patient.code)),
        _col("condition", lambda e, z: e.condition),
        _col("condition_name", lambda e, z: e.condition_name),
        _col("snomed_ct", lambda e, z: e.snomed_ct or ""),
        _col("icd10", lambda e, z: e.icd10 or ""),
        _col("icd10_edition", lambda e, z: coding.NAMES.get(e.icd10_system, "") if e.icd10_system else ""),
        _col("status", lambda e, z: e.status),
        _col("start_date", lambda e, z: _day(e.start_date)),
        _col("clinician", lambda e, z: _person(e.clinician)),
        _col("discharge_date", lambda e, z: _day(e.discharge_date)),
        _col("discharge_reason", lambda e, z: e.discharge_reason),
        _col("discharge_note", lambda e, z: e.discharge_note, note=True),
        _col("notes", lambda e, z: e.notes, note=True),
        _col("recurrence_of", lambda e, z: _code(e.recurrence_of)),
        _col("error_reason", lambda e, z: e.error_reason),
    ),
    _episodes,
)

APPOINTMENTS = Table(
    "appointments",
    _("Appointments"),
    _("One row per appointment, booked, requested, attended, cancelled or missed."),
    (
        _col("code", lambda a, z: str(a.code)),
        _col("patient_code", lambda a, z: str(a.patient.code)),
        _col("patient_name", lambda a, z: a.patient.name),
        _col("episode_code", lambda a, z: _code(a.episode)),
        _col("practitioner", lambda a, z: _person(a.practitioner)),
        _col("kind", lambda a, z: a.kind),
        _col("start", lambda a, z: _local(a.start, z)),
        _col("end", lambda a, z: _local(a.end, z)),
        _col("status", lambda a, z: a.status),
        _col("cancel_reason", lambda a, z: a.cancel_reason),
        _col("front_desk_note", lambda a, z: a.note),
        _col("arrived_at", lambda a, z: _local(a.arrived_at, z)),
    ),
    _of(Appointment, "patient", "episode", "practitioner"),
)

VISITS = Table(
    "visits",
    _("Visits"),
    _(
        "One row per needling visit (drafts included, with their state); its needles are in "
        "needles.csv under the visit's code."
    ),
    (
        _col("code", lambda v, z: str(v.code)),
        _col("patient_code", lambda v, z: str(v.patient.code)),
        _col("episode_code", lambda v, z: str(v.episode.code)),
        _col("practitioner", lambda v, z: _person(v.practitioner)),
        _col("started", lambda v, z: _local(v.started, z)),
        _col("status", lambda v, z: v.status),
        _col("pain_before_0_10", lambda v, z: v.pre_nprs),
        _col("pain_after_0_10", lambda v, z: v.post_nprs),
        _col("hand_hygiene", lambda v, z: v.hand_hygiene),
        _col("clean_field", lambda v, z: v.clean_field),
        _col("skin_prep_agent", lambda v, z: v.skin_prep_agent),
        _col("sterile_single_use", lambda v, z: v.sterile_single_use),
        _col("immediate_events", lambda v, z: v.immediate_events, note=True),
        _col("notes", lambda v, z: v.notes, note=True),
        _col("signed_at", lambda v, z: _local(v.signed_at, z)),
        _col("signed_by", lambda v, z: _person(v.signed_by)),
    ),
    _of(Visit, "patient", "episode", "practitioner", "signed_by"),
)

NEEDLES = Table(
    "needles",
    _("Needles"),
    _("One row per needle inserted: where, how deep, how, the lot, and when it went in and came out."),
    (
        _col("code", lambda i, z: str(i.code)),
        _col("visit_code", lambda i, z: str(i.visit.code)),
        _col("patient_code", lambda i, z: str(i.patient.code)),
        _col("muscle", lambda i, z: i.muscle),
        _col("muscle_name", lambda i, z: i.get_muscle_display()),
        _col("side", lambda i, z: i.side),
        _col("depth_mm", lambda i, z: i.depth_mm),
        _col("technique", lambda i, z: i.technique),
        _col("guidance", lambda i, z: i.guidance),
        _col("local_twitch_responses", lambda i, z: i.local_twitch_responses),
        _col("needle_lot", lambda i, z: i.lot.lot_number),
        _col("needle_maker", lambda i, z: i.lot.manufacturer),
        _col("needle_mm", lambda i, z: f"{i.lot.diameter_mm} x {i.lot.length_mm}"),
        _col("time_in", lambda i, z: _local(i.time_in, z)),
        _col("time_out", lambda i, z: _local(i.time_out, z)),
        _col("bleeding", lambda i, z: i.bleeding),
    ),
    _of(Insertion, "visit", "patient", "lot"),
)

SCORES = Table(
    "outcome_scores",
    _("Outcome scores"),
    _(
        "One row per questionnaire answered: the instrument, when, the score (or why "
        "it could not be scored) and whether it was entered in error."
    ),
    (
        _col("code", lambda r, z: str(r.code)),
        _col("patient_code", lambda r, z: str(r.patient.code)),
        _col("episode_code", lambda r, z: str(r.episode.code)),
        _col("instrument", lambda r, z: r.instrument),
        _col("collected", lambda r, z: _local(r.collected, z)),
        _col("source", lambda r, z: r.source),
        _col("score", lambda r, z: r.score if r.scorable else None),
        _col("not_scorable_because", lambda r, z: r.reason),
        _col("entered_in_error", lambda r, z: r.entered_in_error),
        _col("error_reason", lambda r, z: r.error_reason),
    ),
    _of(Response, "patient", "episode"),
)

PLANS = Table(
    "care_plans",
    _("Care plans"),
    _(
        "One row per care plan: the primary measure, the expected number of needling visits "
        "and its basis, maintenance; goals are in goals.csv under the plan's code."
    ),
    (
        _col("code", lambda c, z: str(c.code)),
        _col("patient_code", lambda c, z: str(c.patient.code)),
        _col("episode_code", lambda c, z: str(c.episode.code)),
        _col("risk_group", lambda c, z: c.risk_group),
        _col("primary_measure", lambda c, z: c.primary_measure),
        _col("expected_needling_visits", lambda c, z: c.expected_dn_visits),
        _col("expected_basis", lambda c, z: c.expected_basis),
        _col("maintenance_every_weeks", lambda c, z: c.maintenance_every_weeks),
        _col("maintenance_until", lambda c, z: _day(c.maintenance_until)),
        _col("notes", lambda c, z: c.notes, note=True),
        _col("created", lambda c, z: _local(c.created, z)),
    ),
    _of(CarePlan, "patient", "episode"),
)

GOALS = Table(
    "goals",
    _("Goals"),
    _("One row per goal of a care plan: the activity, its baseline and target, and whether it was met or dropped."),
    (
        _col("code", lambda g, z: str(g.code)),
        _col("plan_code", lambda g, z: str(g.plan.code)),
        _col("patient_code", lambda g, z: str(g.patient.code)),
        _col("activity", lambda g, z: g.activity),
        _col("baseline", lambda g, z: g.baseline),
        _col("target", lambda g, z: g.target),
        _col("target_date", lambda g, z: _day(g.target_date)),
        _col("achieved_on", lambda g, z: _day(g.achieved_on)),
        _col("dropped", lambda g, z: g.dropped),
    ),
    _of(Goal, "plan", "patient"),
)

TABLES: dict[str, Table] = {t.name: t for t in (PATIENTS, EPISODES, APPOINTMENTS, VISITS, NEEDLES, SCORES, PLANS,
                                                 GOALS)}  # fmt: skip
