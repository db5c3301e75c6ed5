"""Demo care plans, working hours and appointments for the synthetic clinics.

Invented for the demo, like the rest of the seed: the frequencies and counts
below make the pages look like a clinic's week, they are not clinical defaults
(those live in plans/rules.py with their sources).
"""

import random
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from dryneedle.appointments.models import Appointment, Availability, AvailabilityException, WaitlistEntry
from dryneedle.demo import common
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode
from dryneedle.plans import exercises, rules
from dryneedle.plans.models import Assignment, CarePlan, Component, ExerciseLog, Goal, Review

DAY_START, DAY_END, LUNCH = time(8, 30), time(17, 30), (time(12, 30), time(13, 30))
SLOT = timedelta(minutes=30)
BATCH = 2000


def hours(rng: random.Random, clinic, practitioners, today: date, book: "Book | None" = None) -> None:
    """Monday to Friday with a lunch break; one late evening each; one day off in the coming fortnight (``book``
    keeps no appointment on it)."""
    rows, offs = [], []
    for user in practitioners:
        late = rng.choice((1, 3))
        for wd in range(5):
            rows.append(Availability(clinic=clinic, user=user, weekday=wd, start=DAY_START, end=LUNCH[0]))
            end = time(19) if wd == late else DAY_END
            rows.append(Availability(clinic=clinic, user=user, weekday=wd, start=LUNCH[1], end=end))
        off = today + timedelta(days=rng.randint(3, 14))
        offs.append(AvailabilityException(clinic=clinic, user=user, date=off, kind="off", reason="Course day"))
        if book is not None:
            book.off.add((user.pk, off))
    Availability.objects.bulk_create(rows)
    AvailabilityException.objects.bulk_create(offs)


class Book:
    """Free 30-minute slots per practitioner, so the demo's appointments never overlap."""

    def __init__(self, tz: str, taken: set, off: set | None = None):
        self.tz = zoneinfo.ZoneInfo(tz)
        self.taken = taken  # shared by the clinics: a practitioner in two clinics is in one place at a time
        self.off = off if off is not None else set()  # (user id, date): days off (demo/care.py hours())

    def slot(
        self, rng: random.Random, user_id: int, day: date, prefer: time | None = None, after: datetime | None = None
    ) -> datetime | None:
        """A free slot on a working day (none at weekends or on a day off), later than ``after`` when given."""
        if day.weekday() >= 5 or (user_id, day) in self.off:
            return None
        starts = []
        t = datetime.combine(day, DAY_START, self.tz)
        while t.time() < DAY_END:
            if not (LUNCH[0] <= t.time() < LUNCH[1]) and (after is None or t > after):
                starts.append(t)
            t += SLOT
        if prefer:
            starts.sort(key=lambda s: abs((s.hour * 60 + s.minute) - (prefer.hour * 60 + prefer.minute)))
        else:
            rng.shuffle(starts)
        for s in starts:
            if (user_id, s) not in self.taken:
                self.taken.add((user_id, s))
                return s
        return None


