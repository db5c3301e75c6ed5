from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from django.db import transaction
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StringConstraints

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, PastDate
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.screening import rules, services
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.models import Screening

router = Router(tags=["screening"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}

Text = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]
# The choices come from the catalogue at run time (an enum in the OpenAPI schema);
# to the type checker they are text.
if TYPE_CHECKING:
    Finding = str
else:
    Finding = Literal[tuple(rules.BY_CODE)]
Region = Literal[rules.REGIONS]  # type: ignore[valid-type]
RegionFinding = Literal[rules.REGION_FINDINGS]  # type: ignore[valid-type]


class Reason(Schema):
    rule: str
    text: str
    source: str


class Decision(Schema):
    decision: Literal[rules.LEVELS]  # type: ignore[valid-type]
    override_allowed: bool
    suspected: list[str]
    reasons: list[Reason]
    precautions: list[Reason]
    actions: list[str]


Clearable = Literal[rules.CLEARABLE]  # type: ignore[valid-type]
AskedGroup = Literal[rules.ASKED_GROUPS]  # type: ignore[valid-type]


class ClearanceIn(Schema):
    """A physician's clearance of one suspected pathology; it covers the findings named (default: those recorded)."""

    model_config = ConfigDict(extra="forbid")

    suspected: Clearable
    by: Text
    date: PastDate
    findings: list[Finding] | None = None


class EvaluateIn(Schema):
    """The same body as `dryneedle screen` reads."""

    model_config = ConfigDict(extra="forbid")

    age: int = Field(ge=0, le=130, strict=True)
    consent: Literal[rules.CONSENT]  # type: ignore[valid-type]
    findings: list[Finding] = Field(max_length=100)
    sex: Literal[rules.SEXES] = "unknown"  # type: ignore[valid-type]
    pregnancy_weeks: int | None = Field(None, ge=0, le=45, strict=True)
    medications: list[Text] = Field(default_factory=list, max_length=100)
    planned_regions: list[Region] = Field(default_factory=list)
    electrical_stimulation: bool = Field(False, strict=True)
    region_findings: dict[Region, list[RegionFinding]] = Field(default_factory=dict)
    medical_clearance: list[ClearanceIn] | Annotated[bool, Field(strict=True)] = False
    asked: dict[AskedGroup, Annotated[bool, Field(strict=True)]] = Field(default_factory=dict)


class ScreeningIn(Schema):
    """Answers for an episode's screening; age and sex come from the patient's record."""

    model_config = ConfigDict(extra="forbid")

    consent: Literal[rules.CONSENT]  # type: ignore[valid-type]
    consent_type: Literal["verbal", "written", ""] = ""
    consent_witness: Text = ""
    findings: list[Finding] = Field(max_length=100)
    none_of: list[Literal["red_flags", "contraindications"]] = Field(
        default_factory=list, description="Groups asked with nothing found; a group with neither is not asked."
    )
    pregnancy: Literal["not_asked", "no", "pregnant"] = "not_asked"
    pregnancy_weeks: int | None = Field(None, ge=0, le=45, strict=True)
    medications: list[Text] = Field(default_factory=list, max_length=100)
    planned_regions: list[Region] = Field(default_factory=list)
    electrical_stimulation: bool = Field(False, strict=True)
    region_findings: dict[Region, list[RegionFinding]] = Field(default_factory=dict)
    medical_clearance: list[ClearanceIn] = Field(
        default_factory=list, max_length=3, description="New clearances; those of the last screening carry over."
    )


class ScreeningPatch(Schema):
    """Acknowledge precautions, override a deferral, or end the screening because something changed."""

    model_config = ConfigDict(extra="forbid")

    acknowledge: list[Annotated[str, StringConstraints(max_length=100)]] = Field(default_factory=list, max_length=50)
    override_reason: Annotated[str, StringConstraints(max_length=1000, pattern=r"^[^\x00]*$")] | None = None
    override_written_consent: bool = False
    invalidate_reason: Text | None = None


class GateOut(Schema):
    allowed: bool
    missing: list[str]


class ScreeningOut(Schema):
    code: UUID
    episode: UUID = Field(validation_alias="episode.code")
    patient: UUID = Field(validation_alias="patient.code")
    created: datetime
    valid_until: datetime
    status: str
    status_reason: str
    decision: str
    answers: dict
    result: dict
    consent_type: str
    acknowledged: list[dict]
    override_reason: str
    gate: GateOut


def _out(s: Screening, gate=None) -> Screening:
    """Attach the episode's needling gate (pass it in when listing: it is the same for every screening)."""
    g = gate or needling_gate(s.episode)
    s.gate = {"allowed": g.allowed, "missing": g.missing}  # type: ignore[attr-defined]  # for the response schema
    return s


@router.post("screening/evaluate", response={200: Decision, **ERRORS}, operation_id="evaluate_screening")
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


@router.get("episodes/{code}/screenings", response={200: list[ScreeningOut], **ERRORS}, operation_id="list_screenings")
def list_screenings(request: ClinicRequest, code: UUID):
    episode = _episode(request, code, write=False)
    gate = needling_gate(episode)
    items = [_out(s, gate) for s in episode.screenings.select_related("patient", "episode").order_by("-created")]
    record(request, "screening.list", patient=episode.patient, category="screening", detail=f"api: {len(items)} rows")
    return items


@router.post("episodes/{code}/screenings", response={201: ScreeningOut, **ERRORS}, operation_id="create_screening")
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


@router.get("screenings/{code}", response={200: ScreeningOut, **ERRORS}, operation_id="get_screening")
def get_screening(request: ClinicRequest, code: UUID):
    s = _screening(request, code, write=False)
    record(request, "screening.view", s, category="screening", detail="api")
    return _out(s)


@router.patch("screenings/{code}", response={200: ScreeningOut, **ERRORS}, operation_id="update_screening")
def update_screening(request: ClinicRequest, code: UUID, payload: ScreeningPatch):
    s = _screening(request, code, write=True)
    with transaction.atomic():
        if payload.acknowledge:
            services.acknowledge(s, request.user, payload.acknowledge)
        if payload.override_reason is not None:
            services.override(s, request.user, payload.override_reason, payload.override_written_consent)
        if payload.invalidate_reason is not None:
            services.invalidate(s, request.user, payload.invalidate_reason)
        record(request, "screening.update", s, category="screening", detail="api")
    return _out(s)
