"""The clinic's operational report (issue 18): how the book is used, who does not come, who comes back, how many new
patients, how many questionnaires are answered, how many visits an episode takes. Each figure has its definition
here, shown on the page and first in the CSV, so that a reader can check what is counted.

These are a clinic's running numbers, not clinical thresholds: nothing here is judged against a target.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncMonth

from dryneedle.accounts.middleware import clinic_zone
from dryneedle.accounts.models import User
from dryneedle.accounts.people import practitioners
from dryneedle.appointments import services as booking
from dryneedle.appointments.models import Appointment
from dryneedle.outcomes import followups
from dryneedle.patients.models import Episode, Patient, RecordStatus
from dryneedle.visits.models import Visit

LATE_CANCEL_HOURS = 24  # the usual front-desk rule for a late cancellation; said on the page, not a clinical number

DEFINITIONS = {
    "utilisation": "Booked hours (appointments booked, attended or missed, not cancelled) divided by working hours "
    "(weekly hours plus extra hours, less time off) in the period, per practitioner.",
    "no_show": "Of the appointments that had started by the end of the period and were not cancelled, the share "
    "recorded as did not attend.",
    "late_cancel": f"Of the appointments due in the period, the share cancelled less than {LATE_CANCEL_HOURS} hours "
    "before they were due.",
    "rebooking": "Of the episodes whose first signed needling visit fell in the period, the share with another "
    "appointment (not cancelled) booked after that visit.",
    "new_patients": "Patient records added, by month (records entered in error left out).",
    "completion": "Follow-up questionnaires (every time point after the baseline) whose window closed in the past "
    "year: answered, of those due.",
    "visits_per_episode": "Signed needling visits of each episode discharged in the period: the mean and the median.",
}


@dataclass
class Utilisation:
    practitioner: User
    booked_minutes: int
    working_minutes: int

    @property
    def pct(self) -> float | None:
        return round(100 * self.booked_minutes / self.working_minutes, 1) if self.working_minutes else None


@dataclass
class Rate:
    count: int
    of: int

    @property
    def pct(self) -> float | None:
        return round(100 * self.count / self.of, 1) if self.of else None


@dataclass
class Report:
    first: date
    last: date
    utilisation: list[Utilisation] = field(default_factory=list)
    no_show: Rate = field(default_factory=lambda: Rate(0, 0))
    late_cancel: Rate = field(default_factory=lambda: Rate(0, 0))
    rebooking: Rate = field(default_factory=lambda: Rate(0, 0))
    new_patients: list[tuple[date, int]] = field(default_factory=list)
    completion: Rate = field(default_factory=lambda: Rate(0, 0))
    visits_mean: float | None = None
    visits_median: float | None = None
    episodes_discharged: int = 0


def build(clinic, first: date, last: date, now: datetime) -> Report:
    """The report for ``first``..``last`` (inclusive, the clinic's days), as of ``now``."""
    tz = clinic_zone(clinic)
    start, end = datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz)
    r = Report(first, last)
    appts = Appointment.objects.filter(clinic=clinic, start__gte=start, start__lt=end)

    minutes: dict[int, int] = {}
    for who, s, e in appts.filter(status__in=Appointment.BUSY).values_list("practitioner", "start", "end"):
        minutes[who] = minutes.get(who, 0) + int((e - s).total_seconds() // 60)
    for p in practitioners(clinic):
        r.utilisation.append(Utilisation(p, minutes.get(p.pk, 0), booking.working_minutes(clinic, p, first, last)))

    started = appts.filter(start__lt=min(end, now)).exclude(status=Appointment.Status.CANCELLED)
    counts = started.aggregate(missed=Count("id", filter=Q(status=Appointment.Status.NO_SHOW)), all=Count("id"))
    r.no_show = Rate(counts["missed"], counts["all"])
    # A cancellation's time is the appointment's last change (a cancelled appointment is final: services.set_status).
    late = Q(status=Appointment.Status.CANCELLED, updated__gt=F("start") - timedelta(hours=LATE_CANCEL_HOURS))
    counts = appts.aggregate(late=Count("id", filter=late), all=Count("id"))
    r.late_cancel = Rate(counts["late"], counts["all"])

    firsts = (
        Visit.objects.filter(clinic=clinic, status=Visit.Status.SIGNED)
        .values("episode")
        .annotate(first=Min("started"))
        .filter(first__gte=start, first__lt=end)
    )
    first_of = {row["episode"]: row["first"] for row in firsts}
    again = set(
        Appointment.objects.filter(clinic=clinic, episode__in=list(first_of))
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("episode", "start")
    )
    rebooked = {e for e, s in again if s > first_of[e]}
    r.rebooking = Rate(len(rebooked), len(first_of))

    months = (
        Patient.objects.filter(clinic=clinic, created__gte=start, created__lt=end)
        .exclude(status=RecordStatus.ENTERED_IN_ERROR)
        .annotate(month=TruncMonth("created", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    r.new_patients = [(m["month"].date() if isinstance(m["month"], datetime) else m["month"], m["n"]) for m in months]

    answered, closed = followups.follow_up_rate(
        followups.completion(Episode.objects.filter(clinic=clinic), clinic, last)
    )  # fmt: skip
    r.completion = Rate(answered, closed)

    discharged = (
        Episode.objects.filter(clinic=clinic, status=Episode.Status.DISCHARGED, discharge_date__gte=first)
        .filter(discharge_date__lte=last)
        .annotate(n=Count("visits", filter=Q(visits__status=Visit.Status.SIGNED)))
        .values_list("n", flat=True)
    )
    per = list(discharged)
    r.episodes_discharged = len(per)
    if per:
        r.visits_mean, r.visits_median = round(sum(per) / len(per), 1), float(median(per))
    return r


def rows(r: Report) -> list[list]:
    """The report as CSV rows: the definitions first, then each figure (lib/csvout writes them)."""
    out: list[list] = [["definition", name, text] for name, text in DEFINITIONS.items()]
    out.append(["period", r.first.isoformat(), r.last.isoformat()])
    for u in r.utilisation:
        name = u.practitioner.display_name()
        out.append(["utilisation", name, u.booked_minutes, u.working_minutes, u.pct if u.pct is not None else ""])
    for key in ("no_show", "late_cancel", "rebooking", "completion"):
        rate = getattr(r, key)
        out.append([key, "", rate.count, rate.of, rate.pct if rate.pct is not None else ""])
    for month, n in r.new_patients:
        out.append(["new_patients", month.strftime("%Y-%m"), n, "", ""])
    out.append(
        ["visits_per_episode", "mean", r.visits_mean if r.visits_mean is not None else "", r.episodes_discharged, ""]
    )
    out.append(["visits_per_episode", "median", r.visits_median if r.visits_median is not None else "",
                r.episodes_discharged, ""])  # fmt: skip
    return out
