"""The plans API's request and response shapes (api.py holds the operations)."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool

from dryneedle.lib.schemas import Day, Page, limits
from dryneedle.patients.models import Episode
from dryneedle.plans import exercises, rules, services

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
Score = Annotated[Decimal, Field(ge=0, le=10, max_digits=3, decimal_places=1)]


class ComponentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    modality: Modality
    sequence: Sequence | None = None
    provider: Annotated[str, limits(150)] | None = Field(
        None, description="username of one of the clinic's practitioners"
    )
    outside_provider: Annotated[str, limits(200)] = ""
    times: int = Field(ge=1, le=14, strict=True, description="sessions per period")
    every_weeks: int = Field(1, ge=1, le=52, strict=True)
    count: int = Field(ge=1, le=100, strict=True, description="sessions in all")
    notes: Annotated[str, limits(500)] = ""


class ComponentPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    sequence: Sequence | None = None
    provider: Annotated[str, limits(150)] | None = None
    outside_provider: Annotated[str, limits(200)] | None = None
    times: int | None = Field(None, ge=1, le=14, strict=True)
    every_weeks: int | None = Field(None, ge=1, le=52, strict=True)
    count: int | None = Field(None, ge=1, le=100, strict=True)
    notes: Annotated[str, limits(500)] | None = None
    stopped: bool | None = Field(None, strict=True)


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
    dropped: StrictBool | None = None


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
    expected_dn_visits: int | None = Field(None, ge=1, le=60, strict=True)
    notes: Annotated[str, limits(3000)] = ""
    components: list[ComponentIn] = Field(default_factory=list, max_length=15)
    goals: list[GoalIn] = Field(default_factory=list, max_length=5)


class PlanPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    primary_measure: Measure | None = None
    expected_dn_visits: int | None = Field(None, ge=1, le=60, strict=True)
    notes: Annotated[str, limits(3000)] | None = None
    maintenance_every_weeks: int | None = Field(None, ge=1, le=52, strict=True)
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


class PlanPage(Page):
    items: list[PlanOut]


class ExerciseOut(Schema):
    code: str
    name: str
    kind: str
    start: str
    steps: str
    dose: str
    source: str
    caution: str
