"""The appointments API's request and response shapes (api.py holds the operations)."""

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from dryneedle.appointments.models import Appointment
from dryneedle.lib.schemas import IsoDatetime, Page, WallTime, limits

# The choices come from the catalogue at run time (an enum in the OpenAPI schema);
# to the type checker they are text.
if TYPE_CHECKING:
    Kind = str
else:
    Kind = Literal[tuple(k for k, _ in Appointment.KINDS)]


class AppointmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    patient: UUID
    practitioner: Annotated[str, limits(150, 1)] = Field(description="username of one of the clinic's practitioners")
    start: IsoDatetime
    end: IsoDatetime
    kind: Kind = "dry_needling"
    component: UUID | None = Field(None, description="the care-plan component this visit is for")
    outside_hours_reason: Annotated[str, limits(200)] = Field(
        "", description="needed to book outside the practitioner's hours"
    )
    note: Annotated[str, limits(300)] = ""


class AppointmentPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["attended", "cancelled", "no_show"]
    reason: Annotated[str, limits(200)] = ""


class AppointmentMove(Schema):
    """Move a booked appointment: a new start (the length is kept) and, optionally, another practitioner."""

    start: IsoDatetime
    practitioner: Annotated[str, limits(150)] | None = Field(None, description="username; empty: the same one")
    outside_hours_reason: Annotated[str, limits(200)] = Field(
        "", description="Needed to move it outside the practitioner's working hours"
    )


class AppointmentOut(Schema):
    code: UUID
    patient: UUID = Field(validation_alias="patient.code")
    practitioner: str = Field(validation_alias="practitioner.username")
    component: UUID | None = Field(None, validation_alias="component.code")
    kind: str
    start: datetime
    end: datetime
    status: str
    cancel_reason: str
    outside_hours_reason: str
    note: str
    arrived_at: datetime | None = Field(None, description="When the front desk marked the patient arrived")
    visit: UUID | None = Field(None, validation_alias="visit.code", description="The visit started from it")


class StartedVisit(Schema):
    visit: UUID = Field(description="The needling visit of the appointment (a draft when just started)")
    made: bool = Field(description="True when this call started it; false when it had been started already")


class FreeSlots(Schema):
    practitioner: str
    minutes: int
    starts: list[datetime] = Field(description="The next free starts in the practitioner's working hours")


class AppointmentPage(Page):
    items: list[AppointmentOut]


class WaitlistIn(Schema):
    """Put a patient on the waitlist for an earlier time."""

    patient: UUID
    practitioner: Annotated[str, limits(150)] | None = Field(None, description="username; empty: anyone")
    kind: Kind = "dry_needling"
    minutes: int = Field(30, ge=5, le=480, strict=True)
    earliest: date
    latest: date | None = Field(None, description="the last day that suits; empty: any later day")
    note: Annotated[str, limits(300)] = ""


class WaitlistOfferOut(Schema):
    start: datetime
    practitioner: str = Field(validation_alias="practitioner.username")
    status: str


class WaitlistOut(Schema):
    code: UUID
    patient: UUID = Field(validation_alias="patient.code")
    practitioner: str | None = Field(None, validation_alias="practitioner.username")
    kind: str
    minutes: int
    earliest: date
    latest: date | None
    note: str
    status: str
    removed_reason: str
    appointment: UUID | None = Field(None, validation_alias="appointment.code")
    offers: list[WaitlistOfferOut] = Field(validation_alias="offers.all")


class WaitlistPage(Page):
    items: list[WaitlistOut]


class WaitlistRemove(Schema):
    reason: Annotated[str, limits(200, 1)]


class AvailabilityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    practitioner: Annotated[str, limits(150, 1)]
    weekday: int = Field(ge=0, le=6, strict=True, description="0 = Monday")
    start: WallTime
    end: WallTime


class AvailabilityOut(Schema):
    code: UUID
    practitioner: str = Field(validation_alias="user.username")
    weekday: int
    start: time
    end: time


class AvailabilityPage(Page):
    items: list[AvailabilityOut]
