"""Care plans: building one from the episode's data, what is due, what the data say about discharge."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, Value
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dryneedle.accounts.middleware import clinic_today
from dryneedle.lib.forms import uuid_or_none
from dryneedle.lib.hooks import Hook
from dryneedle.lib.sql import DaysBetween
from dryneedle.outcomes import followups
from dryneedle.outcomes import services as outcomes
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode
from dryneedle.plans import exercises, rules
from dryneedle.plans.models import Assignment, CarePlan, Component, ExerciseLog, Goal, Review
from dryneedle.visits.models import Visit

# Maintenance keeps the patient in view for a year after discharge unless the clinician
# says otherwise (the care-plan issue's "a year"; not a clinical number).
MAINTENANCE_DAYS = 365
# A recall goes out this many days before a maintenance follow-up is due (our choice).
RECALL_DAYS_BEFORE = 7
# Adherence is counted over the last four weeks (our choice, shown on the page).
ADHERENCE_DAYS = 28


# Appointments sit above plans (an appointment may be booked against a plan's
# component), so what was booked is answered by the appointments app, which
# provides these in its AppConfig.ready (docs/architecture.md: hooks).
booked_counts = Hook("plans.booked_counts", "(components) -> {component id: appointments booked or attended}")
booked_days = Hook(
    "plans.booked_days", "(patients, since) -> {patient id: local dates of booked or attended appointments}"
)
appointments_of = Hook("plans.appointments_of", "(episode) -> the episode's appointments, by start")


def startback(episode) -> Response | None:
    """The episode's latest scorable STarT Back response."""
    return (
        Response.objects.filter(episode=episode, instrument="startback", scorable=True, entered_in_error=False)
        .order_by("-collected")
        .first()
    )


def psfs_activities(episode) -> list[tuple[str, float | None]]:
    """The activities of the episode's first PSFS, with their baseline scores."""
    r = (
        Response.objects.filter(episode=episode, instrument="psfs", entered_in_error=False)
        .order_by("collected")
        .first()
    )
    if r is None:
        return []
    return [(a.get("name", ""), a.get("score")) for a in r.answers.get("activities", []) if a.get("name")]


def latest_psfs(episode) -> dict[str, float]:
    """Each PSFS activity's latest score, by lower-cased name."""
    out: dict[str, float] = {}
    rows = Response.objects.filter(episode=episode, instrument="psfs", entered_in_error=False).order_by("collected")
    for r in rows:
        for a in r.answers.get("activities", []):
            if a.get("name") and a.get("score") is not None:
                out[a["name"].strip().lower()] = a["score"]
    return out


def suggestion(episode) -> dict:
    """What a new plan starts from: the STarT Back template, the cited expected visits, PSFS goals."""
    sb = startback(episode)
    risk = sb.details.get("risk") if sb else None
    expected = rules.expected_visits(episode.condition)
    return {
        "startback": sb,
        "risk": risk or "",
        "template": rules.template_for(risk),
        "expected": expected,
        "activities": psfs_activities(episode),
    }


def _check(obj) -> None:
    obj.full_clean(exclude=["clinic", "plan", "patient", "created_by", "updated_by"])


def create_plan(episode: Episode, user, data: dict, components: list[dict], goals: list[dict]) -> CarePlan:
    """Create the plan with its components and goals in one transaction (all or nothing)."""
    if episode.status == Episode.Status.ENTERED_IN_ERROR:
        raise ValidationError(pgettext("staff", "This episode was entered in error."))
    if CarePlan.objects.filter(episode=episode).exists():
        raise ValidationError(pgettext("staff", "This episode already has a care plan."))
    if any(c["modality"] == "dry_needling" for c in components) and not data.get("expected_dn_visits"):
        raise ValidationError(
            {
                "expected_dn_visits": pgettext(
                    "staff", "Set the expected number of dry-needling visits: the plan includes needling."
                )
            }
        )
    sug = suggestion(episode)
    with transaction.atomic():
        plan = CarePlan(
            clinic=episode.clinic,
            patient=episode.patient,
            episode=episode,
            risk_group=sug["risk"],
            template=sug["template"].code,
            created_by=user,
            updated_by=user,
        )
        _apply(plan, data, sug["expected"])
        _check(plan)
        plan.save()
        for c in components:
            add_component(plan, user, c)
        for g in goals:
            add_goal(plan, user, g)
    return plan


