from ninja import Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error
from dryneedle.practitioners.credentials import member
from dryneedle.practitioners.models import Credential
from dryneedle.practitioners.schemas import CredentialIn, CredentialOut

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
credentials_routes = Router(tags=["credentials"])
ROUTERS = {"credentials": credentials_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


@credentials_routes.get("", response={200: list[CredentialOut], **ERRORS}, operation_id="list_credentials")
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


@credentials_routes.post("", response={201: CredentialOut, **ERRORS}, operation_id="create_credential")
def create_credential(request: ClinicRequest, payload: CredentialIn):
    """Add one of your credentials (unverified until a clinic admin verifies it; certificates: the page)."""
    if payload.expires is not None and payload.expires <= payload.issued:
        raise HttpError(422, "expires: the expiry date must be after the date of issue.")
    c = Credential.objects.create(user=request.user, **payload.model_dump())
    record(request, "credential.add", category="credentials", detail=f"api {c.code}")
    return Status(201, _with_verification(c, request.membership.clinic))
