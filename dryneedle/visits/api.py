from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StringConstraints

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, IsoDatetime
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.rules import REGIONS
from dryneedle.visits import bodymap, hooks, services
from dryneedle.visits.depth import PROTECTIVE
from dryneedle.visits.models import (
    SENSATIONS,
    Angle,
    Bleeding,
    Guidance,
    Insertion,
    NeedleLot,
    Position,
    Side,
    Technique,
    TriggerPoint,
    Visit,
)
from dryneedle.visits.muscles import BY_CODE

router = Router(tags=["visits"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


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
    recognition: bool = False
    sensations: list[Literal[tuple(k for k, _ in SENSATIONS)]] = Field(default_factory=list, max_length=5)  # type: ignore[valid-type]
    time_in: IsoDatetime | None = Field(None, description="When it went in; now when absent")


class RemovalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    pressure_applied: bool = True
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
    hand_hygiene: bool | None = None
    clean_field: bool | None = None
    skin_prep_agent: Annotated[str, StringConstraints(max_length=60, pattern=r"^[^\x00]*$")] | None = None
    sterile_single_use: bool | None = None
    post_massage_stretch: bool | None = None
    immediate_events: Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")] | None = None
    notes: Annotated[str, StringConstraints(max_length=5000, pattern=r"^[^\x00]*$")] | None = None
    pain_chart: list[PainMark] | None = Field(None, max_length=len(bodymap.REGIONS))
    sign: bool = False


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


def _out(v: Visit) -> Visit:
    v.insertions_list = list(v.insertions.select_related("lot").order_by("time_in", "id"))  # type: ignore[attr-defined]  # for the response schema
    v.gate_missing = needling_gate(v.episode).missing  # type: ignore[attr-defined]  # for the response schema
    return v


def _visit(request, code, write: bool) -> Visit:
    return care_team.get_clinical(request, Visit.objects.select_related("patient", "episode"), write=write, code=code)


@router.post("episodes/{code}/visits", response={201: VisitOut, **ERRORS}, operation_id="create_visit")
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


@router.get("visits/{code}", response={200: VisitOut, **ERRORS}, operation_id="get_visit")
def get_visit(request: ClinicRequest, code: UUID):
    v = _visit(request, code, write=False)
    record(request, "visit.view", v, category="procedure", detail="api")
    return _out(v)


@router.patch("visits/{code}", response={200: VisitOut, **ERRORS}, operation_id="update_visit")
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


@router.post("visits/{code}/insertions", response={201: InsertionOut, **ERRORS}, operation_id="create_insertion")
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


@router.post("insertions/{code}/remove", response={200: InsertionOut, **ERRORS}, operation_id="remove_insertion")
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


class AmendmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=r"^[^\x00]*$")]
    reason: Annotated[str, StringConstraints(min_length=5, max_length=300, pattern=r"^[^\x00]*$")]


class AmendmentOut(Schema):
    code: UUID
    created: datetime
    text: str
    reason: str


@router.post("visits/{code}/amendments", response={201: AmendmentOut, **ERRORS}, operation_id="create_amendment")
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


class ExamIn(Schema):
    """Today's findings at a trigger point: an existing one (`trigger_point`) or a new one (`muscle`, `side`)."""

    model_config = ConfigDict(extra="forbid")

    trigger_point: UUID | None = None
    muscle: Literal[tuple(BY_CODE)] | None = None  # type: ignore[valid-type]
    side: Literal[tuple(Side.values)] | None = None  # type: ignore[valid-type]
    location: Annotated[str, StringConstraints(max_length=120, pattern=r"^[^\x00]*$")] = ""
    taut_band: bool = False
    hypersensitive_spot: bool = False
    referred_pain: bool = False
    recognition: bool = False
    tenderness: int | None = Field(None, ge=0, le=10, strict=True)
    resolved: bool = False


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


def _tp_out(tp: TriggerPoint) -> TriggerPoint:
    tp.exam_list = sorted(tp.exams.select_related("visit"), key=lambda e: e.visit.started)  # type: ignore[attr-defined]  # for the response schema
    tp.chart_region = bodymap.muscle_site(tp.muscle, tp.side)  # type: ignore[attr-defined]  # for the response schema
    return tp


@router.get(
    "episodes/{code}/trigger-points",
    response={200: list[TriggerPointOut], **ERRORS},
    operation_id="list_trigger_points",
)
def list_trigger_points(request: ClinicRequest, code: UUID):
    """The episode's trigger points with their findings visit by visit (active → latent → resolved)."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=False, code=code)
    record(request, "triggerpoint.list", episode, patient=episode.patient, category="procedure", detail="api")
    return [_tp_out(tp) for tp in TriggerPoint.objects.filter(episode=episode).order_by("created")]


@router.post(
    "visits/{code}/trigger-point-exams", response={201: TriggerPointOut, **ERRORS}, operation_id="examine_trigger_point"
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