PLAN_FIELDS = ("primary_measure", "expected_dn_visits", "notes", "maintenance_every_weeks", "maintenance_until")


def _apply(plan: CarePlan, data: dict, expected: rules.Expected | None = None) -> None:
    for f in PLAN_FIELDS:
        # None clears a number or a date; the measure and the notes cannot be null (None: unchanged).
        if f in data and not (data[f] is None and f in ("primary_measure", "notes")):
            setattr(plan, f, data[f])
    if "expected_dn_visits" in data:
        expected = expected or rules.expected_visits(plan.episode.condition)
        if data["expected_dn_visits"] is None:
            plan.expected_basis = ""
        elif data["expected_dn_visits"] == expected.visits:
            plan.expected_basis = expected.basis
        else:
            plan.expected_basis = "Set by the clinician." + (
                f" Cited default {expected.visits}: {expected.basis}" if expected.visits else ""
            )
    if plan.maintenance_until and plan.episode.discharge_date and plan.maintenance_until < plan.episode.discharge_date:
        raise ValidationError(
            {"maintenance_until": pgettext("staff", "Maintenance cannot end before the discharge date.")}
        )


def update_plan(plan: CarePlan, user, data: dict) -> CarePlan:
    _apply(plan, data)
    needs = plan.components.filter(modality="dry_needling", stopped=False).exists()
    if needs and not plan.expected_dn_visits:
        raise ValidationError(
            {"expected_dn_visits": pgettext("staff", "The plan includes needling: keep an expected number of visits.")}
        )
    plan.updated_by = user
    _check(plan)
    plan.save()
    return plan


COMPONENT_FIELDS = ("modality", "sequence", "provider", "outside_provider", "times", "every_weeks", "count", "notes")


def _component_values(comp: Component, data: dict) -> None:
    for f in (*COMPONENT_FIELDS, "stopped"):
        # None leaves a field as it is, except the provider, where None means "someone outside".
        if f in data and (data[f] is not None or f == "provider"):
            setattr(comp, f, data[f])
    if comp.provider_id and comp.outside_provider:
        raise ValidationError(
            {"outside_provider": pgettext("staff", "Name one provider: one of ours, or someone outside.")}
        )
    if comp.provider is not None and not comp.provider.memberships.filter(clinic=comp.clinic, is_active=True).exists():
        raise ValidationError({"provider": pgettext("staff", "That provider does not work at this clinic.")})
    for f, name in (("times", "frequency"), ("count", "count"), ("every_weeks", "period")):
        v = getattr(comp, f)
        if v is None or v < 1:
            raise ValidationError({f: pgettext("staff", "The %(name)s must be at least 1.") % {"name": name}})


def add_component(plan: CarePlan, user, data: dict) -> Component:
    comp = Component(
        clinic=plan.clinic,
        plan=plan,
        patient=plan.patient,
        sequence=rules.default_sequence(data.get("modality", "")),
        created_by=user,
        updated_by=user,
    )
    _component_values(comp, data)
    if comp.modality == "dry_needling" and not plan.expected_dn_visits:
        raise ValidationError(
            {"modality": pgettext("staff", "Set the plan's expected number of dry-needling visits first.")}
        )
    _check(comp)
    comp.save()
    return comp


def update_component(comp: Component, user, data: dict) -> Component:
    _component_values(comp, data)
    comp.updated_by = user
    _check(comp)
    comp.save()
    if comp.modality == "dry_needling" and not comp.stopped and not comp.plan.expected_dn_visits:
        raise ValidationError(
            {"expected_dn_visits": pgettext("staff", "Set the plan's expected number of dry-needling visits first.")}
        )
    return comp


GOAL_FIELDS = ("activity", "baseline", "target", "target_date", "achieved_on", "dropped")


