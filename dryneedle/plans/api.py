from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Query, Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.people import practitioners
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, Paging, page
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.plans import exercises, services
from dryneedle.plans.models import CarePlan, Component, Goal
from dryneedle.plans.schemas import (
    AssignmentIn,
    AssignmentOut,
    ComponentIn,
    ComponentOut,
    ComponentPatch,
    ExerciseOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    PlanIn,
    PlanOut,
    PlanPage,
    PlanPatch,
)

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
plans_routes = Router(tags=["care plans"])
episodes_routes = Router(tags=["care plans"])
goals_routes = Router(tags=["care plans"])
components_routes = Router(tags=["care plans"])
exercises_routes = Router(tags=["care plans"])
ROUTERS = {
    "plans": plans_routes,
    "episodes": episodes_routes,
    "goals": goals_routes,
    "components": components_routes,
    "exercises": exercises_routes,
}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
CAT = "care_plan"


def _provider(request, data: dict) -> dict:
    if data.get("provider"):
        user = practitioners(request.membership.clinic).filter(username=data["provider"]).first()
        if user is None:
            raise HttpError(422, "provider: no practitioner of this clinic has that username.")
        data["provider"] = user
    elif "provider" in data:
        data["provider"] = None
    return data


def _run(request, action, obj, patient, work):
    try:
        with transaction.atomic():
            out = work()
            record(request, action, out if hasattr(out, "code") else obj, patient=patient, category=CAT, detail="api")
    except ValidationError as e:
        record(request, action, obj, patient=patient, category=CAT, outcome="invalid")
        detail = e.message_dict if hasattr(e, "error_dict") else {"__all__": e.messages}
        raise HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in detail.items())) from None
    return out


def _plan(request, code, write):
    return care_team.get_clinical(
        request, CarePlan.objects.select_related("episode", "patient"), write=write, code=code
    )


@plans_routes.get("", response={200: PlanPage, **ERRORS}, operation_id="list_plans")
def list_plans(request: ClinicRequest, paging: Query[Paging], status: Literal["open", "discharged"] | None = None):
    """Care plans of the caller's care team (all of the clinic's for an admin), oldest first, paged."""
    qs = CarePlan.objects.filter(clinic=request.membership.clinic).exclude(
        episode__status=Episode.Status.ENTERED_IN_ERROR
    )
    if status:
        qs = qs.filter(episode__status=status)
    out = page(services.for_listing(care_team.team_rows(request, qs)).order_by("id"), paging.limit, paging.offset)
    record(request, "plans.list", category=CAT, detail=f"api, {len(out['items'])} rows")
    return out


@episodes_routes.post("/{code}/plan", response={201: PlanOut, **ERRORS}, operation_id="create_plan")
def create_plan(request: ClinicRequest, code: UUID, payload: PlanIn):
    """Create the episode's plan; components and goals are saved with it, all or nothing."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    data = payload.model_dump(exclude={"components", "goals"})
    comps = [_provider(request, c.model_dump(exclude_none=True)) for c in payload.components]
    goals = [g.model_dump() for g in payload.goals]
    plan = _run(request, "plan.create", episode, episode.patient,
                lambda: services.create_plan(episode, request.user, data, comps, goals))  # fmt: skip
    return Status(201, plan)


@plans_routes.get("/{code}", response={200: PlanOut, **ERRORS}, operation_id="get_plan")
def get_plan(request: ClinicRequest, code: UUID):
    plan = _plan(request, code, write=False)
    record(request, "plan.view", plan, patient=plan.patient, category=CAT, detail="api")
    return plan


@plans_routes.patch("/{code}", response={200: PlanOut, **ERRORS}, operation_id="update_plan")
def update_plan(request: ClinicRequest, code: UUID, payload: PlanPatch):
    plan = _plan(request, code, write=True)
    data = payload.model_dump(exclude_unset=True)
    return _run(request, "plan.update", plan, plan.patient, lambda: services.update_plan(plan, request.user, data))


@plans_routes.post("/{code}/goals", response={201: GoalOut, **ERRORS}, operation_id="create_goal")
def create_goal(request: ClinicRequest, code: UUID, payload: GoalIn):
    plan = _plan(request, code, write=True)
    goal = _run(request, "plan.goal_add", plan, plan.patient,
                lambda: services.add_goal(plan, request.user, payload.model_dump()))  # fmt: skip
    return Status(201, goal)


@goals_routes.patch("/{code}", response={200: GoalOut, **ERRORS}, operation_id="update_goal")
def update_goal(request: ClinicRequest, code: UUID, payload: GoalPatch):
    goal = care_team.get_clinical(request, Goal.objects.select_related("plan"), write=True, code=code)
    data = payload.model_dump(exclude_unset=True)
    return _run(request, "plan.goal_change", goal, goal.patient, lambda: services.update_goal(goal, request.user, data))


@plans_routes.post("/{code}/components", response={201: ComponentOut, **ERRORS}, operation_id="create_component")
def create_component(request: ClinicRequest, code: UUID, payload: ComponentIn):
    plan = _plan(request, code, write=True)
    data = _provider(request, payload.model_dump(exclude_none=True))
    comp = _run(request, "plan.component_add", plan, plan.patient,
                lambda: services.add_component(plan, request.user, data))  # fmt: skip
    return Status(201, comp)


@components_routes.patch("/{code}", response={200: ComponentOut, **ERRORS}, operation_id="update_component")
def update_component(request: ClinicRequest, code: UUID, payload: ComponentPatch):
    comp = care_team.get_clinical(request, Component.objects.select_related("plan"), write=True, code=code)
    data = _provider(request, payload.model_dump(exclude_unset=True))
    return _run(request, "plan.component_change", comp, comp.patient,
                lambda: services.update_component(comp, request.user, data))  # fmt: skip


@exercises_routes.get("", response={200: list[ExerciseOut], **ERRORS}, operation_id="list_exercises")
def list_exercises(request: ClinicRequest):
    """The home exercise library (patient-information sources named on each; no trial evidence)."""
    return [e.__dict__ for e in exercises.LIBRARY]


@plans_routes.post("/{code}/exercises", response={201: AssignmentOut, **ERRORS}, operation_id="create_assignment")
def create_assignment(request: ClinicRequest, code: UUID, payload: AssignmentIn):
    plan = _plan(request, code, write=True)
    a = _run(request, "plan.exercise_assign", plan, plan.patient,
             lambda: services.assign(plan, request.user, payload.exercise, payload.dose, payload.notes))  # fmt: skip
    return Status(201, a)
