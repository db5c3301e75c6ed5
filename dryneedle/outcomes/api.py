import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, IsoDatetime
from dryneedle.outcomes import scoring, services
from dryneedle.outcomes.models import Response
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode

router = Router(tags=["outcomes"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
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


@router.post(
    "instruments/{code}/score", response={200: ScoreOut, **ERRORS}, operation_id="score_instrument", exclude_none=True
)
def score_instrument(request: ClinicRequest, code: Instrument, payload: AnswersIn):
    """Score one response without storing it: the same rules and messages as `dryneedle score`."""
    try:
        # The raw body, not the schema's dump: keys such as "items" must reach the rules untouched.
        return scoring.score(code, json.loads(request.body)).as_dict()
    except scoring.InputError as e:
        raise HttpError(422, str(e)) from None


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


class ResponsePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    entered_in_error: Literal[True]


def _episode(request, code, write: bool) -> Episode:
    return care_team.get_clinical(request, Episode.objects.select_related("patient", "clinic"), write=write, code=code)


@router.get("episodes/{code}/responses", response={200: list[ResponseOut], **ERRORS}, operation_id="list_responses")
def list_responses(request: ClinicRequest, code: UUID, instrument: Instrument | None = None):
    """The episode's questionnaire responses, oldest first (entered-in-error ones included, flagged)."""
    episode = _episode(request, code, write=False)
    qs = Response.objects.filter(episode=episode).select_related("episode").order_by("collected", "id")
    if instrument:
        qs = qs.filter(instrument=instrument)
    record(request, "response.list", episode, patient=episode.patient, category="outcomes", detail="api")
    return list(qs)


@router.post("episodes/{code}/responses", response={201: ResponseOut, **ERRORS}, operation_id="create_response")
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


@router.get("responses/{code}", response={200: ResponseOut, **ERRORS}, operation_id="get_response")
def get_response(request: ClinicRequest, code: UUID):
    r = _response(request, code, write=False)
    record(request, "response.view", r, patient=r.patient, category="outcomes", detail="api")
    return r


@router.patch("responses/{code}", response={200: ResponseOut, **ERRORS}, operation_id="update_response")
def update_response(request: ClinicRequest, code: UUID, payload: ResponsePatch):
    """Mark a response entered in error (the only change: answers are never rewritten, nothing is deleted)."""
    r = _response(request, code, write=True)
    with transaction.atomic():
        r.entered_in_error = True
        r.updated_by = request.user
        r.save(update_fields=["entered_in_error", "updated_by", "updated"])
        record(request, "response.in_error", r, patient=r.patient, category="outcomes", detail="api")
    return r
