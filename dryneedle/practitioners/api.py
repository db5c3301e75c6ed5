from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, PastDate, limits
from dryneedle.practitioners.credentials import member
from dryneedle.practitioners.models import Credential

router = Router(tags=["credentials"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class CredentialIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["licence", "dn_certification", "authorization"]
    profession: Literal[tuple(k for k, _ in Credential.Profession.choices)]  # type: ignore[valid-type]
    title: Annotated[str, limits(200, 1)]
    issuer: Annotated[str, limits(200, 1)]
    number: Annotated[str, limits(60)] = ""
    jurisdiction: Annotated[str, limits(10)] = ""
    hours_in_person: int | None = Field(None, ge=0, le=5000)
    hours_online: int | None = Field(None, ge=0, le=5000)
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


@router.get("credentials", response={200: list[CredentialOut], **ERRORS}, operation_id="list_credentials")
def list_credentials(request: ClinicRequest, user: str | None = None):
    """Your credentials, or (clinic admin) a member's, with their verification."""
    who = member(request, user)  # yourself, or a member of the clinic for a clinic admin
    record(request, "credentials.view", category="credentials", detail=f"api {who.username}")
    creds = list(
        Credential.objects.filter(user=who)
        .select_related("user")
        .prefetch_related("verifications")
        .order_by("kind", "-issued")
    )
    return [_with_verification(c, request.membership.clinic) for c in creds]


def _with_verification(c: Credential, clinic) -> Credential:
    v = c.verification_for(clinic)
    c.verified_at, c.verification_method = (v.verified_at, v.method) if v else (None, "")  # type: ignore[attr-defined]  # for the response schema
    return c


@router.post("credentials", response={201: CredentialOut, **ERRORS}, operation_id="create_credential")
def create_credential(request: ClinicRequest, payload: CredentialIn):
    """Add one of your credentials (unverified until a clinic admin verifies it; certificates: the page)."""
    if payload.expires is not None and payload.expires <= payload.issued:
        raise HttpError(422, "expires: the expiry date must be after the date of issue.")
    c = Credential.objects.create(user=request.user, **payload.model_dump())
    record(request, "credential.add", category="credentials", detail=f"api {c.code}")
    return Status(201, _with_verification(c, request.membership.clinic))
