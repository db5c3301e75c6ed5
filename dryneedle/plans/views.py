"""Care-plan pages: the builder, the plan with its timeline, and the small forms that change it."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dryneedle.accounts.access import allowed
from dryneedle.accounts.people import practitioners
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors, error_text
from dryneedle.outcomes import services as outcomes
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.plans import exercises, rules, services
from dryneedle.plans.forms import (
    AssignForm,
    ComponentForm,
    ComponentRows,
    GoalForm,
    GoalRows,
    MaintenanceForm,
    PlanForm,
    ReviewForm,
)
from dryneedle.plans.models import Assignment, CarePlan, Component, Goal
from dryneedle.portal.models import PatientLink
from dryneedle.portal.views import send_link

CAT = "care_plan"
# Where the plan page opens after a change: the section, not the form (a fragment inside a closed
# <details> would open it, and the next click on its summary would close it again).
ANCHORS = {"maintenance_form": "#maintenance", "component_form": "#components", "goal_form": "#goals",
           "assign_form": "#exercises", "review_form": "#review"}  # fmt: skip


def _plan(request, code, write: bool) -> CarePlan:
    qs = CarePlan.objects.select_related("patient", "episode", "clinic", "episode__clinician")
    return care_team.get_clinical(request, qs, write=write, code=code)


@allowed
def new_plan(request: ClinicRequest, code) -> HttpResponse:
    """The builder: the STarT Back template, the cited expected visits and the PSFS goals, all editable."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    if hasattr(episode, "plan"):
        record(request, "plan.new", episode, patient=episode.patient, category=CAT, detail="plan exists")
        return redirect("plans:detail", episode.plan.code)
    sug = services.suggestion(episode)
    providers = practitioners(episode.clinic)
    lead = episode.clinician if episode.clinician_id else None
    comp_initial = [
        {
            "modality": m,
            "sequence": rules.default_sequence(m),
            "notes": note,
            "provider": lead.username if lead and m in ("dry_needling", "physiotherapy", "pi_physiotherapy") else None,
            "every_weeks": 1,
        }
        for m, note in sug["template"].components
    ]
    goal_initial = [{"activity": name, "baseline": score} for name, score in sug["activities"]]
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, initial={"expected_dn_visits": sug["expected"].visits, "primary_measure": "odi"})
    comps = ComponentRows(data, initial=comp_initial, prefix="c", form_kwargs={"providers": providers})
    goals = GoalRows(data, initial=goal_initial, prefix="g")
    if request.method == "POST" and form.is_valid() and comps.is_valid() and goals.is_valid():
        try:
            with transaction.atomic():
                plan = services.create_plan(episode, request.user, form.cleaned_data, comps.rows(), goals.rows())
                record(request, "plan.create", plan, patient=episode.patient, category=CAT, detail=plan.template)
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, pgettext("staff", "Care plan saved."))
            return redirect("plans:detail", plan.code)
    if request.method == "POST":
        record(request, "plan.create", episode, patient=episode.patient, category=CAT, outcome="invalid")
    else:
        record(request, "plan.new", episode, patient=episode.patient, category=CAT, detail="builder")
    return render(
        request,
        "plans/new.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "form": form,
            "comps": comps,
            "goals": goals,
            "sug": sug,
            "template_source": rules.TEMPLATE_SOURCE,
            "sequence_source": rules.SEQUENCE_SOURCE,
        },
        status=400 if request.method == "POST" else 200,
    )


def _context(request, plan: CarePlan, **forms) -> dict:
    episode = plan.episode
    providers = practitioners(plan.clinic)
    counts = services.booked_counts(plan.components.all())
    components = list(plan.components.select_related("provider").order_by("stopped", "id"))
    for c in components:
        c.booked = counts.get(c.id, 0)
        c.form = ComponentForm(
            initial={
                "modality": c.modality,
                "sequence": c.sequence,
                "provider": c.provider.username if c.provider else None,
                "outside_provider": c.outside_provider,
                "times": c.times,
                "every_weeks": c.every_weeks,
                "count": c.count,
                "notes": c.notes,
                "stopped": c.stopped,
            },
            providers=providers,
            prefix=f"c{c.id}",
        )
    signed = services.signed_visits(episode)
    return {
        "plan": plan,
        "episode": episode,
        "patient": plan.patient,
        "components": components,
        "goals": plan.goals.order_by("dropped", "id"),
        "signed": signed,
        "due_reviews": services.reassessment(plan) if episode.status == Episode.Status.OPEN else [],
        "reviews": plan.reviews.select_related("created_by").order_by("-created"),
        "criteria": services.criteria(plan),
        "timeline": services.timeline(plan),
        "adherence": services.adherence(plan),
        "maintenance": services.maintenance_dates(plan),
        "next_maintenance": services.next_maintenance(plan),
        "history": services.history(episode),
        "recurrences": episode.recurrences.order_by("start_date"),
        "expected": rules.expected_visits(episode.condition),
        "plan_form": forms.get("plan_form") or PlanForm(initial={f: getattr(plan, f) for f in services.PLAN_FIELDS}),
        "maintenance_form": forms.get("maintenance_form")
        or MaintenanceForm(initial={f: getattr(plan, f) for f in ("maintenance_every_weeks", "maintenance_until")}),
        "component_form": forms.get("component_form") or ComponentForm(providers=providers, prefix="new"),
        "goal_form": forms.get("goal_form") or GoalForm(prefix="goal"),
        "assign_form": forms.get("assign_form") or AssignForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "can_write": care_team.clinical_access(request, plan.patient) != "break_glass",
        "series": outcomes.series(episode)[plan.primary_measure],
        "template": rules.TEMPLATES.get(plan.template or "none"),
        "template_source": rules.TEMPLATE_SOURCE,
        "sequence_source": rules.SEQUENCE_SOURCE,
        "plateau_source": rules.PLATEAU_SOURCE,
        "evidence_note": exercises.EVIDENCE_NOTE,
    }