def _goal_values(goal: Goal, data: dict) -> None:
    for f in GOAL_FIELDS:
        if f in data and (data[f] is not None or f in ("baseline", "target_date", "achieved_on")):
            setattr(goal, f, data[f])
    if not (goal.activity or "").strip():
        raise ValidationError({"activity": pgettext("staff", "Name the activity or goal.")})
    if goal.target is None:
        raise ValidationError({"target": pgettext("staff", "Give a target score from 0 to 10.")})
    if goal.baseline is not None and goal.target <= goal.baseline:
        raise ValidationError(
            {"target": pgettext("staff", "The target must be above the baseline score (higher is better).")}
        )


def add_goal(plan: CarePlan, user, data: dict) -> Goal:
    goal = Goal(clinic=plan.clinic, plan=plan, patient=plan.patient, created_by=user, updated_by=user)
    _goal_values(goal, data)
    _check(goal)
    goal.save()
    return goal


def update_goal(goal: Goal, user, data: dict) -> Goal:
    _goal_values(goal, data)
    goal.updated_by = user
    _check(goal)
    goal.save()
    return goal


def assign(plan: CarePlan, user, code: str, dose: str = "", notes: str = "") -> Assignment:
    if code not in exercises.BY_CODE:
        raise ValidationError({"exercise": pgettext("staff", "Choose an exercise from the library.")})
    if plan.assignments.filter(exercise=code, active=True).exists():
        raise ValidationError(
            {
                "exercise": pgettext("staff", "%(name)s is already in the programme.")
                % {"name": exercises.BY_CODE[code].name}
            }
        )
    a = Assignment(
        clinic=plan.clinic,
        # Given today on the clinic's calendar, whichever zone the caller runs in (the patient ticks
        # days on that calendar too).
        start=clinic_today(plan.clinic),
        plan=plan,
        patient=plan.patient,
        exercise=code,
        dose=dose.strip() or exercises.BY_CODE[code].dose,
        notes=notes,
        created_by=user,
        updated_by=user,
    )
    _check(a)
    a.save()
    return a


def tick(plan: CarePlan, assignment_code, day: date, *, done: bool, today: date | None = None) -> None:
    """The patient ticks (or unticks) an exercise for a day of the past week, on their own plan only."""
    today = today or clinic_today(plan.clinic)
    code = uuid_or_none(assignment_code)
    a = Assignment.objects.filter(code=code, active=True).first() if code else None
    if a is None or a.plan_id != plan.pk:
        raise ValidationError(gettext("That exercise is not in your programme."))
    if day > today or day < today - timedelta(days=6):
        raise ValidationError(gettext("You can tick the last 7 days only."))
    if day < a.start:
        raise ValidationError(gettext("That day is before this exercise was given to you."))
    # One row per exercise and day; unticking a mistaken tick keeps the row with done=False.
    ExerciseLog.objects.update_or_create(
        assignment=a,
        day=day,
        defaults={"done": done},
        create_defaults={"done": done, "clinic": plan.clinic, "plan": plan, "patient": plan.patient},
    )


def adherence(plan: CarePlan, today: date | None = None) -> list[dict]:
    """Per active exercise: days ticked over the last four weeks (or since it was given) out of days."""
    today = today or clinic_today(plan.clinic)
    out = []
    for a in plan.assignments.filter(active=True).order_by("start", "id"):
        since = max(a.start, today - timedelta(days=ADHERENCE_DAYS - 1))
        days = (today - since).days + 1
        done = set(
            ExerciseLog.objects.filter(assignment=a, done=True, day__gte=since, day__lte=today).values_list(
                "day", flat=True
            )
        )
        out.append(
            {
                "assignment": a,
                "days": days,
                "done": len(done),
                "percent": round(100 * len(done) / days) if days else None,
                "week": [(today - timedelta(days=i), (today - timedelta(days=i)) in done) for i in range(6, -1, -1)],
            }
        )
    return out


def signed_visits(episode) -> int:
    return episode.visits.filter(status=Visit.Status.SIGNED).count()


def reassessment(plan: CarePlan) -> list[tuple[str, int]]:
    reviewed = {r.milestone for r in plan.reviews.all()}
    signed = getattr(plan, "signed", None)  # annotated by with_progress
    return rules.due_milestones(
        plan.expected_dn_visits, signed_visits(plan.episode) if signed is None else signed, reviewed
    )


