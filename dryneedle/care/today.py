"""The day, as each role's home page shows it: today's schedule first, then what is left undone.

A practitioner sees their own appointments (with the screening and any safety flag, the questionnaire due, and
"Start visit" or "Open draft"), unsigned drafts (a needle still in at the top), check-in answers that reported a
problem, reassessments due and their credentials. Reception sees the whole clinic's day by practitioner with the
arrivals to mark, consultation requests and reminders that could not go. A clinic admin sees the same and the
clinic's serious adverse events still open, credentials expiring across the team and the questionnaire follow-up
rate. Every list here is a fixed number of queries whatever the clinic's size (tests/test_query_counts.py).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from dryneedle.accounts.middleware import clinic_zone
from dryneedle.accounts.people import practitioners
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.adverse_events.rules import SERIOUS
from dryneedle.aftercare.models import CheckIn
from dryneedle.appointments.models import Appointment
from dryneedle.directory.models import ConsultationRequest
from dryneedle.outcomes import followups, schedule
from dryneedle.patients.models import Episode, Patient
from dryneedle.plans import services as plans
from dryneedle.plans.models import CarePlan
from dryneedle.practitioners import gate as credentials
from dryneedle.practitioners.models import Credential
from dryneedle.screening import rules as screening_rules
from dryneedle.screening.models import Screening
from dryneedle.screening.rules import SEVERITY
from dryneedle.visits.models import Visit

SHOWN = 5  # rows of each "left undone" list on the home page; its own page has the rest


@dataclass
class Row:
    """One appointment of today's schedule, with what the person looking may know about it."""

    appt: Appointment
    screening: str = ""  # "Clear", "Precautions", "No screening", ... (clinical roles only)
    flag: str = ""  # a safety flag worth seeing before the patient sits down
    due: str = ""  # the questionnaire time point due now, if any
    late: bool = False  # booked, started more than 10 minutes ago, not arrived

    @property
    def action(self) -> str:
        """What the practitioner's button does: open the visit or draft, or start one."""
        v = self.appt.visit
        if v is not None:
            return "open draft" if v.status == Visit.Status.DRAFT else "open visit"
        if self.appt.status in (Appointment.Status.BOOKED, Appointment.Status.ATTENDED):
            return "start visit"
        return ""


@dataclass
class Column:
    practitioner: object
    rows: list[Row] = field(default_factory=list)


def day_bounds(clinic, day: date) -> tuple[datetime, datetime]:
    tz = clinic_zone(clinic)
    return datetime.combine(day, time.min, tz), datetime.combine(day + timedelta(days=1), time.min, tz)


def schedule_of(clinic, day: date, practitioner=None, clinical_for=None) -> list[Row]:
    """The day's appointments (cancelled ones left out), in time order; for ``practitioner`` only when given.

    ``clinical_for``: the user whose care-team rule decides which rows show the screening and questionnaires
    (a practitioner sees them for their own patients; a clinic admin for all; None: nobody, as for reception).
    """
    start, end = day_bounds(clinic, day)
    qs = (
        Appointment.objects.filter(clinic=clinic, start__gte=start, start__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "practitioner", "visit", "episode")
        .order_by("start", "practitioner__last_name", "id")
    )
    if practitioner is not None:
        qs = qs.filter(practitioner=practitioner)
    late = timezone.now() - timedelta(minutes=10)
    rows = [Row(a, late=a.status == Appointment.Status.BOOKED and a.arrived_at is None and a.start < late) for a in qs]
    if clinical_for is not None and rows:
        _clinical(rows, clinic, day, clinical_for)
    return rows


def _clinical(rows: list[Row], clinic, day: date, user) -> None:
    """Screening, safety flag and questionnaire due for the rows whose patient ``user`` may read (care team)."""
    patient_ids = {r.appt.patient_id for r in rows}
    admin = user.memberships.filter(clinic=clinic, role="clinic_admin", is_active=True).exists()
    if not admin:
        mine = Q(created_by=user) | Q(episodes__clinician=user)
        patient_ids = set(
            Patient.objects.filter(clinic=clinic, pk__in=patient_ids).filter(mine).values_list("pk", flat=True)
        )
    # The episode each appointment is about: its own, else the patient's open one (the one "Start visit" uses).
    open_eps: dict[int, list[int]] = {}
    for pid, eid in Episode.objects.filter(
        clinic=clinic, patient_id__in=patient_ids, status=Episode.Status.OPEN
    ).values_list("patient_id", "id"):
        open_eps.setdefault(pid, []).append(eid)
    episode_of = {}
    for r in rows:
        if r.appt.patient_id in patient_ids:
            eps = open_eps.get(r.appt.patient_id, [])
            episode_of[r.appt.pk] = r.appt.episode_id or (eps[0] if len(eps) == 1 else None)
    episode_ids = {e for e in episode_of.values() if e}
    latest: dict[int, Screening] = {}
    for s in (
        Screening.objects.filter(clinic=clinic, episode_id__in=episode_ids)
        .exclude(status=Screening.Status.ENTERED_IN_ERROR)
        .order_by("created")
    ):
        latest[s.episode_id] = s
    due: dict[int, str] = {}
    if episode_ids:
        waiting, _ = followups.worklist(Episode.objects.filter(clinic=clinic, pk__in=episode_ids), clinic, day)
        for w in waiting:
            if w.point.status in (schedule.Status.DUE, schedule.Status.SENT):
                due.setdefault(w.episode.pk, w.point.label)
    for r in rows:
        if r.appt.pk not in episode_of:
            continue
        eid = episode_of[r.appt.pk]
        if eid is None:
            r.screening = "No open episode" if not open_eps.get(r.appt.patient_id) else "Several open episodes"
            continue
        r.due = due.get(eid, "")
        s = latest.get(eid)
        if s is None:
            r.screening, r.flag = "Not screened", "Screen before needling"
        elif s.status != Screening.Status.CURRENT or not s.is_current():
            r.screening, r.flag = "Screening lapsed", "Screen again before needling"
        else:
            r.screening = s.get_decision_display().capitalize()
            if SEVERITY[s.decision] >= SEVERITY["defer"]:
                r.flag = f"{r.screening}: do not needle without reading the screening"
            elif s.result.get("precautions"):
                r.flag = "; ".join(_precaution(p) for p in s.result["precautions"])


