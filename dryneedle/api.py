"""The one JSON API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json).

Authentication: a session cookie (with the CSRF token on unsafe requests) or
``Authorization: Bearer dn_...`` (an ApiToken bound to one clinic). Every
operation asks the policy table (``require``) and every object is fetched
within the caller's clinic, exactly as the pages do.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from dryneedle.audit.log import record
from dryneedle.practitioners.access import check
from dryneedle.practitioners.models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token.startswith(ApiToken.PREFIX) or len(token) > 100:
            return None
        t = (
            ApiToken.objects.filter(
                digest=ApiToken.digest_of(token),
                revoked__isnull=True,
                expires__gt=timezone.now(),
                membership__is_active=True,
                membership__user__is_active=True,
            )
            .select_related("membership__user", "membership__clinic")
            .first()
        )
        if t is None:
            return None
        # The token's scope limits it below its owner's role (finding 9).
        needed = "read" if request.method in SAFE_METHODS else "write"
        if needed not in t.scope_set():
            raise HttpError(403, f"This token may not {needed}: its scopes are {t.scopes}.")
        ApiToken.objects.filter(pk=t.pk).update(last_used=timezone.now())
        request.user = t.membership.user
        request.membership = t.membership  # type: ignore[attr-defined]
        from dryneedle.practitioners.middleware import activate_clinic_timezone

        activate_clinic_timezone(t.membership.clinic)
        return t


class SessionAuth(APIKeyCookie):
    """The browser session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key):
        if request.user.is_authenticated and getattr(request, "membership", None) is not None:
            return request.user
        return None


api = NinjaAPI(
    title="dryneedle API",
    version="1.0.0",
    description="Patients and episodes of care. Every call is scoped to the caller's clinic and audited.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-1.0.0",
)


def require(request: HttpRequest, operation: str) -> None:
    """Refuse (403, audited) unless the policy table lets the caller's role do ``operation``."""
    if not check(request, "api:" + operation):
        record(request, "access.denied", outcome="denied", detail="api:" + operation)
        raise HttpError(403, "Your role does not allow this operation.")
    token = getattr(request, "auth", None)
    if operation.startswith("export") and isinstance(token, ApiToken) and "export" not in token.scope_set():
        record(request, "access.denied", outcome="denied", detail="token scope: api:" + operation)
        raise HttpError(403, "This token may not export: ask for a token with the export scope.")


@api.exception_handler(ValidationError)
def django_validation_error(request: HttpRequest, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    record(request, "api.invalid", outcome="invalid", detail=request.path[:200])
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(NinjaValidationError)
def ninja_validation_error(request: HttpRequest, exc: NinjaValidationError):
    # Echo locations and messages, never the submitted values (they may be PHI).
    errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors]
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "Authentication required."}, status=401)


api.add_router("/", "dryneedle.patients.api.router")
api.add_router("/", "dryneedle.screening.api.router")
api.add_router("/", "dryneedle.visits.api.router")
api.add_router("/", "dryneedle.outcomes.api.router")
api.add_router("/", "dryneedle.adverse_events.api.router")
api.add_router("/", "dryneedle.plans.api.router")
api.add_router("/", "dryneedle.appointments.api.router")
api.add_router("/", "dryneedle.practitioners.api.router")
api.add_router("/", "dryneedle.directory.api.router")