def with_progress(plans):
    """Plans with what reassessment() reads (signed visits counted, reviews fetched), for any number at once."""
    signed = Count("episode__visits", filter=Q(episode__visits__status=Visit.Status.SIGNED), distinct=True)
    return plans.select_related("episode", "patient").annotate(signed=signed).prefetch_related("reviews")


def past_first_milestone(plans):
    """Of plans from with_progress, those whose signed visits reached the first milestone (half the plan, or all
    of a one-visit plan: rules.milestones). The others have nothing due, so a worklist need not load them."""
    return plans.filter(signed__gte=(F("expected_dn_visits") + 1) / 2)


def for_listing(plans):
    """Plans with everything a list of them shows, in a fixed number of queries (not a few per plan)."""
    return with_progress(plans).prefetch_related(
        Prefetch("components", queryset=Component.objects.select_related("provider").order_by("id")),
        Prefetch("goals", queryset=Goal.objects.order_by("id")),
        Prefetch("assignments", queryset=Assignment.objects.order_by("id")),
    )


def maintenance_not_over(plans, today: date):
    """Of discharged plans with maintenance, those with a follow-up date that could still be due.

    next_maintenance() takes no date earlier than half a step before today, and maintenance_dates() none after
    the end of maintenance (maintenance_until, or a year after discharge). A plan whose end is further back
    than that has nothing due, so a worklist need not load it. In whole days and doubled, so that half a step
    of an odd number of days is compared exactly: (today - end) * 2 <= weeks * 7.
    """
    half_steps = F("maintenance_every_weeks") * 7
    since_end_set = DaysBetween(Value(today), F("maintenance_until")) * 2
    since_end_default = (DaysBetween(Value(today), F("episode__discharge_date")) - MAINTENANCE_DAYS) * 2
    return plans.alias(_set=since_end_set, _default=since_end_default).filter(
        Q(maintenance_until__isnull=False, _set__lte=half_steps)
        | Q(maintenance_until__isnull=True, _default__lte=half_steps)
    )


def recalls_due(plans, today: date) -> list[tuple[CarePlan, date]]:
    """(plan, follow-up date) for discharged plans whose maintenance follow-up is due within the recall window."""
    plans = [p for p in plans if maintenance_dates(p)]
    if not plans:
        return []
    since = min(maintenance_dates(p)[0] - timedelta(weeks=p.maintenance_every_weeks or 0) for p in plans)
    booked = booked_days([p.patient for p in plans], since)
    out = []
    for plan in plans:
        d = next_maintenance(plan, today, booked.get(plan.patient_id, []))
        if d is not None and d <= today + timedelta(days=RECALL_DAYS_BEFORE):
            out.append((plan, d))
    return out


def add_review(plan: CarePlan, user, milestone: str, decision: str, note: str) -> Review:
    r = Review(
        clinic=plan.clinic,
        plan=plan,
        patient=plan.patient,
        milestone=milestone,
        decision=decision,
        note=note,
        visits_signed=signed_visits(plan.episode),
        created_by=user,
        updated_by=user,
    )
    _check(r)
    r.save()
    return r


def criteria(plan: CarePlan) -> list[rules.Criterion]:
    """The discharge criteria with the episode's data."""
    mic = outcomes.thresholds(plan.clinic)
    latest = latest_psfs(plan.episode)
    goals = [
        (g.activity, latest.get(g.activity.strip().lower()), float(g.target))
        for g in plan.goals.filter(dropped=False).order_by("id")
    ]
    s = outcomes.series(plan.episode)[plan.primary_measure]
    scores = [p[1] for p in s.points]
    return [
        rules.goals_met(goals),
        *rules.responder(plan.primary_measure, scores, mic),
        rules.plateau(plan.primary_measure, scores, mic),
    ]


def maintenance_dates(plan: CarePlan) -> list[date]:
    """Follow-up dates after discharge: every N weeks until the end of maintenance (a year by default)."""
    start = plan.episode.discharge_date
    if start is None or not plan.maintenance_every_weeks:
        return []
    until = plan.maintenance_until or start + timedelta(days=MAINTENANCE_DAYS)
    step = timedelta(weeks=plan.maintenance_every_weeks)
    out, d = [], start + step
    while d <= until:
        out.append(d)
        d += step
    return out


