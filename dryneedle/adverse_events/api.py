from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Query, Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.request import ClinicRequest
from dryneedle.adverse_events import services
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.adverse_events.schemas import EventIn, EventOut, EventPage
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, IsoDatetime, Paging, page
from dryneedle.patients import care_team
from dryneedle.visits.models import Visit

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
adverse_events_routes = Router(tags=["adverse events"])
visits_routes = Router(tags=["adverse events"])
ROUTERS = {"adverse-events": adverse_events_routes, "visits": visits_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


def _save(request, event: AdverseEvent, payload: EventIn, action_name: str) -> AdverseEvent:
    data = payload.model_dump(exclude_unset=True, exclude={"action", "error_reason"})
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


@adverse_events_routes.get("", response={200: EventPage, **ERRORS}, operation_id="list_adverse_events")
def list_adverse_events(
    request: ClinicRequest,
    paging: Query[Paging],
    status: Literal["draft", "confirmed", "closed"] | None = None,
    since: IsoDatetime | None = None,
    until: IsoDatetime | None = None,
):
    """The clinic's adverse events, oldest first, paged; `until` is exclusive."""
    qs = AdverseEvent.objects.filter(clinic=request.membership.clinic, entered_in_error=False)
    if status:
        qs = qs.filter(status=status)
    if since:
        qs = qs.filter(occurred__gte=since)
    if until:
        qs = qs.filter(occurred__lt=until)
    qs = care_team.team_rows(request, qs).select_related("patient", "visit").order_by("occurred", "id")
    out = page(qs, paging.limit, paging.offset)
    record(request, "adverse_events.list", category="safety", detail=f"api, {len(out['items'])} rows")
    return out


@visits_routes.post("/{code}/adverse-events", response={201: EventOut, **ERRORS}, operation_id="create_adverse_event")
def create_adverse_event(request: ClinicRequest, code: UUID, payload: EventIn):
    """Report an event at a visit; without a severity it stays a draft."""
    visit = care_team.get_clinical(request, Visit.objects.select_related("patient", "episode"), write=True, code=code)
    event = AdverseEvent(clinic=visit.clinic, patient=visit.patient, episode=visit.episode, visit=visit)
    return Status(201, _save(request, event, payload, "adverse_event.create"))


def _event(request, code, write):
    return care_team.get_clinical(
        request, AdverseEvent.objects.select_related("patient", "visit"), write=write, code=code
    )


@adverse_events_routes.get("/{code}", response={200: EventOut, **ERRORS}, operation_id="get_adverse_event")
def get_adverse_event(request: ClinicRequest, code: UUID):
    e = _event(request, code, write=False)
    record(request, "adverse_event.view", e, patient=e.patient, category="safety", detail="api")
    return e


@adverse_events_routes.patch("/{code}", response={200: EventOut, **ERRORS}, operation_id="update_adverse_event")
def update_adverse_event(request: ClinicRequest, code: UUID, payload: EventIn):
    """Classify, confirm or close an event; the same rules as the page (a serious event closes only with a review).

    `action: entered_in_error` with `error_reason` marks a mistaken report (nothing else may change with it).
    """
    event = _event(request, code, write=True)
    if payload.action == "entered_in_error":
        if others := sorted(payload.model_dump(exclude_unset=True).keys() - {"action", "error_reason"}):
            raise HttpError(422, f"Mark a report entered in error on its own, without {', '.join(others)}.")
        with transaction.atomic():
            event.mark_entered_in_error(request.user, payload.error_reason or "")
            record(request, "adverse_event.in_error", event, patient=event.patient, category="safety", detail="api")
        return event
    return _save(request, event, payload, f"adverse_event.{payload.action}")