@allowed
def plan_detail(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=False)
    record(request, "plan.view", plan, patient=plan.patient, category=CAT)
    return render(request, "plans/detail.html", _context(request, plan))


def _done(request, plan, action, obj, form, form_name, ok: str, work) -> HttpResponse:
    """Run ``work`` for a valid form; otherwise show the plan page with the form's errors (400)."""
    if form.is_valid():
        try:
            with transaction.atomic():
                work(form.cleaned_data)
                record(request, action, obj, patient=plan.patient, category=CAT)
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, ok)
            return redirect(reverse("plans:detail", args=[plan.code]) + ANCHORS.get(form_name, ""))
    plan.refresh_from_db()
    record(request, action, obj, patient=plan.patient, category=CAT, outcome="invalid")
    return render(request, "plans/detail.html", _context(request, plan, **{form_name: form}), status=400)


@allowed
def update_plan(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=True)
    form = PlanForm(request.POST)
    return _done(request, plan, "plan.update", plan, form, "plan_form", pgettext("staff", "Plan updated."),
                 lambda d: services.update_plan(plan, request.user, d))  # fmt: skip


@allowed
def maintenance(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=True)
    form = MaintenanceForm(request.POST)
    return _done(
        request,
        plan,
        "plan.maintenance",
        plan,
        form,
        "maintenance_form",
        pgettext("staff", "Maintenance schedule saved."),
        lambda d: services.update_plan(plan, request.user, d),
    )


@allowed
def add_component(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=True)
    form = ComponentForm(request.POST, providers=practitioners(plan.clinic), prefix="new")
    return _done(
        request,
        plan,
        "plan.component_add",
        plan,
        form,
        "component_form",
        pgettext("staff", "Component added."),
        lambda d: services.add_component(plan, request.user, d),
    )


@allowed
def change_component(request: ClinicRequest, code) -> HttpResponse:
    comp = care_team.get_clinical(request, Component.objects.select_related("plan"), write=True, code=code)
    plan = _plan(request, comp.plan.code, write=True)
    form = ComponentForm(request.POST, providers=practitioners(plan.clinic), prefix=f"c{comp.id}")
    if not form.is_valid():
        messages.error(
            request, pgettext("staff", "Component not changed: %(error_text)s") % {"error_text": error_text(form)}
        )
        record(request, "plan.component_change", comp, patient=plan.patient, category=CAT, outcome="invalid")
        return redirect(reverse("plans:detail", args=[plan.code]) + "#components")
    try:
        with transaction.atomic():
            services.update_component(comp, request.user, form.cleaned_data)
            record(request, "plan.component_change", comp, patient=plan.patient, category=CAT)
    except ValidationError as e:
        messages.error(
            request, pgettext("staff", "Component not changed: %(messages)s") % {"messages": " ".join(e.messages)}
        )
    else:
        messages.success(request, pgettext("staff", "%(comp)s updated.") % {"comp": comp})
    return redirect(reverse("plans:detail", args=[plan.code]) + "#components")


@allowed
def add_goal(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=True)
    form = GoalForm(request.POST, prefix="goal")
    return _done(request, plan, "plan.goal_add", plan, form, "goal_form", pgettext("staff", "Goal added."),
                 lambda d: services.add_goal(plan, request.user, d))  # fmt: skip


@allowed
def change_goal(request: ClinicRequest, code) -> HttpResponse:
    """Mark a goal achieved (today or a given date) or dropped."""
    goal = care_team.get_clinical(request, Goal.objects.select_related("plan"), write=True, code=code)
    action = request.POST.get("action", "")
    changes: dict[str, dict] = {
        "achieved": {"achieved_on": timezone.localdate()},
        "reopen": {"achieved_on": None, "dropped": False},
        "drop": {"dropped": True},
    }
    data = changes.get(action)
    if data is None:
        record(request, "plan.goal_change", goal, patient=goal.patient, category=CAT, outcome="invalid")
        messages.error(request, pgettext("staff", "Choose what to do with the goal."))
    else:
        with transaction.atomic():
            services.update_goal(goal, request.user, data)
            record(request, f"plan.goal_{action}", goal, patient=goal.patient, category=CAT)
        messages.success(
            request,
            pgettext("staff", "Goal “%(activity)s”: %(action)s.") % {"activity": goal.activity, "action": action},
        )
    return redirect(reverse("plans:detail", args=[goal.plan.code]) + "#goals")


