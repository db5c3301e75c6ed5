from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.screening.gate import needling_gate
from dryneedle.visits import bodymap, hooks, services
from dryneedle.visits.models import (
    Insertion,
    NeedleLot,
    TriggerPoint,
    Visit,
)
from dryneedle.visits.schemas import (
    AmendmentIn,
    AmendmentOut,
    ExamIn,
    InsertionIn,
    InsertionOut,
    RemovalIn,
    TriggerPointOut,
    VisitOut,
    VisitPatch,
)

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
episodes_routes = Router(tags=["visits"])
visits_routes = Router(tags=["visits"])
insertions_routes = Router(tags=["visits"])
ROUTERS = {"episodes": episodes_routes, "visits": visits_routes, "insertions": insertions_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


def _out(v: Visit) -> Visit:
    v.insertions_list = list(v.insertions.select_related("lot").order_by("time_in", "id"))  # type: ignore[attr-defined]  # for the response schema
    v.gate_missing = needling_gate(v.episode).missing  # type: ignore[attr-defined]  # for the response schema
    return v


def _visit(request, code, write: bool) -> Visit:
    return care_team.get_clinical(request, Visit.objects.select_related("patient", "episode"), write=write, code=code)


@episodes_routes.post("/{code}/visits", response={201: VisitOut, **ERRORS}, operation_id="create_visit")
def create_visit(request: ClinicRequest, code: UUID):
    """Start a draft needling visit on an open episode."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    try:
        with transaction.atomic():
            v = services.start_visit(episode, request.user)
            record(request, "visit.create", v, category="procedure", detail="api")
    except ValidationError as e:
        raise HttpError(422, " ".join(e.messages)) from None
    return Status(201, _out(v))


@visits_routes.get("/{code}", response={200: VisitOut, **ERRORS}, operation_id="get_visit")
def get_visit(request: ClinicRequest, code: UUID):
    v = _visit(request, code, write=False)
    record(request, "visit.view", v, category="procedure", detail="api")
    return _out(v)


@visits_routes.patch("/{code}", response={200: VisitOut, **ERRORS}, operation_id="update_visit")
def update_visit(request: ClinicRequest, code: UUID, payload: VisitPatch):
    """Record steps 1, 2 and 5 of a draft visit, and sign it with `sign: true`."""
    v = _visit(request, code, write=True)
    data = payload.model_dump(exclude_unset=True)
    sign = data.pop("sign", False)
    with transaction.atomic():
        if data:
            if v.status != Visit.Status.DRAFT:
                raise HttpError(422, "This visit is signed: corrections are amendments.")
            for k, val in data.items():
                if val is None and not k.endswith("_nprs"):
                    continue  # only the pain scores can be cleared
                if k == "pain_chart":
                    try:
                        val = bodymap.validate(val)
                    except bodymap.ChartError as e:
                        raise HttpError(422, str(e)) from None
                setattr(v, k, val)
            v.updated_by = request.user
            v.save()
        if sign:
            services.sign(v, request.user)
            hooks.visit_signed.send(Visit, visit=v, base_url=request.build_absolute_uri("/"))
        record(request, "visit.sign" if sign else "visit.update", v, category="procedure", detail="api")
    return _out(v)


@visits_routes.post("/{code}/insertions", response={201: InsertionOut, **ERRORS}, operation_id="create_insertion")
def create_insertion(request: ClinicRequest, code: UUID, payload: InsertionIn):
    """Record a needle. Refused, with what is missing, unless the screening allows needling in the region."""
    v = _visit(request, code, write=True)
    lot = NeedleLot.objects.filter(code=payload.lot).first()
    if lot is None:
        raise HttpError(422, "Unknown needle lot.")
    fields = payload.model_dump(exclude={"lot"})
    if fields["time_in"] is None:
        del fields["time_in"]  # the model's default: now
    try:
        with transaction.atomic():
            ins = Insertion.objects.create(visit=v, lot=lot, created_by=request.user, updated_by=request.user, **fields)
            record(request, "insertion.create", ins, patient=v.patient, category="procedure", detail="api")
    except ValidationError as e:
        refused(request, "insertion.create", v, e)
    return Status(201, ins)


@insertions_routes.post("/{code}/remove", response={200: InsertionOut, **ERRORS}, operation_id="remove_insertion")
def remove_insertion(request: ClinicRequest, code: UUID, payload: RemovalIn | None = None):
    """Record that a needle came out (now, or at `time_out`; never before it went in)."""
    ins = care_team.get_clinical(
        request, Insertion.objects.select_related("visit", "patient", "lot"), write=True, code=code
    )
    with transaction.atomic():
        payload = payload or RemovalIn(time_out=None)
        services.remove_needle(
            ins,
            request.user,
            when=payload.time_out,
            pressure_applied=payload.pressure_applied,
            bleeding=payload.bleeding,
        )
        record(request, "insertion.remove", ins, patient=ins.patient, category="procedure", detail="api")
    return ins


@visits_routes.post("/{code}/amendments", response={201: AmendmentOut, **ERRORS}, operation_id="create_amendment")
def create_amendment(request: ClinicRequest, code: UUID, payload: AmendmentIn):
    """Append a correction to a signed visit; the signed note never changes."""
    v = _visit(request, code, write=True)
    try:
        with transaction.atomic():
            a = services.amend(v, request.user, payload.text, payload.reason)
            record(request, "visit.amend", v, category="procedure", detail=f"api: amendment {a.code}")
    except ValidationError as e:
        refused(request, "visit.amend", v, e)
    return Status(201, a)


def refused(request: ClinicRequest, action: str, obj, err: ValidationError):
    """Audit a refused write against its patient, then answer 422 with the reasons."""
    record(request, action, obj, category="procedure", outcome="invalid", detail="; ".join(err.messages)[:200])
    raise HttpError(422, " ".join(err.messages))


def _tp_out(tp: TriggerPoint) -> TriggerPoint:
    tp.exam_list = sorted(tp.exams.select_related("visit"), key=lambda e: e.visit.started)  # type: ignore[attr-defined]  # for the response schema
    tp.chart_region = bodymap.muscle_site(tp.muscle, tp.side)  # type: ignore[attr-defined]  # for the response schema
    return tp


@episodes_routes.get(
    "/{code}/trigger-points",
    response={200: list[TriggerPointOut], **ERRORS},
    operation_id="list_trigger_points",
)
def list_trigger_points(request: ClinicRequest, code: UUID):
    """The episode's trigger points with their findings visit by visit (active → latent → resolved)."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=False, code=code)
    record(request, "triggerpoint.list", episode, patient=episode.patient, category="procedure", detail="api")
    return [_tp_out(tp) for tp in TriggerPoint.objects.filter(episode=episode).order_by("created")]


@visits_routes.post(
    "/{code}/trigger-point-exams", response={201: TriggerPointOut, **ERRORS}, operation_id="examine_trigger_point"
)
def examine_trigger_point(request: ClinicRequest, code: UUID, payload: ExamIn):
    """Record today's Delphi findings at a trigger point; a new one needs its muscle and side."""
    v = _visit(request, code, write=True)
    data = payload.model_dump()
    tp = None
    if data["trigger_point"]:
        tp = TriggerPoint.objects.filter(code=data["trigger_point"], episode=v.episode).first()
        if tp is None:
            raise HttpError(422, "That trigger point is not in this episode.")
    try:
        with transaction.atomic():
            exam = services.examine_trigger_point(v, request.user, data, trigger_point=tp)
            record(
                request, "triggerpoint.exam", exam.trigger_point, patient=v.patient, category="procedure", detail="api"
            )
    except ValidationError as e:
        refused(request, "triggerpoint.exam", v, e)
    return Status(201, _tp_out(exam.trigger_point))
