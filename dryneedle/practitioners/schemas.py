"""The practitioners API's request and response shapes (api.py holds the operations)."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from dryneedle.lib.schemas import PastDate, limits
from dryneedle.practitioners.models import Credential


class CredentialIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["licence", "dn_certification", "authorization"]
    profession: Literal[tuple(k for k, _ in Credential.Profession.choices)]  # type: ignore[valid-type]
    title: Annotated[str, limits(200, 1)]
    issuer: Annotated[str, limits(200, 1)]
    number: Annotated[str, limits(60)] = ""
    jurisdiction: Annotated[str, limits(10)] = ""
    hours_in_person: int | None = Field(None, ge=0, le=5000, strict=True)
    hours_online: int | None = Field(None, ge=0, le=5000, strict=True)
    issued: PastDate
    expires: date | None = None


class CredentialOut(Schema):
    code: UUID
    user: str = Field(validation_alias="user.username")
    kind: str
    profession: str
    title: str
    issuer: str
    number: str
    jurisdiction: str
    hours_in_person: int | None
    hours_online: int | None
    issued: date
    expires: date | None
    verified_at: datetime | None = Field(
        None, description="When this clinic verified it (another clinic's verification does not count here)"
    )
    verification_method: str = ""
    has_certificate: bool

    @staticmethod
    def resolve_has_certificate(obj):
        return bool(obj.certificate_type)
