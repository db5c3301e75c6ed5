"""The one JSON API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json).

Authentication: a session cookie (with the CSRF token on unsafe requests) or
``Authorization: Bearer dn_...`` (an ApiToken bound to one clinic). Every
operation asks the policy table (``policy_check``, under its operation id) and every object is fetched
within the caller's clinic, exactly as the pages do.
"""

from importlib import import_module

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from dryneedle.accounts.apiauth import SessionAuth, TokenAuth, policy_check
from dryneedle.audit.log import record

api = NinjaAPI(
    title="dryneedle API",
    version="1.0.0",
    description="Patients and episodes of care. Every call is scoped to the caller's clinic and audited.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-1.0.0",
)
# Every operation asks the policy table under its own operation id, before its body runs.
api.add_decorator(policy_check)


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


# Each app's routes, mounted under the resource their address starts with (its api.ROUTERS), in the
# apps' declared order. Two apps may share a prefix (episodes/{code}/visits belongs to visits).
for app in (
    "patients",
    "screening",
    "visits",
    "outcomes",
    "adverse_events",
    "aftercare",
    "plans",
    "appointments",
    "practitioners",
    "directory",
    "analytics",
):
    for prefix, routes in import_module(f"dryneedle.{app}.api").ROUTERS.items():
        api.add_router(f"/{prefix}", routes)
