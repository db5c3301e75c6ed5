import json
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error
from dryneedle.outcomes import scoring, services
from dryneedle.outcomes.models import Response
from dryneedle.outcomes.schemas import AnswersIn, Instrument, ResponseIn, ResponseOut, ResponsePatch, ScoreOut
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
instruments_routes = Router(tags=["outcomes"])
episodes_routes = Router(tags=["outcomes"])
responses_routes = Router(tags=["outcomes"])
ROUTERS = {"instruments": instruments_routes, "episodes": episodes_routes, "responses": responses_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


@instruments_routes.post(
    "/{code}/score", response={200: ScoreOut, **ERRORS}, operation_id="score_instrument", exclude_none=True
)
def score_instrument(request: ClinicRequest, code: Instrument, payload: AnswersIn):
    """Score one response without storing it: the same rules and messages as `dryneedle score`."""
    try:
        # The raw body, not the schema's dump: keys such as "items" must reach the rules untouched.
        return scoring.score(code, json.loads(request.body)).as_dict()
    except scoring.InputError as e:
        raise HttpError(422, str(e)) from None


def _episode(request, code, write: bool) -> Episode:
    return care_team.get_clinical(request, Episode.objects.select_related("patient", "clinic"), write=write, code=code)


@episodes_routes.get("/{code}/responses", response={200: list[ResponseOut], **ERRORS}, operation_id="list_responses")
def list_responses(request: ClinicRequest, code: UUID, instrument: Instrument | None = None):
    """The episode's questionnaire responses, oldest first (entered-in-error ones included, flagged)."""
    episode = _episode(request, code, write=False)
    qs = Response.objects.filter(episode=episode).select_related("episode").order_by("collected", "id")
    if instrument:
        qs = qs.filter(instrument=instrument)
    record(request, "response.list", episode, patient=episode.patient, category="outcomes", detail="api")
    return list(qs)


@episodes_routes.post("/{code}/responses", response={201: ResponseOut, **ERRORS}, operation_id="create_response")
def create_response(request: ClinicRequest, code: UUID, payload: ResponseIn):
    """Store and score a response; bad answers are refused (422) with the key they concern."""
    episode = _episode(request, code, write=True)
    try:
        with transaction.atomic():
            r = services.record_response(
                episode, payload.instrument, payload.answers, request.user, collected=payload.collected
            )
            record(request, "response.create", r, patient=episode.patient, category="outcomes", detail="api")
    except ValidationError as e:
        record(request, "response.create", episode, patient=episode.patient, category="outcomes", outcome="invalid")
        raise HttpError(422, " ".join(e.messages)) from None
    return Status(201, r)


def _response(request, code, write: bool) -> Response:
    return care_team.get_clinical(
        request, Response.objects.select_related("episode", "patient"), write=write, code=code
    )


@responses_routes.get("/{code}", response={200: ResponseOut, **ERRORS}, operation_id="get_response")
def get_response(request: ClinicRequest, code: UUID):
    r = _response(request, code, write=False)
    record(request, "response.view", r, patient=r.patient, category="outcomes", detail="api")
    return r


@responses_routes.patch("/{code}", response={200: ResponseOut, **ERRORS}, operation_id="update_response")
def update_response(request: ClinicRequest, code: UUID, payload: ResponsePatch):
    """Mark a response entered in error (the only change: answers are never rewritten, nothing is deleted)."""
    r = _response(request, code, write=True)
    with transaction.atomic():
        r.mark_entered_in_error(request.user, payload.reason)
        record(request, "response.in_error", r, patient=r.patient, category="outcomes", detail="api")
    return r