def plans(
    rng: random.Random, episodes: list[Episode], visits: list, later: list, book: dict, today: date, now: datetime
) -> None:
    """A care plan for most episodes, built as the builder would, with bookings around the visits: ``later`` are
    today's visits still to come (demo/needling.py), booked at their time."""
    by_episode: dict[int, list] = {}
    for v in visits + later:
        by_episode.setdefault(v.episode_id, []).append(v)
    still_to_come = {v.code for v in later}
    sb: dict[int, Response] = {}
    psfs: dict[int, Response] = {}
    for r in Response.objects.filter(episode__in=episodes, instrument__in=("startback", "psfs")).order_by("collected"):
        if r.instrument == "startback":
            sb.setdefault(r.episode_id, r)
        else:
            psfs.setdefault(r.episode_id, r)
    out_plans, out_comps, out_goals, out_assign, out_reviews, out_appts = [], [], [], [], [], []
    logs_for: list[tuple[Assignment, float]] = []
    for e in episodes:
        if e.status == Episode.Status.ENTERED_IN_ERROR or e.clinician is None or rng.random() < 0.1:
            continue
        vs = sorted(by_episode.get(e.pk, []), key=lambda v: v.started)
        risk = sb[e.pk].details.get("risk", "") if e.pk in sb else ""
        template = rules.template_for(risk)
        expected = rules.expected_visits(e.condition)
        planned = expected.visits or rng.randint(4, 6)
        if e.status == Episode.Status.DISCHARGED:
            planned = max(len(vs), 1)
        planned = max(planned, len(vs))
        plan = CarePlan(
            clinic=e.clinic,
            patient=e.patient,
            episode=e,
            risk_group=risk,
            template=template.code,
            primary_measure="odi",
            expected_dn_visits=planned if vs or e.status == "open" else None,
            expected_basis=expected.basis if planned == expected.visits else "Set by the clinician.",
            maintenance_every_weeks=rng.choice((4, 6, 8)) if e.discharge_date and rng.random() < 0.5 else None,
            created_by=e.clinician,
            updated_by=e.clinician,
        )
        out_plans.append(plan)
        mods = [m for m, _ in template.components]
        if (vs or e.status == "open") and "dry_needling" not in mods:
            mods.append("dry_needling")  # the clinician's choice: needling alongside the template's care
        if rng.random() < 0.35:
            mods.insert(0, "massage")
        mine = []
        for m in mods:
            ours = m in ("dry_needling", "physiotherapy", "pi_physiotherapy", "exercise") or rng.random() < 0.3
            mine.append(Component(
                clinic=e.clinic, plan=plan, patient=e.patient, modality=m, sequence=rules.default_sequence(m),
                provider=e.clinician if ours else None,
                outside_provider="" if ours else rng.choice(("Sam Ortiz, LMT", "Harbour Massage", "Dr Lee, DC")),
                times=1 if m in ("dry_needling", "massage", "education") else rng.choice((1, 2)),
                every_weeks=2 if m == "massage" else 1,
                count=planned if m == "dry_needling" else (1 if m == "education" else rng.randint(4, 8)),
                created_by=e.clinician, updated_by=e.clinician,
            ))  # fmt: skip
        out_comps.extend(mine)
        if e.pk in psfs:
            for a in psfs[e.pk].answers.get("activities", []):
                if a.get("score") is not None and a["score"] < 10:
                    out_goals.append(Goal(
                        clinic=e.clinic, plan=plan, patient=e.patient, activity=a["name"], baseline=a["score"],
                        target=min(10, a["score"] + rng.randint(3, 5)), target_date=e.start_date + timedelta(weeks=8),
                        created_by=e.clinician, updated_by=e.clinician,
                    ))  # fmt: skip
        for code in rng.sample([x.code for x in exercises.LIBRARY], rng.randint(2, 4)):
            a = Assignment(
                clinic=e.clinic, plan=plan, patient=e.patient, exercise=code, dose=exercises.BY_CODE[code].dose,
                start=min(today, e.start_date + timedelta(days=7)), created_by=e.clinician, updated_by=e.clinician,
            )  # fmt: skip
            out_assign.append(a)
            if e.status == "open":
                logs_for.append((a, rng.uniform(0.3, 0.95)))
        half = (planned + 1) // 2
        if len(vs) >= half and half < planned:
            note = rng.choice(("Pain easing; keep going.", "Slow progress; more exercise.", "Sleeping better."))
            if vs[half - 1].code not in still_to_come:  # reviewed after the half-way visit, once it is done
                out_reviews.append(Review(
                    clinic=e.clinic, plan=plan, patient=e.patient, milestone="half", decision="continue",
                    visits_signed=half, note=note, created=vs[half - 1].started + timedelta(hours=1),
                    updated=vs[half - 1].started + timedelta(hours=1), created_by=e.clinician, updated_by=e.clinician,
                ))  # fmt: skip
        out_appts.extend(_appointments(rng, e, mine, vs, still_to_come, planned, book[e.clinic_id], today, now))
    CarePlan.objects.bulk_create(out_plans, batch_size=BATCH)
    for rows in (out_comps, out_goals, out_assign, out_reviews):
        for r in rows:
            r.plan_id = r.plan.pk
    Component.objects.bulk_create(out_comps, batch_size=BATCH)
    Goal.objects.bulk_create(out_goals, batch_size=BATCH)
    Assignment.objects.bulk_create(out_assign, batch_size=BATCH)
    Review.objects.bulk_create(out_reviews, batch_size=BATCH)
    Appointment.objects.bulk_create(out_appts, batch_size=BATCH)  # their components are saved by now
    logs = []
    for a, p in logs_for:
        for i in range(10):  # the last ten days only: enough for the adherence column
            d = today - timedelta(days=i)
            if d >= a.start and rng.random() < p:
                logs.append(ExerciseLog(clinic=a.clinic, assignment=a, plan_id=a.plan_id, patient=a.patient, day=d))
    ExerciseLog.objects.bulk_create(logs, batch_size=BATCH)


