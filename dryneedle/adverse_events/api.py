from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from dryneedle.accounts.request import ClinicRequest
from dryneedle.adverse_events import rules, services
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, IsoDatetime, limits
from dryneedle.patients import care_team
from dryneedle.visits.models import Visit

router = Router(tags=["adverse events"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
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
    action: Literal["save", "confirm", "close"] = Field("save", description="confirm a draft, or close the event")


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


def _save(request, event: AdverseEvent, payload: EventIn, action_name: str) -> AdverseEvent:
    data = payload.model_dump(exclude_unset=True, exclude={"action"})
    if event.pk is None and not data.get("type"):
        raise HttpError(422, "type: give the type of event.")
    try:
        with transaction.atomic():
            services.save(event, request.user, data, action=payload.action)
            record(request, action_name, event, patient=event.patient, category="safety", detail="api")
    except ValidationError as e:
        record(
            request,
            action_name,
            event.visit or event.patient,
            patient=event.patient,
            category="safety",
            outcome="invalid",
        )
        raise HttpError(422, " ".join(e.messages)) from None
    return event


@router.get("adverse-events", response={200: list[EventOut], **ERRORS}, operation_id="list_adverse_events")
def list_adverse_events(
    request: ClinicRequest,
    status: Literal["draft", "confirmed", "closed"] | None = None,
    since: IsoDatetime | None = None,
    until: IsoDatetime | None = None,
):
    """The clinic's adverse events, oldest first; `until` is exclusive."""
    qs = AdverseEvent.objects.filter(clinic=request.membership.clinic, entered_in_error=False)
    if status:
        qs = qs.filter(status=status)
    if since:
        qs = qs.filter(occurred__gte=since)
    if until:
        qs = qs.filter(occurred__lt=until)
    rows = list(care_team.team_rows(request, qs).select_related("patient", "visit").order_by("occurred", "id")[:1000])
    record(request, "adverse_events.list", category="safety", detail=f"api, {len(rows)} rows")
    return rows


@router.post("visits/{code}/adverse-events", response={201: EventOut, **ERRORS}, operation_id="create_adverse_event")
def create_adverse_event(request: ClinicRequest, code: UUID, payload: EventIn):
    """Report an event at a visit; without a severity it stays a draft."""
    visit = care_team.get_clinical(request, Visit.objects.select_related("patient", "episode"), write=True, code=code)
    event = AdverseEvent(clinic=visit.clinic, patient=visit.patient, episode=visit.episode, visit=visit)
    return Status(201, _save(request, event, payload, "adverse_event.create"))


def _event(request, code, write):
    return care_team.get_clinical(
        request, AdverseEvent.objects.select_related("patient", "visit"), write=write, code=code
    )


@router.get("adverse-events/{code}", response={200: EventOut, **ERRORS}, operation_id="get_adverse_event")
def get_adverse_event(request: ClinicRequest, code: UUID):
    e = _event(request, code, write=False)
    record(request, "adverse_event.view", e, patient=e.patient, category="safety", detail="api")
    return e


@router.patch("adverse-events/{code}", response={200: EventOut, **ERRORS}, operation_id="update_adverse_event")
def update_adverse_event(request: ClinicRequest, code: UUID, payload: EventIn):
    """Classify, confirm or close an event; the same rules as the page (a serious event closes only with a review)."""
    return _save(request, _event(request, code, write=True), payload, f"adverse_event.{payload.action}")
