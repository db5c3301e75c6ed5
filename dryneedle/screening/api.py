from uuid import UUID

from django.db import transaction
from ninja import Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.screening import rules, services
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.models import Screening
from dryneedle.screening.schemas import Decision, EvaluateIn, ScreeningIn, ScreeningOut, ScreeningPatch

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
screening_routes = Router(tags=["screening"])
episodes_routes = Router(tags=["screening"])
screenings_routes = Router(tags=["screening"])
ROUTERS = {"screening": screening_routes, "episodes": episodes_routes, "screenings": screenings_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


def _out(s: Screening, gate=None) -> Screening:
    """Attach the episode's needling gate (pass it in when listing: it is the same for every screening)."""
    g = gate or needling_gate(s.episode)
    s.gate = {"allowed": g.allowed, "missing": g.missing}  # type: ignore[attr-defined]  # for the response schema
    return s


@screening_routes.post("/evaluate", response={200: Decision, **ERRORS}, operation_id="evaluate_screening")
def evaluate_screening(request: ClinicRequest, payload: EvaluateIn):
    """Evaluate answers without storing them: the same answer as `dryneedle screen`."""
    body = payload.model_dump()
    if isinstance(body["medical_clearance"], list):
        body["medical_clearance"] = [
            {k: (v.isoformat() if k == "date" else v) for k, v in c.items() if not (k == "findings" and v is None)}
            for c in body["medical_clearance"]
        ]
    try:
        return rules.screen(body)
    except rules.InputError as e:
        raise HttpError(422, str(e)) from None


def _episode(request, code, write: bool) -> Episode:
    return care_team.get_clinical(request, Episode.objects.select_related("patient"), write=write, code=code)


def _screening(request, code, write: bool) -> Screening:
    return care_team.get_clinical(
        request, Screening.objects.select_related("patient", "episode"), write=write, code=code
    )


@episodes_routes.get("/{code}/screenings", response={200: list[ScreeningOut], **ERRORS}, operation_id="list_screenings")
def list_screenings(request: ClinicRequest, code: UUID):
    episode = _episode(request, code, write=False)
    gate = needling_gate(episode)
    items = [_out(s, gate) for s in episode.screenings.select_related("patient", "episode").order_by("-created")]
    record(request, "screening.list", patient=episode.patient, category="screening", detail=f"api: {len(items)} rows")
    return items


@episodes_routes.post("/{code}/screenings", response={201: ScreeningOut, **ERRORS}, operation_id="create_screening")
def create_screening(request: ClinicRequest, code: UUID, payload: ScreeningIn):
    """Record a screening; the decision is computed, and the previous screening is superseded."""
    episode = _episode(request, code, write=True)
    data = payload.model_dump()
    data["new_clearances"] = [
        {"suspected": c["suspected"], "by": c["by"], "date": c["date"].isoformat()}
        | ({"findings": c["findings"]} if c["findings"] is not None else {})
        for c in data.pop("medical_clearance")
    ]
    with transaction.atomic():
        s = services.record_screening(episode, request.user, data)
        record(request, "screening.create", s, category="screening", detail="api: " + s.decision)
    return Status(201, _out(s))


@screenings_routes.get("/{code}", response={200: ScreeningOut, **ERRORS}, operation_id="get_screening")
def get_screening(request: ClinicRequest, code: UUID):
    s = _screening(request, code, write=False)
    record(request, "screening.view", s, category="screening", detail="api")
    return _out(s)


@screenings_routes.patch("/{code}", response={200: ScreeningOut, **ERRORS}, operation_id="update_screening")
def update_screening(request: ClinicRequest, code: UUID, payload: ScreeningPatch):
    s = _screening(request, code, write=True)
    with transaction.atomic():
        if payload.acknowledge:
            services.acknowledge(s, request.user, payload.acknowledge)
        if payload.override_reason is not None:
            services.override(s, request.user, payload.override_reason, payload.override_written_consent)
        if payload.invalidate_reason is not None:
            services.invalidate(s, request.user, payload.invalidate_reason)
        if payload.entered_in_error_reason is not None:
            s.mark_entered_in_error(request.user, payload.entered_in_error_reason)
        record(request, "screening.update", s, category="screening", detail="api")
    return _out(s)