def _appointments(
    rng, e, components, vs, still_to_come: set, planned, book: Book, today: date, now: datetime
) -> list[Appointment]:
    """Attended appointments for the last fortnight's visits (each linked to its visit, the patient marked arrived a
    few minutes early); booked ones for what remains of the plan, from later today on."""
    out = []
    dn = next((c for c in components if c.modality == "dry_needling"), None)

    def add(start, status, comp, **kw):
        out.append(Appointment(
            clinic=e.clinic, patient=e.patient, episode=e, component=comp, practitioner=e.clinician,
            kind=comp.modality if comp else "dry_needling", start=start, end=start + SLOT,
            status=status, created_by=e.clinician, updated_by=e.clinician, **kw,
        ))  # fmt: skip

    for v in vs:
        local = v.started.astimezone(book.tz)
        if local.date() >= today - timedelta(days=14):
            s = book.slot(rng, e.clinician_id, local.date(), prefer=local.time())
            early = timedelta(minutes=rng.randint(2, 12))
            if s is None or abs(s - v.started) >= SLOT:
                continue  # a walk-in: the visit had no booking
            if v.code in still_to_come:
                add(s, "booked", dn)  # later today
            else:
                add(s, "attended", dn, visit=v, arrived_at=s - early)
    if e.status != "open":
        return out
    last = vs[-1].started.astimezone(book.tz).date() if vs else today
    for i in range(max(0, planned - len(vs))):
        day = common.weekday(max(today, last + timedelta(days=7 * (i + 1))))
        if day > today + timedelta(days=42):
            break
        s = book.slot(rng, e.clinician_id, day, prefer=time(rng.choice((9, 10, 11, 14, 15, 16))), after=now)
        if s is None:
            continue
        if rng.random() < 0.06:
            add(s, "cancelled", dn, cancel_reason=rng.choice(("Patient away that week", "Clinic closed: training")))
        else:
            add(s, "booked", dn, note=rng.choice(("", "", "", "Prefers the ground-floor room", "Parking at the back")))
    # The clinic's own physiotherapy and supervised exercise: the next few sessions, on other days.
    for comp in components:
        if comp.modality in ("physiotherapy", "pi_physiotherapy", "exercise") and comp.provider is not None:
            for k in range(min(comp.count, 3)):
                day = common.weekday(today + timedelta(days=rng.randint(1, 6) + 7 * k))
                s = book.slot(rng, e.clinician_id, day)
                if s is not None:
                    add(s, "booked", comp)
    if vs and rng.random() < 0.08:  # a recent no-show
        day = common.weekday(today - timedelta(days=rng.randint(2, 6)))
        if day < today:
            s = book.slot(rng, e.clinician_id, day)
            if s is not None:
                add(s, "no_show", dn)
    return out


