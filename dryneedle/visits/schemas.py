"""The visits API's request and response shapes (api.py holds the operations)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from dryneedle.lib.schemas import IsoDatetime
from dryneedle.screening.rules import REGIONS
from dryneedle.visits import bodymap
from dryneedle.visits.depth import PROTECTIVE
from dryneedle.visits.models import (
    SENSATIONS,
    Angle,
    Bleeding,
    Guidance,
    Position,
    Side,
    Technique,
)
from dryneedle.visits.muscles import BY_CODE


class InsertionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    muscle: Literal[tuple(BY_CODE)]  # type: ignore[valid-type]
    region: Literal[("", *REGIONS)] = ""  # type: ignore[valid-type]
    side: Literal[tuple(Side.values)]  # type: ignore[valid-type]
    lot: UUID
    depth_mm: int = Field(ge=1, le=150, strict=True)
    technique: Literal[tuple(Technique.values)] = "pistoning"  # type: ignore[valid-type]
    local_twitch_responses: int = Field(0, ge=0, le=50, strict=True)
    angle: Literal[tuple(Angle.values)] = "perpendicular"  # type: ignore[valid-type]
    protective_technique: Literal[("", *(k for k, _ in PROTECTIVE))] = ""  # type: ignore[valid-type]
    depth_reason: Annotated[str, StringConstraints(max_length=300, pattern=r"^[^\x00]*$")] = ""
    position: Literal[tuple(Position.values)] = "prone"  # type: ignore[valid-type]
    guidance: Literal[tuple(Guidance.values)] = "palpation"  # type: ignore[valid-type]
    duration_s: int | None = Field(None, ge=0, le=7200, strict=True)
    estim_frequency_hz: int | None = Field(None, ge=1, le=1000, strict=True)
    estim_intensity: Annotated[str, StringConstraints(max_length=60, pattern=r"^[^\x00]*$")] = ""
    recognition: StrictBool = False
    sensations: list[Literal[tuple(k for k, _ in SENSATIONS)]] = Field(default_factory=list, max_length=5)  # type: ignore[valid-type]
    time_in: IsoDatetime | None = Field(None, description="When it went in; now when absent")


class RemovalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    pressure_applied: StrictBool = True
    bleeding: Literal[tuple(Bleeding.values)] = "none"  # type: ignore[valid-type]
    time_out: IsoDatetime | None = Field(None, description="When it came out; now when absent")


class PainMark(Schema):
    """One marked region of the pain drawing (visits/bodymap.py)."""

    model_config = ConfigDict(extra="forbid")

    region: Literal[tuple(bodymap.BY_CODE)]  # type: ignore[valid-type]
    intensity: int = Field(ge=0, le=10, strict=True)
    quality: Literal[bodymap.QUALITY_CODES]  # type: ignore[valid-type]


class InsertionOut(Schema):
    code: UUID
    muscle: str
    region: str
    side: str
    depth_mm: int
    technique: str
    local_twitch_responses: int
    time_in: datetime
    time_out: datetime | None
    angle: str
    protective_technique: str
    depth_reason: str
    warnings: list[str]
    position: str
    guidance: str
    recognition: bool
    sensations: list[str]
    pressure_applied: bool
    bleeding: str
    lot: str = Field(validation_alias="lot.lot_number")


class VisitPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    pre_nprs: int | None = Field(None, ge=0, le=10, strict=True)
    post_nprs: int | None = Field(None, ge=0, le=10, strict=True)
    hand_hygiene: StrictBool | None = None
    clean_field: StrictBool | None = None
    skin_prep_agent: Annotated[str, StringConstraints(max_length=60, pattern=r"^[^\x00]*$")] | None = None
    sterile_single_use: StrictBool | None = None
    post_massage_stretch: StrictBool | None = None
    immediate_events: Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")] | None = None
    notes: Annotated[str, StringConstraints(max_length=5000, pattern=r"^[^\x00]*$")] | None = None
    pain_chart: list[PainMark] | None = Field(None, max_length=len(bodymap.REGIONS))
    sign: StrictBool = False


class VisitOut(Schema):
    code: UUID
    episode: UUID = Field(validation_alias="episode.code")
    patient: UUID = Field(validation_alias="patient.code")
    started: datetime
    status: str
    pre_nprs: int | None
    post_nprs: int | None
    hand_hygiene: bool
    clean_field: bool
    skin_prep_agent: str
    sterile_single_use: bool
    notes: str
    pain_chart: list[PainMark]
    post_massage_stretch: bool
    immediate_events: str
    signed_at: datetime | None
    sha256: str
    insertions: list[InsertionOut] = Field(validation_alias="insertions_list")
    gate_missing: list[str]


class AmendmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=r"^[^\x00]*$")]
    reason: Annotated[str, StringConstraints(min_length=5, max_length=300, pattern=r"^[^\x00]*$")]


class AmendmentOut(Schema):
    code: UUID
    created: datetime
    text: str
    reason: str


class ExamIn(Schema):
    """Today's findings at a trigger point: an existing one (`trigger_point`) or a new one (`muscle`, `side`)."""

    model_config = ConfigDict(extra="forbid")

    trigger_point: UUID | None = None
    muscle: Literal[tuple(BY_CODE)] | None = None  # type: ignore[valid-type]
    side: Literal[tuple(Side.values)] | None = None  # type: ignore[valid-type]
    location: Annotated[str, StringConstraints(max_length=120, pattern=r"^[^\x00]*$")] = ""
    taut_band: StrictBool = False
    hypersensitive_spot: StrictBool = False
    referred_pain: StrictBool = False
    recognition: StrictBool = False
    tenderness: int | None = Field(None, ge=0, le=10, strict=True)
    resolved: StrictBool = False


class ExamOut(Schema):
    visit: UUID = Field(validation_alias="visit.code")
    date: datetime = Field(validation_alias="visit.started")
    taut_band: bool
    hypersensitive_spot: bool
    referred_pain: bool
    recognition: bool
    tenderness: int | None
    resolved: bool
    status: str


class TriggerPointOut(Schema):
    code: UUID
    muscle: str
    side: str
    location: str
    chart_region: str | None
    exams: list[ExamOut] = Field(validation_alias="exam_list")