@allowed
def assign(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=True)
    form = AssignForm(request.POST)
    return _done(
        request,
        plan,
        "plan.exercise_assign",
        plan,
        form,
        "assign_form",
        pgettext("staff", "Exercise added to the programme."),
        lambda d: services.assign(plan, request.user, d["exercise"], d["dose"], d["notes"]),
    )


@allowed
def unassign(request: ClinicRequest, code) -> HttpResponse:
    a = care_team.get_clinical(request, Assignment.objects.select_related("plan"), write=True, code=code)
    with transaction.atomic():
        a.active = False
        a.updated_by = request.user
        a.save(update_fields=["active", "updated_by", "updated"])
        record(request, "plan.exercise_stop", a, patient=a.patient, category=CAT)
    messages.success(
        request,
        pgettext("staff", "%(name)s taken out of the programme (its ticks stay in the record).")
        % {"name": a.info.name},
    )
    return redirect(reverse("plans:detail", args=[a.plan.code]) + "#exercises")


@allowed
def review(request: ClinicRequest, code) -> HttpResponse:
    plan = _plan(request, code, write=True)
    form = ReviewForm(request.POST)

    def work(d):
        services.add_review(plan, request.user, d["milestone"], d["decision"], d["note"])

    response = _done(
        request, plan, "plan.review", plan, form, "review_form", pgettext("staff", "Review recorded."), work
    )
    if response.status_code == 302 and form.cleaned_data.get("decision") == "discharge":
        return redirect("patients:discharge_episode", plan.episode.code)
    return response


@allowed
def send_exercises(request: ClinicRequest, code) -> HttpResponse:

    plan = _plan(request, code, write=True)
    if not plan.assignments.filter(active=True).exists():
        record(request, "link.create", plan, patient=plan.patient, category=CAT, outcome="invalid")
        messages.error(request, pgettext("staff", "Add an exercise to the programme first."))
        return redirect(reverse("plans:detail", args=[plan.code]) + "#exercises")
    return send_link(
        request,
        plan.episode,
        PatientLink.Purpose.EXERCISES,
        CAT,
        gettext("your home exercises"),
        bundle=[str(plan.code)],
        days=settings.EXERCISE_LINK_DAYS,
    )


@allowed
def recurrence(request: ClinicRequest, code) -> HttpResponse:
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    try:
        with transaction.atomic():
            new = services.open_recurrence(episode, request.user)
            record(request, "episode.recurrence", new, patient=episode.patient, detail=str(episode.code))
    except ValidationError as e:
        record(request, "episode.recurrence", episode, patient=episode.patient, outcome="invalid")
        messages.error(request, " ".join(e.messages))
        return redirect("patients:episode", episode.code)
    messages.success(request, pgettext("staff", "New episode opened for the recurrence, linked to the earlier one."))
    return redirect("plans:new", new.code)


@allowed
def library(request: ClinicRequest) -> HttpResponse:
    return render(
        request,
        "plans/exercises.html",
        {"library": exercises.LIBRARY, "kinds": exercises.KINDS, "evidence_note": exercises.EVIDENCE_NOTE},
    )


WORKLIST_PAGE = 50


@allowed
def worklist(request: ClinicRequest) -> HttpResponse:
    """Plans that need attention: a reassessment milestone reached, or a maintenance follow-up near."""
    today = timezone.localdate()
    plans = care_team.team_rows(
        request,
        CarePlan.objects.filter(clinic=request.membership.clinic).exclude(
            episode__status=Episode.Status.ENTERED_IN_ERROR
        ),
    ).select_related("patient", "episode")
    open_plans = services.past_first_milestone(
        services.with_progress(plans.filter(episode__status=Episode.Status.OPEN, expected_dn_visits__isnull=False))
    ).order_by("episode__start_date", "id")
    reviews = [(plan, m, n) for plan in open_plans for m, n in services.reassessment(plan)]
    discharged = plans.filter(episode__status=Episode.Status.DISCHARGED, maintenance_every_weeks__isnull=False)
    recalls = services.recalls_due(services.maintenance_not_over(discharged, today), today)
    record(request, "plans.worklist", category=CAT, detail=f"{len(reviews)} reviews, {len(recalls)} recalls")
    recalls.sort(key=lambda r: r[1])
    # A page of each list at a time: a busy practitioner's list runs to hundreds of rows (longest in care first;
    # follow-ups by date), and the page stays quick to draw and to read.
    ctx = {
        "reviews": Paginator(reviews, WORKLIST_PAGE).get_page(request.GET.get("reviews")),
        "recalls": Paginator(recalls, WORKLIST_PAGE).get_page(request.GET.get("recalls")),
        "today": today,
    }
    return render(request, "plans/worklist.html", ctx)
