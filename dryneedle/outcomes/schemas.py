"""The outcomes API's request and response shapes (api.py holds the operations)."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from dryneedle.lib.schemas import IsoDatetime, limits
from dryneedle.outcomes import scoring

Instrument = Literal[scoring.INSTRUMENTS]  # type: ignore[valid-type]


class ScoreOut(Schema):
    """As `dryneedle score` prints it (docs/cli.md): keys that do not apply are left out."""

    instrument: str
    scorable: bool
    score: float | None = None
    raw: int | None = Field(None, description="ODI: sum of the answered sections")
    answered: int | None = Field(None, description="ODI: sections answered")
    band: str | None = Field(None, description="ODI: minimal, moderate, severe, crippled, bed_bound")
    psychosocial: int | None = Field(None, description="STarT Back: items 5-9")
    risk: str | None = Field(None, description="STarT Back: low, medium, high")
    reason: str | None = Field(None, description="Why it is not scorable")


class AnswersIn(Schema):
    """The instrument's answers, as `dryneedle score` reads them (docs/cli.md); checked by the scoring rules."""

    model_config = ConfigDict(extra="allow")


class ResponseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    instrument: Instrument
    answers: dict[str, Any]
    collected: IsoDatetime | None = Field(None, description="When the patient answered; now when absent")


class ResponseOut(Schema):
    code: UUID
    episode: UUID = Field(validation_alias="episode.code")
    instrument: str
    answers: dict[str, Any]
    collected: datetime
    source: str
    scorable: bool
    score: float | None
    details: dict[str, Any]
    reason: str
    entered_in_error: bool
    error_reason: str


class ResponsePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    entered_in_error: Literal[True]
    reason: Annotated[str, limits(500)] = Field(description="Why it was entered in error (required)")