def week_ahead(rng: random.Random, clinic, practitioners, book: Book, today: date, now: datetime) -> None:
    """Bookings for the rest of today and the next four working days, up to about two thirds of each
    practitioner's slots: patients with an open episode in their care (at most twice in the five days, never on
    two days running) and discharged patients back for their maintenance follow-up (once): a clinic's week.

    Run last in the seed: the slots left depend on the hour it runs, and nothing drawn after it depends on them.
    """
    ours = Episode.objects.filter(clinic=clinic, clinician__isnull=False).filter(
        Q(status=Episode.Status.OPEN)
        | Q(status=Episode.Status.DISCHARGED, plan__maintenance_every_weeks__isnull=False)
    )  # fmt: skip
    by_practitioner: dict[int, list[Episode]] = {}
    for e in ours.select_related("patient").order_by("id"):
        by_practitioner.setdefault(e.clinician_id, []).append(e)
    soon = Appointment.objects.filter(clinic=clinic, start__gte=now, start__lt=now + timedelta(days=8))
    booked: dict[int, list[date]] = {}
    for p, start in soon.values_list("patient_id", "start"):
        booked.setdefault(p, []).append(start.astimezone(book.tz).date())
    # What the database already holds for these practitioners in any clinic: the online requests of newcomers at a
    # clinic seeded before this one are not in the slot book (demo/portal.py books them as the page would).
    held: dict[int, list[tuple[datetime, datetime]]] = {}
    for user_id, start, end in Appointment.objects.filter(
        practitioner__in=[u.pk for u in practitioners], status__in=Appointment.BUSY, end__gt=now,
        start__lt=now + timedelta(days=8),
    ).values_list("practitioner_id", "start", "end"):  # fmt: skip
        held.setdefault(user_id, []).append((start, end))
    out = []
    for user in practitioners:
        episodes = by_practitioner.get(user.pk, [])
        day, days = today, 0
        while days < 5 and episodes:
            if day.weekday() < 5:
                days += 1
                for _ in range(rng.randint(5, 9)):
                    e = rng.choice(episodes)
                    seen = booked.get(e.patient_id, [])
                    limit = 2 if e.status == Episode.Status.OPEN else 1
                    if len(seen) >= limit or any(abs((day - d).days) <= 1 for d in seen):
                        continue
                    s = book.slot(rng, user.pk, day, after=now)
                    if s is None:
                        break
                    if any(b < s + SLOT and s < c for b, c in held.get(user.pk, ())):
                        continue
                    booked.setdefault(e.patient_id, []).append(day)
                    out.append(Appointment(
                        clinic=clinic, patient=e.patient, episode=e if e.status == "open" else None,
                        practitioner=user, kind="dry_needling" if e.status == "open" else "maintenance", start=s,
                        end=s + SLOT, status="booked", created_by=user, updated_by=user,
                        note=rng.choice(("", "", "", "Prefers the ground-floor room", "Parking at the back")),
                    ))  # fmt: skip
            day += timedelta(days=1)
    Appointment.objects.bulk_create(out, batch_size=BATCH)


def waitlist(rng: random.Random, clinic, practitioners, today: date) -> None:
    """A few patients in active care who asked for an earlier time, joined over the last fortnight (most of them
    reachable by email, so that a cancellation offers them the time)."""
    booked_soon = Appointment.objects.filter(clinic=clinic, start__date__gte=today, status="booked")
    ids = set(booked_soon.values_list("patient_id", flat=True))
    open_ = list(Episode.objects.filter(clinic=clinic, status=Episode.Status.OPEN, patient_id__in=ids)
                 .select_related("patient").order_by("id")[:40])  # fmt: skip
    reachable = [e for e in open_ if e.patient.email]
    chosen = rng.sample(reachable, min(len(reachable), rng.randint(3, 5)))
    chosen += [e for e in open_ if not e.patient.email][:1]
    notes = ("", "", "Mornings only", "Not Wednesdays", "Can come at short notice", "After 15:00 suits best")
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    for e in chosen:
        joined = common.weekday(today - timedelta(days=rng.randint(1, 14)))
        who = next((u for u in practitioners if u.pk == e.clinician_id), None) if rng.random() < 0.7 else None
        entry = WaitlistEntry.objects.create(
            clinic=clinic, patient=e.patient, practitioner=who, earliest=max(joined, today - timedelta(days=7)),
            latest=joined + timedelta(days=rng.choice((14, 21, 28))) if rng.random() < 0.5 else None,
            note=rng.choice(notes), created_by=who or e.clinician, updated_by=who or e.clinician,
        )  # fmt: skip
        # When they joined (created is set on save).
        WaitlistEntry.objects.filter(clinic=clinic, pk=entry.pk).update(created=datetime.combine(joined, time(10), tz))
