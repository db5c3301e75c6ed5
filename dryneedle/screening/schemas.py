"""The screening API's request and response shapes (api.py holds the operations)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from dryneedle.lib.schemas import PastDate, limits
from dryneedle.screening import rules

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
    override_written_consent: StrictBool = False
    invalidate_reason: Text | None = None
    entered_in_error_reason: Annotated[str, limits(500)] | None = Field(
        None, description="Mark a screening recorded by mistake entered in error, with why"
    )


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
    error_reason: str
    decision: str
    answers: dict
    result: dict
    consent_type: str
    acknowledged: list[dict]
    override_reason: str
    gate: GateOut