def _precaution(p: dict) -> str:
    """A precaution in a few words: its finding's meaning, else the head of the rule's own sentence."""
    f = screening_rules.BY_CODE.get(p["rule"])
    if f is not None:
        return f.meaning
    if p["rule"] == "medication_unrecognised":  # "Not recognised — check it: <names>. ..."
        return "Medication to check: " + p["text"].split(": ", 1)[-1].split(". ")[0]
    return p["text"].split(":")[0].split(". ")[0]


def by_practitioner(clinic, rows: list[Row]) -> list[Column]:
    """The clinic's day side by side: every practitioner working here, with or without appointments."""
    columns = {p.pk: Column(p) for p in practitioners(clinic)}
    for r in rows:
        columns.setdefault(r.appt.practitioner_id, Column(r.appt.practitioner)).rows.append(r)
    return list(columns.values())


def drafts(clinic, user) -> list[Visit]:
    """The practitioner's unsigned visits, those with a needle still in first (they are a safety matter)."""
    needles_in = Count("insertions", filter=Q(insertions__time_out__isnull=True))
    return list(
        Visit.objects.filter(clinic=clinic, practitioner=user, status=Visit.Status.DRAFT)
        .select_related("patient")
        .annotate(needles_in=needles_in)
        .order_by("-needles_in", "started")
    )


def checkin_problems(clinic, user, now: datetime | None = None) -> list[CheckIn]:
    """Check-in answers of the last week that reported a problem, for visits this practitioner did."""
    now = now or timezone.now()
    return list(
        CheckIn.objects.filter(clinic=clinic, visit__practitioner=user, problem=True)
        .filter(answered_at__gte=now - timedelta(days=7))
        .select_related("patient", "visit")
        .order_by("-red", "-answered_at")[:20]
    )


def reviews_due(clinic, user) -> list[tuple]:
    """Reassessments due on the practitioner's open care plans: (plan, milestone, visits), longest in care first."""
    qs = CarePlan.objects.filter(
        clinic=clinic, episode__clinician=user, episode__status=Episode.Status.OPEN, expected_dn_visits__isnull=False
    )
    open_plans = plans.past_first_milestone(plans.with_progress(qs)).order_by("episode__start_date", "id")
    return [(plan, m, n) for plan in open_plans for m, n in plans.reassessment(plan)]


def requests_waiting(clinic) -> int:
    return ConsultationRequest.objects.filter(clinic=clinic, status=ConsultationRequest.Status.NEW).count()


def online_requests(clinic, now: datetime | None = None) -> list[Appointment]:
    """Patients' online requests still to confirm or decline (issue 19), soonest first."""
    now = now or timezone.now()
    return list(Appointment.objects.filter(clinic=clinic, status=Appointment.Status.REQUESTED, start__gt=now)
                .select_related("patient", "practitioner").order_by("start")[:50])  # fmt: skip


def reminders_failing(clinic, now: datetime | None = None) -> list[Appointment]:
    """Booked appointments in the reminder window that no email reminder will reach: the mail server refused it,
    or the patient has no email address. Reception phones these."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(clinic=clinic, status=Appointment.Status.BOOKED, reminder_sent__isnull=True,
                                   start__gt=now, start__lte=now + timedelta(hours=settings.REMINDER_HOURS))
        .filter(Q(patient__email="") | ~Q(reminder_error=""))
        .select_related("patient", "practitioner")
        .order_by("start")
    )  # fmt: skip


def serious_events_open(clinic) -> list[AdverseEvent]:
    return list(
        AdverseEvent.objects.filter(clinic=clinic, severity=SERIOUS, entered_in_error=False)
        .exclude(status=AdverseEvent.Status.CLOSED)
        .select_related("patient")
        .order_by("occurred")
    )


def team_credentials(clinic, on: date | None = None) -> list[tuple[Credential, int]]:
    """Credentials of the clinic's practitioners that expire within the warning window (or have expired)."""
    creds = Credential.objects.filter(user__in=practitioners(clinic)).select_related("user").order_by("expires")
    return credentials.expiring(creds, on)


def follow_up_rate(clinic, today: date) -> tuple[int, int]:
    """(answered, closed) follow-up questionnaires over the past year (outcomes/followups.py)."""
    return followups.follow_up_rate(followups.completion(Episode.objects.filter(clinic=clinic), clinic, today))
