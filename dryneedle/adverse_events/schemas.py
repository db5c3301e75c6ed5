"""The adverse events API's request and response shapes (api.py holds the operations)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from dryneedle.adverse_events import rules
from dryneedle.lib.schemas import Page, limits

# The choices come from the catalogue at run time (an enum in the OpenAPI schema);
# to the type checker they are text.
if TYPE_CHECKING:
    Type = str
else:
    Type = Literal[tuple(t for t, _ in rules.TYPES)]


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: Type | None = None
    severity: Literal["", "mild", "significant", "serious"] | None = None
    causality: Literal["", "certain", "probable", "possible", "unlikely"] | None = None
    onset: Literal["", "during", "after_session", "within_48h", "later"] | None = None
    duration: Annotated[str, limits(100)] | None = None
    description: Annotated[str, limits(2000)] | None = None
    action_taken: Annotated[str, limits(2000)] | None = None
    outcome: Literal["resolved", "resolving", "not_resolved", "unknown"] | None = None
    review_note: Annotated[str, limits(2000)] | None = None
    action: Literal["save", "confirm", "close", "entered_in_error"] = Field(
        "save", description="confirm a draft, close the event, or mark a mistaken report entered in error"
    )
    error_reason: Annotated[str, limits(500)] | None = Field(None, description="With entered_in_error: why")


class EventOut(Schema):
    code: UUID
    patient: UUID = Field(validation_alias="patient.code")
    visit: UUID | None = Field(None, validation_alias="visit.code")
    type: str
    severity: str
    causality: str
    onset: str
    duration: str
    description: str
    action_taken: str
    outcome: str
    status: str
    source: str
    occurred: datetime
    review_note: str
    entered_in_error: bool
    error_reason: str


class EventPage(Page):
    items: list[EventOut]
