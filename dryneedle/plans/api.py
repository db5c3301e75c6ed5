from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator, ConfigDict, Field

from dryneedle.accounts.people import practitioners
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, _strict_date, limits
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.plans import exercises, rules, services
from dryneedle.plans.models import CarePlan, Component, Goal

router = Router(tags=["care plans"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
CAT = "care_plan"
# The choices come from the catalogue at run time (an enum in the OpenAPI schema);
# to the type checker they are text.
if TYPE_CHECKING:
    Modality = str
    Sequence = str
    ExerciseCode = str
else:
    Modality = Literal[tuple(m for m, _ in rules.MODALITIES)]
    Sequence = Literal[tuple(s for s, _ in rules.SEQUENCES)]
    ExerciseCode = Literal[tuple(e.code for e in exercises.LIBRARY)]
Measure = Literal["nprs", "odi", "rmdq", "psfs"]
Day = Annotated[date, BeforeValidator(_strict_date), Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
Score = Annotated[Decimal, Field(ge=0, le=10, max_digits=3, decimal_places=1)]


class ComponentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    modality: Modality
    sequence: Sequence | None = None
    provider: Annotated[str, limits(150)] | None = Field(
        None, description="username of one of the clinic's practitioners"
    )
    outside_provider: Annotated[str, limits(200)] = ""
    times: int = Field(ge=1, le=14, description="sessions per period")
    every_weeks: int = Field(1, ge=1, le=52)
    count: int = Field(ge=1, le=100, description="sessions in all")
    notes: Annotated[str, limits(500)] = ""


class ComponentPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    sequence: Sequence | None = None
    provider: Annotated[str, limits(150)] | None = None
    outside_provider: Annotated[str, limits(200)] | None = None
    times: int | None = Field(None, ge=1, le=14)
    every_weeks: int | None = Field(None, ge=1, le=52)
    count: int | None = Field(None, ge=1, le=100)
    notes: Annotated[str, limits(500)] | None = None
    stopped: bool | None = None


class ComponentOut(Schema):
    code: UUID
    modality: str
    sequence: str
    provider: str | None = Field(None, validation_alias="provider.username")
    outside_provider: str
    times: int
    every_weeks: int
    count: int
    notes: str
    stopped: bool


class GoalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    activity: Annotated[str, limits(200, 1)]
    baseline: Score | None = None
    target: Score
    target_date: Day | None = None


class GoalPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    activity: Annotated[str, limits(200, 1)] | None = None
    target: Score | None = None
    target_date: Day | None = None
    achieved_on: Day | None = None
    dropped: bool | None = None


class GoalOut(Schema):
    code: UUID
    activity: str
    baseline: float | None
    target: float
    target_date: date | None
    achieved_on: date | None
    dropped: bool


class AssignmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    exercise: ExerciseCode
    dose: Annotated[str, limits(200)] = ""
    notes: Annotated[str, limits(300)] = ""


class AssignmentOut(Schema):
    code: UUID
    exercise: str
    dose: str
    notes: str
    start: date
    active: bool


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    primary_measure: Measure = "odi"
    expected_dn_visits: int | None = Field(None, ge=1, le=60)
    notes: Annotated[str, limits(3000)] = ""
    components: list[ComponentIn] = Field(default_factory=list, max_length=15)
    goals: list[GoalIn] = Field(default_factory=list, max_length=5)


class PlanPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    primary_measure: Measure | None = None
    expected_dn_visits: int | None = Field(None, ge=1, le=60)
    notes: Annotated[str, limits(3000)] | None = None
    maintenance_every_weeks: int | None = Field(None, ge=1, le=52)
    maintenance_until: Day | None = None


class PlanOut(Schema):
    code: UUID
    episode: UUID = Field(validation_alias="episode.code")
    patient: UUID = Field(validation_alias="patient.code")
    risk_group: str
    template: str
    primary_measure: str
    expected_dn_visits: int | None
    expected_basis: str
    notes: str
    maintenance_every_weeks: int | None
    maintenance_until: date | None
    components: list[ComponentOut]
    goals: list[GoalOut]
    exercises: list[AssignmentOut]
    reassessment_due: list[str]

    # sorted() rather than order_by(): a listed plan's rows are prefetched (services.for_listing).
    @staticmethod
    def resolve_components(obj):
        return sorted(obj.components.all(), key=lambda c: c.id)

    @staticmethod
    def resolve_goals(obj):
        return sorted(obj.goals.all(), key=lambda g: g.id)

    @staticmethod
    def resolve_exercises(obj):
        return sorted(obj.assignments.all(), key=lambda a: a.id)

    @staticmethod
    def resolve_reassessment_due(obj):
        return [m for m, _ in services.reassessment(obj)] if obj.episode.status == Episode.Status.OPEN else []


class ExerciseOut(Schema):
    code: str
    name: str
    kind: str
    start: str
    steps: str
    dose: str
    source: str
    caution: str


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


@router.get("plans", response={200: list[PlanOut], **ERRORS}, operation_id="list_plans")
def list_plans(request: ClinicRequest, status: Literal["open", "discharged"] | None = None):
    """Care plans of the caller's care team (all of the clinic's for an admin)."""
    qs = CarePlan.objects.filter(clinic=request.membership.clinic).exclude(
        episode__status=Episode.Status.ENTERED_IN_ERROR
    )
    if status:
        qs = qs.filter(episode__status=status)
    rows = list(services.for_listing(care_team.team_rows(request, qs)).order_by("id")[:500])
    record(request, "plans.list", category=CAT, detail=f"api, {len(rows)} rows")
    return rows


@router.post("episodes/{code}/plan", response={201: PlanOut, **ERRORS}, operation_id="create_plan")
def create_plan(request: ClinicRequest, code: UUID, payload: PlanIn):
    """Create the episode's plan; components and goals are saved with it, all or nothing."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    data = payload.model_dump(exclude={"components", "goals"})
    comps = [_provider(request, c.model_dump(exclude_none=True)) for c in payload.components]
    goals = [g.model_dump() for g in payload.goals]
    plan = _run(request, "plan.create", episode, episode.patient,
                lambda: services.create_plan(episode, request.user, data, comps, goals))  # fmt: skip
    return Status(201, plan)


@router.get("plans/{code}", response={200: PlanOut, **ERRORS}, operation_id="get_plan")
def get_plan(request: ClinicRequest, code: UUID):
    plan = _plan(request, code, write=False)
    record(request, "plan.view", plan, patient=plan.patient, category=CAT, detail="api")
    return plan


@router.patch("plans/{code}", response={200: PlanOut, **ERRORS}, operation_id="update_plan")
def update_plan(request: ClinicRequest, code: UUID, payload: PlanPatch):
    plan = _plan(request, code, write=True)
    data = payload.model_dump(exclude_unset=True)
    return _run(request, "plan.update", plan, plan.patient, lambda: services.update_plan(plan, request.user, data))


@router.post("plans/{code}/goals", response={201: GoalOut, **ERRORS}, operation_id="create_goal")
def create_goal(request: ClinicRequest, code: UUID, payload: GoalIn):
    plan = _plan(request, code, write=True)
    goal = _run(request, "plan.goal_add", plan, plan.patient,
                lambda: services.add_goal(plan, request.user, payload.model_dump()))  # fmt: skip
    return Status(201, goal)


@router.patch("goals/{code}", response={200: GoalOut, **ERRORS}, operation_id="update_goal")
def update_goal(request: ClinicRequest, code: UUID, payload: GoalPatch):
    goal = care_team.get_clinical(request, Goal.objects.select_related("plan"), write=True, code=code)
    data = payload.model_dump(exclude_unset=True)
    return _run(request, "plan.goal_change", goal, goal.patient, lambda: services.update_goal(goal, request.user, data))


@router.post("plans/{code}/components", response={201: ComponentOut, **ERRORS}, operation_id="create_component")
def create_component(request: ClinicRequest, code: UUID, payload: ComponentIn):
    plan = _plan(request, code, write=True)
    data = _provider(request, payload.model_dump(exclude_none=True))
    comp = _run(request, "plan.component_add", plan, plan.patient,
                lambda: services.add_component(plan, request.user, data))  # fmt: skip
    return Status(201, comp)


@router.patch("components/{code}", response={200: ComponentOut, **ERRORS}, operation_id="update_component")
def update_component(request: ClinicRequest, code: UUID, payload: ComponentPatch):
    comp = care_team.get_clinical(request, Component.objects.select_related("plan"), write=True, code=code)
    data = _provider(request, payload.model_dump(exclude_unset=True))
    return _run(request, "plan.component_change", comp, comp.patient,
                lambda: services.update_component(comp, request.user, data))  # fmt: skip


@router.get("exercises", response={200: list[ExerciseOut], **ERRORS}, operation_id="list_exercises")
def list_exercises(request: ClinicRequest):
    """The home exercise library (patient-information sources named on each; no trial evidence)."""
    return [e.__dict__ for e in exercises.LIBRARY]


@router.post("plans/{code}/exercises", response={201: AssignmentOut, **ERRORS}, operation_id="create_assignment")
def create_assignment(request: ClinicRequest, code: UUID, payload: AssignmentIn):
    plan = _plan(request, code, write=True)
    a = _run(request, "plan.exercise_assign", plan, plan.patient,
             lambda: services.assign(plan, request.user, payload.exercise, payload.dose, payload.notes))  # fmt: skip
    return Status(201, a)
