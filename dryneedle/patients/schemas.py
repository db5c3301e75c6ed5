from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from dryneedle.lib.schemas import Page, PastDate, limits
from dryneedle.patients.conditions import BY_CODE
from dryneedle.patients.models import Episode


def _known_condition(v: str) -> str:
    if v not in BY_CODE:
        raise ValueError(f"unknown condition code; use one of: {', '.join(BY_CODE)}")
    return v


ConditionCode = Annotated[str, AfterValidator(_known_condition)]
SexCode = Literal["female", "male", "other", "unknown"]


class PatientIn(Schema):
    model_config = ConfigDict(extra="forbid")

    given_name: Annotated[str, limits(100, 1)]
    family_name: Annotated[str, limits(100, 1)]
    birth_date: PastDate
    sex: SexCode
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^([^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+)?$")] = ""
    phone: Annotated[str, limits(40)] = ""
    address: Annotated[str, limits(300)] = ""
    preferred_language: Annotated[str, limits(40, 1)] = "English"
    emergency_contact_name: Annotated[str, limits(200)] = ""
    emergency_contact_phone: Annotated[str, limits(40)] = ""


class PatientPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    given_name: Annotated[str, limits(100, 1)] | None = None
    family_name: Annotated[str, limits(100, 1)] | None = None
    birth_date: PastDate | None = None
    sex: SexCode | None = None
    email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^([^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+)?$")] | None
    ) = None
    phone: Annotated[str, limits(40)] | None = None
    address: Annotated[str, limits(300)] | None = None
    preferred_language: Annotated[str, limits(40, 1)] | None = None
    emergency_contact_name: Annotated[str, limits(200)] | None = None
    emergency_contact_phone: Annotated[str, limits(40)] | None = None


class PatientOut(Schema):
    code: UUID
    given_name: str
    family_name: str
    birth_date: date | None = Field(description="None for an anonymised record: only its birth year is kept")
    birth_year: int
    anonymised_at: datetime | None = Field(None, description="When the record was anonymised (docs/retention.md)")
    sex: str
    email: str
    phone: str
    address: str
    preferred_language: str
    emergency_contact_name: str
    emergency_contact_phone: str
    status: str
    error_reason: str
    merged_into: UUID | None = Field(
        None, validation_alias="merged_into.code",
        description="A duplicate merged by a clinic admin into this record (its history stays its own)",
    )  # fmt: skip

    @staticmethod
    def resolve_birth_date(p) -> date | None:
        # An anonymised record keeps 1 January of the birth year: sent as a date it would read as an exact one.
        return None if p.anonymised_at else p.birth_date

    @staticmethod
    def resolve_birth_year(p) -> int:
        return p.birth_date.year


class PatientPage(Page):
    items: list[PatientOut]


class EpisodeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    condition: ConditionCode
    start_date: PastDate | None = None
    notes: Annotated[str, limits(5000)] = ""


class EpisodePatch(Schema):
    """Change an open episode, or discharge it (status=discharged with date and reason)."""

    model_config = ConfigDict(extra="forbid")

    condition: ConditionCode | None = None
    start_date: PastDate | None = None
    notes: Annotated[str, limits(5000)] | None = None
    status: Literal["discharged", "entered_in_error"] | None = None
    discharge_date: PastDate | None = None
    discharge_reason: Literal[tuple(Episode.DischargeReason.values)] | None = None  # type: ignore[valid-type]
    discharge_note: Annotated[str, limits(1000)] = ""
    error_reason: Annotated[str, limits(500)] = ""


class EpisodeOut(Schema):
    code: UUID
    patient: UUID = Field(validation_alias="patient.code")
    condition: str
    condition_name: str
    start_date: date
    status: str
    notes: str
    discharge_date: date | None
    discharge_reason: str
    discharge_note: str
    error_reason: str


class PatientSearch(Schema):
    """What to look for: every part given must match. Sent in the body, never in the URL (it names a person)."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, limits(100)] = Field("", description="Words of the given or family name, or of the phone")
    birth_date: PastDate | None = None
    phone: Annotated[str, limits(40)] = Field("", description="Digits of the phone number, in any format")
    limit: int = Field(50, ge=1, le=200, strict=True)
    offset: int = Field(0, ge=0, le=1_000_000, strict=True)


class PatientWithEpisodes(PatientOut):
    # Read from ``episodes_out`` (the view sets it): ``episodes`` on a patient is the relation itself.
    episodes: list[EpisodeOut] | None = Field(
        None,
        validation_alias="episodes_out",
        description="With include=episodes: the patient's episodes, newest first (clinical roles only)",
    )


class MarketingClaim(Schema):
    """A number from the source article, returned only with its label: it is not evidence (reference §10)."""

    label: str
    text: str


class ConditionCodeOut(Schema):
    """One of the clinic's own codes for a condition (none ship: docs/clinical-sources.md §16)."""

    system: str  # the FHIR system URI: http://snomed.info/sct, http://hl7.org/fhir/sid/icd-10(-cm|-ca)
    system_name: str
    code: str
    display: str
    basis: str  # where the clinic took it from


class ConditionOut(Schema):
    code: str
    name: str
    back_pain: bool
    evidence: str
    source: str
    marketing_claim: MarketingClaim | None
    codes: list[ConditionCodeOut]  # the clinic's own SNOMED CT / ICD-10 codes; empty unless a clinic admin set them