def next_maintenance(plan: CarePlan, today: date | None = None, booked: list[date] | None = None) -> date | None:
    """The first maintenance date not yet covered by a booked or attended follow-up around it.

    ``booked``: the patient's booked days, when the caller fetched them for many plans at once.
    """
    today = today or timezone.localdate()
    dates = maintenance_dates(plan)
    if not dates:
        return None
    step = timedelta(weeks=plan.maintenance_every_weeks or 0)  # maintenance_dates is empty without it
    since = dates[0] - step
    if booked is None:
        booked = booked_days([plan.patient], since).get(plan.patient_id, [])
    booked = [b for b in booked if b >= since]
    for d in dates:
        covered = any(abs((b - d).days) <= step.days // 2 for b in booked)
        if not covered and d >= today - step / 2:
            return d
    return None


@dataclass
class Entry:
    day: date
    order: int
    kind: str  # "appointment", "visit", "questionnaire", "review", "discharge", "maintenance", "start"
    label: str
    status: str = ""
    when: datetime | None = None


def timeline(plan: CarePlan, today: date | None = None) -> list[Entry]:
    """What was planned and what happened, in date order; within a day, in the plan's sequence."""
    today = today or timezone.localdate()
    episode = plan.episode
    seq = {c.pk: rules.SEQUENCE_ORDER[c.sequence] for c in plan.components.all()}
    out = [Entry(episode.start_date, -1, "start", f"Episode opened: {episode.condition_name}")]
    for a in appointments_of(episode):
        order = seq.get(a.component_id, rules.SEQUENCE_ORDER[rules.default_sequence(a.kind)])
        when = timezone.localtime(a.start)
        out.append(Entry(when.date(), order, "appointment", f"{a.get_kind_display()} with "
                         f"{a.practitioner.display_name()}", a.get_status_display(), when))  # fmt: skip
    for v in episode.visits.filter(status=Visit.Status.SIGNED).order_by("started"):
        when = timezone.localtime(v.started)
        out.append(Entry(when.date(), rules.SEQUENCE_ORDER["needling"], "visit", "Dry-needling visit signed", "", when))
    for point in followups.episode_points(episode, today):
        out.append(Entry(point.due, 9, "questionnaire", f"Questionnaires: {point.label}", str(point.status.label)))
    for r in plan.reviews.order_by("created"):
        out.append(Entry(timezone.localtime(r.created).date(), 10, "review", str(r), r.note))
    if episode.discharge_date:
        out.append(
            Entry(episode.discharge_date, 11, "discharge", f"Discharged: {episode.get_discharge_reason_display()}")
        )
    for d in maintenance_dates(plan):
        out.append(Entry(d, 8, "maintenance", "Maintenance follow-up due", "to come" if d > today else "due"))
    out.sort(key=lambda e: (e.day, e.order, e.when or datetime.min.replace(tzinfo=timezone.get_current_timezone())))
    return out


def open_recurrence(episode: Episode, user, start: date | None = None) -> Episode:
    """A new episode for the same condition, linked to the discharged one."""
    if episode.status != Episode.Status.DISCHARGED:
        raise ValidationError(
            pgettext("staff", "Only a discharged episode can recur; this one is still open or in error.")
        )
    new = Episode(
        clinic=episode.clinic,
        patient=episode.patient,
        condition=episode.condition,
        start_date=start or timezone.localdate(),
        clinician=user,
        recurrence_of=episode,
        notes=f"Recurrence of the episode from {episode.start_date:%d %b %Y} "
        f"(discharged {episode.discharge_date:%d %b %Y}).",
        created_by=user,
        updated_by=user,
    )
    if episode.discharge_date is None or new.start_date < episode.discharge_date:
        raise ValidationError(pgettext("staff", "A recurrence starts after the earlier episode's discharge."))
    new.full_clean(exclude=["clinic", "patient", "created_by", "updated_by", "clinician", "recurrence_of"])
    new.save()
    return new


def history(episode: Episode) -> list[Episode]:
    """The chain of earlier episodes this one recurs from, oldest first."""
    out: list[Episode] = []
    e = episode.recurrence_of
    while e is not None and len(out) < 50:
        out.append(e)
        e = e.recurrence_of
    return out[::-1]
